// The simulator and the test runner on real compiled programs, through the interpreter and
// the JIT: each case is a rule file with one `test` block and what running it must report.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "compiler/ir/lowered_for_test.h"
#include "compiler/ir/test_case.h"
#include "runtime/jit/jit_engine.h"
#include "runtime/simulate/simulator.h"
#include "runtime/simulate/test_runner.h"

namespace squall::simulate {
namespace {

constexpr std::string_view kPrelude =
    "import core\n"
    "trigger disk.low {\n  host: string\n  mount: string\n  free_pct: float\n}\n"
    "trigger deploy.done {\n  service: string\n  version: string\n}\n";

struct Case {
  std::string name;
  std::string source;  // after the prelude: rules and one test
  // Empty: the test passes. Otherwise the failure's message must contain `failure`, and its
  // details (joined by newlines) `detail`.
  std::string failure;
  std::string detail;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

const Case kCases[] = {
    {"matches_and_renders",
     R"(rule clean {
  if disk.low where event.mount == "/var/log"
  then core.local(cmd: "rm -f {{event.mount}}/*.gz")
}
test "t" {
  given disk.low {host: "web1", mount: "/var/log", free_pct: 3.0}
  expect core.local(cmd: "rm -f '/var/log'/*.gz")
  given disk.low {host: "db1", mount: "/data", free_pct: 3.0}
  expect nothing
})",
     "", ""},
    {"wildcard_and_defaults",
     R"(rule clean {
  if disk.low then core.local(cmd: "df -h")
}
test "t" {
  given disk.low {host: "web1", mount: "/", free_pct: 1.0}
  expect core.local(cmd: _, timeout: 60, kwarg_op: "--")
})",
     "", ""},
    {"argument_differs",
     R"(rule clean {
  if disk.low then core.local(cmd: "df -h {{event.host}}")
}
test "t" {
  given disk.low {host: "web1", mount: "/", free_pct: 1.0}
  expect core.local(cmd: "df -h web2")
})",
     "expected core.local(cmd: \"df -h web2\"), but the call differs",
     "cmd: expected \"df -h web2\", got \"df -h 'web1'\""},
    {"condition_false_explained",
     R"(rule clean {
  if disk.low where event.free_pct < 5.0 and event.mount == "/var/log"
  then core.local(cmd: "x")
}
test "t" {
  given disk.low {host: "web1", mount: "/data", free_pct: 1.0}
  expect core.local(cmd: _)
})",
     "but it was not called", "rule clean: condition `event.mount == \"/var/log\"` is false"},
    {"expect_nothing_fails_with_the_call",
     R"(rule clean {
  if disk.low then core.local(cmd: "x")
}
test "t" {
  given disk.low {host: "web1", mount: "/data", free_pct: 1.0}
  expect nothing
})",
     "expected nothing, but 1 call was made", "core.local(cmd: \"x\""},
    {"retry_in_virtual_time",
     R"(rule clean {
  if disk.low then core.local(cmd: "x") retry 2 times every 10m
}
test "t" {
  when core.local fails with "disk busy"
  given disk.low {host: "web1", mount: "/", free_pct: 1.0}
  expect core.local(cmd: "x")
  expect core.local(cmd: "x") after 10m
  when core.local returns {stdout: "ok"}
  expect core.local(cmd: "x") after 10m
  expect nothing after 1h
})",
     "", ""},
    {"retry_not_yet_due",
     R"(rule clean {
  if disk.low then core.local(cmd: "x") retry 1 times every 30s
}
test "t" {
  when core.local fails with "busy"
  given disk.low {host: "web1", mount: "/", free_pct: 1.0}
  expect core.local(cmd: "x")
  expect core.local(cmd: "x") after 10s
})",
     "but it was not called", "the next attempt of core.local is due at +30s"},
    {"call_made_before_the_window",
     R"(rule clean {
  if disk.low then core.local(cmd: "x")
}
test "t" {
  given disk.low {host: "web1", mount: "/", free_pct: 1.0}
  expect core.local(cmd: "x") after 1m
})",
     "it was made before, at +0s", ""},
    {"trailing_expect_nothing_waits_for_retries",
     R"(rule clean {
  if disk.low then core.local(cmd: "x") retry 1 times every 1h
}
test "t" {
  when core.local fails with "busy"
  given disk.low {host: "web1", mount: "/", free_pct: 1.0}
  expect core.local(cmd: "x")
  expect nothing
})",
     "expected nothing, but 1 call was made", "+1h core.local"},
    {"retry_backoff",
     R"(rule clean {
  if disk.low then core.local(cmd: "x") retry 3 times every 1m backoff 2x
}
test "t" {
  when core.local fails with "busy"
  given disk.low {host: "web1", mount: "/", free_pct: 1.0}
  expect core.local(cmd: "x")
  expect core.local(cmd: "x") after 1m
  expect core.local(cmd: "x") after 2m
  expect core.local(cmd: "x") after 4m
  expect nothing after 1h
})",
     "", ""},
    {"retry_when_condition",
     R"(rule clean {
  if disk.low then core.local(cmd: "x") retry 3 times every 1s when error.message contains "busy"
}
test "t" {
  when core.local fails with "busy"
  given disk.low {host: "web1", mount: "/", free_pct: 1.0}
  expect core.local(cmd: "x")
  when core.local fails with "permission denied"
  expect core.local(cmd: "x") after 1s
  expect nothing after 1m
})",
     "", ""},
    {"follow_up_on_failure",
     R"(rule deploy {
  if deploy.done then core.local(cmd: "check {{event.service}}")
  on failure then core.echo(message: "rollback {{event.service}}: {{error.message}}")
  on success then core.echo(message: "ok")
}
test "t" {
  when core.local fails with "health check failed"
  given deploy.done {service: "api", version: "1.2"}
  expect core.local(cmd: _)
  expect core.echo(message: "rollback api: health check failed")
  expect nothing
})",
     "", ""},
    {"follow_up_reads_result",
     R"(rule deploy {
  if deploy.done then core.local(cmd: "v")
  on success then core.echo(message: "got {{result.stdout}}")
}
test "t" {
  when core.local returns {stdout: "1.2"}
  given deploy.done {service: "api", version: "1.2"}
  expect core.local(cmd: "v")
  expect core.echo(message: "got 1.2")
})",
     "", ""},
    {"throttle_in_virtual_time",
     R"(rule page {
  if disk.low then core.echo(message: event.host) throttle 1 per 1h by event.host
}
test "t" {
  given disk.low {host: "web1", mount: "/", free_pct: 1.0}
  expect core.echo(message: "web1")
  given disk.low {host: "web1", mount: "/", free_pct: 1.0} after 10m
  expect nothing
  given disk.low {host: "web2", mount: "/", free_pct: 1.0}
  expect core.echo(message: "web2")
  given disk.low {host: "web1", mount: "/", free_pct: 1.0} after 1h
  expect core.echo(message: "web1")
})",
     "", ""},
    {"throttled_explained",
     R"(rule page {
  if disk.low then core.echo(message: event.host) throttle 1 per 1h
}
test "t" {
  given disk.low {host: "web1", mount: "/", free_pct: 1.0}
  expect core.echo(message: "web1")
  given disk.low {host: "web2", mount: "/", free_pct: 1.0}
  expect core.echo(message: "web2")
})",
     "but it was not called", "rule page: throttled"},
    {"execution_events_chain_rules",
     R"(rule first {
  if disk.low then core.local(cmd: "x")
}
rule watch {
  if core.execution where event.status == "failed" and event.rule == "first"
  then core.echo(message: "failed: {{event.action}}")
}
test "t" {
  when core.local fails with "no"
  given disk.low {host: "web1", mount: "/", free_pct: 1.0}
  expect core.local(cmd: "x")
  expect core.echo(message: "failed: core.local")
})",
     "", ""},
    {"st2_action_trigger_reaches_imported_rules",
     R"(rule first {
  if disk.low then core.local(cmd: "x")
}
rule st2_watch {
  if core.st2.generic.actiontrigger where event.status == "failed"
  then core.echo(message: "{{event.action_name}} {{event.action_ref}} {{event.runner_ref}}")
}
test "t" {
  when core.local fails with "no"
  given disk.low {host: "web1", mount: "/", free_pct: 1.0}
  expect core.local(cmd: "x")
  expect core.echo(message: "local core.local local-shell-cmd")
})",
     "", ""},
    {"inject_trigger_reaches_rules",
     R"(rule first {
  if disk.low then core.inject_trigger(trigger: "deploy.done", payload: {service: event.host, version: "9"})
}
rule second {
  if deploy.done then core.echo(message: "{{event.service}}@{{event.version}}")
}
test "t" {
  given disk.low {host: "web1", mount: "/", free_pct: 1.0}
  expect core.inject_trigger(trigger: "deploy.done", payload: {service: "web1", version: _})
  expect core.echo(message: "web1@9")
})",
     "", ""},
    {"rules_that_loop_are_reported",
     R"(rule loop {
  if core.execution then core.echo(message: "again")
}
rule start {
  if disk.low then core.echo(message: "start")
}
test "t" {
  given disk.low {host: "web1", mount: "/", free_pct: 1.0}
  expect core.echo(message: "start")
})",
     "the rules loop", ""},
    {"no_rule_calls_it",
     R"(rule start {
  if disk.low then core.echo(message: "start")
}
test "t" {
  given disk.low {host: "web1", mount: "/", free_pct: 1.0}
  expect core.local(cmd: _)
})",
     "but it was not called", "no rule calls core.local"},
    {"other_trigger_explained",
     R"(rule start {
  if deploy.done then core.echo(message: "start")
}
test "t" {
  given disk.low {host: "web1", mount: "/", free_pct: 1.0}
  expect core.echo(message: _)
})",
     "but it was not called",
     "no rule on disk.low calls core.echo; rules that do: start (on deploy.done)"},
    {"disabled_rule_never_fires",
     R"(@disabled
rule start {
  if disk.low then core.echo(message: "start")
}
test "t" {
  given disk.low {host: "web1", mount: "/", free_pct: 1.0}
  expect core.echo(message: _)
})",
     "but it was not called", "rule start: it is @disabled"},
    {"backstop_only_when_nothing_else",
     R"(rule main {
  if disk.low where event.host == "web1" then core.echo(message: "main")
}
@backstop
rule fallback {
  if disk.low then core.echo(message: "fallback")
}
test "t" {
  given disk.low {host: "web1", mount: "/", free_pct: 1.0}
  expect core.echo(message: "main")
  expect nothing
  given disk.low {host: "db1", mount: "/", free_pct: 1.0}
  expect core.echo(message: "fallback")
})",
     "", ""},
    {"workflow_runs_its_steps",
     R"(workflow fix(host: string) {
  core.local(cmd: "fix {{host}}")
}
rule r {
  if disk.low then fix(host: event.host)
}
test "t" {
  given disk.low {host: "web1", mount: "/", free_pct: 1.0}
  expect fix(host: "web1")
  expect core.local(cmd: "fix 'web1'")
  expect nothing
})",
     "", ""},
    {"suspended_workflow_is_explained",
     R"(workflow fix(host: string) {
  sleep 1h
  core.local(cmd: "fix {{host}}")
}
rule r {
  if disk.low then fix(host: event.host)
}
test "t" {
  given disk.low {host: "web1", mount: "/", free_pct: 1.0}
  expect core.local(cmd: _) after 10m
})",
     "but it was not called", "workflow fix (execution 1) waits for: sleep until 1h"},
    {"slow_attempt_times_out_and_is_retried",
     R"(rule clean {
  if disk.low then core.local(cmd: "x") timeout 1m
    retry 1 times every 10s when error.status == "timed_out"
  on failure then core.echo(message: "{{error.status}}: {{error.message}}")
}
test "t" {
  when core.local returns {stdout: "late"} after 5m
  given disk.low {host: "web1", mount: "/", free_pct: 1.0}
  expect core.local(cmd: "x")
  expect core.local(cmd: "x") after 1m10s
  expect core.echo(message: "timed_out: timed out after 1m") after 1m
  expect nothing
})",
     "", ""},
    {"action_timeout_parameter_applies",
     R"(rule clean {
  if disk.low then core.local(cmd: "x", timeout: 30)
  on failure then core.echo(message: error.status)
}
test "t" {
  when core.local returns {} after 1m
  given disk.low {host: "web1", mount: "/", free_pct: 1.0}
  expect core.local(cmd: "x")
  expect core.echo(message: "timed_out") after 30s
})",
     "", ""},
    {"concurrency_limits_attempts_in_flight",
     R"(rule clean {
  if disk.low then core.local(cmd: "clean {{event.host}}") concurrency 1 by event.mount
}
test "t" {
  when core.local returns {} after 10s
  given disk.low {host: "a", mount: "/", free_pct: 1.0}
  given disk.low {host: "b", mount: "/", free_pct: 1.0}
  given disk.low {host: "c", mount: "/data", free_pct: 1.0}
  expect core.local(cmd: "clean 'a'")
  expect core.local(cmd: "clean 'c'")
  expect nothing after 9s
  expect core.local(cmd: "clean 'b'") after 1s
  expect nothing
})",
     "", ""},
    {"map_expectation_names_some_keys",
     R"(rule a {
  if disk.low then core.http(url: "https://x.example/", headers: {Accept: "application/json", Authorization: "t"})
}
test "t" {
  given disk.low {host: "web1", mount: "/", free_pct: 1.0}
  expect core.http(headers: {Accept: "application/json"})
})",
     "", ""},
    {"execution_events_carry_wall_clock_times",
     R"(rule first {
  if disk.low then core.local(cmd: "x")
}
rule watch {
  if core.execution where event.rule == "first"
  then core.echo(message: "{{event.started_at}} {{event.finished_at}}")
}
test "t" {
  when core.local returns {} after 1m
  given disk.low {host: "web1", mount: "/", free_pct: 1.0} after 1h
  expect core.local(cmd: "x")
  expect core.echo(message: "2026-01-01T01:00:00Z 2026-01-01T01:01:00Z") after 1m
})",
     "", ""},
    {"rules_that_loop_across_time_are_stopped",
     R"(rule start {
  if disk.low then core.echo(message: "start")
}
rule again {
  if core.execution where event.status == "failed" then core.echo(message: "again")
    retry 1 times every 1s
}
test "t" {
  when core.echo fails with "down"
  given disk.low {host: "web1", mount: "/", free_pct: 1.0}
  expect core.echo(message: "start")
  expect nothing
})",
     "the rules loop", ""},
    {"webhook_instances",
     R"(rule a {
  if webhook "alerts" then core.echo(message: "alerts")
}
rule b {
  if webhook "deploys" then core.echo(message: "deploys")
}
test "t" {
  given webhook "deploys" {body: {x: 1}}
  expect core.echo(message: "deploys")
  expect nothing
})",
     "", ""},
    {"secret_parameters_masked",
     R"(rule a {
  if disk.low then core.http(url: "https://x.example/", headers: {Authorization: secret("token")})
}
test "t" {
  given disk.low {host: "web1", mount: "/", free_pct: 1.0}
  expect core.http(url: "https://x.example/")
})",
     "", ""},
    {"list_and_map_patterns",
     R"(rule a {
  if disk.low then core.http(url: "https://x.example/", method: "POST",
                             body: "x", headers: {a: event.host, b: "2"})
}
test "t" {
  given disk.low {host: "web1", mount: "/", free_pct: 1.0}
  expect core.http(headers: {a: "web1", b: _}, method: "POST")
})",
     "", ""},
};

class SimulateTest : public ::testing::TestWithParam<std::tuple<Case, bool>> {};

TEST_P(SimulateTest, Runs) {
  const auto& [c, native] = GetParam();
  std::string source = std::string(kPrelude) + c.source + "\n";
  ir::LoweredForTest lowered(source);
  ASSERT_TRUE(lowered.ok()) << source;
  std::vector<ir::TestCase> tests = ir::LowerTests(lowered.checked());
  ASSERT_EQ(tests.size(), 1u);
  engine::LoadedProgram::NativeFactory factory;
  if (native) {
    factory = [](const ir::Program& program, std::string* error) {
      return jit::CreateJitEngine(program, jit::JitOptions{}, error);
    };
  }
  std::string error;
  auto program = engine::LoadedProgram::Create(lowered.program(), factory, &error);
  ASSERT_TRUE(program) << error;
  TestResult result = RunTest(tests[0], program, lowered.sources());
  std::string details;
  for (const StepFailure& f : result.failures) {
    details += f.message + "\n";
    for (const std::string& d : f.details) details += d + "\n";
  }
  if (c.failure.empty()) {
    EXPECT_TRUE(result.passed()) << details;
  } else {
    ASSERT_EQ(result.failures.size(), 1u) << "expected a failure: " << c.failure;
    EXPECT_NE(result.failures[0].message.find(c.failure), std::string::npos) << details;
    EXPECT_NE(details.find(c.detail), std::string::npos) << details;
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, SimulateTest,
                         ::testing::Combine(::testing::ValuesIn(kCases), ::testing::Bool()),
                         [](const auto& param_info) {
                           return std::get<0>(param_info.param).name +
                                  (std::get<1>(param_info.param) ? "_jit" : "_interp");
                         });

}  // namespace
}  // namespace squall::simulate
