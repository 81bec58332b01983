// The SQLite store on real database files in a temporary directory: round trips, group commit,
// concurrency, locking, schema versions, a kill -9 crash test, kv, API keys and secrets.
#include "runtime/store/sqlite_store.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <mutex>
#include <random>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "runtime/store/schema.h"
#include "runtime/store/secret_box.h"

namespace squall::store {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "squall-store-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

mode_t Mode(const fs::path& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

// Runs SQL on the database file directly (what another tool or an older binary would do).
void RawExec(const fs::path& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(db_path.c_str(), &db), SQLITE_OK);
  sqlite3_busy_timeout(db, 5000);
  char* message = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message);
  EXPECT_EQ(rc, SQLITE_OK) << (message ? message : "");
  sqlite3_free(message);
  sqlite3_close(db);
}

int64_t RawInt(const fs::path& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(db_path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  int64_t value = -1;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK &&
      sqlite3_step(stmt) == SQLITE_ROW) {
    value = sqlite3_column_int64(stmt, 0);
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return value;
}

NewEvent MakeEvent(const std::string& payload, Millis received_at = 1000) {
  NewEvent e;
  e.trigger = "core.webhook";
  e.parameters_json = R"({"name":"deploy"})";
  e.payload_json = payload;
  e.source = "webhook:deploy";
  e.external_id = "ext-" + payload;
  e.received_at = received_at;
  return e;
}

Execution MakeExecution(int64_t id, Status status = Status::kRequested,
                        const std::string& rule = "ops.restart", int64_t event_id = 1) {
  Execution e;
  e.id = id;
  e.action = "core.local";
  e.runner = "local-shell-cmd";
  e.rule = rule;
  e.event_id = event_id;
  e.parent_id = 0;
  e.parameters_json = R"({"cmd":"echo hi","token":"********"})";
  e.sealed_secrets = std::string("\x01\x00sealed\xff", 9);
  e.policy_json = R"({"retry":{"count":3}})";
  e.concurrency_key = "host-a";
  e.status = status;
  e.attempts = 0;
  e.run_at = 5000;
  e.created_at = 4000;
  return e;
}

class StoreTest : public testing::Test {
 protected:
  StoreOptions Options(bool exclusive = true) const {
    StoreOptions options;
    options.state_dir = dir_.path() / "state";
    options.exclusive = exclusive;
    return options;
  }
  std::unique_ptr<Store> Open(bool exclusive = true) {
    std::string error;
    auto store = OpenSqliteStore(Options(exclusive), &error);
    EXPECT_NE(store, nullptr) << error;
    return store;
  }
  fs::path state() const { return dir_.path() / "state"; }
  fs::path db_path() const { return DatabasePath(state()); }

  TempDir dir_;
};

// ---------------------------------------------------------------------------------------------
// Opening.

TEST_F(StoreTest, CreatesStateDirectoryAndFilesPrivately) {
  const mode_t old_umask = ::umask(0);
  auto store = Open();
  ::umask(old_umask);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(Mode(state()), 0700);
  EXPECT_EQ(Mode(state() / "squall.db"), 0600);
  EXPECT_EQ(Mode(state() / "secret.key"), 0600);
  EXPECT_TRUE(fs::exists(state() / "lock"));
  EXPECT_EQ(RawInt(db_path(), "PRAGMA user_version"), 4);
  ASSERT_TRUE(store->Commit(WriteBatch{.events = {MakeEvent("{}")}}).ok);
  // The WAL inherits the database file's permissions.
  EXPECT_EQ(Mode(state() / "squall.db-wal"), 0600);
  EXPECT_NE(store->secret_box(), nullptr);
}

TEST_F(StoreTest, MissingStateDirectoryWithoutCreateIsAnError) {
  StoreOptions options = Options();
  options.create = false;
  std::string error;
  EXPECT_EQ(OpenSqliteStore(options, &error), nullptr);
  EXPECT_EQ(error, "state directory " + state().string() + " does not exist");
  EXPECT_FALSE(fs::exists(state()));
}

TEST_F(StoreTest, ReopenWithoutCreateWorks) {
  { ASSERT_NE(Open(), nullptr); }
  StoreOptions options = Options(false);
  options.create = false;
  std::string error;
  auto store = OpenSqliteStore(options, &error);
  ASSERT_NE(store, nullptr) << error;
  EXPECT_TRUE(store->Commit(WriteBatch{.events = {MakeEvent("{}")}}).ok);
}

TEST_F(StoreTest, NewerSchemaIsRefused) {
  { ASSERT_NE(Open(), nullptr); }
  RawExec(db_path(), "PRAGMA user_version = 7");
  for (bool exclusive : {true, false}) {
    std::string error;
    EXPECT_EQ(OpenSqliteStore(Options(exclusive), &error), nullptr);
    EXPECT_EQ(error, db_path().string() +
                         " has schema version 7, newer than this squall supports (4); use the "
                         "squall that wrote it, or a newer one");
  }
}

// A database written by a binary of schema version 3 opens with its data, as version 4.
TEST_F(StoreTest, MigratesAVersion3DatabaseKeepingItsRows) {
  fs::create_directories(state());
  std::string v3;
  for (size_t i = 0; i < 3; ++i) v3 += SchemaMigrations()[i];
  RawExec(db_path(), v3 + "PRAGMA user_version = 3;");
  RawExec(db_path(),
          "INSERT INTO executions VALUES (7, 'core.noop', 'noop', 'r', 1, 0, '{}', x'', '{}', '', "
          "'running', 1, 0, 10, 10, 0, '', '')");
  auto store = Open();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(RawInt(db_path(), "PRAGMA user_version"), 4);
  EXPECT_EQ(RawInt(db_path(),
                   "SELECT count(*) FROM sqlite_master WHERE name IN "
                   "('executions_run_at', 'executions_event')"),
            0);
  EXPECT_EQ(RawInt(db_path(),
                   "SELECT count(*) FROM sqlite_master WHERE name IN "
                   "('claims', 'workflows_paused')"),
            2);
  std::optional<Execution> x = store->GetExecution(7);
  ASSERT_TRUE(x.has_value());
  EXPECT_EQ(x->status, Status::kRunning);
  EXPECT_EQ(store->ListExecutions({.statuses = {Status::kRunning}}).size(), 1u);
}

TEST_F(StoreTest, SharedOpenDoesNotMigrateUnderARunningOwner) {
  auto owner = Open(/*exclusive=*/true);
  ASSERT_NE(owner, nullptr);
  // Pretend the database predates this binary's schema.
  RawExec(db_path(), "PRAGMA user_version = 0");
  std::string error;
  EXPECT_EQ(OpenSqliteStore(Options(false), &error), nullptr);
  EXPECT_NE(error.find("has schema version 0 and needs migrating to 4, which cannot happen while "
                       "another process uses it"),
            std::string::npos)
      << error;
}

TEST_F(StoreTest, SecondOwnerIsRefusedButSharedOpenWorksAlongside) {
  auto owner = Open(/*exclusive=*/true);
  ASSERT_NE(owner, nullptr);
  std::string error;
  EXPECT_EQ(OpenSqliteStore(Options(true), &error), nullptr);
  EXPECT_EQ(error, "state directory " + state().string() + " is in use by process " +
                       std::to_string(::getpid()));

  auto cli = Open(/*exclusive=*/false);
  ASSERT_NE(cli, nullptr);
  // Both see each other's writes.
  ASSERT_TRUE(owner->Commit(WriteBatch{.events = {MakeEvent(R"({"from":"owner"})")}}).ok);
  ASSERT_TRUE(cli->Commit(WriteBatch{.kv_puts = {{"k", "1", 0, 10}}}).ok);
  ASSERT_EQ(cli->ReadEvents(0, 10).size(), 1u);
  EXPECT_EQ(cli->ReadEvents(0, 10)[0].payload_json, R"({"from":"owner"})");
  ASSERT_TRUE(owner->KvGet("k", 20).has_value());
  // Both use the same key file.
  ASSERT_TRUE(cli->PutSecret("s", "v", 1));
  EXPECT_EQ(owner->GetSecret("s"), "v");

  owner.reset();
  // The lock is released with the owner.
  EXPECT_NE(OpenSqliteStore(Options(true), &error), nullptr) << error;
}

// ---------------------------------------------------------------------------------------------
// Round trips.

TEST_F(StoreTest, EventsRoundTripAndTail) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->LastEventId(), 0);
  EXPECT_EQ(store->EventCursor(), 0);
  EXPECT_TRUE(store->ReadEvents(0, 10).empty());

  const CommitResult first = store->Commit(
      WriteBatch{.events = {MakeEvent(R"({"n":1})", 11), MakeEvent(R"({"n":2})", 12)}});
  ASSERT_TRUE(first.ok) << first.error;
  EXPECT_EQ(first.event_ids, (std::vector<int64_t>{1, 2}));
  NewEvent bare;  // empty strings everywhere
  bare.trigger = "core.timer";
  const CommitResult second = store->Commit(WriteBatch{.events = {bare}});
  EXPECT_EQ(second.event_ids, (std::vector<int64_t>{3}));
  EXPECT_EQ(store->LastEventId(), 3);

  const std::vector<Event> all = store->ReadEvents(0, 100);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].id, 1);
  EXPECT_EQ(all[0].trigger, "core.webhook");
  EXPECT_EQ(all[0].parameters_json, R"({"name":"deploy"})");
  EXPECT_EQ(all[0].payload_json, R"({"n":1})");
  EXPECT_EQ(all[0].source, "webhook:deploy");
  EXPECT_EQ(all[0].external_id, R"(ext-{"n":1})");
  EXPECT_EQ(all[0].received_at, 11);
  EXPECT_EQ(all[2].trigger, "core.timer");
  EXPECT_EQ(all[2].payload_json, "");

  // Tailing: after and limit.
  const std::vector<Event> tail = store->ReadEvents(1, 1);
  ASSERT_EQ(tail.size(), 1u);
  EXPECT_EQ(tail[0].id, 2);
  EXPECT_TRUE(store->ReadEvents(3, 10).empty());
  EXPECT_TRUE(store->ReadEvents(0, 0).empty());

  const std::optional<Event> got = store->GetEvent(2);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->payload_json, R"({"n":2})");
  EXPECT_FALSE(store->GetEvent(4).has_value());
  EXPECT_FALSE(store->GetEvent(0).has_value());

  ASSERT_TRUE(store->Commit(WriteBatch{.event_cursor = 2}).ok);
  EXPECT_EQ(store->EventCursor(), 2);
}

TEST_F(StoreTest, ExecutionsEnforcementsAttemptsRoundTrip) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  const int64_t id = store->NextExecutionId();
  ASSERT_GT(id, 0);
  Execution exec = MakeExecution(id);
  exec.parent_id = 7;
  Enforcement enf{.event_id = 1,
                  .rule = "ops.restart",
                  .status = "scheduled",
                  .execution_id = id,
                  .message = "",
                  .throttle_key = "host-a",
                  .created_at = 4000};
  Enforcement throttled{.event_id = 1,
                        .rule = "ops.other",
                        .status = "throttled",
                        .message = "throttled by host",
                        .created_at = 3000};
  WriteBatch batch;
  batch.events = {MakeEvent("{}")};
  batch.enforcements = {enf, throttled};
  batch.new_executions = {exec};
  batch.event_cursor = 1;
  const CommitResult result = store->Commit(std::move(batch));
  ASSERT_TRUE(result.ok) << result.error;
  ASSERT_EQ(result.enforcement_ids.size(), 2u);
  EXPECT_EQ(result.enforcement_ids[1], result.enforcement_ids[0] + 1);

  const std::optional<Execution> got = store->GetExecution(id);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->id, id);
  EXPECT_EQ(got->action, exec.action);
  EXPECT_EQ(got->runner, exec.runner);
  EXPECT_EQ(got->rule, exec.rule);
  EXPECT_EQ(got->event_id, exec.event_id);
  EXPECT_EQ(got->parent_id, 7);
  EXPECT_EQ(got->parameters_json, exec.parameters_json);
  EXPECT_EQ(got->sealed_secrets, exec.sealed_secrets);  // binary, NUL included
  EXPECT_EQ(got->policy_json, exec.policy_json);
  EXPECT_EQ(got->concurrency_key, exec.concurrency_key);
  EXPECT_EQ(got->status, Status::kRequested);
  EXPECT_EQ(got->attempts, 0);
  EXPECT_EQ(got->run_at, 5000);
  EXPECT_EQ(got->created_at, 4000);
  EXPECT_EQ(got->started_at, 0);
  EXPECT_EQ(got->finished_at, 0);
  EXPECT_FALSE(store->GetExecution(id + 1000000).has_value());

  const std::vector<Enforcement> enfs = store->ListEnforcements(1);
  ASSERT_EQ(enfs.size(), 2u);
  EXPECT_EQ(enfs[0].id, result.enforcement_ids[0]);
  EXPECT_EQ(enfs[0].rule, "ops.restart");
  EXPECT_EQ(enfs[0].status, "scheduled");
  EXPECT_EQ(enfs[0].execution_id, id);
  EXPECT_EQ(enfs[0].throttle_key, "host-a");
  EXPECT_EQ(enfs[0].created_at, 4000);
  EXPECT_EQ(enfs[1].status, "throttled");
  EXPECT_EQ(enfs[1].message, "throttled by host");
  EXPECT_EQ(enfs[1].execution_id, 0);
  EXPECT_TRUE(store->ListEnforcements(2).empty());
  // Oldest first by created_at, then only those at or after `since`.
  const std::vector<Enforcement> since = store->EnforcementsSince(0);
  ASSERT_EQ(since.size(), 2u);
  EXPECT_EQ(since[0].rule, "ops.other");
  EXPECT_EQ(since[1].rule, "ops.restart");
  ASSERT_EQ(store->EnforcementsSince(4000).size(), 1u);
  EXPECT_TRUE(store->EnforcementsSince(4001).empty());

  // Attempt 1 fails, the execution is rescheduled; only the fields set change.
  WriteBatch retry;
  retry.execution_updates = {ExecutionUpdate{.id = id,
                                             .status = Status::kScheduled,
                                             .attempts = 1,
                                             .run_at = 9000,
                                             .started_at = 6000,
                                             .error_json = R"({"code":1})"}};
  retry.attempts = {Attempt{.execution_id = id,
                            .attempt = 1,
                            .status = Status::kFailed,
                            .started_at = 6000,
                            .finished_at = 6500,
                            .result_json = R"({"rc":1})",
                            .error_json = R"({"code":1})"}};
  const CommitResult r2 = store->Commit(std::move(retry));
  ASSERT_TRUE(r2.ok) << r2.error;
  EXPECT_EQ(r2.applied_updates, std::vector<int64_t>{id});
  const Execution after = *store->GetExecution(id);
  EXPECT_EQ(after.status, Status::kScheduled);
  EXPECT_EQ(after.attempts, 1);
  EXPECT_EQ(after.run_at, 9000);
  EXPECT_EQ(after.started_at, 6000);
  EXPECT_EQ(after.finished_at, 0);
  EXPECT_EQ(after.result_json, "");
  EXPECT_EQ(after.error_json, R"({"code":1})");
  EXPECT_EQ(after.parameters_json, exec.parameters_json);

  WriteBatch done;
  done.execution_updates = {ExecutionUpdate{.id = id,
                                            .status = Status::kSucceeded,
                                            .attempts = 2,
                                            .finished_at = 12000,
                                            .result_json = R"({"rc":0})",
                                            .error_json = ""}};
  done.attempts = {Attempt{.execution_id = id,
                           .attempt = 2,
                           .status = Status::kSucceeded,
                           .started_at = 11000,
                           .finished_at = 12000,
                           .result_json = R"({"rc":0})"}};
  ASSERT_TRUE(store->Commit(std::move(done)).ok);
  const Execution final_state = *store->GetExecution(id);
  EXPECT_EQ(final_state.status, Status::kSucceeded);
  EXPECT_EQ(final_state.error_json, "");
  EXPECT_EQ(final_state.result_json, R"({"rc":0})");
  EXPECT_EQ(final_state.run_at, 9000);

  const std::vector<Attempt> attempts = store->ListAttempts(id);
  ASSERT_EQ(attempts.size(), 2u);
  EXPECT_EQ(attempts[0].attempt, 1);
  EXPECT_EQ(attempts[0].status, Status::kFailed);
  EXPECT_EQ(attempts[0].started_at, 6000);
  EXPECT_EQ(attempts[0].finished_at, 6500);
  EXPECT_EQ(attempts[0].result_json, R"({"rc":1})");
  EXPECT_EQ(attempts[0].error_json, R"({"code":1})");
  EXPECT_EQ(attempts[1].attempt, 2);
  EXPECT_EQ(attempts[1].status, Status::kSucceeded);
  EXPECT_TRUE(store->ListAttempts(id + 1).empty());

  // An update of an execution that does not exist is not applied and not an error.
  const CommitResult missing = store->Commit(
      WriteBatch{.execution_updates = {ExecutionUpdate{.id = 999999, .status = Status::kFailed}}});
  EXPECT_TRUE(missing.ok);
  EXPECT_TRUE(missing.applied_updates.empty());
}

TEST_F(StoreTest, WorkflowsRoundTripAndPauseSurvivesStateWrites) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  EXPECT_FALSE(store->GetWorkflow(7).has_value());
  EXPECT_FALSE(store->SetWorkflowPaused(7, true));  // no such workflow
  WriteBatch batch;
  batch.workflows = {
      {.execution_id = 7, .workflow = "fix", .state_json = "{\"a\":1}", .updated_at = 10},
      {.execution_id = 9, .workflow = "other", .state_json = "{}", .updated_at = 11}};
  ASSERT_TRUE(store->Commit(std::move(batch)).ok);
  EXPECT_TRUE(store->SetWorkflowPaused(7, true));
  // A later state write (the engine's) keeps the operator's switch.
  WriteBatch update;
  update.workflows = {
      {.execution_id = 7, .workflow = "fix", .state_json = "{\"a\":2}", .updated_at = 12}};
  ASSERT_TRUE(store->Commit(std::move(update)).ok);
  std::optional<WorkflowRecord> got = store->GetWorkflow(7);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->workflow, "fix");
  EXPECT_EQ(got->state_json, "{\"a\":2}");
  EXPECT_TRUE(got->paused);
  EXPECT_EQ(got->updated_at, 12);
  std::vector<WorkflowRecord> all = store->ListWorkflows(0, 10);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].execution_id, 7);
  EXPECT_EQ(all[1].execution_id, 9);
  EXPECT_FALSE(all[1].paused);
  EXPECT_EQ(store->ListWorkflows(7, 10).size(), 1u);
  EXPECT_EQ(store->ListWorkflows(0, 1).size(), 1u);
  EXPECT_TRUE(store->SetWorkflowPaused(7, false));
  EXPECT_FALSE(store->GetWorkflow(7)->paused);
}

// A claim is taken once: the second batch claiming it fails whole, and says which claim; a
// batch of the same group commit with other claims is not affected.
TEST_F(StoreTest, AClaimIsTakenOnce) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  CommitResult first =
      store->Commit(WriteBatch{.events = {MakeEvent(R"({"n":1})")}, .claims = {"inquiry:7.1@10"}});
  ASSERT_TRUE(first.ok) << first.error;
  EXPECT_TRUE(first.taken_claim.empty());
  std::promise<CommitResult> second, other;
  store->Submit(WriteBatch{.events = {MakeEvent(R"({"n":2})")}, .claims = {"inquiry:7.1@10"}},
                [&](CommitResult r) { second.set_value(std::move(r)); });
  store->Submit(WriteBatch{.events = {MakeEvent(R"({"n":3})")}, .claims = {"inquiry:7.1@20"}},
                [&](CommitResult r) { other.set_value(std::move(r)); });
  CommitResult refused = second.get_future().get();
  EXPECT_FALSE(refused.ok);
  EXPECT_EQ(refused.taken_claim, "inquiry:7.1@10");
  EXPECT_NE(refused.error.find("was claimed before"), std::string::npos) << refused.error;
  CommitResult taken = other.get_future().get();
  EXPECT_TRUE(taken.ok) << taken.error;
  std::vector<Event> events = store->ReadEvents(0, 10);
  ASSERT_EQ(events.size(), 2u);  // the refused batch's event is not there
  EXPECT_EQ(events[0].payload_json, R"({"n":1})");
  EXPECT_EQ(events[1].payload_json, R"({"n":3})");
}

TEST_F(StoreTest, ListsPausedWorkflowsFromTheirIndex) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  WriteBatch batch;
  for (int64_t id : {3, 5, 8, 13}) {
    batch.workflows.push_back({.execution_id = id, .workflow = "w", .state_json = "{}"});
  }
  ASSERT_TRUE(store->Commit(std::move(batch)).ok);
  EXPECT_TRUE(store->ListPausedWorkflows(0).empty());
  ASSERT_TRUE(store->SetWorkflowPaused(13, true));
  ASSERT_TRUE(store->SetWorkflowPaused(5, true));
  ASSERT_TRUE(store->SetWorkflowPaused(8, true));
  EXPECT_EQ(store->ListPausedWorkflows(0), (std::vector<int64_t>{5, 8, 13}));
  EXPECT_EQ(store->ListPausedWorkflows(5), (std::vector<int64_t>{8, 13}));
  ASSERT_TRUE(store->SetWorkflowPaused(8, false));
  EXPECT_EQ(store->ListPausedWorkflows(0), (std::vector<int64_t>{5, 13}));
  // The query reads the partial index, not the documents.
  EXPECT_EQ(RawInt(db_path(),
                   "SELECT count(*) FROM pragma_index_list('workflows') WHERE name = "
                   "'workflows_paused' AND partial = 1"),
            1);
}

TEST_F(StoreTest, ListExecutionsFilters) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  WriteBatch batch;
  // ids 1..12: statuses cycle, rules alternate, one other action.
  const Status statuses[] = {Status::kRequested, Status::kRunning, Status::kSucceeded,
                             Status::kFailed};
  for (int64_t id = 1; id <= 12; ++id) {
    Execution e = MakeExecution(id, statuses[(id - 1) % 4], id % 2 == 0 ? "even" : "odd");
    if (id == 5) e.action = "core.http";
    batch.new_executions.push_back(e);
  }
  ASSERT_TRUE(store->Commit(std::move(batch)).ok);

  const auto ids = [](const std::vector<Execution>& list) {
    std::vector<int64_t> out;
    for (const Execution& e : list) out.push_back(e.id);
    return out;
  };
  struct Case {
    const char* name;
    ExecutionFilter filter;
    std::vector<int64_t> expected;
  };
  const Case cases[] = {
      {"all_newest_first", {}, {12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1}},
      {"limit", {.limit = 3}, {12, 11, 10}},
      {"limit_zero", {.limit = 0}, {}},
      {"tail_oldest_first", {.after_id = 9}, {10, 11, 12}},
      {"tail_limit", {.after_id = 2, .limit = 2}, {3, 4}},
      {"status", {.statuses = {Status::kRunning}}, {10, 6, 2}},
      {"statuses", {.statuses = {Status::kRequested, Status::kFailed}}, {12, 9, 8, 5, 4, 1}},
      {"rule", {.rule = "even"}, {12, 10, 8, 6, 4, 2}},
      {"rule_and_status", {.statuses = {Status::kRunning}, .rule = "even"}, {10, 6, 2}},
      {"rule_and_status_none", {.statuses = {Status::kRunning}, .rule = "odd"}, {}},
      {"action", {.action = "core.http"}, {5}},
      {"unknown_rule", {.rule = "nope"}, {}},
      {"all_filters_tail",
       {.statuses = {Status::kRequested}, .rule = "odd", .action = "core.local", .after_id = 1},
       {9}},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(ids(store->ListExecutions(c.filter)), c.expected) << c.name;
  }
}

// ---------------------------------------------------------------------------------------------
// Group commit.

// Holds the writer thread inside a callback until released, so that batches submitted in the
// meantime are committed together as one group.
class WriterGate {
 public:
  void Close(Store& store) {
    store.Submit(WriteBatch{}, [this](CommitResult) {
      std::unique_lock lock(mu_);
      entered_ = true;
      cv_.notify_all();
      cv_.wait(lock, [this] { return open_; });
    });
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return entered_; });
  }
  void Open() {
    std::lock_guard lock(mu_);
    open_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool entered_ = false;
  bool open_ = false;
};

struct BadBatchCase {
  const char* name;
  std::function<WriteBatch()> make;  // a batch that must fail alone
  const char* expected;              // in the error message
};

class BadBatchTest : public StoreTest, public testing::WithParamInterface<BadBatchCase> {};

TEST_P(BadBatchTest, FailsAloneInItsGroup) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->Commit(WriteBatch{.new_executions = {MakeExecution(1)}}).ok);

  WriterGate gate;
  gate.Close(*store);
  std::vector<std::future<CommitResult>> results;
  const auto submit = [&](WriteBatch batch) {
    auto promise = std::make_shared<std::promise<CommitResult>>();
    results.push_back(promise->get_future());
    store->Submit(std::move(batch), [promise](CommitResult r) { promise->set_value(r); });
  };
  submit(WriteBatch{.events = {MakeEvent("a1"), MakeEvent("a2")}, .kv_puts = {{"a", "1", 0, 1}}});
  WriteBatch bad = GetParam().make();
  bad.events.insert(bad.events.begin(), MakeEvent("bad"));  // rolled back with the rest
  bad.kv_puts.push_back({"bad", "1", 0, 1});
  submit(std::move(bad));
  submit(WriteBatch{.events = {MakeEvent("c1")}, .new_executions = {MakeExecution(50)}});
  gate.Open();

  const CommitResult a = results[0].get();
  const CommitResult b = results[1].get();
  const CommitResult c = results[2].get();
  ASSERT_TRUE(a.ok) << a.error;
  ASSERT_TRUE(c.ok) << c.error;
  EXPECT_FALSE(b.ok);
  EXPECT_NE(b.error.find(GetParam().expected), std::string::npos) << b.error;
  EXPECT_TRUE(b.event_ids.empty());
  // Gapless: the failed batch's event id was given back.
  EXPECT_EQ(a.event_ids, (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(c.event_ids, (std::vector<int64_t>{3}));

  std::vector<std::string> payloads;
  for (const Event& e : store->ReadEvents(0, 10)) payloads.push_back(e.payload_json);
  EXPECT_EQ(payloads, (std::vector<std::string>{"a1", "a2", "c1"}));
  EXPECT_TRUE(store->KvGet("a", 2).has_value());
  EXPECT_FALSE(store->KvGet("bad", 2).has_value());
  EXPECT_TRUE(store->GetExecution(50).has_value());
}

INSTANTIATE_TEST_SUITE_P(
    Cases, BadBatchTest,
    testing::Values(
        BadBatchCase{"duplicate_execution_id",
                     [] { return WriteBatch{.new_executions = {MakeExecution(1)}}; },
                     "execution 1: UNIQUE constraint failed: executions.id"},
        BadBatchCase{"duplicate_within_batch",
                     [] {
                       return WriteBatch{.new_executions = {MakeExecution(60), MakeExecution(60)}};
                     },
                     "UNIQUE constraint failed"},
        BadBatchCase{"unknown_enforcement_status",
                     [] {
                       return WriteBatch{.enforcements = {Enforcement{
                                             .event_id = 1, .rule = "r", .status = "exploded"}}};
                     },
                     "enforcement 0 (rule r): CHECK constraint failed"},
        BadBatchCase{
            "attempt_of_missing_execution",
            [] { return WriteBatch{.attempts = {Attempt{.execution_id = 404, .attempt = 1}}}; },
            "attempt 1 of execution 404: FOREIGN KEY constraint failed"},
        BadBatchCase{"duplicate_attempt",
                     [] {
                       return WriteBatch{.attempts = {Attempt{.execution_id = 1, .attempt = 1},
                                                      Attempt{.execution_id = 1, .attempt = 1}}};
                     },
                     "UNIQUE constraint failed"},
        BadBatchCase{"non_positive_execution_id",
                     [] { return WriteBatch{.new_executions = {MakeExecution(0)}}; },
                     "execution 0: the id must be positive"},
        BadBatchCase{"negative_cursor", [] { return WriteBatch{.event_cursor = -5}; },
                     "event cursor -5 is negative"}),
    [](const testing::TestParamInfo<BadBatchCase>& param_info) { return param_info.param.name; });

TEST_F(StoreTest, FullDatabaseFailsTheWholeGroupAndPruningRecovers) {
  StoreOptions options = Options();
  options.max_database_bytes = 512 * 1024;
  std::string error;
  auto store = OpenSqliteStore(options, &error);
  ASSERT_NE(store, nullptr) << error;

  // A small batch that fits shares a group with one that cannot: both fail.
  WriterGate gate;
  gate.Close(*store);
  std::promise<CommitResult> small_result;
  std::promise<CommitResult> huge_result;
  store->Submit(WriteBatch{.kv_puts = {{"small", "1", 0, 1}}},
                [&](CommitResult r) { small_result.set_value(r); });
  store->Submit(WriteBatch{.events = {MakeEvent(std::string(1024 * 1024, 'x'))}},
                [&](CommitResult r) { huge_result.set_value(r); });
  gate.Open();
  const CommitResult small = small_result.get_future().get();
  const CommitResult huge = huge_result.get_future().get();
  EXPECT_FALSE(small.ok);
  EXPECT_FALSE(huge.ok);
  EXPECT_EQ(small.error, "commit failed: event 0: database or disk is full");
  EXPECT_EQ(huge.error, small.error);
  EXPECT_FALSE(store->KvGet("small", 2).has_value());
  // Alone, the small batch commits: the store goes on after a failed group.
  ASSERT_TRUE(store->Commit(WriteBatch{.kv_puts = {{"small", "1", 0, 1}}}).ok);

  // Fill the database, then make room with retention.
  CommitResult r;
  int committed = 0;
  while (committed < 1000 &&
         (r = store->Commit(WriteBatch{.events = {MakeEvent(std::string(8000, 'e'), 1)}})).ok) {
    ++committed;
  }
  ASSERT_FALSE(r.ok);
  EXPECT_GT(committed, 10);
  EXPECT_NE(r.error.find("database or disk is full"), std::string::npos) << r.error;
  EXPECT_EQ(store->LastEventId(), committed);  // the failed event's id was not consumed
  ASSERT_TRUE(store->Commit(WriteBatch{.event_cursor = committed}).ok);
  EXPECT_EQ(store->PruneEvents(2), committed);
  EXPECT_TRUE(store->Commit(WriteBatch{.events = {MakeEvent(std::string(8000, 'e'), 3)}}).ok);
}

TEST_F(StoreTest, ConcurrentSubmittersGetGaplessIds) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  std::atomic<int64_t> listener_max{0};
  std::atomic<int> listener_calls{0};
  store->SetEventListener([&](int64_t last) {
    ++listener_calls;
    int64_t seen = listener_max.load();
    while (seen < last && !listener_max.compare_exchange_weak(seen, last)) {
    }
  });
  constexpr int kThreads = 8;
  constexpr int kPerThread = 150;
  std::mutex mu;
  std::condition_variable cv;
  int callbacks = 0;
  std::vector<int64_t> ids;
  std::vector<std::vector<int64_t>> per_thread(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        WriteBatch batch{.events = {MakeEvent(std::to_string(t) + ":" + std::to_string(i))}};
        if (i % 10 == 0) batch.events.push_back(MakeEvent("extra"));
        store->Submit(std::move(batch), [&, t](CommitResult r) {
          std::lock_guard lock(mu);
          EXPECT_TRUE(r.ok) << r.error;
          ids.insert(ids.end(), r.event_ids.begin(), r.event_ids.end());
          per_thread[t].insert(per_thread[t].end(), r.event_ids.begin(), r.event_ids.end());
          ++callbacks;
          cv.notify_all();
        });
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(60),
                            [&] { return callbacks == kThreads * kPerThread; }));
  }
  const int64_t expected = kThreads * (kPerThread + kPerThread / 10);
  std::sort(ids.begin(), ids.end());
  ASSERT_EQ(static_cast<int64_t>(ids.size()), expected);
  for (int64_t i = 0; i < expected; ++i) ASSERT_EQ(ids[static_cast<size_t>(i)], i + 1);
  // Each submitter's batches commit in its submission order.
  for (const auto& mine : per_thread) EXPECT_TRUE(std::is_sorted(mine.begin(), mine.end()));
  EXPECT_EQ(store->LastEventId(), expected);
  // The listener runs before the callbacks of its group, so it has seen every event by now.
  EXPECT_EQ(listener_max.load(), expected);
  EXPECT_GT(listener_calls.load(), 0);
  EXPECT_LE(listener_calls.load(), kThreads * kPerThread);
}

TEST_F(StoreTest, ListenerOnlyAfterCommitsWithEvents) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  std::vector<int64_t> calls;  // written on the writer thread, read after Commit returned
  std::mutex mu;
  store->SetEventListener([&](int64_t last) {
    std::lock_guard lock(mu);
    calls.push_back(last);
  });
  ASSERT_TRUE(store->Commit(WriteBatch{.kv_puts = {{"k", "v", 0, 1}}}).ok);
  ASSERT_TRUE(store->Commit(WriteBatch{.events = {MakeEvent("1"), MakeEvent("2")}}).ok);
  // A failed batch's events do not count.
  EXPECT_FALSE(store->Commit(WriteBatch{.events = {MakeEvent("x")}, .event_cursor = -1}).ok);
  ASSERT_TRUE(store->Commit(WriteBatch{.event_cursor = 2}).ok);
  std::lock_guard lock(mu);
  EXPECT_EQ(calls, std::vector<int64_t>{2});
}

TEST_F(StoreTest, OnlyFromLetsExactlyOneRacingUpdateWin) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  constexpr int kRounds = 25;
  int completions_won = 0;
  for (int round = 0; round < kRounds; ++round) {
    const int64_t id = store->NextExecutionId();
    ASSERT_TRUE(
        store->Commit(WriteBatch{.new_executions = {MakeExecution(id, Status::kRunning)}}).ok);
    std::promise<void> start;
    std::shared_future<void> go = start.get_future().share();
    const auto race = [&](Status to) {
      go.wait();
      return store->Commit(WriteBatch{.execution_updates = {ExecutionUpdate{
                                          .id = id,
                                          .status = to,
                                          .finished_at = 1,
                                          .only_from = {Status::kRunning, Status::kScheduled}}}});
    };
    auto done = std::async(std::launch::async, race, Status::kSucceeded);
    auto cancel = std::async(std::launch::async, race, Status::kCanceled);
    start.set_value();
    const CommitResult d = done.get();
    const CommitResult c = cancel.get();
    ASSERT_TRUE(d.ok && c.ok);
    ASSERT_EQ(d.applied_updates.size() + c.applied_updates.size(), 1u) << "round " << round;
    const Status final_status = store->GetExecution(id)->status;
    if (!d.applied_updates.empty()) {
      EXPECT_EQ(d.applied_updates, std::vector<int64_t>{id});
      EXPECT_EQ(final_status, Status::kSucceeded);
      ++completions_won;
    } else {
      EXPECT_EQ(c.applied_updates, std::vector<int64_t>{id});
      EXPECT_EQ(final_status, Status::kCanceled);
    }
  }
  std::printf("only_from race: completion won %d of %d rounds\n", completions_won, kRounds);
}

TEST_F(StoreTest, CallbacksMayCommitAndUseEveryMember) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  std::promise<std::pair<CommitResult, int64_t>> inner;
  store->Submit(WriteBatch{.events = {MakeEvent("outer")}}, [&](CommitResult outer) {
    // From the writer thread: a synchronous commit and an id reservation must not deadlock.
    const int64_t id = store->NextExecutionId();
    WriteBatch follow_up{.new_executions = {MakeExecution(id)}};
    follow_up.new_executions[0].event_id = outer.event_ids.at(0);
    CommitResult r = store->Commit(std::move(follow_up));
    EXPECT_TRUE(store->PutSecret("from-callback", "x", 1));
    inner.set_value({std::move(r), id});
  });
  auto [result, id] = inner.get_future().get();
  ASSERT_TRUE(result.ok) << result.error;
  EXPECT_EQ(store->GetExecution(id)->event_id, 1);
  EXPECT_EQ(store->GetSecret("from-callback"), "x");
}

TEST_F(StoreTest, DestructorCommitsEverythingSubmitted) {
  std::atomic<int> callbacks{0};
  {
    auto store = Open();
    ASSERT_NE(store, nullptr);
    for (int i = 0; i < 200; ++i) {
      store->Submit(WriteBatch{.events = {MakeEvent(std::to_string(i))}},
                    [&](CommitResult r) { callbacks += r.ok ? 1 : 1000; });
    }
  }
  EXPECT_EQ(callbacks.load(), 200);
  auto store = Open();
  EXPECT_EQ(store->ReadEvents(0, 1000).size(), 200u);
  EXPECT_TRUE(store->Commit(WriteBatch{}).ok);  // an empty batch commits trivially
}

// ---------------------------------------------------------------------------------------------
// Restarts.

TEST_F(StoreTest, ReopenKeepsEverything) {
  int64_t exec_id = 0;
  std::string token;
  {
    auto store = Open();
    ASSERT_NE(store, nullptr);
    exec_id = store->NextExecutionId();
    WriteBatch batch{.events = {MakeEvent("kept")},
                     .enforcements = {Enforcement{.event_id = 1,
                                                  .rule = "r",
                                                  .status = "scheduled",
                                                  .execution_id = exec_id,
                                                  .created_at = 5}},
                     .new_executions = {MakeExecution(exec_id)},
                     .attempts = {Attempt{.execution_id = exec_id, .attempt = 1}},
                     .kv_puts = {{"counter", "41", 0, 3}},
                     .event_cursor = 1};
    ASSERT_TRUE(store->Commit(std::move(batch)).ok);
    token = store->CreateApiKey("github", 10);
    ASSERT_FALSE(token.empty());
    ASSERT_TRUE(store->PutSecret("db_password", "s3cr3t", 10));
  }
  auto store = Open();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->GetEvent(1)->payload_json, "kept");
  EXPECT_EQ(store->LastEventId(), 1);
  EXPECT_EQ(store->EventCursor(), 1);
  EXPECT_EQ(store->ListEnforcements(1).size(), 1u);
  EXPECT_EQ(store->GetExecution(exec_id)->sealed_secrets, MakeExecution(1).sealed_secrets);
  EXPECT_EQ(store->ListAttempts(exec_id).size(), 1u);
  EXPECT_EQ(store->KvGet("counter", 4)->value_json, "41");
  EXPECT_TRUE(store->VerifyApiKey(token));
  EXPECT_EQ(store->GetSecret("db_password"), "s3cr3t");
  // Ids continue, never reused.
  EXPECT_EQ(store->Commit(WriteBatch{.events = {MakeEvent("next")}}).event_ids,
            std::vector<int64_t>{2});
  EXPECT_GT(store->NextExecutionId(), exec_id);
}

TEST_F(StoreTest, ExecutionIdsAreUniqueAcrossThreadsProcessesAndRestarts) {
  std::set<int64_t> seen;
  {
    StoreOptions options = Options(true);
    options.execution_id_block = 7;  // small blocks: many reservations
    std::string error;
    auto owner = OpenSqliteStore(options, &error);
    ASSERT_NE(owner, nullptr) << error;
    options.exclusive = false;
    auto cli = OpenSqliteStore(options, &error);
    ASSERT_NE(cli, nullptr) << error;
    std::mutex mu;
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        Store& store = t % 2 == 0 ? *owner : *cli;
        for (int i = 0; i < 100; ++i) {
          const int64_t id = store.NextExecutionId();
          std::lock_guard lock(mu);
          EXPECT_GT(id, 0);
          EXPECT_TRUE(seen.insert(id).second) << "duplicate id " << id;
        }
      });
    }
    for (std::thread& thread : threads) thread.join();
    // An id committed beyond the reserved range raises the high-water mark too.
    ASSERT_TRUE(owner->Commit(WriteBatch{.new_executions = {MakeExecution(100000)}}).ok);
  }
  auto store = Open();
  const int64_t next = store->NextExecutionId();
  EXPECT_GT(next, 100000);
  EXPECT_GT(next, *seen.rbegin());
}

// The crash test: a child process commits events one batch at a time (two submitters) and
// reports each event id on a pipe only after its callback ran. The parent kills it with SIGKILL
// at a random moment, reopens the store and checks that every acknowledged event is there with
// its payload, and that the log has no gaps.
TEST_F(StoreTest, KillNineLosesNothingAcknowledged) {
  std::random_device device;
  const unsigned seed = device();
  std::mt19937 rng(seed);
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::map<int64_t, int64_t> acked;  // event id -> sequence number in its payload
  for (int round = 0; round < 5; ++round) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      ::close(fds[0]);
      std::string error;
      auto store = OpenSqliteStore(Options(true), &error);
      if (!store) ::_exit(2);
      std::vector<std::thread> submitters;
      for (int t = 0; t < 2; ++t) {
        submitters.emplace_back([&, t] {
          for (int64_t seq = t; seq < 1000000; seq += 2) {
            std::promise<void> acked_promise;
            const std::string payload = R"({"seq":)" + std::to_string(seq) + R"(,"pad":")" +
                                        std::string(200, 'p') + R"("})";
            store->Submit(WriteBatch{.events = {MakeEvent(payload)}}, [&](CommitResult r) {
              if (!r.ok) ::_exit(3);
              const int64_t record[2] = {r.event_ids.at(0), seq};
              if (::write(fds[1], record, sizeof(record)) != sizeof(record)) ::_exit(4);
              acked_promise.set_value();
            });
            acked_promise.get_future().wait();
          }
        });
      }
      for (std::thread& thread : submitters) thread.join();
      ::_exit(0);
    }
    ::close(fds[1]);
    const size_t kill_after = std::uniform_int_distribution<size_t>(1, 200)(rng);
    // Jitter, so that the kill lands at different phases of the commit cycle.
    const auto jitter = std::chrono::microseconds(std::uniform_int_distribution<int>(0, 2000)(rng));
    std::vector<std::pair<int64_t, int64_t>> records;
    bool killed = false;
    int64_t record[2];
    ssize_t n;
    while ((n = ::read(fds[0], record, sizeof(record))) == sizeof(record)) {
      records.emplace_back(record[0], record[1]);
      if (!killed && records.size() >= kill_after) {
        std::this_thread::sleep_for(jitter);
        ASSERT_EQ(::kill(child, SIGKILL), 0);
        killed = true;
      }
    }
    ::close(fds[0]);
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(killed) << "child ended by itself, status " << status;
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << status;
    for (const auto& [id, seq] : records) {
      EXPECT_TRUE(acked.emplace(id, seq).second) << "event id " << id << " acknowledged twice";
    }

    auto store = Open();
    ASSERT_NE(store, nullptr);
    for (const auto& [id, seq] : acked) {
      const std::optional<Event> event = store->GetEvent(id);
      ASSERT_TRUE(event.has_value()) << "acknowledged event " << id << " lost, round " << round;
      EXPECT_EQ(event->payload_json.rfind(R"({"seq":)" + std::to_string(seq) + ",", 0), 0u)
          << event->payload_json;
      EXPECT_EQ(event->payload_json.size(), event->payload_json.find("\"}") + 2);
    }
    const int64_t last = store->LastEventId();
    EXPECT_GE(last, acked.rbegin()->first);
    const std::vector<Event> log = store->ReadEvents(0, 1000000);
    ASSERT_EQ(static_cast<int64_t>(log.size()), last);
    for (size_t i = 0; i < log.size(); ++i) ASSERT_EQ(log[i].id, static_cast<int64_t>(i) + 1);
    std::printf("crash round %d: killed after %zu acks, %zu acknowledged in all, log at %lld\n",
                round, kill_after, acked.size(), static_cast<long long>(last));
  }
}

// ---------------------------------------------------------------------------------------------
// Retention.

TEST_F(StoreTest, PruneEventsKeepsUnprocessedRecentAndReferencedEvents) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  WriteBatch batch;
  for (int i = 1; i <= 6; ++i) batch.events.push_back(MakeEvent(std::to_string(i), i * 100));
  batch.new_executions = {MakeExecution(1, Status::kRunning, "r", /*event_id=*/2),
                          MakeExecution(2, Status::kSucceeded, "r", /*event_id=*/3)};
  batch.enforcements = {Enforcement{.event_id = 1, .rule = "r", .status = "throttled"}};
  batch.event_cursor = 4;
  ASSERT_TRUE(store->Commit(std::move(batch)).ok);

  // Before 400: events 1..3 qualify by age; 2 is still needed by a running execution.
  EXPECT_EQ(store->PruneEvents(400), 2);
  const auto remaining = [&] {
    std::vector<int64_t> ids;
    for (const Event& e : store->ReadEvents(0, 100)) ids.push_back(e.id);
    return ids;
  };
  EXPECT_EQ(remaining(), (std::vector<int64_t>{2, 4, 5, 6}));
  // Old enough, but beyond the cursor: 5 and 6 stay.
  EXPECT_EQ(store->PruneEvents(100000), 1);
  EXPECT_EQ(remaining(), (std::vector<int64_t>{2, 5, 6}));
  EXPECT_EQ(store->PruneEvents(100000), 0);

  // Enforcements and executions stay.
  EXPECT_EQ(store->ListEnforcements(1).size(), 1u);
  EXPECT_TRUE(store->GetExecution(2).has_value());

  // Once everything is processed and finished, even the newest events go, and ids continue.
  ASSERT_TRUE(store
                  ->Commit(WriteBatch{
                      .execution_updates = {ExecutionUpdate{.id = 1, .status = Status::kSucceeded}},
                      .event_cursor = 6})
                  .ok);
  EXPECT_EQ(store->PruneEvents(100000), 3);
  EXPECT_TRUE(remaining().empty());
  EXPECT_EQ(store->LastEventId(), 6);
  EXPECT_EQ(store->Commit(WriteBatch{.events = {MakeEvent("7")}}).event_ids,
            std::vector<int64_t>{7});
}

// ---------------------------------------------------------------------------------------------
// Key-value store.

TEST_F(StoreTest, KvPutGetListDeleteAndTtl) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  WriteBatch batch;
  batch.kv_puts = {{"app.a", R"("one")", 0, 10},
                   {"app.b", "2", 1000, 10},  // expires at 1000
                   {"app.c", "[3]", 5000, 10},
                   {"apq", "true", 0, 10},
                   {"b\xff\xff", "null", 0, 10},
                   {"b\xff\xff"
                    "c",
                    "null", 0, 10}};
  ASSERT_TRUE(store->Commit(std::move(batch)).ok);

  const std::optional<KvEntry> a = store->KvGet("app.a", 500);
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->key, "app.a");
  EXPECT_EQ(a->value_json, R"("one")");
  EXPECT_EQ(a->expires_at, 0);
  EXPECT_EQ(a->updated_at, 10);
  EXPECT_FALSE(store->KvGet("missing", 500).has_value());

  const auto keys = [&](const std::string& prefix, Millis now) {
    std::vector<std::string> out;
    for (const KvEntry& e : store->KvList(prefix, now)) out.push_back(e.key);
    return out;
  };
  EXPECT_EQ(keys("app.", 500), (std::vector<std::string>{"app.a", "app.b", "app.c"}));
  EXPECT_EQ(keys("ap", 500), (std::vector<std::string>{"app.a", "app.b", "app.c", "apq"}));
  EXPECT_EQ(keys("", 500).size(), 6u);
  EXPECT_EQ(keys("b\xff", 500), (std::vector<std::string>{"b\xff\xff",
                                                          "b\xff\xff"
                                                          "c"}));
  EXPECT_TRUE(keys("zzz", 500).empty());

  // Expiry: invisible from the expiry time on.
  EXPECT_TRUE(store->KvGet("app.b", 999).has_value());
  EXPECT_FALSE(store->KvGet("app.b", 1000).has_value());
  EXPECT_EQ(keys("app.", 6000), (std::vector<std::string>{"app.a"}));
  // ... and removed: the cleanup queued by the reads runs before this commit's callback.
  ASSERT_TRUE(store->Commit(WriteBatch{}).ok);
  EXPECT_FALSE(store->KvGet("app.b", 0).has_value());
  EXPECT_FALSE(store->KvGet("app.c", 0).has_value());
  EXPECT_EQ(RawInt(db_path(), "SELECT count(*) FROM kv WHERE key LIKE 'app.%'"), 1);

  // Overwrite (a put replaces value and expiry) and delete.
  ASSERT_TRUE(store
                  ->Commit(WriteBatch{.kv_puts = {{"app.a", "9", 7000, 20}},
                                      .kv_deletes = {"apq", "never-existed"}})
                  .ok);
  EXPECT_EQ(store->KvGet("app.a", 6999)->value_json, "9");
  EXPECT_EQ(store->KvGet("app.a", 6999)->updated_at, 20);
  EXPECT_FALSE(store->KvGet("app.a", 7000).has_value());
  EXPECT_FALSE(store->KvGet("apq", 0).has_value());
}

TEST_F(StoreTest, KvCleanupSparesAnEntryRewrittenSinceTheRead) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->Commit(WriteBatch{.kv_puts = {{"lease", "old", 100, 1}}}).ok);
  WriterGate gate;
  gate.Close(*store);
  // The read sees the old, expired entry and queues its removal; a newer put is queued first.
  store->Submit(WriteBatch{.kv_puts = {{"lease", "new", 0, 2}}}, nullptr);
  EXPECT_FALSE(store->KvGet("lease", 200).has_value());
  gate.Open();
  ASSERT_TRUE(store->Commit(WriteBatch{}).ok);
  ASSERT_TRUE(store->KvGet("lease", 200).has_value());
  EXPECT_EQ(store->KvGet("lease", 200)->value_json, "new");
}

// ---------------------------------------------------------------------------------------------
// API keys.

TEST_F(StoreTest, ApiKeysCreateVerifyRevoke) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  const std::string token = store->CreateApiKey("github", 100);
  ASSERT_TRUE(std::regex_match(token, std::regex("sqk_[0-9a-f]{8}_[A-Za-z0-9_-]{43}"))) << token;
  EXPECT_TRUE(store->VerifyApiKey(token));
  const std::string id = token.substr(4, 8);

  // A second active key with the same name is refused; another name is fine.
  EXPECT_EQ(store->CreateApiKey("github", 101), "");
  EXPECT_EQ(store->CreateApiKey("", 101), "");
  const std::string other = store->CreateApiKey("gitlab", 102);
  ASSERT_FALSE(other.empty());
  EXPECT_NE(other, token);

  const std::vector<ApiKey> keys = store->ListApiKeys();
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_EQ(keys[0].id, id);
  EXPECT_EQ(keys[0].name, "github");
  EXPECT_EQ(keys[0].created_at, 100);
  EXPECT_EQ(keys[0].revoked_at, 0);

  // Only the keyed hash is stored: neither the token nor its secret part is in the database.
  const std::string secret = token.substr(13);
  EXPECT_EQ(RawInt(db_path(), "SELECT count(*) FROM api_keys WHERE instr(hash, '" + secret +
                                  "') > 0 OR instr(name, '" + secret + "') > 0"),
            0);
  EXPECT_EQ(RawInt(db_path(), "SELECT length(hash) FROM api_keys WHERE id = '" + id + "'"), 32);

  const std::string wrong[] = {
      "",
      "sqk_",
      token.substr(0, token.size() - 1),                // truncated
      token + "x",                                      // extended
      token.substr(0, 13) + std::string(43, 'A'),       // wrong secret
      "sqk_" + other.substr(4, 8) + "_" + secret,       // secret of another id
      "SQK_" + token.substr(4),                         // wrong prefix
      "sqk_" + std::string(8, 'G') + token.substr(12),  // id not hex
      "sqk_" + id + "-" + secret,                       // wrong separator
      "sqk_00000000_" + secret,                         // unknown id
  };
  for (const std::string& t : wrong) EXPECT_FALSE(store->VerifyApiKey(t)) << t;

  // Revoke by id, then by name.
  EXPECT_TRUE(store->RevokeApiKey(id, 200));
  EXPECT_FALSE(store->VerifyApiKey(token));
  EXPECT_FALSE(store->RevokeApiKey(id, 201));  // already revoked
  EXPECT_TRUE(store->VerifyApiKey(other));
  EXPECT_TRUE(store->RevokeApiKey("gitlab", 202));
  EXPECT_FALSE(store->VerifyApiKey(other));
  EXPECT_FALSE(store->RevokeApiKey("nobody", 203));
  EXPECT_EQ(store->ListApiKeys()[0].revoked_at, 200);

  // The name is free again once its key is revoked.
  const std::string again = store->CreateApiKey("github", 300);
  ASSERT_FALSE(again.empty());
  EXPECT_TRUE(store->VerifyApiKey(again));
  EXPECT_FALSE(store->VerifyApiKey(token));
  EXPECT_EQ(store->ListApiKeys().size(), 3u);
}

TEST_F(StoreTest, ApiKeysDoNotVerifyUnderAnotherKeyFile) {
  std::string token;
  {
    auto store = Open();
    ASSERT_NE(store, nullptr);
    token = store->CreateApiKey("k", 1);
    ASSERT_TRUE(store->VerifyApiKey(token));
  }
  fs::remove(state() / "secret.key");  // a new key file is created on the next open
  auto store = Open();
  ASSERT_NE(store, nullptr);
  EXPECT_FALSE(store->VerifyApiKey(token));
}

// ---------------------------------------------------------------------------------------------
// Secrets.

TEST_F(StoreTest, SecretsPutGetListDelete) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  EXPECT_FALSE(store->GetSecret("db").has_value());
  ASSERT_TRUE(store->PutSecret("db", "correct horse battery staple", 1));
  ASSERT_TRUE(store->PutSecret("api", std::string("bin\0ary", 7), 2));
  ASSERT_TRUE(store->PutSecret("empty", "", 3));
  EXPECT_EQ(store->GetSecret("db"), "correct horse battery staple");
  EXPECT_EQ(store->GetSecret("api"), std::string("bin\0ary", 7));
  EXPECT_EQ(store->GetSecret("empty"), "");
  EXPECT_EQ(store->ListSecretNames(), (std::vector<std::string>{"api", "db", "empty"}));
  // Encrypted at rest.
  EXPECT_EQ(RawInt(db_path(), "SELECT count(*) FROM secrets WHERE instr(sealed, 'horse') > 0"), 0);

  ASSERT_TRUE(store->PutSecret("db", "rotated", 4));
  EXPECT_EQ(store->GetSecret("db"), "rotated");
  EXPECT_TRUE(store->DeleteSecret("db"));
  EXPECT_FALSE(store->DeleteSecret("db"));
  EXPECT_FALSE(store->GetSecret("db").has_value());
  EXPECT_EQ(store->ListSecretNames(), (std::vector<std::string>{"api", "empty"}));

  // The engine seals execution secrets with the same box.
  const SecretBox* box = store->secret_box();
  ASSERT_NE(box, nullptr);
  Execution exec = MakeExecution(store->NextExecutionId());
  exec.sealed_secrets = box->Seal(R"({"token":"abc"})");
  ASSERT_TRUE(store->Commit(WriteBatch{.new_executions = {exec}}).ok);
  EXPECT_EQ(box->Unseal(store->GetExecution(exec.id)->sealed_secrets), R"({"token":"abc"})");
}

TEST_F(StoreTest, SecretsUnderAWrongKeyFileAreNotReadable) {
  {
    auto store = Open();
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->PutSecret("db", "pw", 1));
  }
  // Another state directory's key file, copied in with the right permissions.
  TempDir other;
  {
    StoreOptions options;
    options.state_dir = other.path() / "state";
    std::string error;
    ASSERT_NE(OpenSqliteStore(options, &error), nullptr) << error;
  }
  fs::copy_file(other.path() / "state" / "secret.key", state() / "secret.key",
                fs::copy_options::overwrite_existing);
  ASSERT_EQ(::chmod((state() / "secret.key").c_str(), 0600), 0);
  auto store = Open();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->ListSecretNames(), std::vector<std::string>{"db"});
  EXPECT_FALSE(store->GetSecret("db").has_value());
}

TEST_F(StoreTest, WorldReadableKeyFileIsRefused) {
  { ASSERT_NE(Open(), nullptr); }
  const fs::path key = state() / "secret.key";
  EXPECT_EQ(Mode(key), 0600);
  ASSERT_EQ(::chmod(key.c_str(), 0644), 0);
  for (bool exclusive : {true, false}) {
    std::string error;
    EXPECT_EQ(OpenSqliteStore(Options(exclusive), &error), nullptr);
    EXPECT_EQ(error, key.string() +
                         " has permissions 0644; the secret key must be readable by its "
                         "owner only (chmod 600 " +
                         key.string() + ")");
  }
}

TEST_F(StoreTest, SharedOpenWithoutCreateAndWithoutKeyFileStillReads) {
  {
    auto store = Open();
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->Commit(WriteBatch{.events = {MakeEvent("e")}}).ok);
  }
  fs::remove(state() / "secret.key");
  StoreOptions options = Options(false);
  options.create = false;
  std::string error;
  auto store = OpenSqliteStore(options, &error);
  ASSERT_NE(store, nullptr) << error;
  EXPECT_EQ(store->ReadEvents(0, 10).size(), 1u);
  EXPECT_EQ(store->secret_box(), nullptr);
  EXPECT_FALSE(store->PutSecret("x", "y", 1));
  EXPECT_EQ(store->CreateApiKey("x", 1), "");
  EXPECT_FALSE(fs::exists(state() / "secret.key"));
}

// ---------------------------------------------------------------------------------------------
// Throughput: prints, never asserts (run with --gtest_also_run_disabled_tests).

void MeasureThroughput(StoreOptions::Synchronous sync, const char* name, int in_flight_max,
                       const fs::path& dir) {
  StoreOptions options;
  options.state_dir = dir;
  options.exclusive = true;
  options.synchronous = sync;
  std::string error;
  auto store = OpenSqliteStore(options, &error);
  ASSERT_NE(store, nullptr) << error;
  constexpr int kThreads = 4;
  constexpr int kPerThread = 5000;
  // Batches each thread has submitted and not yet seen acknowledged: 1 is a thread calling
  // Commit in a loop, 64 a webhook server thread with many connections.
  const int kInFlight = in_flight_max;
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      std::mutex mu;
      std::condition_variable cv;
      int in_flight = 0;
      for (int i = 0; i < kPerThread; ++i) {
        {
          std::unique_lock lock(mu);
          cv.wait(lock, [&] { return in_flight < kInFlight; });
          ++in_flight;
        }
        store->Submit(WriteBatch{.events = {MakeEvent(R"({"ref":"main","sha":"0123456789"})")}},
                      [&](CommitResult) {
                        std::lock_guard lock(mu);
                        --in_flight;
                        cv.notify_all();
                      });
      }
      std::unique_lock lock(mu);
      cv.wait(lock, [&] { return in_flight == 0; });
    });
  }
  for (std::thread& thread : threads) thread.join();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf(
      "%s: %d single-event batches from %d threads (%d in flight each) in %.2f s: "
      "%.0f events/s\n",
      name, kThreads * kPerThread, kThreads, kInFlight, seconds, kThreads * kPerThread / seconds);
}

TEST_F(StoreTest, DISABLED_Throughput) {
  for (int in_flight : {1, 64}) {
    const std::string suffix = std::to_string(in_flight);
    MeasureThroughput(StoreOptions::Synchronous::kFull, "FULL", in_flight,
                      dir_.path() / ("full" + suffix));
    MeasureThroughput(StoreOptions::Synchronous::kNormal, "NORMAL", in_flight,
                      dir_.path() / ("normal" + suffix));
  }
}

}  // namespace
}  // namespace squall::store
