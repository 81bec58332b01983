// The state-directory commands run in-process against a real SQLite store in a temp dir, with
// records the CLI cannot create itself (executions, attempts, enforcements: the service's
// writes): `executions list/show/tail --follow/cancel`, `events list/show` of matched
// events, and `workflows list/show/pause/resume/cancel` of workflow runs. tests/e2e/state_test.py
// runs the binary for everything the CLI writes.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <streambuf>
#include <string>
#include <thread>
#include <vector>

#include "cli/commands.h"
#include "cli/state_flags.h"
#include "cli/workflow_view.h"
#include "runtime/store/sqlite_store.h"

namespace squall::cli {
namespace {

using store::Status;

struct Output {
  int status = 0;
  std::string out;
  std::string err;
};

class StateCommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char templ[] = "/tmp/squall-state-commands-XXXXXX";
    ASSERT_NE(::mkdtemp(templ), nullptr);
    dir_ = std::filesystem::path(templ) / "state";
    std::string error;
    store_ = store::OpenSqliteStore({.state_dir = dir_, .exclusive = false}, &error);
    ASSERT_NE(store_, nullptr) << error;
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_.parent_path());
  }

  Output Run(int (*command)(std::span<const std::string>, const Streams&),
             std::vector<std::string> args, const std::string& input = "") {
    args.push_back("--state");
    args.push_back(dir_.string());
    std::istringstream in(input);
    std::ostringstream out;
    std::ostringstream err;
    Output result;
    result.status = command(args, Streams{in, out, err});
    result.out = out.str();
    result.err = err.str();
    return result;
  }

  // Event 1 (`disk.low`) matched by rule `clean` into execution 10 (succeeded after a failed
  // first attempt), execution 11 running (rule `watch`), 12 scheduled (a follow-up of 10).
  void Seed() {
    store::WriteBatch events;
    events.events.push_back(store::NewEvent{.trigger = "disk.low",
                                            .payload_json = R"({"host":"web1","free_mb":5})",
                                            .source = "webhook:disk",
                                            .external_id = "ext-1",
                                            .received_at = 1714564800000});
    ASSERT_TRUE(store_->Commit(std::move(events)).ok);
    store::WriteBatch batch;
    batch.enforcements.push_back(store::Enforcement{.event_id = 1,
                                                    .rule = "clean",
                                                    .status = "scheduled",
                                                    .execution_id = 10,
                                                    .created_at = 1714564800100});
    batch.new_executions.push_back(
        store::Execution{.id = 10,
                         .action = "core.local",
                         .runner = "local-shell-cmd",
                         .rule = "clean",
                         .event_id = 1,
                         .parameters_json = R"({"cmd":"rm -rf /tmp/cache","password":"********"})",
                         .policy_json = R"({"retry":{"count":2}})",
                         .status = Status::kSucceeded,
                         .attempts = 2,
                         .created_at = 1714564800100,
                         .started_at = 1714564802000,
                         .finished_at = 1714564803500,
                         .result_json = R"({"stdout":"done","exit_code":0})"});
    batch.new_executions.push_back(store::Execution{.id = 11,
                                                    .action = "core.http",
                                                    .runner = "http-request",
                                                    .rule = "watch",
                                                    .status = Status::kRunning,
                                                    .attempts = 1,
                                                    .created_at = 1714564801000,
                                                    .started_at = 1714564801500});
    batch.new_executions.push_back(store::Execution{.id = 12,
                                                    .action = "core.noop",
                                                    .parent_id = 10,
                                                    .status = Status::kScheduled,
                                                    .run_at = 1714564900000,
                                                    .created_at = 1714564803600});
    batch.attempts.push_back(store::Attempt{.execution_id = 10,
                                            .attempt = 1,
                                            .status = Status::kFailed,
                                            .started_at = 1714564800200,
                                            .finished_at = 1714564801200,
                                            .error_json = R"({"message":"exit code 1"})"});
    batch.attempts.push_back(store::Attempt{.execution_id = 10,
                                            .attempt = 2,
                                            .status = Status::kSucceeded,
                                            .started_at = 1714564802000,
                                            .finished_at = 1714564803500,
                                            .result_json = R"({"stdout":"done"})"});
    batch.event_cursor = 1;
    store::CommitResult result = store_->Commit(std::move(batch));
    ASSERT_TRUE(result.ok) << result.error;
  }

  std::filesystem::path dir_;
  std::unique_ptr<store::Store> store_;
};

TEST_F(StateCommandsTest, ListIsNewestFirstAndFilters) {
  Seed();
  Output all = Run(RunExecutions, {"list"});
  ASSERT_EQ(all.status, kExitOk) << all.err;
  std::vector<std::string> lines;
  std::istringstream text(all.out);
  for (std::string line; std::getline(text, line);) lines.push_back(line);
  ASSERT_EQ(lines.size(), 4u) << all.out;
  EXPECT_EQ(lines[0].rfind("ID", 0), 0u);
  EXPECT_NE(lines[0].find("DURATION"), std::string::npos);
  EXPECT_NE(lines[1].find("12  scheduled  core.noop"), std::string::npos) << lines[1];
  EXPECT_NE(lines[1].find("(after #10)"), std::string::npos) << lines[1];
  EXPECT_NE(lines[3].find("10  succeeded  core.local"), std::string::npos) << lines[3];
  EXPECT_NE(lines[3].find("2024-05-01T12:00:00Z"), std::string::npos) << lines[3];
  EXPECT_NE(lines[3].find("1.500s"), std::string::npos) << lines[3];

  Output running = Run(RunExecutions, {"list", "--status", "running,scheduled", "--json"});
  ASSERT_EQ(running.status, kExitOk) << running.err;
  std::istringstream json_lines(running.out);
  std::vector<int64_t> ids;
  for (std::string line; std::getline(json_lines, line);) {
    nlohmann::json row = nlohmann::json::parse(line);
    ids.push_back(row["id"].get<int64_t>());
    EXPECT_TRUE(row["finished_at"].is_null());
  }
  EXPECT_EQ(ids, (std::vector<int64_t>{12, 11}));

  Output by_rule = Run(RunExecutions, {"list", "--rule", "watch", "--json"});
  EXPECT_EQ(by_rule.out.find("\"id\":11"), by_rule.out.find("\"id\""));
  EXPECT_EQ(std::count(by_rule.out.begin(), by_rule.out.end(), '\n'), 1);

  Output none = Run(RunExecutions, {"list", "--action", "core.nothing"});
  EXPECT_EQ(none.out, "no executions match\n");
}

TEST_F(StateCommandsTest, ShowPrintsEverythingAndItsOrigin) {
  Seed();
  Output shown = Run(RunExecutions, {"show", "10"});
  ASSERT_EQ(shown.status, kExitOk) << shown.err;
  for (const char* expected :
       {"execution 10\n", "status:          succeeded", "core.local (runner local-shell-cmd)",
        "rule:            clean", "attempts:        2", "created:         2024-05-01T12:00:00.100Z",
        "duration:        1.500s", "\"password\": \"********\"", "\"exit_code\": 0", "\"count\": 2",
        "#1 failed", "exit code 1", "#2 succeeded", "enforcement 1: rule clean, scheduled",
        "event 1: disk.low from webhook:disk", "id ext-1", "\"host\": \"web1\""}) {
    EXPECT_NE(shown.out.find(expected), std::string::npos) << expected << "\n" << shown.out;
  }
  Output as_json = Run(RunExecutions, {"show", "#10", "--json"});
  ASSERT_EQ(as_json.status, kExitOk) << as_json.err;
  nlohmann::json doc = nlohmann::json::parse(as_json.out);
  EXPECT_EQ(doc["status"], "succeeded");
  EXPECT_EQ(doc["history"].size(), 2u);
  EXPECT_EQ(doc["history"][0]["error"]["message"], "exit code 1");
  EXPECT_EQ(doc["enforcement"]["rule"], "clean");
  EXPECT_EQ(doc["event"]["payload"]["free_mb"], 5);
  EXPECT_EQ(doc["parameters"]["password"], "********");

  Output follow_up = Run(RunExecutions, {"show", "12"});
  EXPECT_NE(follow_up.out.find("parent:          execution 10"), std::string::npos)
      << follow_up.out;
  EXPECT_NE(follow_up.out.find("run at:"), std::string::npos) << follow_up.out;

  Output missing = Run(RunExecutions, {"show", "99"});
  EXPECT_EQ(missing.status, kExitUserError);
  EXPECT_NE(missing.err.find("no execution 99"), std::string::npos);
}

TEST_F(StateCommandsTest, CancelWinsOnlyOverUnfinishedExecutions) {
  Seed();
  Output mixed = Run(RunExecutions, {"cancel", "11", "10", "404"});
  EXPECT_EQ(mixed.status, kExitOk) << mixed.err;
  EXPECT_EQ(mixed.out, "execution 11: canceled\nexecution 10: already succeeded\n");
  EXPECT_NE(mixed.err.find("no execution 404"), std::string::npos) << mixed.err;
  std::optional<store::Execution> canceled = store_->GetExecution(11);
  ASSERT_TRUE(canceled.has_value());
  EXPECT_EQ(canceled->status, Status::kCanceled);
  EXPECT_GT(canceled->finished_at, canceled->started_at);
  EXPECT_EQ(store_->GetExecution(10)->status, Status::kSucceeded);

  Output again = Run(RunExecutions, {"cancel", "11"});
  EXPECT_EQ(again.status, kExitUserError);
  EXPECT_EQ(again.out, "execution 11: already canceled\n");

  Output bad = Run(RunExecutions, {"cancel", "eleven"});
  EXPECT_EQ(bad.status, kExitUsage);
  Output none = Run(RunExecutions, {"cancel"});
  EXPECT_EQ(none.status, kExitUsage);
}

// A streambuf several threads may use: the tail thread writes, the test reads; once closed,
// writes fail (as on a closed pipe), which ends `tail --follow`.
class SharedBuf : public std::streambuf {
 public:
  std::string text() {
    std::lock_guard lock(mu_);
    return text_;
  }
  void Close() { closed_ = true; }

 protected:
  int_type overflow(int_type c) override {
    if (closed_) return traits_type::eof();
    std::lock_guard lock(mu_);
    if (c != traits_type::eof()) text_.push_back(static_cast<char>(c));
    return traits_type::not_eof(c);
  }
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    if (closed_) return 0;
    std::lock_guard lock(mu_);
    text_.append(s, static_cast<size_t>(n));
    return n;
  }

 private:
  std::mutex mu_;
  std::string text_;
  std::atomic<bool> closed_{false};
};

bool WaitFor(SharedBuf& buf, const std::string& needle) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    if (buf.text().find(needle) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

TEST_F(StateCommandsTest, TailFollowPrintsNewExecutionsAndStatusChanges) {
  Seed();
  SharedBuf buf;
  std::ostream out(&buf);
  std::ostringstream err;
  std::istringstream in;
  std::vector<std::string> args = {"tail", "--follow", "--limit", "2", "--state", dir_.string()};
  std::atomic<int> status{-1};
  std::thread tail([&] { status = RunExecutions(args, Streams{in, out, err}); });
  // The last two, oldest first.
  ASSERT_TRUE(WaitFor(buf, "  12  scheduled")) << buf.text();
  EXPECT_LT(buf.text().find("  11  running"), buf.text().find("  12  scheduled"));
  EXPECT_EQ(buf.text().find("  10  "), std::string::npos) << buf.text();

  store::WriteBatch change;
  change.new_executions.push_back(store::Execution{.id = 13,
                                                   .action = "core.echo",
                                                   .rule = "late",
                                                   .status = Status::kRequested,
                                                   .created_at = NowMillis()});
  change.execution_updates.push_back(
      store::ExecutionUpdate{.id = 11, .status = Status::kFailed, .finished_at = NowMillis()});
  ASSERT_TRUE(store_->Commit(std::move(change)).ok);
  EXPECT_TRUE(WaitFor(buf, "  13  requested  core.echo  rule late")) << buf.text();
  EXPECT_TRUE(WaitFor(buf, "  11  failed")) << buf.text();

  // Like a closed pipe: the next line tail writes fails, and it stops.
  buf.Close();
  store::WriteBatch last;
  last.new_executions.push_back(
      store::Execution{.id = 14, .action = "core.echo", .created_at = NowMillis()});
  ASSERT_TRUE(store_->Commit(std::move(last)).ok);
  tail.join();
  EXPECT_EQ(status.load(), kExitOk);
}

TEST_F(StateCommandsTest, EventsOfTheServiceShowTheirEnforcements) {
  Seed();
  Output list = Run(RunEvents, {"list"});
  ASSERT_EQ(list.status, kExitOk) << list.err;
  EXPECT_NE(list.out.find("1  2024-05-01T12:00:00Z  disk.low  webhook:disk  ext-1        1"),
            std::string::npos)
      << list.out;
  Output sent = Run(RunEvents, {"send", "disk.low", R"({"host":"web2"})"});
  ASSERT_EQ(sent.status, kExitOk) << sent.err;
  EXPECT_EQ(sent.out, "2\n");
  Output pending = Run(RunEvents, {"list", "--limit", "1"});
  EXPECT_NE(pending.out.find("pending"), std::string::npos) << pending.out;

  Output shown = Run(RunEvents, {"show", "1"});
  ASSERT_EQ(shown.status, kExitOk) << shown.err;
  EXPECT_NE(shown.out.find("matched:     yes"), std::string::npos) << shown.out;
  EXPECT_NE(shown.out.find("rule clean  scheduled  execution 10"), std::string::npos) << shown.out;
  std::optional<store::Event> stored = store_->GetEvent(2);
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->source, "cli");
  EXPECT_EQ(stored->payload_json, R"({"host":"web2"})");
}

TEST_F(StateCommandsTest, EventsListReadsBackwardsAcrossWindows) {
  // More events than one read window (1000), of two triggers interleaved.
  store::WriteBatch batch;
  for (int i = 1; i <= 2500; ++i) {
    batch.events.push_back(store::NewEvent{.trigger = i % 2 == 0 ? "even" : "odd",
                                           .payload_json = "{}",
                                           .source = "test",
                                           .received_at = 1714564800000 + i});
  }
  ASSERT_TRUE(store_->Commit(std::move(batch)).ok);
  Output odd = Run(RunEvents, {"list", "--trigger", "odd", "--limit", "1100", "--json"});
  ASSERT_EQ(odd.status, kExitOk) << odd.err;
  std::istringstream lines(odd.out);
  std::vector<int64_t> ids;
  for (std::string line; std::getline(lines, line);) {
    ids.push_back(nlohmann::json::parse(line)["id"].get<int64_t>());
  }
  ASSERT_EQ(ids.size(), 1100u);
  EXPECT_EQ(ids.front(), 2499);
  EXPECT_EQ(ids.back(), 2499 - 2 * 1099);
  EXPECT_TRUE(std::is_sorted(ids.rbegin(), ids.rend()));
}

// ---------------------------------------------------------------------------------------------
// `squall workflows`: the pure views (table-driven), then the commands on a seeded store.

TEST(WorkflowViewTest, DescribeWaitNamesWhatEachStrandWaitsFor) {
  constexpr int64_t kAt = 1714564800000;  // 2024-05-01T12:00:00Z
  struct Case {
    WaitPoint wait;
    std::string action;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {{.strand = 2, .waiting = "call", .state = 4, .execution = 43},
       "core.local",
       "call core.local (execution 43)"},
      {{.strand = 2, .waiting = "call", .state = 4, .execution = 43}, "", "call (execution 43)"},
      {{.strand = 2, .waiting = "call", .state = 4}, "", "call (state 4, starting)"},
      {{.strand = 1, .waiting = "sleep", .until = kAt}, "", "sleep until 2024-05-01T12:00:00Z"},
      {{.strand = 1, .waiting = "event", .state = 7, .trigger = "approval.granted"},
       "",
       "event approval.granted"},
      {{.strand = 1, .waiting = "event", .state = 7, .until = kAt},
       "",
       "event (state 7) until 2024-05-01T12:00:00Z"},
      {{.strand = 3, .waiting = "ask", .inquiry = "42.3"}, "", "ask (inquiry 42.3)"},
      {{.strand = 3,
        .waiting = "ask",
        .until = kAt,
        .inquiry = "42.3",
        .prompt = "Reboot \"sw1\"?"},
       "",
       R"(ask "Reboot \"sw1\"?" (inquiry 42.3) until 2024-05-01T12:00:00Z)"},
      {{.strand = 1, .waiting = "join", .running = 2, .needed = 3}, "", "join (2 running)"},
      {{.strand = 1, .waiting = "teleport"}, "", "teleport"},
  };
  for (const Case& c : cases) EXPECT_EQ(DescribeWait(c.wait, c.action), c.expected);
}

TEST(WorkflowViewTest, WaitPointsReadsSuspendedStrandsAndRejectsOtherDocuments) {
  nlohmann::json instance = nlohmann::json::parse(R"({
    "workflow": "deploy", "status": "running", "next_strand": 4, "steps": 9,
    "strands": [
      {"id": 3, "parent": 1, "pc": 5, "frame": {}, "dirty": [], "handlers": [],
       "waiting": "call", "execution": 43, "index": 1},
      {"id": 1, "parent": 0, "pc": 2, "frame": {}, "dirty": [], "handlers": [], "waiting": "join",
       "join": {"running": 2, "needed": 2}},
      {"id": 2, "parent": 1, "pc": 6, "frame": {}, "dirty": [], "handlers": [], "waiting": "none"},
      {"id": 4, "parent": 1, "pc": 8, "frame": {}, "dirty": [], "handlers": [], "waiting": "ask",
       "prompt": "Go?"}
    ]})");
  std::string error;
  std::optional<std::vector<WaitPoint>> waits = WaitPoints(instance, 42, &error);
  ASSERT_TRUE(waits) << error;
  ASSERT_EQ(waits->size(), 3u);  // strand 2 is runnable, not waiting
  EXPECT_EQ((*waits)[2].inquiry, "42.4");
  EXPECT_EQ((*waits)[2].prompt, "Go?");
  EXPECT_EQ((*waits)[0].strand, 1);
  EXPECT_EQ((*waits)[0].waiting, "join");
  EXPECT_EQ((*waits)[0].running, 2);
  EXPECT_EQ((*waits)[1].execution, 43);
  EXPECT_EQ((*waits)[1].state, 5u);

  for (const char* bad : {R"({"strands": [{"id": "one"}]})", R"([1, 2])", R"("text")",
                          R"({"strands": [{"id": 1, "pc": 2}]})"}) {
    error.clear();
    EXPECT_FALSE(WaitPoints(nlohmann::json::parse(bad), 1, &error)) << bad;
    EXPECT_NE(error.find("not a workflow instance"), std::string::npos) << bad;
  }
}

TEST(WorkflowViewTest, BuildTreeNestsStepsDepthFirstInIdOrder) {
  auto exec = [](int64_t id, int64_t parent) {
    return store::Execution{.id = id, .parent_id = parent};
  };
  struct Case {
    std::string name;
    std::vector<store::Execution> candidates;
    std::vector<std::pair<int64_t, int>> expected;  // (id, depth)
  };
  const std::vector<Case> cases = {
      {"no steps", {}, {{10, 0}}},
      {"flat, out of order",
       {exec(13, 10), exec(11, 10), exec(12, 10)},
       {{10, 0}, {11, 1}, {12, 1}, {13, 1}}},
      {"sub-workflow steps under it",
       {exec(11, 10), exec(12, 10), exec(14, 12), exec(13, 12), exec(15, 10), exec(16, 14)},
       {{10, 0}, {11, 1}, {12, 1}, {13, 2}, {14, 2}, {16, 3}, {15, 1}}},
      {"unrelated executions left out",
       {exec(11, 10), exec(12, 0), exec(13, 12), exec(14, 9), exec(10, 0)},
       {{10, 0}, {11, 1}}},
      {"a parent cycle outside the tree does not loop", {exec(11, 12), exec(12, 11)}, {{10, 0}}},
  };
  for (const Case& c : cases) {
    std::vector<TreeNode> tree = BuildTree(exec(10, 0), c.candidates);
    std::vector<std::pair<int64_t, int>> got;
    for (const TreeNode& node : tree) got.emplace_back(node.execution.id, node.depth);
    EXPECT_EQ(got, c.expected) << c.name;
  }
}

TEST(WorkflowViewTest, StepIndexAndAbbreviate) {
  EXPECT_EQ(StepIndex(R"({"step":3,"retry":{"count":1}})"), 3);
  EXPECT_EQ(StepIndex(R"({"step":0})"), 0);
  EXPECT_EQ(StepIndex(R"({"retry":{}})"), std::nullopt);
  EXPECT_EQ(StepIndex(R"({"step":"3"})"), std::nullopt);
  EXPECT_EQ(StepIndex(""), std::nullopt);
  EXPECT_EQ(StepIndex("not json"), std::nullopt);

  EXPECT_EQ(Abbreviate("short", 10), "short");
  EXPECT_EQ(Abbreviate("0123456789abc", 10), "0123456...");
  EXPECT_EQ(Abbreviate("a\nb", 10), "a\\nb");
  // Never inside a UTF-8 sequence: "é" is 2 bytes; the cut backs up to its start.
  EXPECT_EQ(Abbreviate("abcdé" + std::string(20, 'x'), 8), "abcd...");
}

// A workflow run `deploy` (40, rule `ship`) in a parallel: step 41 succeeded, step 42 running
// (core.http), sub-workflow run `notify` (43) waiting for an event with its step 44 done;
// 45 an unrelated execution; `nightly` (46) succeeded; `pending` (47) not started by the
// engine yet (no instance).
class WorkflowsCommandTest : public StateCommandsTest {
 protected:
  static constexpr store::Millis kT = 1714564800000;

  void SeedWorkflows() {
    auto run = [](int64_t id, std::string workflow, int64_t parent, Status status,
                  std::string policy) {
      return store::Execution{.id = id,
                              .action = std::move(workflow),
                              .runner = "workflow",
                              .rule = parent == 0 ? "ship" : "",
                              .parent_id = parent,
                              .parameters_json = R"({"version":"1.2"})",
                              .policy_json = std::move(policy),
                              .status = status,
                              .attempts = 1,
                              .created_at = kT,
                              .started_at = kT + 10,
                              .finished_at = store::IsTerminal(status) ? kT + 5000 : 0};
    };
    auto step = [](int64_t id, std::string action, int64_t parent, int64_t index, Status status,
                   std::string result) {
      return store::Execution{.id = id,
                              .action = std::move(action),
                              .runner = "local-shell-cmd",
                              .parent_id = parent,
                              .policy_json = R"({"step":)" + std::to_string(index) + "}",
                              .status = status,
                              .attempts = 1,
                              .created_at = kT + id,
                              .started_at = kT + id,
                              .finished_at = store::IsTerminal(status) ? kT + id + 1500 : 0,
                              .result_json = std::move(result)};
    };
    store::WriteBatch batch;
    batch.new_executions = {
        run(40, "deploy", 0, Status::kRunning, ""),
        step(41, "core.local", 40, 0, Status::kSucceeded, R"({"stdout":"built"})"),
        step(42, "core.http", 40, 2, Status::kRunning, ""),
        run(43, "notify", 40, Status::kRunning, R"({"step":3})"),
        step(44, "core.local", 43, 0, Status::kSucceeded,
             R"({"stdout":")" + std::string(200, 'x') + R"("})"),
        store::Execution{.id = 45, .action = "core.noop", .status = Status::kRunning},
        run(46, "nightly", 0, Status::kSucceeded, ""),
        run(47, "pending", 0, Status::kRequested, ""),
    };
    batch.new_executions[6].result_json = R"({"ok":true})";
    auto strand = [](int64_t id, int64_t parent, uint32_t pc, const char* waiting) {
      return nlohmann::json{{"id", id},    {"parent", parent}, {"pc", pc},          {"frame", {}},
                            {"dirty", {}}, {"handlers", {}},   {"waiting", waiting}};
    };
    nlohmann::json deploy = {
        {"workflow", "deploy"}, {"status", "running"}, {"next_strand", 4}, {"steps", 7}};
    deploy["strands"] = {strand(1, 0, 1, "join"), strand(2, 1, 4, "call"), strand(3, 1, 5, "call")};
    deploy["strands"][0]["join"] = {{"running", 2}, {"needed", 2}};
    deploy["strands"][1]["execution"] = 42;
    deploy["strands"][2]["execution"] = 43;
    nlohmann::json notify = {{"workflow", "notify"}, {"status", "running"}, {"next_strand", 2}};
    notify["strands"] = {strand(1, 0, 2, "event")};
    notify["strands"][0]["trigger"] = "approval.granted";
    notify["strands"][0]["until"] = kT + 3600000;
    nlohmann::json nightly = {{"workflow", "nightly"},
                              {"status", "succeeded"},
                              {"next_strand", 2},
                              {"strands", nlohmann::json::array()},
                              {"result", {{"ok", true}}}};
    batch.workflows = {{40, "deploy", deploy.dump(), false, kT + 20},
                       {43, "notify", notify.dump(), false, kT + 30},
                       {46, "nightly", nightly.dump(), false, kT + 5000}};
    store::CommitResult result = store_->Commit(std::move(batch));
    ASSERT_TRUE(result.ok) << result.error;
  }

  Status StatusOf(int64_t id) { return store_->GetExecution(id).value().status; }
  bool Paused(int64_t id) { return store_->GetWorkflow(id).value().paused; }
};

TEST_F(WorkflowsCommandTest, ListShowsRunsNewestFirstWithWhatTheyWaitFor) {
  SeedWorkflows();
  Output all = Run(RunWorkflows, {"list"});
  ASSERT_EQ(all.status, 0) << all.err;
  std::vector<std::string> lines;
  std::istringstream in(all.out);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  ASSERT_EQ(lines.size(), 5u) << all.out;  // header + 47, 46, 43, 40; not 41/42/44/45
  EXPECT_EQ(lines[0].rfind("ID", 0), 0u);
  EXPECT_NE(lines[0].find("WAITING"), std::string::npos);
  EXPECT_NE(lines[1].find("pending"), std::string::npos);
  EXPECT_NE(lines[1].find("requested"), std::string::npos);
  EXPECT_NE(lines[2].find("nightly"), std::string::npos);
  EXPECT_NE(lines[3].find("event approval.granted until 2024-05-01T13:00:00Z"), std::string::npos)
      << lines[3];
  // The join's leaves, the first with its action, the rest counted.
  EXPECT_NE(lines[4].find("call core.http (execution 42) (+1 more)"), std::string::npos)
      << lines[4];
  EXPECT_NE(lines[4].find("ship"), std::string::npos);

  ASSERT_TRUE(store_->SetWorkflowPaused(40, true));
  Output paused = Run(RunWorkflows, {"list", "--status", "paused", "--json"});
  ASSERT_EQ(paused.status, 0) << paused.err;
  nlohmann::json line = nlohmann::json::parse(paused.out);  // exactly one line
  EXPECT_EQ(line["id"], 40);
  EXPECT_EQ(line["paused"], true);
  ASSERT_EQ(line["waiting"].size(), 3u);
  EXPECT_EQ(line["waiting"][1]["description"], "call core.http (execution 42)");

  Output text = Run(RunWorkflows, {"list", "--status", "running"});
  EXPECT_NE(text.out.find("running (paused)"), std::string::npos) << text.out;
  Output limited = Run(RunWorkflows, {"list", "--limit", "1", "--json"});
  EXPECT_EQ(nlohmann::json::parse(limited.out)["id"], 47);
  Output none = Run(RunWorkflows, {"list", "--status", "failed"});
  EXPECT_EQ(none.out, "no workflow runs match\n");
  Output bad = Run(RunWorkflows, {"list", "--status", "sleeping"});
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.err.find("unknown status `sleeping`"), std::string::npos);
}

TEST_F(WorkflowsCommandTest, ListOfAnEmptyStore) {
  Output empty = Run(RunWorkflows, {"list"});
  EXPECT_EQ(empty.status, 0);
  EXPECT_EQ(empty.out, "no workflow runs yet\n");
}

TEST_F(WorkflowsCommandTest, ShowPrintsTheTreeOfStepsAndWhereItWaits) {
  SeedWorkflows();
  Output shown = Run(RunWorkflows, {"show", "40"});
  ASSERT_EQ(shown.status, 0) << shown.err;
  const std::string& out = shown.out;
  EXPECT_EQ(out.rfind("workflow run 40: deploy\n", 0), 0u) << out;
  EXPECT_NE(out.find("rule:     ship"), std::string::npos) << out;
  // The tree: steps under the run, the sub-workflow's step under it, indented.
  size_t s41 = out.find("\n    41 "), s42 = out.find("\n    42 "), s43 = out.find("\n    43 ");
  size_t s44 = out.find("\n      44 ");
  ASSERT_NE(s41, std::string::npos) << out;
  ASSERT_NE(s44, std::string::npos) << out;
  EXPECT_LT(s41, s42);
  EXPECT_LT(s42, s43);
  EXPECT_LT(s43, s44);
  EXPECT_EQ(out.find("\n    45 "), std::string::npos);  // not a step
  EXPECT_NE(out.find("workflow notify"), std::string::npos);
  EXPECT_NE(out.find(R"({"stdout":"built"})"), std::string::npos);
  EXPECT_NE(out.find(R"({"stdout":"xxxxxxxxxxxxxxxx)"), std::string::npos);
  EXPECT_EQ(out.find(std::string(100, 'x')), std::string::npos);  // cut
  EXPECT_NE(out.find("run 40 (deploy) strand 2: call core.http (execution 42)"), std::string::npos)
      << out;
  EXPECT_NE(out.find("run 43 (notify) strand 1: event approval.granted"), std::string::npos);

  Output as_json = Run(RunWorkflows, {"show", "40", "--json"});
  ASSERT_EQ(as_json.status, 0) << as_json.err;
  nlohmann::json tree = nlohmann::json::parse(as_json.out);
  EXPECT_EQ(tree["id"], 40);
  EXPECT_EQ(tree["instance"]["steps"], 7);
  ASSERT_EQ(tree["steps"].size(), 3u);
  EXPECT_EQ(tree["steps"][1]["step"], 2);
  EXPECT_EQ(tree["steps"][2]["id"], 43);
  ASSERT_EQ(tree["steps"][2]["steps"].size(), 1u);
  EXPECT_EQ(tree["steps"][2]["steps"][0]["result"]["stdout"], std::string(200, 'x'));
  EXPECT_EQ(tree["steps"][2]["waiting"][0]["trigger"], "approval.granted");

  Output finished = Run(RunWorkflows, {"show", "46"});
  ASSERT_EQ(finished.status, 0) << finished.err;
  EXPECT_EQ(finished.out.find("waiting:"), std::string::npos);
  EXPECT_NE(finished.out.find("result:\n  {\n    \"ok\": true\n  }"), std::string::npos);
  Output pending = Run(RunWorkflows, {"show", "47"});
  EXPECT_NE(pending.out.find("none yet"), std::string::npos);

  Output step = Run(RunWorkflows, {"show", "41"});
  EXPECT_EQ(step.status, 1);
  EXPECT_NE(step.err.find("execution 41 is not a workflow run"), std::string::npos);
  Output missing = Run(RunWorkflows, {"show", "99"});
  EXPECT_EQ(missing.status, 1);
  EXPECT_NE(missing.err.find("no execution 99"), std::string::npos);
  EXPECT_EQ(Run(RunWorkflows, {"show", "x"}).status, 2);
  EXPECT_EQ(Run(RunWorkflows, {"show"}).status, 2);
}

TEST_F(WorkflowsCommandTest, PauseAndResumeCascadeToSubWorkflows) {
  SeedWorkflows();
  Output paused = Run(RunWorkflows, {"pause", "40"});
  ASSERT_EQ(paused.status, 0) << paused.err;
  EXPECT_EQ(paused.out,
            "workflow run 40 (deploy): paused\n  sub-workflow run 43 (notify): paused\n");
  EXPECT_TRUE(Paused(40));
  EXPECT_TRUE(Paused(43));
  EXPECT_FALSE(Paused(46));

  Output resumed = Run(RunWorkflows, {"resume", "40"});
  ASSERT_EQ(resumed.status, 0) << resumed.err;
  EXPECT_FALSE(Paused(40));
  EXPECT_FALSE(Paused(43));

  struct Refusal {
    std::vector<std::string> args;
    std::string error;
  };
  const std::vector<Refusal> refusals = {
      {{"pause", "46"}, "workflow run 46 already succeeded"},
      {{"resume", "46"}, "workflow run 46 already succeeded"},
      {{"pause", "42"}, "execution 42 is not a workflow run"},
      {{"pause", "47"}, "has no instance yet"},
      {{"pause", "99"}, "no execution 99"},
  };
  for (const Refusal& r : refusals) {
    Output out = Run(RunWorkflows, r.args);
    EXPECT_EQ(out.status, 1) << r.args[0] << ' ' << r.args[1];
    EXPECT_NE(out.err.find(r.error), std::string::npos) << out.err;
  }
  EXPECT_FALSE(Paused(46));
}

TEST_F(WorkflowsCommandTest, CancelCascadesToEveryUnfinishedExecutionUnderTheRun) {
  SeedWorkflows();
  Output canceled = Run(RunWorkflows, {"cancel", "40"});
  ASSERT_EQ(canceled.status, 0) << canceled.err;
  EXPECT_EQ(canceled.out,
            "workflow run 40 (deploy): canceled\n"
            "  execution 42 (core.http): canceled\n"
            "  sub-workflow run 43 (notify): canceled\n");
  EXPECT_EQ(StatusOf(40), Status::kCanceled);
  EXPECT_EQ(StatusOf(41), Status::kSucceeded);  // finished steps keep their status
  EXPECT_EQ(StatusOf(42), Status::kCanceled);
  EXPECT_EQ(StatusOf(43), Status::kCanceled);
  EXPECT_EQ(StatusOf(45), Status::kRunning);  // not under the run
  EXPECT_NE(store_->GetExecution(42)->finished_at, 0);

  Output again = Run(RunWorkflows, {"cancel", "40"});
  EXPECT_EQ(again.status, 1);
  EXPECT_EQ(again.out, "workflow run 40 (deploy): already canceled\n");
  Output not_workflow = Run(RunWorkflows, {"cancel", "45"});
  EXPECT_EQ(not_workflow.status, 1);
  EXPECT_EQ(StatusOf(45), Status::kRunning);
  Output pending = Run(RunWorkflows, {"cancel", "47"});
  EXPECT_EQ(pending.status, 0) << pending.err;
  EXPECT_EQ(StatusOf(47), Status::kCanceled);
}

TEST_F(WorkflowsCommandTest, ListAndShowReadPastOnePageFromTheFirstId) {
  // Run 1 (the first id) with 1200 steps (more than one page of the scan), then run 1202.
  store::WriteBatch batch;
  batch.new_executions.push_back(
      {.id = 1, .action = "big", .runner = "workflow", .status = Status::kRunning});
  for (int64_t id = 2; id <= 1201; ++id) {
    batch.new_executions.push_back({.id = id,
                                    .action = "core.noop",
                                    .parent_id = 1,
                                    .policy_json = R"({"step":1})",
                                    .status = Status::kSucceeded});
  }
  batch.new_executions.push_back(
      {.id = 1202, .action = "small", .runner = "workflow", .status = Status::kFailed});
  ASSERT_TRUE(store_->Commit(std::move(batch)).ok);

  Output listed = Run(RunWorkflows, {"list", "--json"});
  ASSERT_EQ(listed.status, 0) << listed.err;
  std::vector<int64_t> ids;
  std::istringstream in(listed.out);
  for (std::string line; std::getline(in, line);) ids.push_back(nlohmann::json::parse(line)["id"]);
  EXPECT_EQ(ids, (std::vector<int64_t>{1202, 1}));

  Output shown = Run(RunWorkflows, {"show", "1", "--json"});
  ASSERT_EQ(shown.status, 0) << shown.err;
  nlohmann::json tree = nlohmann::json::parse(shown.out);
  ASSERT_EQ(tree["steps"].size(), 1200u);
  EXPECT_EQ(tree["steps"].back()["id"], 1201);
}

TEST_F(WorkflowsCommandTest, HelpListsEverySubcommand) {
  std::string help = WorkflowsHelp();
  for (const char* sub : {"list", "show", "pause", "resume", "cancel"}) {
    EXPECT_NE(help.find(std::string("squall workflows ") + sub), std::string::npos) << sub;
  }
  Output list_help = Run(RunWorkflows, {"list", "--help"});
  EXPECT_EQ(list_help.status, 0);
  EXPECT_NE(list_help.out.find("--status"), std::string::npos);
  EXPECT_EQ(Run(RunWorkflows, {"stop", "40"}).status, 2);
}

}  // namespace
}  // namespace squall::cli
