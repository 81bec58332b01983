// The state-directory commands run in-process against a real SQLite store in a temp dir, with
// records the CLI cannot create itself (executions, attempts, enforcements: the service's
// writes): `executions list/show/tail --follow/cancel` and `events list/show` of matched
// events. tests/e2e/state_test.py runs the binary for everything the CLI writes.
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

}  // namespace
}  // namespace squall::cli
