#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "runtime/runners/runner.h"
#include "runtime/runners/runner_internal.h"
#include "runtime/runners/shell_args.h"
#include "runtime/runners/test_util.h"

namespace squall::runners {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::steady_clock;
using testing::ReadFile;
using testing::TempDir;
using testing::WaitFor;
using testing::WriteFile;

// Prints each argument on its own line as <arg> so tests can compare argv exactly.
constexpr const char* kArgvScript =
    "#!/bin/sh\nfor a in \"$@\"; do printf '<%s>\\n' \"$a\"; done\n";

RunRequest Request(const std::string& runner, json params) {
  RunRequest r;
  r.execution_id = 42;
  r.action = "mypack.myaction";
  r.runner = runner;
  r.parameters = std::move(params);
  return r;
}

RunResult RunIt(const RunRequest& request, const RunnerOptions& options = {}) {
  std::unique_ptr<Runner> runner = CreateRunner(request.runner, options);
  EXPECT_NE(runner, nullptr) << request.runner;
  if (runner == nullptr) return {};
  CancelToken cancel;
  return runner->Run(request, cancel);
}

std::string Argv(const std::vector<std::string>& args) {
  std::string out;
  for (const std::string& a : args) out += "<" + a + ">\n";
  return out.empty() ? out : out.substr(0, out.size() - 1);  // the runner strips the last \n
}

TEST(CreateRunnerTest, KnowsItsRunnerTypes) {
  for (const char* type : {"local-shell-cmd", "local-shell-script", "remote-shell-cmd",
                           "remote-shell-script", "noop", "python-script"}) {
    EXPECT_NE(CreateRunner(type, {}), nullptr) << type;
  }
  for (const char* type : {"http-request", "inject-trigger", "orquesta", ""}) {
    EXPECT_EQ(CreateRunner(type, {}), nullptr) << type;
  }
}

TEST(OutcomeTest, NamesAreStackStormStatuses) {
  EXPECT_STREQ(OutcomeName(Outcome::kSucceeded), "succeeded");
  EXPECT_STREQ(OutcomeName(Outcome::kFailed), "failed");
  EXPECT_STREQ(OutcomeName(Outcome::kTimedOut), "timeout");
  EXPECT_STREQ(OutcomeName(Outcome::kCanceled), "canceled");
}

TEST(NoopRunnerTest, SucceedsWithStackStormsResult) {
  RunResult r = RunIt(Request("noop", {{"anything", 1}}));
  EXPECT_EQ(r.outcome, Outcome::kSucceeded);
  EXPECT_EQ(r.result, json({{"succeeded", true}, {"failed", false}, {"return_code", 0}}));
  EXPECT_EQ(r.error, "");
}

TEST(RunnerTest, OnlyRunnersThatNeverBlockRunInline) {
  // The engine runs inline runners on its control thread: a process runner there would stall it.
  for (const char* type : {"noop", "local-shell-cmd", "local-shell-script", "remote-shell-cmd",
                           "remote-shell-script", "python-script"}) {
    std::unique_ptr<Runner> runner = CreateRunner(type, RunnerOptions{});
    ASSERT_NE(runner, nullptr) << type;
    EXPECT_EQ(runner->RunsInline(), std::string_view(type) == "noop") << type;
  }
}

TEST(MaskSecretsTest, MasksTextAndEveryStringInJson) {
  EXPECT_EQ(MaskSecrets(std::string("pw=hunter2 again hunter2"), {"hunter2", ""}),
            "pw=******** again ********");
  // The longer secret wins over one it contains.
  EXPECT_EQ(MaskSecrets(std::string("abcdef abc"), {"abc", "abcdef"}), "******** ********");
  json doc = {{"hunter2", {"x hunter2", 5, true}}, {"k", {{"n", "hunter2"}}}};
  EXPECT_EQ(MaskSecrets(doc, {"hunter2"}),
            json({{"********", {"x ********", 5, true}}, {"k", {{"n", "********"}}}}));
  EXPECT_EQ(MaskSecrets(std::string("nothing"), {}), "nothing");
}

// ---- local-shell-cmd -----------------------------------------------------------------------

TEST(LocalShellCmdTest, SucceedsOnExitZeroWithStrippedOutput) {
  RunResult r = RunIt(Request("local-shell-cmd", {{"cmd", "echo hello; echo oops >&2"}}));
  EXPECT_EQ(r.outcome, Outcome::kSucceeded);
  EXPECT_EQ(r.result, json({{"stdout", "hello"},
                            {"stderr", "oops"},
                            {"return_code", 0},
                            {"succeeded", true},
                            {"failed", false}}));
  EXPECT_EQ(r.error, "");
}

TEST(LocalShellCmdTest, FailsOnNonZeroExit) {
  RunResult r = RunIt(Request("local-shell-cmd", {{"cmd", "echo partial; exit 3"}}));
  EXPECT_EQ(r.outcome, Outcome::kFailed);
  EXPECT_EQ(r.result["return_code"], 3);
  EXPECT_EQ(r.result["succeeded"], false);
  EXPECT_EQ(r.result["failed"], true);
  EXPECT_EQ(r.result["stdout"], "partial");
  EXPECT_EQ(r.error, "exited with status 3");
}

TEST(LocalShellCmdTest, EnvCwdAndStackStormVariables) {
  TempDir dir;
  RunResult r = RunIt(Request(
      "local-shell-cmd", {{"cmd",
                           "printf '%s|%s|%s|%s|' \"$GREETING\" \"$NUM\" \"$ST2_ACTION_PACK_NAME\" "
                           "\"$ST2_ACTION_EXECUTION_ID\"; pwd"},
                          {"cwd", dir.path().string()},
                          {"env", {{"GREETING", "hi there"}, {"NUM", 5}}}}));
  EXPECT_EQ(r.outcome, Outcome::kSucceeded) << r.error;
  EXPECT_EQ(r.result["stdout"], "hi there|5|mypack|42|" + dir.path().string());
}

TEST(LocalShellCmdTest, BadParametersAreClearErrors) {
  struct Case {
    json params;
    std::string error;
  };
  for (const Case& c : std::vector<Case>{
           {json::object(), "parameter cmd is required and must be a non-empty string"},
           {{{"cmd", 5}}, "parameter cmd is required and must be a non-empty string"},
           {{{"cmd", "true"}, {"env", "A=1"}}, "parameter env must be an object of NAME -> value"},
           {{{"cmd", "true"}, {"env", {{"A B", "1"}}}}, "env: invalid variable name 'A B'"},
       }) {
    RunResult r = RunIt(Request("local-shell-cmd", c.params));
    EXPECT_EQ(r.outcome, Outcome::kFailed);
    EXPECT_EQ(r.error, c.error) << c.params.dump();
  }
  RunResult r = RunIt(Request("local-shell-cmd", {{"cmd", "true"}, {"cwd", "/nonexistent/x"}}));
  EXPECT_EQ(r.outcome, Outcome::kFailed);
  EXPECT_EQ(r.error, "cannot run /bin/sh: working directory /nonexistent/x does not exist");
}

TEST(LocalShellCmdTest, TimeoutKillsAndReportsLikeStackStorm) {
  TempDir dir;
  RunRequest request = Request(
      "local-shell-cmd",
      {{"cmd", "sleep 1000 & echo $! > " + (dir / "pid").string() + "; wait"}, {"timeout", 60}});
  request.timeout = milliseconds(300);  // smaller than the parameter: wins
  const auto start = steady_clock::now();
  RunResult r = RunIt(request);
  EXPECT_LT(steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_EQ(r.outcome, Outcome::kTimedOut);
  EXPECT_EQ(r.error, "timed out after 0.3s");
  EXPECT_EQ(r.result["return_code"], -9);
  EXPECT_EQ(r.result["failed"], true);
  pid_t grandchild = static_cast<pid_t>(std::stol(ReadFile(dir / "pid")));
  EXPECT_TRUE(WaitFor([&] { return !testing::ProcessRunning(grandchild); }));
}

TEST(LocalShellCmdTest, EffectiveTimeoutTakesTheSmallerLimit) {
  struct Case {
    json timeout_param;
    milliseconds request;
    milliseconds expected;
  };
  for (const Case& c : std::vector<Case>{
           {60, milliseconds(0), milliseconds(60000)},
           {60, milliseconds(5000), milliseconds(5000)},
           {2, milliseconds(5000), milliseconds(2000)},
           {0, milliseconds(0), milliseconds(0)},
           {0, milliseconds(700), milliseconds(700)},
           {nullptr, milliseconds(0), milliseconds(0)},
           {"60", milliseconds(0), milliseconds(0)},
           {-5, milliseconds(0), milliseconds(0)},
           {1.5, milliseconds(0), milliseconds(1500)},
       }) {
    RunRequest r = Request("local-shell-cmd", {{"cmd", "true"}, {"timeout", c.timeout_param}});
    r.timeout = c.request;
    EXPECT_EQ(EffectiveTimeout(r), c.expected) << c.timeout_param.dump();
  }
}

TEST(LocalShellCmdTest, TimeoutParameterInSeconds) {
  RunResult r = RunIt(Request("local-shell-cmd", {{"cmd", "sleep 1000"}, {"timeout", 1}}));
  EXPECT_EQ(r.outcome, Outcome::kTimedOut);
  EXPECT_EQ(r.error, "timed out after 1s");
}

TEST(LocalShellCmdTest, CancelFromAnotherThread) {
  TempDir dir;
  const auto started = dir / "started";
  std::unique_ptr<Runner> runner = CreateRunner("local-shell-cmd", {});
  CancelToken cancel;
  std::thread canceller([&] {
    WaitFor([&] { return std::filesystem::exists(started); });
    cancel.Cancel();
  });
  RunResult r = runner->Run(
      Request("local-shell-cmd", {{"cmd", "touch " + started.string() + "; sleep 1000"}}), cancel);
  canceller.join();
  EXPECT_EQ(r.outcome, Outcome::kCanceled);
  EXPECT_EQ(r.error, "canceled");
  EXPECT_EQ(r.result["return_code"], -9);
}

TEST(LocalShellCmdTest, OutputCapSetsTruncationFlags) {
  RunnerOptions options;
  options.output_limit = 10;
  RunResult r =
      RunIt(Request("local-shell-cmd", {{"cmd", "seq 1 10000; echo short >&2"}}), options);
  EXPECT_EQ(r.outcome, Outcome::kSucceeded);
  EXPECT_EQ(r.result["stdout"], "1\n2\n3\n4\n5");  // 10 bytes, final newline stripped
  EXPECT_EQ(r.result["stdout_truncated"], true);
  EXPECT_FALSE(r.result.contains("stderr_truncated"));
}

TEST(LocalShellCmdTest, SecretsAreMaskedEverywhere) {
  RunRequest request =
      Request("local-shell-cmd", {{"cmd", "echo token=tok-123 pw=$PW; echo tok-123 >&2; exit 1"},
                                  {"env", {{"PW", "hunter2"}}},
                                  {"api_key", "hunter2"}});
  request.secret_values = {"tok-123"};
  request.schema = {ParameterInfo{.name = "api_key", .secret = true}};
  RunResult r = RunIt(request);
  EXPECT_EQ(r.result["stdout"], "token=******** pw=********");
  EXPECT_EQ(r.result["stderr"], "********");
  EXPECT_EQ(r.result.dump().find("hunter2"), std::string::npos);
}

TEST(LocalShellCmdTest, HostileEventDataInACompiledCommandRunsAsData) {
  TempDir dir;
  const std::string marker = (dir / "pwned").string();
  // What compiler/shell produces for cmd "echo {{ trigger.x }}" with hostile values: each value
  // single-quoted. The runner must run the text as is, not quote it again.
  const std::vector<std::string> values = {"; touch " + marker, "$(touch " + marker + ")",
                                           "`touch " + marker + "`", "a\ntouch " + marker,
                                           "it's | touch " + marker};
  for (const std::string& value : values) {
    RunResult r = RunIt(Request("local-shell-cmd", {{"cmd", "printf '%s' " + ShellQuote(value)}}));
    EXPECT_EQ(r.outcome, Outcome::kSucceeded) << r.error;
    EXPECT_EQ(r.result["stdout"], value);
  }
  EXPECT_FALSE(std::filesystem::exists(marker));
}

TEST(LocalShellCmdTest, SudoArgvKeepsThePasswordOutOfArgv) {
  RunnerOptions options;
  LocalCommand plain = BuildLocalCommand(
      Request("local-shell-cmd", {{"cmd", "id -u"}, {"sudo", true}}), options, false);
  EXPECT_EQ(plain.spec.argv,
            (std::vector<std::string>{"sudo", "-n", "-E", "--", "/bin/sh", "-c", "id -u"}));
  EXPECT_EQ(plain.spec.stdin_data, "");

  LocalCommand with_password = BuildLocalCommand(
      Request("local-shell-cmd", {{"cmd", "id -u"}, {"sudo", true}, {"sudo_password", "s3cr3t"}}),
      options, false);
  EXPECT_EQ(with_password.spec.argv, (std::vector<std::string>{"sudo", "-S", "-p", "", "-E", "--",
                                                               "/bin/sh", "-c", "id -u"}));
  EXPECT_EQ(with_password.spec.stdin_data, "s3cr3t\n");
  for (const std::string& arg : with_password.spec.argv)
    EXPECT_EQ(arg.find("s3cr3t"), std::string::npos);
}

TEST(LocalShellCmdTest, SudoRunsThroughSudoOrFailsClearly) {
  RunResult r = RunIt(Request("local-shell-cmd", {{"cmd", "id -u"}, {"sudo", true}}));
  if (r.outcome == Outcome::kSucceeded) {
    EXPECT_EQ(r.result["stdout"], "0");  // sudo is installed and lets us in
  } else {
    // No sudo here (or no passwordless sudo): a clear reason, no hang waiting for a password.
    EXPECT_FALSE(r.error.empty());
  }
}

TEST(LocalShellCmdTest, ConcurrentRunsOnOneRunner) {
  std::unique_ptr<Runner> runner = CreateRunner("local-shell-cmd", {});
  std::atomic<int> good{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 24; ++t) {
    threads.emplace_back([&, t] {
      CancelToken cancel;
      RunResult r = runner->Run(
          Request("local-shell-cmd", {{"cmd", "echo $N"}, {"env", {{"N", std::to_string(t)}}}}),
          cancel);
      if (r.outcome == Outcome::kSucceeded && r.result["stdout"] == std::to_string(t)) ++good;
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(good.load(), 24);
}

// ---- script argument building -----------------------------------------------------------------

struct ArgsCase {
  std::string name;
  std::vector<ParameterInfo> schema;
  json params;
  std::string kwarg_op = "--";
  std::vector<std::string> expected;
};

class ScriptArgumentsTest : public ::testing::TestWithParam<ArgsCase> {};

TEST_P(ScriptArgumentsTest, BuildsStackStormArguments) {
  RunRequest r = Request("local-shell-script", GetParam().params);
  r.schema = GetParam().schema;
  EXPECT_EQ(BuildScriptArguments(r, GetParam().kwarg_op), GetParam().expected);
}

ParameterInfo Pos(const std::string& name, int position) {
  return ParameterInfo{.name = name, .position = position};
}
ParameterInfo Named(const std::string& name) { return ParameterInfo{.name = name}; }
ParameterInfo FromRunner(const std::string& name) {
  return ParameterInfo{.name = name, .from_runner = true};
}

INSTANTIATE_TEST_SUITE_P(
    Table, ScriptArgumentsTest,
    ::testing::Values(
        ArgsCase{.name = "positional_in_position_order",
                 .schema = {Pos("b", 1), Pos("a", 0), Pos("c", 2)},
                 .params = {{"a", "x"}, {"b", "y z"}, {"c", 3}},
                 .expected = {"x", "y z", "3"}},
        ArgsCase{.name = "positional_serialisation",
                 .schema = {Pos("t", 0), Pos("f", 1), Pos("list", 2), Pos("obj", 3), Pos("null", 4),
                            Pos("unset", 5), Pos("num", 6)},
                 .params = {{"t", true},
                            {"f", false},
                            {"list", {"a", 2, "c d"}},
                            {"obj", {{"k", "v"}}},
                            {"null", nullptr},
                            {"num", 1.5}},
                 .expected = {"1", "0", "a,2,c d", R"({"k":"v"})", "", "", "1.5"}},
        // StackStorm passes named arguments first, then the positional ones.
        ArgsCase{.name = "named_before_positional_in_schema_order",
                 .schema = {Named("zeta"), Pos("p", 0), Named("alpha")},
                 .params = {{"zeta", "z"}, {"p", "first"}, {"alpha", 7}},
                 .expected = {"--zeta=z", "--alpha=7", "first"}},
        ArgsCase{.name = "named_booleans_and_empty_values",
                 .schema = {Named("yes"), Named("no"), Named("nothing"), Named("empty"),
                            Named("unset"), Named("list")},
                 .params = {{"yes", true},
                            {"no", false},
                            {"nothing", nullptr},
                            {"empty", ""},
                            {"list", {1, 2}}},
                 .expected = {"--yes", "--list=[1,2]"}},
        ArgsCase{.name = "kwarg_op",
                 .schema = {Named("level")},
                 .params = {{"level", "debug"}},
                 .kwarg_op = "-",
                 .expected = {"-level=debug"}},
        ArgsCase{.name = "runner_parameters_are_never_arguments",
                 .schema = {Named("msg"), FromRunner("cwd"), FromRunner("sudo"),
                            FromRunner("kwarg_op"), FromRunner("timeout")},
                 .params = {{"msg", "m"},
                            {"cwd", "/tmp"},
                            {"sudo", false},
                            {"kwarg_op", "--"},
                            {"timeout", 60},
                            {"env", {{"A", "1"}}}},
                 .expected = {"--msg=m"}},
        ArgsCase{.name = "parameters_missing_from_schema_follow_in_name_order",
                 .schema = {Pos("p", 0)},
                 .params = {{"p", "x"}, {"zz", 1}, {"aa", "v"}, {"timeout", 5}, {"debug", true}},
                 .expected = {"--aa=v", "--zz=1", "x"}},
        ArgsCase{.name = "hostile_values_stay_single_arguments",
                 .schema = {Pos("a", 0), Named("b")},
                 .params = {{"a", "; rm -rf / #"}, {"b", "$(id)\n`id`"}},
                 .expected = {"--b=$(id)\n`id`", "; rm -rf / #"}}),
    [](const ::testing::TestParamInfo<ArgsCase>& param_info) { return param_info.param.name; });

TEST(ShellQuoteTest, QuotesForPosixShells) {
  EXPECT_EQ(ShellQuote(""), "''");
  EXPECT_EQ(ShellQuote("plain"), "'plain'");
  EXPECT_EQ(ShellQuote("it's"), "'it'\\''s'");
  EXPECT_EQ(ShellJoin({"a b", "c"}), "'a b' 'c'");
  EXPECT_EQ(StripFinalNewline("a\n\n"), "a\n");
  EXPECT_EQ(StripFinalNewline("a\r\n"), "a");
  EXPECT_EQ(StripFinalNewline(""), "");
}

// ---- local-shell-script ------------------------------------------------------------------------

class LocalShellScriptTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(dir_ / "actions");
    WriteFile(script(), kArgvScript, 0755);
  }
  std::filesystem::path script() const { return dir_ / "actions" / "args.sh"; }
  RunRequest ScriptRequest(json params, std::vector<ParameterInfo> schema) const {
    RunRequest r = Request("local-shell-script", std::move(params));
    r.schema = std::move(schema);
    r.entry_point = script();
    r.actions_dir = dir_ / "actions";
    return r;
  }
  TempDir dir_;
};

TEST_F(LocalShellScriptTest, PassesArgumentsAsArgv) {
  RunResult r =
      RunIt(ScriptRequest({{"who", "world"}, {"count", 2}, {"loud", true}, {"sudo", false}},
                          {Pos("who", 0), Named("count"), Named("loud"), FromRunner("sudo")}));
  EXPECT_EQ(r.outcome, Outcome::kSucceeded) << r.error;
  EXPECT_EQ(r.result["stdout"], Argv({"--count=2", "--loud", "world"}));
}

TEST_F(LocalShellScriptTest, HostileValuesReachTheScriptAsSingleArguments) {
  const std::string marker = (dir_ / "pwned").string();
  const std::vector<std::string> hostile = {
      "; touch " + marker,      "$(touch " + marker + ")",      "`touch " + marker + "`",
      "line1\ntouch " + marker, "' ; touch " + marker + " ; '", "&& touch " + marker + " || "};
  json params = json::object();
  std::vector<ParameterInfo> schema;
  std::vector<std::string> expected;
  for (size_t i = 0; i < hostile.size(); ++i) {
    params["p" + std::to_string(i)] = hostile[i];
    schema.push_back(Pos("p" + std::to_string(i), static_cast<int>(i)));
    expected.push_back(hostile[i]);
  }
  params["named"] = "$(touch " + marker + ")";
  schema.push_back(Named("named"));
  expected.insert(expected.begin(), "--named=$(touch " + marker + ")");
  RunResult r = RunIt(ScriptRequest(params, schema));
  EXPECT_EQ(r.outcome, Outcome::kSucceeded) << r.error;
  EXPECT_EQ(r.result["stdout"], Argv(expected));
  EXPECT_FALSE(std::filesystem::exists(marker));
}

TEST_F(LocalShellScriptTest, DefaultWorkingDirectoryIsTheActionsDir) {
  WriteFile(script(), "#!/bin/sh\npwd\n", 0755);
  RunResult r = RunIt(ScriptRequest(json::object(), {}));
  EXPECT_EQ(r.result["stdout"], (dir_ / "actions").string());

  RunRequest no_actions_dir = ScriptRequest(json::object(), {});
  no_actions_dir.actions_dir.clear();
  EXPECT_EQ(RunIt(no_actions_dir).result["stdout"], (dir_ / "actions").string());

  r = RunIt(ScriptRequest({{"cwd", dir_.path().string()}}, {FromRunner("cwd")}));
  EXPECT_EQ(r.result["stdout"], dir_.path().string());
}

TEST_F(LocalShellScriptTest, ScriptProblemsAreClearErrors) {
  WriteFile(script(), kArgvScript, 0644);
  RunResult r = RunIt(ScriptRequest(json::object(), {}));
  EXPECT_EQ(r.outcome, Outcome::kFailed);
  EXPECT_EQ(r.error, "script " + script().string() + " is not executable (chmod +x it)");

  WriteFile(script(), "echo no shebang\n", 0755);
  r = RunIt(ScriptRequest(json::object(), {}));
  EXPECT_EQ(r.outcome, Outcome::kFailed);
  EXPECT_NE(r.error.find("#! line"), std::string::npos) << r.error;

  RunRequest missing = ScriptRequest(json::object(), {});
  missing.entry_point = dir_ / "actions" / "missing.sh";
  r = RunIt(missing);
  EXPECT_EQ(r.outcome, Outcome::kFailed);
  EXPECT_NE(r.error.find("missing.sh cannot be used: No such file"), std::string::npos) << r.error;
}

TEST_F(LocalShellScriptTest, ExitStatusAndTimeout) {
  WriteFile(script(), "#!/bin/sh\necho \"$1\" >&2\nexit 9\n", 0755);
  RunResult r = RunIt(ScriptRequest({{"msg", "bad"}}, {Pos("msg", 0)}));
  EXPECT_EQ(r.outcome, Outcome::kFailed);
  EXPECT_EQ(r.result["return_code"], 9);
  EXPECT_EQ(r.result["stderr"], "bad");

  WriteFile(script(), "#!/bin/sh\nsleep 1000\n", 0755);
  RunRequest slow = ScriptRequest(json::object(), {});
  slow.timeout = milliseconds(200);
  r = RunIt(slow);
  EXPECT_EQ(r.outcome, Outcome::kTimedOut);
  EXPECT_EQ(r.error, "timed out after 0.2s");
}

TEST_F(LocalShellScriptTest, ScriptParameterWithArgsLikeCoreLocalScript) {
  const std::string marker = (dir_ / "pwned").string();
  RunRequest r = Request("local-shell-script",
                         {{"script", script().string()},
                          {"args", {"--keep", "7", "two words", "$(touch " + marker + ")", 5}},
                          {"kwarg_op", "--"}});
  RunResult result = RunIt(r);
  EXPECT_EQ(result.outcome, Outcome::kSucceeded) << result.error;
  EXPECT_EQ(result.result["stdout"],
            Argv({"--keep", "7", "two words", "$(touch " + marker + ")", "5"}));
  EXPECT_FALSE(std::filesystem::exists(marker));

  EXPECT_EQ(RunIt(Request("local-shell-script", {{"script", "relative.sh"}})).error,
            "script relative.sh is not an absolute path");
  EXPECT_EQ(RunIt(Request("local-shell-script", json::object())).error,
            "action has no entry_point and no script parameter");
  EXPECT_EQ(
      RunIt(Request("local-shell-script", {{"script", script().string()}, {"args", "x"}})).error,
      "parameter args must be an array of strings");
}

TEST_F(LocalShellScriptTest, SecretParametersAreMaskedInOutput) {
  RunResult r = RunIt(ScriptRequest(
      {{"token", "t0ps3cret"}}, {ParameterInfo{.name = "token", .position = 0, .secret = true}}));
  EXPECT_EQ(r.result["stdout"], "<********>");
}

}  // namespace
}  // namespace squall::runners
