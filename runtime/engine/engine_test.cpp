// The execution engine end to end inside one process: real rule source compiled by the real
// front end, a real SQLite store in a temporary directory, the real local-shell-cmd runner
// running /bin/sh. Each test commits events the way a source does and waits for what the
// store then says.
#include "runtime/engine/engine.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "compiler/ir/lowered_for_test.h"
#include "runtime/engine/call.h"
#include "runtime/store/secret_box.h"
#include "runtime/store/sqlite_store.h"

namespace squall::engine {
namespace {

using Json = nlohmann::json;
using store::Status;
namespace fs = std::filesystem;

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

class TestHost : public interp::Host {
 public:
  std::optional<std::string> Kv(const std::string& key) override {
    if (key == "owner") return "\"alice\"";
    return std::nullopt;
  }
  std::optional<std::string> Secret(const std::string& name) override {
    if (name == "token") return "s3cr3t-t0ken";
    return std::nullopt;
  }
};

class EngineTest : public testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/squall-engine-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
    OpenStore();
  }
  void TearDown() override {
    if (engine_) engine_->Stop(std::chrono::seconds(5));
    engine_.reset();
    store_.reset();
    fs::remove_all(dir_);
  }

  void OpenStore() {
    store::StoreOptions options;
    options.state_dir = dir_ / "state";
    options.exclusive = true;
    options.synchronous = store::StoreOptions::Synchronous::kNormal;
    std::string error;
    store_ = store::OpenSqliteStore(options, &error);
    ASSERT_TRUE(store_) << error;
  }

  // The rule file `body` after the common declarations; `{dir}` stands for the temp dir.
  std::shared_ptr<LoadedProgram> Compile(std::string body) {
    for (size_t at; (at = body.find("{dir}")) != std::string::npos;) {
      body.replace(at, 5, dir_.string());
    }
    std::string source =
        "import core\n"
        "trigger disk.low {\n  host: string\n  mount: string\n  free_pct: float\n}\n" +
        body;
    lowered_.push_back(std::make_unique<ir::LoweredForTest>(source));
    EXPECT_TRUE(lowered_.back()->ok()) << source;
    std::string error;
    auto program = LoadedProgram::Create(lowered_.back()->program(), nullptr, &error);
    EXPECT_TRUE(program) << error;
    return program;
  }

  void Start(const std::string& body, size_t max_running = 64) {
    EngineOptions options;
    options.store = store_.get();
    runners::RunnerOptions runner_options;
    runner_options.kill_grace = std::chrono::milliseconds(200);
    for (const char* type : {"local-shell-cmd", "local-shell-script", "noop"}) {
      options.runners[type] = runners::CreateRunner(type, runner_options);
    }
    const store::SecretBox* box = store_->secret_box();
    if (box != nullptr) {
      options.seal = [box](std::string_view text) { return box->Seal(text); };
      options.unseal = [box](std::string_view text) { return box->Unseal(text); };
    }
    options.host = &host_;
    options.max_running = max_running;
    options.poll_interval = std::chrono::milliseconds(20);
    options.scratch_dir = (dir_ / "scratch").string();
    options.logger =
        std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::null_sink_mt>());
    options.metrics = &registry_;
    options.correlation_max_instances = correlation_cap_;
    engine_ = std::make_unique<ExecutionEngine>(options, Compile(body));
    std::string error;
    ASSERT_TRUE(engine_->Start(&error)) << error;
  }

  int64_t Send(const std::string& payload, std::string trigger = "disk.low",
               std::string parameters = "") {
    store::WriteBatch batch;
    store::NewEvent event;
    event.trigger = std::move(trigger);
    event.parameters_json = std::move(parameters);
    event.payload_json = payload;
    event.source = "test";
    event.received_at = Now();
    batch.events.push_back(event);
    store::CommitResult result = store_->Commit(std::move(batch));
    EXPECT_TRUE(result.ok) << result.error;
    if (engine_) engine_->NotifyEvents();
    return result.event_ids.empty() ? 0 : result.event_ids[0];
  }

  static int64_t Now() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }

  // Every execution, oldest first.
  std::vector<store::Execution> Executions() {
    store::ExecutionFilter filter;
    filter.limit = 100000;
    auto list = store_->ListExecutions(filter);
    std::sort(list.begin(), list.end(), [](auto& a, auto& b) { return a.id < b.id; });
    return list;
  }

  // Waits until `count` executions exist and all of them have ended.
  std::vector<store::Execution> WaitEnded(
      size_t count, std::chrono::milliseconds limit = std::chrono::seconds(15)) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      auto list = Executions();
      bool all = list.size() >= count && std::all_of(list.begin(), list.end(), [](auto& x) {
                   return store::IsTerminal(x.status);
                 });
      if (all) return list;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ADD_FAILURE() << "timed out waiting for " << count << " ended executions";
    return Executions();
  }

  template <typename Pred>
  bool WaitFor(Pred pred, std::chrono::milliseconds limit = std::chrono::seconds(15)) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      if (pred()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

  fs::path dir_;
  std::unique_ptr<store::Store> store_;
  std::vector<std::unique_ptr<ir::LoweredForTest>> lowered_;
  TestHost host_;
  metrics::Registry registry_;
  size_t correlation_cap_ = correlate::kDefaultMaxInstances;
  std::unique_ptr<ExecutionEngine> engine_;
};

TEST_F(EngineTest, EventRunsTheActionAndRecordsEverything) {
  Start(R"(rule note {
  if disk.low where event.mount == "/var"
  then core.local(cmd: "printf %s {{event.host}} > {dir}/out.txt")
}
rule audit {
  if core.execution where event.action == "none.such"
  then core.noop()
})");
  int64_t skipped = Send(R"({"host": "web1", "mount": "/tmp", "free_pct": 5})");
  int64_t event = Send(R"({"host": "web1", "mount": "/var", "free_pct": 5})");
  auto list = WaitEnded(1);
  ASSERT_EQ(list.size(), 1u);
  const store::Execution& x = list[0];
  EXPECT_EQ(x.status, Status::kSucceeded);
  EXPECT_EQ(x.action, "core.local");
  EXPECT_EQ(x.runner, "local-shell-cmd");
  EXPECT_EQ(x.rule, "note");
  EXPECT_EQ(x.event_id, event);
  EXPECT_EQ(x.attempts, 1);
  EXPECT_GT(x.finished_at, 0);
  EXPECT_EQ(ReadFile(dir_ / "out.txt"), "web1");
  Json params = Json::parse(x.parameters_json);
  EXPECT_EQ(params["cmd"], "printf %s 'web1' > " + dir_.string() + "/out.txt");
  EXPECT_EQ(params["timeout"], 60);  // the runner's default, applied
  EXPECT_EQ(Json::parse(x.result_json)["return_code"], 0);

  auto enforcements = store_->ListEnforcements(event);
  ASSERT_EQ(enforcements.size(), 1u);
  EXPECT_EQ(enforcements[0].status, "scheduled");
  EXPECT_EQ(enforcements[0].execution_id, x.id);
  EXPECT_TRUE(store_->ListEnforcements(skipped).empty());
  ASSERT_EQ(store_->ListAttempts(x.id).size(), 1u);

  // The ending is itself an event (core.execution), and every event was matched.
  ASSERT_TRUE(WaitFor([&] { return store_->EventCursor() == store_->LastEventId(); }));
  auto events = store_->ReadEvents(event, 10);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].trigger, "core.execution");
  Json payload = Json::parse(events[0].payload_json);
  EXPECT_EQ(payload["status"], "succeeded");
  EXPECT_EQ(payload["execution_id"], std::to_string(x.id));
  EXPECT_EQ(payload["rule"], "note");
  EXPECT_EQ(payload["result"]["stdout"], "");
}

// With no rule, correlation or wait on core.execution, an ending is not logged as an event:
// nothing could match it. The execution is the record.
TEST_F(EngineTest, ExecutionEventsAreRecordedOnlyWhenSomethingListens) {
  Start(R"(rule note {
  if disk.low
  then core.noop()
})");
  int64_t event = Send(R"({"host": "h", "mount": "/", "free_pct": 1})");
  auto list = WaitEnded(1);
  EXPECT_EQ(list[0].status, Status::kSucceeded);
  ASSERT_TRUE(WaitFor([&] { return store_->EventCursor() == event; }));
  EXPECT_EQ(store_->LastEventId(), event);
  EXPECT_TRUE(store_->ReadEvents(event, 10).empty());

  // A reload that adds a listener (here a workflow's `wait`) records the executions that end
  // from then on.
  engine_->Reload(Compile(R"(rule note {
  if disk.low
  then core.noop()
}
workflow watch() {
  wait core.execution where event.action == "none.such" timeout 1h
})"));
  ASSERT_TRUE(WaitFor([&] { return engine_->Stats().cursor == store_->LastEventId(); }));
  int64_t second = Send(R"({"host": "h", "mount": "/", "free_pct": 1})");
  WaitEnded(2);
  ASSERT_TRUE(WaitFor([&] { return store_->LastEventId() > second; }));
  std::vector<store::Event> events = store_->ReadEvents(second, 10);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].trigger, "core.execution");
}

// A rule imported from StackStorm on its action trigger fires on an ending, with StackStorm's
// payload; core.execution, which nothing here reads, is not recorded.
TEST_F(EngineTest, StackStormActionTriggerIsEmittedWhenListenedFor) {
  Start(R"(rule fails {
  if disk.low
  then core.local(cmd: "exit 3")
}
rule st2_notify {
  if core.st2.generic.actiontrigger where event.status == "failed"
  then core.local(cmd: "printf '%s;' {{event.action_name}} >> {dir}/failures")
})");
  int64_t event = Send(R"({"host": "h", "mount": "/", "free_pct": 1})");
  auto list = WaitEnded(2);
  EXPECT_EQ(list[0].status, Status::kFailed);
  EXPECT_EQ(list[1].rule, "st2_notify");
  EXPECT_EQ(ReadFile(dir_ / "failures"), "local;");
  std::vector<store::Event> events = store_->ReadEvents(event, 10);
  ASSERT_GE(events.size(), 1u);
  for (const store::Event& e : events) EXPECT_EQ(e.trigger, "core.st2.generic.actiontrigger");
  Json payload = Json::parse(events[0].payload_json);
  EXPECT_EQ(payload["execution_id"], std::to_string(list[0].id));
  EXPECT_EQ(payload["status"], "failed");
  EXPECT_EQ(payload["action_name"], "local");
  EXPECT_EQ(payload["action_ref"], "core.local");
  EXPECT_EQ(payload["runner_ref"], "local-shell-cmd");
  EXPECT_EQ(payload["parameters"]["cmd"], "exit 3");
  EXPECT_EQ(payload["result"]["return_code"], 3);
  EXPECT_TRUE(payload["start_timestamp"].is_string());
}

TEST(ActionTriggerPayloadTest, SpeaksStackStormsNames) {
  Json timed_out = ActionTriggerPayload(42, "linux.check_loadavg", "remote-shell-cmd", "timed_out",
                                        Json{{"hosts", "web1"}}, nullptr, 1767225600000);
  EXPECT_EQ(timed_out["execution_id"], "42");
  EXPECT_EQ(timed_out["status"], "timeout");
  EXPECT_EQ(timed_out["action_name"], "check_loadavg");
  EXPECT_EQ(timed_out["action_ref"], "linux.check_loadavg");
  EXPECT_EQ(timed_out["runner_ref"], "remote-shell-cmd");
  EXPECT_EQ(timed_out["parameters"]["hosts"], "web1");
  EXPECT_TRUE(timed_out["result"].is_null());
  EXPECT_EQ(timed_out["start_timestamp"], "2026-01-01T00:00:00Z");
  // Canceled before it started: no start time.
  Json canceled = ActionTriggerPayload(7, "core.local", "local-shell-cmd", "canceled",
                                       Json::object(), nullptr, 0);
  EXPECT_EQ(canceled["status"], "canceled");
  EXPECT_TRUE(canceled["start_timestamp"].is_null());
}

TEST_F(EngineTest, HostilePayloadStaysData) {
  Start(R"(rule note {
  if disk.low
  then core.local(cmd: "echo {{event.host}} > {dir}/out.txt")
})");
  const std::string hostile[] = {"; touch {dir}/pwned1", "$(touch {dir}/pwned2)",
                                 "`touch {dir}/pwned3`", "a\ntouch {dir}/pwned4",
                                 "' ; touch {dir}/pwned5 ; '"};
  for (std::string h : hostile) {
    for (size_t at; (at = h.find("{dir}")) != std::string::npos;) h.replace(at, 5, dir_.string());
    Send(Json{{"host", h}, {"mount", "/"}, {"free_pct", 1}}.dump());
  }
  auto list = WaitEnded(5);
  for (const auto& x : list) EXPECT_EQ(x.status, Status::kSucceeded) << x.error_json;
  for (int i = 1; i <= 5; ++i) {
    EXPECT_FALSE(fs::exists(dir_ / ("pwned" + std::to_string(i)))) << i;
  }
}

TEST_F(EngineTest, RetriesWithDelaysThenFails) {
  Start(R"(rule flaky {
  if disk.low
  then core.local(cmd: "echo try >> {dir}/tries; exit 3")
    retry 2 times every 50ms backoff 2x
})");
  auto start = std::chrono::steady_clock::now();
  Send(R"({"host": "h", "mount": "/", "free_pct": 1})");
  auto list = WaitEnded(1);
  auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].status, Status::kFailed);
  EXPECT_EQ(list[0].attempts, 3);
  EXPECT_EQ(ReadFile(dir_ / "tries"), "try\ntry\ntry\n");
  // 50 ms then 100 ms between the attempts.
  EXPECT_GE(elapsed, std::chrono::milliseconds(150));
  auto attempts = store_->ListAttempts(list[0].id);
  ASSERT_EQ(attempts.size(), 3u);
  EXPECT_GE(attempts[2].started_at - attempts[1].finished_at, 90);
  Json error = Json::parse(list[0].error_json);
  EXPECT_EQ(error["status"], "failed");
  EXPECT_EQ(error["result"]["return_code"], 3);
}

TEST_F(EngineTest, RetryWhenConditionDecides) {
  Start(R"(rule only_timeouts {
  if disk.low
  then core.local(cmd: "exit 1")
    retry 3 times every 10ms when error.status == "timed_out"
})");
  Send(R"({"host": "h", "mount": "/", "free_pct": 1})");
  auto list = WaitEnded(1);
  EXPECT_EQ(list[0].status, Status::kFailed);
  EXPECT_EQ(list[0].attempts, 1);  // a failure, not a time-out: no retry
}

TEST_F(EngineTest, TimeoutKillsAndRecordsTimedOut) {
  Start(R"(rule slow {
  if disk.low
  then core.local(cmd: "sleep 30")
    timeout 300ms
})");
  auto start = std::chrono::steady_clock::now();
  Send(R"({"host": "h", "mount": "/", "free_pct": 1})");
  auto list = WaitEnded(1);
  EXPECT_EQ(list[0].status, Status::kTimedOut);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
}

TEST_F(EngineTest, ConcurrencyLimitsRunningExecutionsPerKey) {
  // Two executions of the same key at once would find the lock directory taken and fail; the
  // log shows whether the two keys ran side by side.
  Start(R"(rule one_at_a_time {
  if disk.low
  then core.local(cmd: "mkdir {dir}/lock-{{event.host}} && echo start {{event.host}} >> {dir}/log && sleep 0.3 && echo end {{event.host}} >> {dir}/log && rmdir {dir}/lock-{{event.host}}")
    concurrency 1 by event.host
})");
  for (int i = 0; i < 3; ++i) Send(R"({"host": "a", "mount": "/", "free_pct": 1})");
  for (int i = 0; i < 3; ++i) Send(R"({"host": "b", "mount": "/", "free_pct": 1})");
  auto list = WaitEnded(6);
  for (const auto& x : list) EXPECT_EQ(x.status, Status::kSucceeded) << x.result_json;
  // Per key: strictly start, end, start, end...; across keys: at some point both ran.
  std::istringstream log(ReadFile(dir_ / "log"));
  std::map<std::string, bool> running;
  int max_running = 0;
  for (std::string what, key; log >> what >> key;) {
    bool start = what == "start";
    EXPECT_NE(running[key], start) << "key " << key << " overlapped itself";
    running[key] = start;
    max_running = std::max<int>(
        max_running, static_cast<int>(std::count_if(running.begin(), running.end(),
                                                    [](const auto& kv) { return kv.second; })));
  }
  EXPECT_EQ(max_running, 2);
}

TEST_F(EngineTest, ThrottleDropsEnforcementsOverTheLimit) {
  Start(R"(rule limited {
  if disk.low
  then core.noop()
    throttle 2 per 10m by event.host
})");
  std::vector<int64_t> events;
  for (int i = 0; i < 4; ++i)
    events.push_back(Send(R"({"host": "a", "mount": "/", "free_pct": 1})"));
  events.push_back(Send(R"({"host": "b", "mount": "/", "free_pct": 1})"));
  auto list = WaitEnded(3);
  ASSERT_TRUE(WaitFor([&] { return store_->EventCursor() >= events.back(); }));
  std::vector<std::string> statuses;
  for (int64_t e : events) {
    auto enforcements = store_->ListEnforcements(e);
    ASSERT_EQ(enforcements.size(), 1u);
    statuses.push_back(enforcements[0].status);
  }
  EXPECT_EQ(statuses, (std::vector<std::string>{"scheduled", "scheduled", "throttled", "throttled",
                                                "scheduled"}));
  EXPECT_EQ(Executions().size(), 3u);
}

TEST_F(EngineTest, FollowUpsSeeResultAndError) {
  Start(R"(rule chain {
  if disk.low
  then core.local(cmd: "printf ok-{{event.host}}; test {{event.host}} = x")
  on success then core.local(cmd: "printf '%s' {{result.stdout}} > {dir}/success.txt")
  on failure then core.local(cmd: "printf '%s' {{error.status}} > {dir}/failure.txt")
})");
  Send(R"({"host": "x", "mount": "/", "free_pct": 1})");
  auto list = WaitEnded(2);
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[1].parent_id, list[0].id);
  EXPECT_EQ(ReadFile(dir_ / "success.txt"), "ok-x");
  Send(R"({"host": "y", "mount": "/", "free_pct": 90})");
  list = WaitEnded(4);
  EXPECT_EQ(list[2].status, Status::kFailed);
  EXPECT_EQ(ReadFile(dir_ / "failure.txt"), "failed");
}

TEST_F(EngineTest, SecretsAreMaskedInStoredParameters) {
  Start(R"(rule uses_secret {
  if disk.low
  then core.local(cmd: "printf %s $TOKEN > {dir}/secret.txt; echo $TOKEN", env: {TOKEN: secret("token")})
})");
  Send(R"({"host": "h", "mount": "/", "free_pct": 1})");
  auto list = WaitEnded(1);
  EXPECT_EQ(list[0].status, Status::kSucceeded);
  // The command got the real value; nothing stored shows it.
  EXPECT_EQ(ReadFile(dir_ / "secret.txt"), "s3cr3t-t0ken");
  EXPECT_EQ(list[0].parameters_json.find("s3cr3t"), std::string::npos) << list[0].parameters_json;
  EXPECT_EQ(list[0].result_json.find("s3cr3t"), std::string::npos) << list[0].result_json;
  EXPECT_FALSE(list[0].sealed_secrets.empty());
  ASSERT_TRUE(WaitFor([&] { return store_->EventCursor() == store_->LastEventId(); }));
  for (const auto& e : store_->ReadEvents(0, 100)) {
    EXPECT_EQ(e.payload_json.find("s3cr3t"), std::string::npos) << e.payload_json;
  }
}

TEST_F(EngineTest, InjectTriggerFeedsOtherRules) {
  Start(R"(trigger handoff { name: string }
rule first {
  if disk.low
  then core.inject_trigger(trigger: "handoff", payload: {name: event.host})
}
rule second {
  if handoff
  then core.local(cmd: "printf %s {{event.name}} > {dir}/handoff.txt")
})");
  Send(R"({"host": "relay", "mount": "/", "free_pct": 1})");
  auto list = WaitEnded(2);
  EXPECT_EQ(list[0].action, "core.inject_trigger");
  EXPECT_EQ(list[1].rule, "second");
  EXPECT_EQ(ReadFile(dir_ / "handoff.txt"), "relay");
}

TEST_F(EngineTest, ReactsToExecutionOutcomes) {
  Start(R"(rule fails {
  if disk.low
  then core.local(cmd: "exit 2")
}
rule watcher {
  if core.execution where event.status == "failed" and event.rule == "fails"
  then core.local(cmd: "printf seen > {dir}/seen.txt")
})");
  Send(R"({"host": "h", "mount": "/", "free_pct": 1})");
  WaitEnded(2);
  EXPECT_EQ(ReadFile(dir_ / "seen.txt"), "seen");
}

TEST_F(EngineTest, CancelThroughTheStoreStopsARunningExecution) {
  Start(R"(rule long {
  if disk.low
  then core.local(cmd: "sleep 30")
})");
  Send(R"({"host": "h", "mount": "/", "free_pct": 1})");
  ASSERT_TRUE(WaitFor([&] {
    auto list = Executions();
    return !list.empty() && list[0].status == Status::kRunning;
  }));
  int64_t id = Executions()[0].id;
  store::WriteBatch batch;
  store::ExecutionUpdate cancel;
  cancel.id = id;
  cancel.status = Status::kCanceled;
  cancel.finished_at = Now();
  cancel.only_from = {Status::kRequested, Status::kScheduled, Status::kRunning};
  batch.execution_updates.push_back(cancel);
  ASSERT_TRUE(store_->Commit(std::move(batch)).ok);
  // The engine kills the process and records the attempt.
  auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(WaitFor([&] { return store_->ListAttempts(id).size() == 1; }));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_EQ(store_->ListAttempts(id)[0].status, Status::kCanceled);
  EXPECT_EQ(Executions()[0].status, Status::kCanceled);
}

TEST_F(EngineTest, BinaryOutputIsRecordedNotFatal) {
  // Bytes that are not UTF-8 in a command's output (or a secret) cannot stop the engine.
  Start(R"(rule binary {
  if disk.low
  then core.local(cmd: "printf 'ok\\377\\376'")
})");
  Send(R"({"host": "h", "mount": "/", "free_pct": 1})");
  auto list = WaitEnded(1);
  EXPECT_EQ(list[0].status, Status::kSucceeded);
  EXPECT_EQ(Json::parse(list[0].result_json)["stdout"], "ok\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST_F(EngineTest, InjectTriggerResultMasksSecrets) {
  Start(R"(trigger handoff { token: string }
rule first {
  if disk.low
  then core.inject_trigger(trigger: "handoff", payload: {token: secret("token")})
}
rule audit {
  if core.execution where event.action == "none.such"
  then core.noop()
})");
  Send(R"({"host": "h", "mount": "/", "free_pct": 1})");
  auto list = WaitEnded(1);
  EXPECT_EQ(list[0].status, Status::kSucceeded);
  EXPECT_EQ(list[0].result_json.find("s3cr3t"), std::string::npos) << list[0].result_json;
  ASSERT_TRUE(WaitFor([&] { return store_->EventCursor() == store_->LastEventId(); }));
  for (const auto& e : store_->ReadEvents(0, 100)) {
    if (e.trigger == "core.execution") {
      EXPECT_EQ(e.payload_json.find("s3cr3t"), std::string::npos) << e.payload_json;
    }
  }
}

TEST_F(EngineTest, CancelingAWaitingExecutionEndsIt) {
  Start(R"(rule one_at_a_time {
  if disk.low
  then core.local(cmd: "sleep 1")
    concurrency 1
}
rule audit {
  if core.execution where event.action == "none.such"
  then core.noop()
})");
  Send(R"({"host": "h", "mount": "/", "free_pct": 1})");
  Send(R"({"host": "h", "mount": "/", "free_pct": 1})");
  ASSERT_TRUE(WaitFor([&] {
    auto list = Executions();
    return list.size() == 2 && list[1].status == Status::kScheduled;
  }));
  int64_t waiting = Executions()[1].id;
  store::WriteBatch batch;
  store::ExecutionUpdate cancel;
  cancel.id = waiting;
  cancel.status = Status::kCanceled;
  cancel.finished_at = Now();
  cancel.only_from = {Status::kRequested, Status::kScheduled};
  batch.execution_updates.push_back(cancel);
  ASSERT_TRUE(store_->Commit(std::move(batch)).ok);
  auto list = WaitEnded(2);
  EXPECT_EQ(list[0].status, Status::kSucceeded);
  EXPECT_EQ(list[1].status, Status::kCanceled);
  EXPECT_TRUE(store_->ListAttempts(waiting).empty());  // it never ran
  // Its ending is an event like any other.
  ASSERT_TRUE(WaitFor([&] {
    for (const auto& e : store_->ReadEvents(0, 100)) {
      if (e.trigger == "core.execution" &&
          Json::parse(e.payload_json)["execution_id"] == std::to_string(waiting)) {
        return Json::parse(e.payload_json)["status"] == "canceled";
      }
    }
    return false;
  }));
}

TEST_F(EngineTest, RestartAbandonsInterruptedAndRunsPending) {
  // A first runtime recorded an execution as running and another as requested, then died.
  Compile("rule r {\n  if disk.low\n  then core.local(cmd: \"printf x >> {dir}/ran\")\n}\n");
  int64_t event = Send(R"({"host": "h", "mount": "/", "free_pct": 1})");
  store::WriteBatch batch;
  for (Status status : {Status::kRunning, Status::kRequested}) {
    store::Execution x;
    x.id = store_->NextExecutionId();
    x.action = "core.local";
    x.runner = "local-shell-cmd";
    x.rule = "r";
    x.event_id = event;
    x.parameters_json = Json{{"cmd", "printf x >> " + dir_.string() + "/ran"}}.dump();
    x.policy_json = "{}";
    x.status = status;
    x.attempts = status == Status::kRunning ? 1 : 0;
    x.created_at = x.run_at = x.started_at = Now();
    batch.new_executions.push_back(x);
  }
  batch.event_cursor = event;  // the event itself was matched
  ASSERT_TRUE(store_->Commit(std::move(batch)).ok);

  Start("rule r {\n  if disk.low\n  then core.local(cmd: \"printf x >> {dir}/ran\")\n}\n");
  auto list = WaitEnded(2);
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].status, Status::kAbandoned);
  EXPECT_EQ(list[1].status, Status::kSucceeded);
  EXPECT_EQ(ReadFile(dir_ / "ran"), "x");  // only the pending one ran
}

TEST_F(EngineTest, RestartRetriesInterruptedWhenPolicyAllows) {
  std::string rule =
      "rule r {\n  if disk.low\n  then core.local(cmd: \"printf x >> {dir}/ran\")\n"
      "    retry 1 times every 10ms\n}\n";
  Compile(rule);
  int64_t event = Send(R"({"host": "h", "mount": "/", "free_pct": 1})");
  store::WriteBatch batch;
  store::Execution x;
  x.id = store_->NextExecutionId();
  x.action = "core.local";
  x.runner = "local-shell-cmd";
  x.rule = "r";
  x.event_id = event;
  x.parameters_json = Json{{"cmd", "printf x >> " + dir_.string() + "/ran"}}.dump();
  EvaluatedPolicy policy;
  policy.retry = RetryPolicy{.count = 1, .every_ms = 10};
  x.policy_json = PolicyToJson(policy);
  x.status = Status::kRunning;
  x.attempts = 1;
  x.created_at = x.run_at = x.started_at = Now();
  batch.new_executions.push_back(x);
  batch.event_cursor = event;
  ASSERT_TRUE(store_->Commit(std::move(batch)).ok);

  Start(rule);
  auto list = WaitEnded(1);
  EXPECT_EQ(list[0].status, Status::kSucceeded);
  EXPECT_EQ(list[0].attempts, 2);
  auto attempts = store_->ListAttempts(list[0].id);
  ASSERT_EQ(attempts.size(), 2u);
  EXPECT_EQ(attempts[0].status, Status::kAbandoned);
}

TEST_F(EngineTest, WebhookInstanceRoutesToItsOwnRules) {
  Start(R"(rule deploy {
  if webhook "deploy"
  then core.local(cmd: "printf deploy >> {dir}/hooks")
}
rule build {
  if webhook "build"
  then core.local(cmd: "printf build >> {dir}/hooks")
})");
  Send(R"({"headers": {}, "body": {}})", "core.webhook", R"({"url":"build"})");
  WaitEnded(1);
  EXPECT_EQ(ReadFile(dir_ / "hooks"), "build");
}

TEST_F(EngineTest, ReloadSwapsRulesForNewEvents) {
  Start("rule r {\n  if disk.low\n  then core.local(cmd: \"printf old >> {dir}/which\")\n}\n");
  Send(R"({"host": "h", "mount": "/", "free_pct": 1})");
  WaitEnded(1);
  engine_->Reload(Compile(
      "rule r {\n  if disk.low\n  then core.local(cmd: \"printf new >> {dir}/which\")\n}\n"));
  // The swap happens on the control thread before the next event is matched.
  ASSERT_TRUE(WaitFor([&] { return engine_->Stats().cursor == store_->LastEventId(); }));
  Send(R"({"host": "h", "mount": "/", "free_pct": 1})");
  WaitEnded(2);
  EXPECT_EQ(ReadFile(dir_ / "which"), "oldnew");
}

TEST_F(EngineTest, MetricsCountEnforcementsAndExecutions) {
  Start("rule r {\n  if disk.low\n  then core.noop()\n}\n");
  Send(R"({"host": "h", "mount": "/", "free_pct": 1})");
  WaitEnded(1);
  std::string text = registry_.Render();
  EXPECT_NE(text.find("squall_enforcements_total{rule=\"r\",status=\"scheduled\"} 1"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("squall_executions_total{action=\"core.noop\",status=\"succeeded\"} 1"),
            std::string::npos)
      << text;
}

// Correlation rules (docs/language.md, "Correlation over time"): `disk.ok` ends a `disk.low`.
constexpr const char* kDiskOk = "trigger disk.ok {\n  host: string\n}\n";

TEST_F(EngineTest, AbsenceFiresAfterTheWindowUnlessCancelled) {
  Start(std::string(kDiskOk) + R"(rule stuck {
  if (disk.low as d where d.free_pct < 10) and not disk.ok where event.host == d.host within 300ms
  then core.local(cmd: "printf '%s;' {{d.host}} >> {dir}/stuck")
})");
  Send(R"({"host": "web1", "mount": "/", "free_pct": 5})");
  Send(R"({"host": "web1"})", "disk.ok");                     // cancels web1's
  Send(R"({"host": "web3", "mount": "/", "free_pct": 50})");  // filtered out by the atom
  Send(R"({"host": "web2", "mount": "/", "free_pct": 5})");
  Send(R"({"host": "web9"})", "disk.ok");  // another key: cancels nothing
  auto list = WaitEnded(1);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].rule, "stuck");
  EXPECT_EQ(list[0].status, Status::kSucceeded);
  // web1's deadline came first: had it not been cancelled it would have fired by now.
  EXPECT_EQ(ReadFile(dir_ / "stuck"), "web2;");
  // The instance is gone from the store with the firing; the firing is an event of its own.
  EXPECT_TRUE(WaitFor([&] { return store_->ListCorrelationStates().empty(); }));
  std::optional<store::Event> fired = store_->GetEvent(list[0].event_id);
  ASSERT_TRUE(fired);
  EXPECT_EQ(fired->trigger, "correlation.stuck");
  EXPECT_EQ(fired->source, "correlation:stuck");
  EXPECT_EQ(Json::parse(fired->payload_json)["d"]["host"], "web2");
}

TEST_F(EngineTest, SequenceFiresOnTheSameKeyInOrder) {
  Start(std::string(kDiskOk) + R"(rule recovered {
  if disk.low as a followed by disk.ok as b where b.host == a.host within 10s
  then core.local(cmd: "printf '%s/%s' {{a.mount}} {{b.host}} > {dir}/seq")
})");
  Send(R"({"host": "web2"})", "disk.ok");  // before any disk.low: matches nothing
  Send(R"({"host": "web1", "mount": "/var", "free_pct": 5})");
  Send(R"({"host": "web2"})", "disk.ok");
  Send(R"({"host": "web1"})", "disk.ok");
  auto list = WaitEnded(1);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(ReadFile(dir_ / "seq"), "/var/web1");
}

TEST_F(EngineTest, CountFiresPerKeyAndRestartsItsWindow) {
  Start(R"(rule repeated {
  if 3 of disk.low where event.free_pct < 10 within 10s by event.host
  then core.local(cmd: "printf '%s;' {{event.mount}} >> {dir}/count")
})");
  for (const char* payload : {R"({"host": "a", "mount": "/1", "free_pct": 5})",
                              R"({"host": "b", "mount": "/x", "free_pct": 5})",
                              R"({"host": "a", "mount": "/2", "free_pct": 50})",
                              R"({"host": "a", "mount": "/3", "free_pct": 5})",
                              R"({"host": "b", "mount": "/y", "free_pct": 5})",
                              R"({"host": "a", "mount": "/4", "free_pct": 5})"}) {
    Send(payload);
  }
  auto list = WaitEnded(1);
  EXPECT_EQ(list.size(), 1u);
  EXPECT_EQ(ReadFile(dir_ / "count"), "/4;");  // the third counted event of `a`
}

TEST_F(EngineTest, CorrelationCapDropsAndCounts) {
  correlation_cap_ = 1;
  Start(std::string(kDiskOk) + R"(rule stuck {
  if disk.low as d and not disk.ok where event.host == d.host within 1h
  then core.noop()
})");
  Send(R"({"host": "web1", "mount": "/", "free_pct": 5})");
  Send(R"({"host": "web2", "mount": "/", "free_pct": 5})");
  EXPECT_TRUE(WaitFor([&] {
    return registry_.Render().find("squall_correlation_dropped_total{rule=\"stuck\"} 1") !=
           std::string::npos;
  })) << registry_.Render();
  // web1's, the first (committed just after the metric counted web2's).
  ASSERT_TRUE(WaitFor([&] { return store_->ListCorrelationStates().size() == 1; }));
  auto states = store_->ListCorrelationStates();
  EXPECT_NE(states[0].state->find("web1"), std::string::npos);
}

TEST_F(EngineTest, AbsenceStateSurvivesARestartAndFiresOnce) {
  const std::string body = std::string(kDiskOk) + R"(rule stuck {
  if disk.low as d and not disk.ok where event.host == d.host within 1s
  then core.local(cmd: "printf '%s;' {{d.host}} >> {dir}/stuck")
})";
  Start(body);
  Send(R"({"host": "web1", "mount": "/", "free_pct": 5})");
  ASSERT_TRUE(WaitFor([&] { return store_->ListCorrelationStates().size() == 1; }));
  // Stopped before the deadline, as a crash would: the state is in the store.
  engine_->Stop(std::chrono::milliseconds(0));
  engine_.reset();
  Start(body);
  auto list = WaitEnded(1);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_TRUE(WaitFor([&] { return store_->ListCorrelationStates().empty(); }));
  EXPECT_EQ(ReadFile(dir_ / "stuck"), "web1;");
}

TEST_F(EngineTest, WorkflowMovesOnFromAStepEndingRecordedAlone) {
  // A step's ending committed, then the runtime stopped before the workflow's next move was
  // recorded: at the restart the workflow goes on from the recorded ending, without running the
  // step again.
  const std::string body = R"(workflow two() {
  core.local(cmd: "printf a >> {dir}/ran; sleep 30")
  core.local(cmd: "printf b >> {dir}/ran")
}
rule r {
  if disk.low
  then two()
})";
  Start(body);
  Send(R"({"host": "h", "mount": "/", "free_pct": 1})");
  ASSERT_TRUE(WaitFor([&] { return ReadFile(dir_ / "ran") == "a"; }));
  engine_->Stop(std::chrono::milliseconds(0));
  engine_.reset();
  std::vector<store::Execution> before = Executions();
  ASSERT_EQ(before.size(), 2u);  // the workflow and its first step, both `running`
  store::ExecutionUpdate ended;
  ended.id = before[1].id;
  ended.status = Status::kSucceeded;
  ended.finished_at = Now();
  ended.result_json = R"({"stdout": "a"})";
  store::WriteBatch batch;
  batch.execution_updates.push_back(ended);
  ASSERT_TRUE(store_->Commit(std::move(batch)).ok);

  Start(body);
  auto list = WaitEnded(3);
  ASSERT_EQ(list.size(), 3u);
  for (const store::Execution& x : list) EXPECT_EQ(x.status, Status::kSucceeded) << x.id;
  EXPECT_EQ(ReadFile(dir_ / "ran"), "ab");
}

TEST_F(EngineTest, TemplatedDefaultsAreRenderedWithTheCallsParameters) {
  // core.echo carries its message in `env: {SQUALL_MESSAGE: "{{message}}"}` and core.pause
  // runs `sleep {{max_pause}}`: StackStorm renders such defaults with the call's parameters.
  Start(R"rules(rule r {
  if disk.low
  then core.echo(message: "{{event.host}} at {{event.free_pct}}% $(id)")
}
rule p {
  if disk.low
  then core.pause(max_pause: 0)
})rules");
  Send(R"({"host": "web1", "mount": "/", "free_pct": 3})");
  auto list = WaitEnded(2);
  ASSERT_EQ(list.size(), 2u);
  for (const store::Execution& x : list) {
    EXPECT_EQ(x.status, Status::kSucceeded) << x.action << ": " << x.error_json;
    if (x.action == "core.echo") {
      EXPECT_EQ(Json::parse(x.result_json)["stdout"], "web1 at 3% $(id)");
    }
  }
}

TEST_F(EngineTest, ReloadKeepsUnchangedWorkflowsAndFailsChangedOnes) {
  // Two workflows sleep; the reload changes one (a step inserted: its recorded state numbers
  // would now name other steps) and only re-lays out the other (a comment, a blank line).
  const std::string before = R"(workflow kept() {
  sleep 300ms
  core.local(cmd: "printf kept >> {dir}/ran")
}
workflow changed() {
  sleep 300ms
  core.local(cmd: "printf changed >> {dir}/ran")
}
rule r {
  if disk.low
  then kept()
}
rule s {
  if disk.low
  then changed()
})";
  const std::string after = R"(workflow kept() {
  # re-laid out only

  sleep 300ms
  core.local(cmd: "printf kept >> {dir}/ran")
}
workflow changed() {
  core.local(cmd: "printf inserted >> {dir}/ran")
  sleep 300ms
  core.local(cmd: "printf changed >> {dir}/ran")
}
rule r {
  if disk.low
  then kept()
}
rule s {
  if disk.low
  then changed()
})";
  Start(before);
  Send(R"({"host": "h", "mount": "/", "free_pct": 1})");
  ASSERT_TRUE(WaitFor([&] { return store_->ListWorkflows(0, 10).size() == 2; }));
  engine_->Reload(Compile(after));
  auto list = WaitEnded(3);  // both workflows and kept's step
  std::map<std::string, store::Execution> by_action;
  for (const store::Execution& x : list) by_action[x.action] = x;
  EXPECT_EQ(by_action["kept"].status, Status::kSucceeded);
  EXPECT_EQ(by_action["changed"].status, Status::kFailed);
  EXPECT_NE(by_action["changed"].error_json.find("the workflow changed while it ran"),
            std::string::npos);
  EXPECT_EQ(ReadFile(dir_ / "ran"), "kept");
}

TEST_F(EngineTest, WorkflowThatCannotResumeCancelsItsWaitingSteps) {
  // One runner slot: the first workflow's step holds it, the second's waits `requested`. The
  // runtime stops; it restarts with the workflow changed, so neither can resume. The waiting
  // step must not run for a workflow that has failed.
  const std::string before = R"(workflow w(tag: string) {
  core.local(cmd: "printf '%s;' {{tag}} >> {dir}/ran; sleep 30")
}
rule r {
  if disk.low
  then w(tag: event.host)
})";
  Start(before, /*max_running=*/1);
  Send(R"({"host": "a", "mount": "/", "free_pct": 1})");
  Send(R"({"host": "b", "mount": "/", "free_pct": 1})");
  ASSERT_TRUE(WaitFor([&] {
    std::vector<store::Execution> list = Executions();
    return list.size() == 4 && ReadFile(dir_ / "ran") == "a;";
  }));
  engine_->Stop(std::chrono::milliseconds(0));
  engine_.reset();
  Start(R"(workflow w(tag: string) {
  core.local(cmd: "printf 'changed %s;' {{tag}} >> {dir}/ran")
}
rule r {
  if disk.low
  then w(tag: event.host)
})",
        /*max_running=*/1);
  auto list = WaitEnded(4);
  ASSERT_EQ(list.size(), 4u);
  std::map<Status, int> statuses;
  for (const store::Execution& x : list) statuses[x.status]++;
  EXPECT_EQ(statuses[Status::kFailed], 2) << "both workflows";
  EXPECT_EQ(statuses[Status::kAbandoned], 1) << "a's step, running at the stop";
  EXPECT_EQ(statuses[Status::kCanceled], 1) << "b's step, never started";
  EXPECT_EQ(ReadFile(dir_ / "ran"), "a;");
}

}  // namespace
}  // namespace squall::engine
