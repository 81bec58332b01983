// The SQLite store: see sqlite_store.h and README.md.
#include "runtime/store/sqlite_store.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <future>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "runtime/store/schema.h"
#include "runtime/store/secret_box.h"
#include "runtime/store/sqlite_db.h"
#include "runtime/store/state_lock.h"

namespace squall::store {
namespace {

using internal::Db;
using internal::Stmt;

// How a failed write affects the group commit it is part of.
enum class Outcome {
  kOk,
  kBatchFailed,  // this batch is rolled back to its savepoint; the others commit
  kGroupFailed,  // the whole transaction is rolled back (I/O error, disk full, a bug)
};

// Errors that only say something about the data of one batch; everything else (SQLITE_IOERR,
// SQLITE_FULL, SQLITE_CORRUPT, SQLITE_NOMEM, SQLITE_BUSY, a statement that does not compile)
// says the transaction as a whole cannot go on.
Outcome Classify(int rc) {
  switch (rc & 0xff) {
    case SQLITE_CONSTRAINT:
    case SQLITE_MISMATCH:
    case SQLITE_TOOBIG:
    case SQLITE_RANGE:
      return Outcome::kBatchFailed;
    default:
      return Outcome::kGroupFailed;
  }
}

// Steps a statement that changes rows. `what` prefixes the message so that a failed batch says
// which of its records was refused.
Outcome Run(Db& db, Stmt& stmt, const std::string& what, std::string* error) {
  if (!stmt) {
    *error = what + ": " + db.error();
    return Outcome::kGroupFailed;
  }
  const int rc = stmt.Step();
  if (rc == SQLITE_DONE || rc == SQLITE_ROW) return Outcome::kOk;
  *error = what + ": " + db.error();
  return Classify(rc);
}

// Transaction control with cached statements: sqlite3_exec would compile the text again for
// every batch of every group.
bool Control(Db& db, const std::string& sql) {
  Stmt stmt = db.Prepare(sql);
  return stmt && stmt.Step() == SQLITE_DONE;
}

std::string Hex(const uint8_t* data, size_t size) {
  std::string hex(size * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), data, size);
  hex.pop_back();
  return hex;
}

constexpr const char* kEventColumns =
    "id, trigger, parameters_json, payload_json, source, external_id, received_at";

Event ReadEvent(const Stmt& stmt) {
  Event event;
  event.id = stmt.Int(0);
  event.trigger = stmt.Text(1);
  event.parameters_json = stmt.Text(2);
  event.payload_json = stmt.Text(3);
  event.source = stmt.Text(4);
  event.external_id = stmt.Text(5);
  event.received_at = stmt.Int(6);
  return event;
}

constexpr const char* kExecutionColumns =
    "id, action, runner, rule, event_id, parent_id, parameters_json, sealed_secrets, "
    "policy_json, concurrency_key, status, attempts, run_at, created_at, started_at, "
    "finished_at, result_json, error_json";

Status ReadStatus(const Stmt& stmt, int column) {
  // The schema's CHECK admits only known names; kFailed is never reached in practice.
  return ParseStatus(stmt.Text(column)).value_or(Status::kFailed);
}

Execution ReadExecution(const Stmt& stmt) {
  Execution e;
  e.id = stmt.Int(0);
  e.action = stmt.Text(1);
  e.runner = stmt.Text(2);
  e.rule = stmt.Text(3);
  e.event_id = stmt.Int(4);
  e.parent_id = stmt.Int(5);
  e.parameters_json = stmt.Text(6);
  e.sealed_secrets = stmt.Text(7);
  e.policy_json = stmt.Text(8);
  e.concurrency_key = stmt.Text(9);
  e.status = ReadStatus(stmt, 10);
  e.attempts = static_cast<int>(stmt.Int(11));
  e.run_at = stmt.Int(12);
  e.created_at = stmt.Int(13);
  e.started_at = stmt.Int(14);
  e.finished_at = stmt.Int(15);
  e.result_json = stmt.Text(16);
  e.error_json = stmt.Text(17);
  return e;
}

constexpr const char* kEnforcementColumns =
    "id, event_id, rule, status, execution_id, message, throttle_key, created_at";

Enforcement ReadEnforcement(const Stmt& stmt) {
  Enforcement e;
  e.id = stmt.Int(0);
  e.event_id = stmt.Int(1);
  e.rule = stmt.Text(2);
  e.status = stmt.Text(3);
  e.execution_id = stmt.Int(4);
  e.message = stmt.Text(5);
  e.throttle_key = stmt.Text(6);
  e.created_at = stmt.Int(7);
  return e;
}

// ", ?N, ?N+1, ..." for `count` parameters starting at `first` (without the leading comma).
std::string Placeholders(int first, size_t count) {
  std::string out;
  for (size_t i = 0; i < count; ++i) {
    if (i > 0) out += ", ";
    out += "?" + std::to_string(first + static_cast<int>(i));
  }
  return out;
}

// The smallest string greater than every string starting with `prefix`, or "" when there is
// none (all bytes 0xff), for a range scan of the kv primary key.
std::string PrefixSuccessor(std::string prefix) {
  while (!prefix.empty() && static_cast<unsigned char>(prefix.back()) == 0xff) prefix.pop_back();
  if (!prefix.empty())
    prefix.back() = static_cast<char>(static_cast<unsigned char>(prefix.back()) + 1);
  return prefix;
}

bool IsLowerHex(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

constexpr size_t kApiKeyIdBytes = 4;       // 8 hex digits
constexpr size_t kApiKeySecretBytes = 32;  // 43 base64url characters
constexpr std::string_view kApiKeyPrefix = "sqk_";

// One queued write: a WriteBatch, or a maintenance write (`task`) run in the same way.
struct Job {
  WriteBatch batch;
  // Set by Commit: the caller's batch, read in place. The caller waits for the commit, so the
  // batch stays alive, and it is freed on the thread that allocated it: freeing a batch's
  // many strings on the writer thread defeated malloc's per-thread caches on both threads.
  const WriteBatch* borrowed = nullptr;
  std::function<Outcome(Db&, std::string*)> task;  // set: run instead of `batch`
  std::function<void(CommitResult)> done;          // may be empty
  CommitResult result;
};

class SqliteStore final : public Store {
 public:
  static std::unique_ptr<SqliteStore> Open(const StoreOptions& options, std::string* error);
  ~SqliteStore() override;

  void Submit(WriteBatch batch, std::function<void(CommitResult)> done) override;
  CommitResult Commit(WriteBatch batch) override;
  void SetEventListener(std::function<void(int64_t)> listener) override;

  std::vector<Event> ReadEvents(int64_t after, size_t limit) override;
  std::optional<Event> GetEvent(int64_t id) override;
  int64_t EventCursor() override;
  int64_t LastEventId() override;
  int64_t PruneEvents(Millis before) override;

  int64_t NextExecutionId() override;
  std::optional<Execution> GetExecution(int64_t id) override;
  std::vector<Execution> ListExecutions(const ExecutionFilter& filter) override;
  std::vector<Attempt> ListAttempts(int64_t execution_id) override;
  std::vector<Enforcement> ListEnforcements(int64_t event_id) override;
  std::vector<Enforcement> EnforcementsSince(Millis since) override;

  std::optional<KvEntry> KvGet(const std::string& key, Millis now) override;
  std::vector<KvEntry> KvList(const std::string& prefix, Millis now) override;
  std::vector<CorrelationState> ListCorrelationStates() override;
  std::optional<WorkflowRecord> GetWorkflow(int64_t execution_id) override;
  std::vector<WorkflowRecord> ListWorkflows(int64_t after_id, size_t limit) override;
  std::vector<int64_t> ListPausedWorkflows(int64_t after_id) override;
  bool SetWorkflowPaused(int64_t execution_id, bool paused) override;

  std::string CreateApiKey(const std::string& name, Millis now) override;
  std::vector<ApiKey> ListApiKeys() override;
  bool RevokeApiKey(const std::string& id_or_name, Millis now) override;
  bool VerifyApiKey(const std::string& token) override;

  bool PutSecret(const std::string& name, const std::string& plaintext, Millis now) override;
  std::optional<std::string> GetSecret(const std::string& name) override;
  std::vector<std::string> ListSecretNames() override;
  bool DeleteSecret(const std::string& name) override;

  const SecretBox* secret_box() const override { return box_.get(); }

 private:
  // A read connection leased from the pool; returned when it goes out of scope.
  class Reader {
   public:
    Reader(SqliteStore* store, std::unique_ptr<Db> db) : store_(store), db_(std::move(db)) {}
    Reader(const Reader&) = delete;
    Reader& operator=(const Reader&) = delete;
    ~Reader() {
      if (db_) store_->ReturnReader(std::move(db_));
    }
    explicit operator bool() const { return db_ != nullptr; }
    Db* operator->() const { return db_.get(); }

   private:
    SqliteStore* store_;
    std::unique_ptr<Db> db_;
  };

  explicit SqliteStore(const StoreOptions& options);

  Reader LeaseReader();
  void ReturnReader(std::unique_ptr<Db> db);

  void Enqueue(Job job);
  // Runs `job` to completion and returns its result: queued for the writer thread, or inline
  // when called from the writer thread itself (a callback), which would otherwise wait on
  // itself.
  CommitResult Execute(Job job);
  CommitResult RunTask(std::function<Outcome(Db&, std::string*)> task);
  void WriterLoop();
  void ProcessGroup(std::vector<Job>& group);
  static Outcome ApplyBatch(Db& db, const WriteBatch& batch, CommitResult* result,
                            std::string* error);
  // Queues the removal of expired kv entries a read came across.
  void ScheduleKvCleanup(std::vector<std::string> keys, Millis now);

  const StoreOptions options_;
  const std::filesystem::path db_path_;
  std::unique_ptr<internal::StateLock> lock_;
  std::unique_ptr<SecretBox> box_;  // null: no key file (a shared open with create = false)
  std::unique_ptr<Db> writer_db_;   // used only by the writer thread (or inline on it)

  std::mutex readers_mu_;
  std::condition_variable readers_cv_;
  std::vector<std::unique_ptr<Db>> idle_readers_;
  size_t readers_open_ = 0;

  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::vector<Job> queue_;
  bool stopping_ = false;
  std::thread writer_;

  std::mutex listener_mu_;
  std::shared_ptr<const std::function<void(int64_t)>> listener_;

  std::mutex ids_mu_;
  int64_t next_id_ = 1;  // the reserved, unused execution ids: [next_id_, id_limit_]
  int64_t id_limit_ = 0;
};

// ---------------------------------------------------------------------------------------------
// Opening and closing.

SqliteStore::SqliteStore(const StoreOptions& options)
    : options_(options), db_path_(DatabasePath(options.state_dir)) {}

bool EnsureStateDir(const std::filesystem::path& dir, bool create, std::string* error) {
  std::error_code ec;
  const auto status = std::filesystem::status(dir, ec);
  if (std::filesystem::exists(status)) {
    if (std::filesystem::is_directory(status)) return true;
    *error = "state directory " + dir.string() + " is not a directory";
    return false;
  }
  if (!create) {
    *error = "state directory " + dir.string() + " does not exist";
    return false;
  }
  if (dir.has_parent_path()) std::filesystem::create_directories(dir.parent_path(), ec);
  // 0700: the directory holds the key file and every payload; nobody else needs to list it.
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    *error = "cannot create state directory " + dir.string() + ": " + std::strerror(errno);
    return false;
  }
  return true;
}

// Creates an empty database file 0600 before SQLite does (SQLite would use 0644 minus the umask,
// and gives its -wal and -shm files the database file's permissions).
bool EnsureDatabaseFile(const std::filesystem::path& path, bool create, std::string* error) {
  if (::access(path.c_str(), F_OK) == 0) return true;
  if (!create) {
    *error = "no squall database at " + path.string();
    return false;
  }
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    *error = "cannot create " + path.string() + ": " + std::strerror(errno);
    return false;
  }
  ::close(fd);
  return true;
}

std::unique_ptr<SqliteStore> SqliteStore::Open(const StoreOptions& options, std::string* error) {
  if (options.state_dir.empty()) {
    *error = "no state directory given";
    return nullptr;
  }
  if (sodium_init() < 0) {
    *error = "cannot initialise libsodium";
    return nullptr;
  }
  if (!EnsureStateDir(options.state_dir, options.create, error)) return nullptr;
  std::unique_ptr<SqliteStore> store(new SqliteStore(options));
  bool may_migrate = true;
  if (options.exclusive) {
    store->lock_ = internal::StateLock::Acquire(options.state_dir, error);
    if (!store->lock_) return nullptr;
  } else {
    may_migrate = internal::StateLock::IsFree(options.state_dir);
  }
  if (!EnsureDatabaseFile(store->db_path_, options.create, error)) return nullptr;
  store->writer_db_ = Db::Open(store->db_path_, false, options.busy_timeout_ms, error);
  if (!store->writer_db_) return nullptr;
  Db& db = *store->writer_db_;
  {
    // journal_mode=WAL is persistent in the file; setting it again is a no-op.
    Stmt mode = db.Prepare("PRAGMA journal_mode = WAL");
    if (!mode || mode.Step() != SQLITE_ROW || mode.Text(0) != "wal") {
      *error = store->db_path_.string() + ": cannot switch to WAL mode: " + db.error();
      return nullptr;
    }
  }
  const char* sync = options.synchronous == StoreOptions::Synchronous::kFull
                         ? "PRAGMA synchronous = FULL"
                         : "PRAGMA synchronous = NORMAL";
  // journal_size_limit: a WAL that grew during a burst is truncated at the next checkpoint.
  // temp_store: the sub-journal of each batch's SAVEPOINT stays in memory; as a file it was
  // created and unlinked in /var/tmp at almost every commit (a file system round trip each).
  if (!db.Exec(sync) || !db.Exec("PRAGMA journal_size_limit = 67108864") ||
      !db.Exec("PRAGMA temp_store = MEMORY")) {
    *error = store->db_path_.string() + ": " + db.error();
    return nullptr;
  }
  if (options.max_database_bytes > 0) {
    const int64_t page_size = db.QueryInt("PRAGMA page_size").value_or(4096);
    const int64_t pages = std::max<int64_t>(1, options.max_database_bytes / page_size);
    if (!db.Exec("PRAGMA max_page_count = " + std::to_string(pages))) {
      *error = store->db_path_.string() + ": " + db.error();
      return nullptr;
    }
  }
  if (!internal::Migrate(db, store->db_path_.string(), SchemaMigrations(), may_migrate, error)) {
    return nullptr;
  }
  const std::filesystem::path key_file = SecretBox::KeyFilePath(options.state_dir);
  if (options.create || ::access(key_file.c_str(), F_OK) == 0) {
    store->box_ = SecretBox::Load(key_file, options.create, error);
    if (!store->box_) return nullptr;
  }
  store->writer_ = std::thread([s = store.get()] { s->WriterLoop(); });
  return store;
}

SqliteStore::~SqliteStore() {
  if (writer_.joinable()) {
    {
      std::lock_guard lock(queue_mu_);
      stopping_ = true;
    }
    queue_cv_.notify_all();
    writer_.join();
  }
  // Connections close before the lock is released (members are destroyed in reverse order, and
  // the readers go first here): the last close checkpoints the WAL.
  idle_readers_.clear();
  writer_db_.reset();
}

// ---------------------------------------------------------------------------------------------
// The writer.

void SqliteStore::Enqueue(Job job) {
  {
    std::lock_guard lock(queue_mu_);
    queue_.push_back(std::move(job));
  }
  queue_cv_.notify_one();
}

void SqliteStore::Submit(WriteBatch batch, std::function<void(CommitResult)> done) {
  Job job;
  job.batch = std::move(batch);
  job.done = std::move(done);
  Enqueue(std::move(job));
}

CommitResult SqliteStore::Execute(Job job) {
  if (std::this_thread::get_id() == writer_.get_id()) {
    CommitResult result;
    job.done = [&result](CommitResult r) { result = std::move(r); };
    std::vector<Job> group;
    group.push_back(std::move(job));
    ProcessGroup(group);
    return result;
  }
  std::promise<CommitResult> promise;
  std::future<CommitResult> future = promise.get_future();
  job.done = [&promise](CommitResult r) { promise.set_value(std::move(r)); };
  Enqueue(std::move(job));
  return future.get();
}

CommitResult SqliteStore::Commit(WriteBatch batch) {
  Job job;
  job.borrowed = &batch;
  return Execute(std::move(job));
}

CommitResult SqliteStore::RunTask(std::function<Outcome(Db&, std::string*)> task) {
  Job job;
  job.task = std::move(task);
  return Execute(std::move(job));
}

void SqliteStore::SetEventListener(std::function<void(int64_t)> listener) {
  auto shared = std::make_shared<const std::function<void(int64_t)>>(std::move(listener));
  std::lock_guard lock(listener_mu_);
  listener_ = std::move(shared);
}

void SqliteStore::WriterLoop() {
  std::vector<Job> group;
  while (true) {
    {
      std::unique_lock lock(queue_mu_);
      queue_cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything submitted is committed
      // Group commit: everything that queued up while the previous commit was syncing.
      group.swap(queue_);
    }
    ProcessGroup(group);
    group.clear();
  }
}

void SqliteStore::ProcessGroup(std::vector<Job>& group) {
  Db& db = *writer_db_;
  std::string group_error;
  // IMMEDIATE: take the write lock now, so another process's writer makes us wait (busy
  // timeout) here rather than fail in the middle of the group.
  if (!Control(db, "BEGIN IMMEDIATE")) group_error = db.error();
  for (Job& job : group) {
    if (!group_error.empty()) break;
    if (!Control(db, "SAVEPOINT batch")) {
      group_error = db.error();
      break;
    }
    std::string error;
    const Outcome outcome =
        job.task ? job.task(db, &error)
                 : ApplyBatch(db, job.borrowed != nullptr ? *job.borrowed : job.batch, &job.result,
                              &error);
    if (outcome == Outcome::kOk) {
      if (!Control(db, "RELEASE batch")) group_error = db.error();
      continue;
    }
    // Some errors (SQLITE_FULL, SQLITE_IOERR, SQLITE_NOMEM) make SQLite roll back the whole
    // transaction by itself.
    if (outcome == Outcome::kGroupFailed || !db.in_transaction()) {
      group_error = error;
      break;
    }
    if (!Control(db, "ROLLBACK TO batch") || !Control(db, "RELEASE batch")) {
      group_error = db.error();
      break;
    }
    std::string taken_claim = std::move(job.result.taken_claim);
    job.result = CommitResult{};
    job.result.ok = false;
    job.result.error = std::move(error);
    job.result.taken_claim = std::move(taken_claim);
  }
  if (group_error.empty() && !Control(db, "COMMIT")) group_error = db.error();
  if (!group_error.empty()) {
    if (db.in_transaction()) db.Exec("ROLLBACK");
    for (Job& job : group) {
      job.result = CommitResult{};
      job.result.ok = false;
      job.result.error = "commit failed: " + group_error;
    }
  }
  int64_t last_event_id = 0;
  for (const Job& job : group) {
    if (job.result.ok && !job.result.event_ids.empty()) {
      last_event_id = std::max(last_event_id, job.result.event_ids.back());
    }
  }
  // The listener first: once a batch's callback runs, the dispatcher has been told about its
  // events (a caller of Commit may rely on that).
  if (last_event_id > 0) {
    std::shared_ptr<const std::function<void(int64_t)>> listener;
    {
      std::lock_guard lock(listener_mu_);
      listener = listener_;
    }
    if (listener && *listener) (*listener)(last_event_id);
  }
  for (Job& job : group) {
    if (job.done) job.done(std::move(job.result));
  }
}

Outcome SqliteStore::ApplyBatch(Db& db, const WriteBatch& batch, CommitResult* result,
                                std::string* error) {
  *result = CommitResult{};
  Outcome outcome = Outcome::kOk;
  const auto fail = [&](Outcome o, std::string message) {
    *error = std::move(message);
    return o;
  };

  for (const std::string& key : batch.claims) {
    Stmt stmt = db.Prepare("INSERT INTO claims (key, claimed_at) VALUES (?1, ?2)");
    if (stmt) {
      const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count();
      stmt.Bind(1, key).Bind(2, now);
    }
    outcome = Run(db, stmt, "claim " + key, error);
    if (outcome == Outcome::kBatchFailed) {
      *error = "`" + key + "` was claimed before";
      result->taken_claim = key;
    }
    if (outcome != Outcome::kOk) return outcome;
  }

  for (size_t i = 0; i < batch.events.size(); ++i) {
    const NewEvent& e = batch.events[i];
    Stmt stmt = db.Prepare(
        "INSERT INTO events (trigger, parameters_json, payload_json, source, external_id, "
        "received_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    if (stmt) {
      stmt.Bind(1, e.trigger).Bind(2, e.parameters_json).Bind(3, e.payload_json);
      stmt.Bind(4, e.source).Bind(5, e.external_id).Bind(6, e.received_at);
    }
    outcome = Run(db, stmt, "event " + std::to_string(i), error);
    if (outcome != Outcome::kOk) return outcome;
    result->event_ids.push_back(db.last_insert_rowid());
  }

  for (size_t i = 0; i < batch.enforcements.size(); ++i) {
    const Enforcement& e = batch.enforcements[i];
    Stmt stmt = db.Prepare(
        "INSERT INTO enforcements (event_id, rule, status, execution_id, message, throttle_key, "
        "created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    if (stmt) {
      stmt.Bind(1, e.event_id).Bind(2, e.rule).Bind(3, e.status).Bind(4, e.execution_id);
      stmt.Bind(5, e.message).Bind(6, e.throttle_key).Bind(7, e.created_at);
    }
    outcome = Run(db, stmt, "enforcement " + std::to_string(i) + " (rule " + e.rule + ")", error);
    if (outcome != Outcome::kOk) return outcome;
    result->enforcement_ids.push_back(db.last_insert_rowid());
  }

  for (const Execution& e : batch.new_executions) {
    const std::string what = "execution " + std::to_string(e.id);
    if (e.id <= 0) return fail(Outcome::kBatchFailed, what + ": the id must be positive");
    Stmt stmt = db.Prepare(
        "INSERT INTO executions (id, action, runner, rule, event_id, parent_id, parameters_json, "
        "sealed_secrets, policy_json, concurrency_key, status, attempts, run_at, created_at, "
        "started_at, finished_at, result_json, error_json) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, "
        "?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)");
    if (stmt) {
      stmt.Bind(1, e.id).Bind(2, e.action).Bind(3, e.runner).Bind(4, e.rule);
      stmt.Bind(5, e.event_id).Bind(6, e.parent_id).Bind(7, e.parameters_json);
      stmt.BindBlob(8, e.sealed_secrets).Bind(9, e.policy_json).Bind(10, e.concurrency_key);
      stmt.Bind(11, std::string_view(StatusName(e.status)));
      stmt.Bind(12, static_cast<int64_t>(e.attempts)).Bind(13, e.run_at).Bind(14, e.created_at);
      stmt.Bind(15, e.started_at).Bind(16, e.finished_at).Bind(17, e.result_json);
      stmt.Bind(18, e.error_json);
    }
    outcome = Run(db, stmt, what, error);
    if (outcome != Outcome::kOk) return outcome;
  }

  for (const ExecutionUpdate& u : batch.execution_updates) {
    // One cached statement per size of `only_from` (at most 9 texts).
    std::string sql =
        "UPDATE executions SET status = ?2, attempts = COALESCE(?3, attempts), "
        "run_at = COALESCE(?4, run_at), started_at = COALESCE(?5, started_at), "
        "finished_at = COALESCE(?6, finished_at), result_json = COALESCE(?7, result_json), "
        "error_json = COALESCE(?8, error_json) WHERE id = ?1";
    if (!u.only_from.empty()) sql += " AND status IN (" + Placeholders(9, u.only_from.size()) + ")";
    Stmt stmt = db.Prepare(sql);
    if (stmt) {
      stmt.Bind(1, u.id).Bind(2, std::string_view(StatusName(u.status)));
      if (u.attempts) {
        stmt.Bind(3, static_cast<int64_t>(*u.attempts));
      } else {
        stmt.BindNull(3);
      }
      stmt.Bind(4, u.run_at).Bind(5, u.started_at).Bind(6, u.finished_at);
      stmt.Bind(7, u.result_json).Bind(8, u.error_json);
      for (size_t i = 0; i < u.only_from.size(); ++i) {
        stmt.Bind(9 + static_cast<int>(i), std::string_view(StatusName(u.only_from[i])));
      }
    }
    outcome = Run(db, stmt, "update of execution " + std::to_string(u.id), error);
    if (outcome != Outcome::kOk) return outcome;
    if (db.changes() > 0) result->applied_updates.push_back(u.id);
  }

  for (const Attempt& a : batch.attempts) {
    Stmt stmt = db.Prepare(
        "INSERT INTO attempts (execution_id, attempt, status, started_at, finished_at, "
        "result_json, error_json) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    if (stmt) {
      stmt.Bind(1, a.execution_id).Bind(2, static_cast<int64_t>(a.attempt));
      stmt.Bind(3, std::string_view(StatusName(a.status))).Bind(4, a.started_at);
      stmt.Bind(5, a.finished_at).Bind(6, a.result_json).Bind(7, a.error_json);
    }
    outcome = Run(
        db, stmt,
        "attempt " + std::to_string(a.attempt) + " of execution " + std::to_string(a.execution_id),
        error);
    if (outcome != Outcome::kOk) return outcome;
  }

  for (const KvEntry& kv : batch.kv_puts) {
    Stmt stmt = db.Prepare(
        "INSERT OR REPLACE INTO kv (key, value_json, expires_at, updated_at) "
        "VALUES (?1, ?2, ?3, ?4)");
    if (stmt)
      stmt.Bind(1, kv.key).Bind(2, kv.value_json).Bind(3, kv.expires_at).Bind(4, kv.updated_at);
    outcome = Run(db, stmt, "kv put " + kv.key, error);
    if (outcome != Outcome::kOk) return outcome;
  }
  for (const std::string& key : batch.kv_deletes) {
    Stmt stmt = db.Prepare("DELETE FROM kv WHERE key = ?1");
    if (stmt) stmt.Bind(1, key);
    outcome = Run(db, stmt, "kv delete " + key, error);
    if (outcome != Outcome::kOk) return outcome;
  }

  for (const CorrelationState& c : batch.correlation_states) {
    Stmt stmt = db.Prepare(c.state ? "INSERT OR REPLACE INTO correlation_state (rule, instance, "
                                     "state) VALUES (?1, ?2, ?3)"
                                   : "DELETE FROM correlation_state WHERE rule = ?1 AND "
                                     "instance = ?2");
    if (stmt) {
      stmt.Bind(1, c.rule).Bind(2, c.instance);
      if (c.state) stmt.Bind(3, *c.state);
    }
    outcome = Run(db, stmt, "correlation state of " + c.rule, error);
    if (outcome != Outcome::kOk) return outcome;
  }

  for (const WorkflowRecord& w : batch.workflows) {
    // An upsert that keeps `paused`: that column is the operator's.
    Stmt stmt = db.Prepare(
        "INSERT INTO workflows (execution_id, workflow, state, updated_at) VALUES (?1, ?2, ?3, ?4) "
        "ON CONFLICT (execution_id) DO UPDATE SET state = excluded.state, "
        "updated_at = excluded.updated_at");
    if (stmt)
      stmt.Bind(1, w.execution_id).Bind(2, w.workflow).Bind(3, w.state_json).Bind(4, w.updated_at);
    outcome = Run(db, stmt, "workflow of execution " + std::to_string(w.execution_id), error);
    if (outcome != Outcome::kOk) return outcome;
  }

  if (batch.event_cursor) {
    if (*batch.event_cursor < 0) {
      return fail(Outcome::kBatchFailed,
                  "event cursor " + std::to_string(*batch.event_cursor) + " is negative");
    }
    Stmt stmt = db.Prepare("UPDATE meta SET value = ?1 WHERE key = 'event_cursor'");
    if (stmt) stmt.Bind(1, *batch.event_cursor);
    outcome = Run(db, stmt, "event cursor", error);
    if (outcome != Outcome::kOk) return outcome;
  }
  return Outcome::kOk;
}

// ---------------------------------------------------------------------------------------------
// Reads.

SqliteStore::Reader SqliteStore::LeaseReader() {
  const size_t max_readers = std::max<size_t>(1, options_.read_connections);
  std::unique_lock lock(readers_mu_);
  readers_cv_.wait(lock, [&] { return !idle_readers_.empty() || readers_open_ < max_readers; });
  if (!idle_readers_.empty()) {
    std::unique_ptr<Db> db = std::move(idle_readers_.back());
    idle_readers_.pop_back();
    return Reader(this, std::move(db));
  }
  ++readers_open_;
  lock.unlock();
  // Opened lazily: a CLI command that reads once needs one connection, not four.
  std::string error;
  std::unique_ptr<Db> db = Db::Open(db_path_, false, options_.busy_timeout_ms, &error);
  if (db && !db->Exec("PRAGMA query_only = 1")) db.reset();
  if (!db) {
    lock.lock();
    --readers_open_;
    lock.unlock();
    readers_cv_.notify_one();
    return Reader(this, nullptr);
  }
  return Reader(this, std::move(db));
}

void SqliteStore::ReturnReader(std::unique_ptr<Db> db) {
  {
    std::lock_guard lock(readers_mu_);
    idle_readers_.push_back(std::move(db));
  }
  readers_cv_.notify_one();
}

std::vector<Event> SqliteStore::ReadEvents(int64_t after, size_t limit) {
  std::vector<Event> events;
  if (limit == 0) return events;
  Reader db = LeaseReader();
  if (!db) return events;
  Stmt stmt = db->Prepare(std::string("SELECT ") + kEventColumns +
                          " FROM events WHERE id > ?1 ORDER BY id LIMIT ?2");
  if (!stmt) return events;
  stmt.Bind(1, after).Bind(2, static_cast<int64_t>(std::min<size_t>(limit, INT64_MAX)));
  while (stmt.Step() == SQLITE_ROW) events.push_back(ReadEvent(stmt));
  return events;
}

std::optional<Event> SqliteStore::GetEvent(int64_t id) {
  Reader db = LeaseReader();
  if (!db) return std::nullopt;
  Stmt stmt = db->Prepare(std::string("SELECT ") + kEventColumns + " FROM events WHERE id = ?1");
  if (!stmt) return std::nullopt;
  stmt.Bind(1, id);
  if (stmt.Step() != SQLITE_ROW) return std::nullopt;
  return ReadEvent(stmt);
}

int64_t SqliteStore::EventCursor() {
  Reader db = LeaseReader();
  if (!db) return 0;
  return db->QueryInt("SELECT value FROM meta WHERE key = 'event_cursor'").value_or(0);
}

int64_t SqliteStore::LastEventId() {
  Reader db = LeaseReader();
  if (!db) return 0;
  // The AUTOINCREMENT high-water mark, not max(id): pruning the newest events keeps it.
  return db->QueryInt("SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'events'), 0)")
      .value_or(0);
}

int64_t SqliteStore::PruneEvents(Millis before) {
  int64_t deleted = 0;
  const CommitResult result = RunTask([&](Db& db, std::string* error) {
    Stmt stmt = db.Prepare(
        "DELETE FROM events WHERE received_at < ?1 "
        "AND id <= (SELECT value FROM meta WHERE key = 'event_cursor') "
        "AND id NOT IN (SELECT event_id FROM executions "
        "WHERE status IN ('requested', 'scheduled', 'running'))");
    if (stmt) stmt.Bind(1, before);
    const Outcome outcome = Run(db, stmt, "prune events", error);
    deleted = db.changes();
    return outcome;
  });
  return result.ok ? deleted : -1;
}

int64_t SqliteStore::NextExecutionId() {
  {
    std::lock_guard lock(ids_mu_);
    if (next_id_ <= id_limit_) return next_id_++;
  }
  // Reserve a block in the database. Not under ids_mu_: the writer thread may call this from a
  // callback while another thread waits here for the writer. Two threads that both find the
  // range empty each reserve a block; the ids of one of them are skipped, which is allowed.
  const int64_t block = std::max<int64_t>(1, options_.execution_id_block);
  int64_t last = 0;
  const CommitResult result = RunTask([&](Db& db, std::string* error) {
    Stmt update = db.Prepare(
        "UPDATE meta SET value = max(value, (SELECT COALESCE(MAX(id), 0) FROM executions)) + ?1 "
        "WHERE key = 'next_execution_id'");
    if (update) update.Bind(1, block);
    const Outcome outcome = Run(db, update, "reserve execution ids", error);
    if (outcome != Outcome::kOk) return outcome;
    const std::optional<int64_t> value =
        db.QueryInt("SELECT value FROM meta WHERE key = 'next_execution_id'");
    if (!value) {
      *error = "reserve execution ids: " + db.error();
      return Outcome::kGroupFailed;
    }
    last = *value;
    return Outcome::kOk;
  });
  if (!result.ok) return 0;
  const int64_t first = last - block + 1;
  std::lock_guard lock(ids_mu_);
  if (next_id_ > id_limit_) {
    next_id_ = first + 1;
    id_limit_ = last;
  }
  return first;
}

std::optional<Execution> SqliteStore::GetExecution(int64_t id) {
  Reader db = LeaseReader();
  if (!db) return std::nullopt;
  Stmt stmt =
      db->Prepare(std::string("SELECT ") + kExecutionColumns + " FROM executions WHERE id = ?1");
  if (!stmt) return std::nullopt;
  stmt.Bind(1, id);
  if (stmt.Step() != SQLITE_ROW) return std::nullopt;
  return ReadExecution(stmt);
}

std::vector<Execution> SqliteStore::ListExecutions(const ExecutionFilter& filter) {
  std::vector<Execution> out;
  if (filter.limit == 0) return out;
  std::string sql = std::string("SELECT ") + kExecutionColumns + " FROM executions WHERE id > ?1";
  if (!filter.rule.empty()) sql += " AND rule = ?2";
  if (!filter.action.empty()) sql += " AND action = ?3";
  if (!filter.statuses.empty()) {
    sql += " AND status IN (" + Placeholders(5, filter.statuses.size()) + ")";
  }
  // Tailing (after_id) reads forwards; a listing shows the newest first.
  sql += filter.after_id > 0 ? " ORDER BY id ASC" : " ORDER BY id DESC";
  sql += " LIMIT ?4";
  Reader db = LeaseReader();
  if (!db) return out;
  Stmt stmt = db->Prepare(sql);
  if (!stmt) return out;
  stmt.Bind(1, filter.after_id);
  if (!filter.rule.empty()) stmt.Bind(2, filter.rule);
  if (!filter.action.empty()) stmt.Bind(3, filter.action);
  stmt.Bind(4, static_cast<int64_t>(std::min<size_t>(filter.limit, INT64_MAX)));
  for (size_t i = 0; i < filter.statuses.size(); ++i) {
    stmt.Bind(5 + static_cast<int>(i), std::string_view(StatusName(filter.statuses[i])));
  }
  while (stmt.Step() == SQLITE_ROW) out.push_back(ReadExecution(stmt));
  return out;
}

std::vector<Attempt> SqliteStore::ListAttempts(int64_t execution_id) {
  std::vector<Attempt> out;
  Reader db = LeaseReader();
  if (!db) return out;
  Stmt stmt = db->Prepare(
      "SELECT execution_id, attempt, status, started_at, finished_at, result_json, error_json "
      "FROM attempts WHERE execution_id = ?1 ORDER BY attempt");
  if (!stmt) return out;
  stmt.Bind(1, execution_id);
  while (stmt.Step() == SQLITE_ROW) {
    Attempt a;
    a.execution_id = stmt.Int(0);
    a.attempt = static_cast<int>(stmt.Int(1));
    a.status = ReadStatus(stmt, 2);
    a.started_at = stmt.Int(3);
    a.finished_at = stmt.Int(4);
    a.result_json = stmt.Text(5);
    a.error_json = stmt.Text(6);
    out.push_back(std::move(a));
  }
  return out;
}

std::vector<Enforcement> SqliteStore::ListEnforcements(int64_t event_id) {
  std::vector<Enforcement> out;
  Reader db = LeaseReader();
  if (!db) return out;
  Stmt stmt = db->Prepare(std::string("SELECT ") + kEnforcementColumns +
                          " FROM enforcements WHERE event_id = ?1 ORDER BY id");
  if (!stmt) return out;
  stmt.Bind(1, event_id);
  while (stmt.Step() == SQLITE_ROW) out.push_back(ReadEnforcement(stmt));
  return out;
}

std::vector<Enforcement> SqliteStore::EnforcementsSince(Millis since) {
  std::vector<Enforcement> out;
  Reader db = LeaseReader();
  if (!db) return out;
  Stmt stmt = db->Prepare(std::string("SELECT ") + kEnforcementColumns +
                          " FROM enforcements WHERE created_at >= ?1 ORDER BY created_at, id");
  if (!stmt) return out;
  stmt.Bind(1, since);
  while (stmt.Step() == SQLITE_ROW) out.push_back(ReadEnforcement(stmt));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Key-value store.

void SqliteStore::ScheduleKvCleanup(std::vector<std::string> keys, Millis now) {
  Job job;
  // The expiry condition is repeated in the DELETE: a put that replaced the entry since the
  // read (with a later expiry, or none) must survive.
  job.task = [keys = std::move(keys), now](Db& db, std::string* error) {
    for (const std::string& key : keys) {
      Stmt stmt =
          db.Prepare("DELETE FROM kv WHERE key = ?1 AND expires_at > 0 AND expires_at <= ?2");
      if (stmt) stmt.Bind(1, key).Bind(2, now);
      const Outcome outcome = Run(db, stmt, "kv cleanup", error);
      if (outcome != Outcome::kOk) return outcome;
    }
    return Outcome::kOk;
  };
  Enqueue(std::move(job));
}

std::optional<KvEntry> SqliteStore::KvGet(const std::string& key, Millis now) {
  std::optional<KvEntry> entry;
  {
    Reader db = LeaseReader();
    if (!db) return std::nullopt;
    Stmt stmt =
        db->Prepare("SELECT key, value_json, expires_at, updated_at FROM kv WHERE key = ?1");
    if (!stmt) return std::nullopt;
    stmt.Bind(1, key);
    if (stmt.Step() != SQLITE_ROW) return std::nullopt;
    entry = KvEntry{stmt.Text(0), stmt.Text(1), stmt.Int(2), stmt.Int(3)};
  }
  if (entry->expires_at > 0 && entry->expires_at <= now) {
    ScheduleKvCleanup({key}, now);
    return std::nullopt;
  }
  return entry;
}

std::vector<CorrelationState> SqliteStore::ListCorrelationStates() {
  std::vector<CorrelationState> out;
  Reader db = LeaseReader();
  if (!db) return out;
  Stmt stmt =
      db->Prepare("SELECT rule, instance, state FROM correlation_state ORDER BY rule, instance");
  if (!stmt) return out;
  while (stmt.Step() == SQLITE_ROW) {
    out.push_back(CorrelationState{stmt.Text(0), stmt.Int(1), stmt.Text(2)});
  }
  return out;
}

std::optional<WorkflowRecord> SqliteStore::GetWorkflow(int64_t execution_id) {
  Reader db = LeaseReader();
  if (!db) return std::nullopt;
  Stmt stmt = db->Prepare(
      "SELECT execution_id, workflow, state, paused, updated_at FROM workflows "
      "WHERE execution_id = ?1");
  if (!stmt) return std::nullopt;
  stmt.Bind(1, execution_id);
  if (stmt.Step() != SQLITE_ROW) return std::nullopt;
  return WorkflowRecord{stmt.Int(0), stmt.Text(1), stmt.Text(2), stmt.Int(3) != 0, stmt.Int(4)};
}

std::vector<WorkflowRecord> SqliteStore::ListWorkflows(int64_t after_id, size_t limit) {
  std::vector<WorkflowRecord> out;
  Reader db = LeaseReader();
  if (!db) return out;
  Stmt stmt = db->Prepare(
      "SELECT execution_id, workflow, state, paused, updated_at FROM workflows "
      "WHERE execution_id > ?1 ORDER BY execution_id LIMIT ?2");
  if (!stmt) return out;
  stmt.Bind(1, after_id).Bind(2, static_cast<int64_t>(std::min<size_t>(limit, INT64_MAX)));
  while (stmt.Step() == SQLITE_ROW) {
    out.push_back(
        WorkflowRecord{stmt.Int(0), stmt.Text(1), stmt.Text(2), stmt.Int(3) != 0, stmt.Int(4)});
  }
  return out;
}

std::vector<int64_t> SqliteStore::ListPausedWorkflows(int64_t after_id) {
  std::vector<int64_t> out;
  Reader db = LeaseReader();
  if (!db) return out;
  // `paused = 1` as the partial index `workflows_paused` says it, so the planner uses it.
  Stmt stmt = db->Prepare(
      "SELECT execution_id FROM workflows WHERE paused = 1 AND execution_id > ?1 "
      "ORDER BY execution_id");
  if (!stmt) return out;
  stmt.Bind(1, after_id);
  while (stmt.Step() == SQLITE_ROW) out.push_back(stmt.Int(0));
  return out;
}

bool SqliteStore::SetWorkflowPaused(int64_t execution_id, bool paused) {
  bool changed = false;
  const CommitResult result = RunTask([&](Db& db, std::string* error) {
    Stmt stmt = db.Prepare("UPDATE workflows SET paused = ?1 WHERE execution_id = ?2");
    if (stmt) stmt.Bind(1, int64_t{paused ? 1 : 0}).Bind(2, execution_id);
    const Outcome outcome = Run(db, stmt, "pause workflow", error);
    changed = db.changes() > 0;
    return outcome;
  });
  return result.ok && changed;
}

std::vector<KvEntry> SqliteStore::KvList(const std::string& prefix, Millis now) {
  std::vector<KvEntry> out;
  std::vector<std::string> expired;
  {
    Reader db = LeaseReader();
    if (!db) return out;
    // A range scan of the primary key (LIKE would need escaping and ignores case).
    Stmt stmt = db->Prepare(
        "SELECT key, value_json, expires_at, updated_at FROM kv "
        "WHERE key >= ?1 AND (?2 = '' OR key < ?2) ORDER BY key");
    if (!stmt) return out;
    stmt.Bind(1, prefix).Bind(2, PrefixSuccessor(prefix));
    while (stmt.Step() == SQLITE_ROW) {
      KvEntry entry{stmt.Text(0), stmt.Text(1), stmt.Int(2), stmt.Int(3)};
      if (entry.expires_at > 0 && entry.expires_at <= now) {
        expired.push_back(std::move(entry.key));
      } else {
        out.push_back(std::move(entry));
      }
    }
  }
  if (!expired.empty()) ScheduleKvCleanup(std::move(expired), now);
  return out;
}

// ---------------------------------------------------------------------------------------------
// API keys.

std::string SqliteStore::CreateApiKey(const std::string& name, Millis now) {
  if (!box_ || name.empty()) return "";
  std::array<uint8_t, kApiKeySecretBytes> secret_bytes;
  randombytes_buf(secret_bytes.data(), secret_bytes.size());
  std::string secret(
      sodium_base64_ENCODED_LEN(kApiKeySecretBytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING),
      '\0');
  sodium_bin2base64(secret.data(), secret.size(), secret_bytes.data(), secret_bytes.size(),
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  secret.resize(std::strlen(secret.c_str()));
  sodium_memzero(secret_bytes.data(), secret_bytes.size());
  const std::array<uint8_t, SecretBox::kHashBytes> hash = box_->KeyedHash(secret);
  std::string id;
  const CommitResult result = RunTask([&](Db& db, std::string* error) {
    Stmt active = db.Prepare("SELECT 1 FROM api_keys WHERE name = ?1 AND revoked_at = 0");
    if (!active) {
      *error = db.error();
      return Outcome::kGroupFailed;
    }
    active.Bind(1, name);
    if (active.Step() == SQLITE_ROW) {
      *error = "an active API key is already named " + name;
      return Outcome::kBatchFailed;
    }
    // 32 bits of id: collisions are rare but possible among many keys (revoked ones included),
    // so draw again until the id is free.
    for (int tries = 0; tries < 16; ++tries) {
      std::array<uint8_t, kApiKeyIdBytes> id_bytes;
      randombytes_buf(id_bytes.data(), id_bytes.size());
      const std::string candidate = Hex(id_bytes.data(), id_bytes.size());
      Stmt taken = db.Prepare("SELECT 1 FROM api_keys WHERE id = ?1");
      if (!taken) {
        *error = db.error();
        return Outcome::kGroupFailed;
      }
      taken.Bind(1, candidate);
      if (taken.Step() != SQLITE_ROW) {
        id = candidate;
        break;
      }
    }
    if (id.empty()) {
      *error = "no free API key id";
      return Outcome::kBatchFailed;
    }
    Stmt insert = db.Prepare(
        "INSERT INTO api_keys (id, name, hash, created_at, revoked_at) VALUES (?1, ?2, ?3, ?4, 0)");
    if (insert) {
      insert.Bind(1, id).Bind(2, name);
      insert.BindBlob(3, std::string_view(reinterpret_cast<const char*>(hash.data()), hash.size()));
      insert.Bind(4, now);
    }
    return Run(db, insert, "api key " + name, error);
  });
  if (!result.ok || id.empty()) return "";
  return std::string(kApiKeyPrefix) + id + "_" + secret;
}

std::vector<ApiKey> SqliteStore::ListApiKeys() {
  std::vector<ApiKey> out;
  Reader db = LeaseReader();
  if (!db) return out;
  Stmt stmt =
      db->Prepare("SELECT id, name, created_at, revoked_at FROM api_keys ORDER BY created_at, id");
  if (!stmt) return out;
  while (stmt.Step() == SQLITE_ROW) {
    out.push_back(ApiKey{stmt.Text(0), stmt.Text(1), stmt.Int(2), stmt.Int(3)});
  }
  return out;
}

bool SqliteStore::RevokeApiKey(const std::string& id_or_name, Millis now) {
  bool revoked = false;
  const CommitResult result = RunTask([&](Db& db, std::string* error) {
    Stmt stmt = db.Prepare(
        "UPDATE api_keys SET revoked_at = ?1 WHERE revoked_at = 0 AND (id = ?2 OR name = ?2)");
    // A revoked key must stay distinguishable from an active one even at time 0.
    if (stmt) stmt.Bind(1, std::max<Millis>(now, 1)).Bind(2, id_or_name);
    const Outcome outcome = Run(db, stmt, "revoke api key", error);
    revoked = db.changes() > 0;
    return outcome;
  });
  return result.ok && revoked;
}

bool SqliteStore::VerifyApiKey(const std::string& token) {
  if (!box_) return false;
  // sqk_<8 hex>_<secret>; the secret is base64url and may itself contain '_'.
  constexpr size_t kIdStart = kApiKeyPrefix.size();
  constexpr size_t kSecretStart = kIdStart + 2 * kApiKeyIdBytes + 1;
  if (token.size() <= kSecretStart || token.compare(0, kIdStart, kApiKeyPrefix) != 0 ||
      token[kSecretStart - 1] != '_') {
    return false;
  }
  const std::string id = token.substr(kIdStart, 2 * kApiKeyIdBytes);
  if (!IsLowerHex(id)) return false;
  std::string stored;
  {
    Reader db = LeaseReader();
    if (!db) return false;
    Stmt stmt = db->Prepare("SELECT hash FROM api_keys WHERE id = ?1 AND revoked_at = 0");
    if (!stmt) return false;
    stmt.Bind(1, id);
    if (stmt.Step() != SQLITE_ROW) return false;
    stored = stmt.Text(0);
  }
  const std::array<uint8_t, SecretBox::kHashBytes> hash =
      box_->KeyedHash(std::string_view(token).substr(kSecretStart));
  if (stored.size() != hash.size()) return false;
  return sodium_memcmp(stored.data(), hash.data(), hash.size()) == 0;
}

// ---------------------------------------------------------------------------------------------
// Secrets.

bool SqliteStore::PutSecret(const std::string& name, const std::string& plaintext, Millis now) {
  if (!box_) return false;
  const std::string sealed = box_->Seal(plaintext);
  const CommitResult result = RunTask([&](Db& db, std::string* error) {
    Stmt stmt =
        db.Prepare("INSERT OR REPLACE INTO secrets (name, sealed, updated_at) VALUES (?1, ?2, ?3)");
    if (stmt) stmt.Bind(1, name).BindBlob(2, sealed).Bind(3, now);
    return Run(db, stmt, "secret " + name, error);
  });
  return result.ok;
}

std::optional<std::string> SqliteStore::GetSecret(const std::string& name) {
  if (!box_) return std::nullopt;
  std::string sealed;
  {
    Reader db = LeaseReader();
    if (!db) return std::nullopt;
    Stmt stmt = db->Prepare("SELECT sealed FROM secrets WHERE name = ?1");
    if (!stmt) return std::nullopt;
    stmt.Bind(1, name);
    if (stmt.Step() != SQLITE_ROW) return std::nullopt;
    sealed = stmt.Text(0);
  }
  return box_->Unseal(sealed);
}

std::vector<std::string> SqliteStore::ListSecretNames() {
  std::vector<std::string> out;
  Reader db = LeaseReader();
  if (!db) return out;
  Stmt stmt = db->Prepare("SELECT name FROM secrets ORDER BY name");
  if (!stmt) return out;
  while (stmt.Step() == SQLITE_ROW) out.push_back(stmt.Text(0));
  return out;
}

bool SqliteStore::DeleteSecret(const std::string& name) {
  bool deleted = false;
  const CommitResult result = RunTask([&](Db& db, std::string* error) {
    Stmt stmt = db.Prepare("DELETE FROM secrets WHERE name = ?1");
    if (stmt) stmt.Bind(1, name);
    const Outcome outcome = Run(db, stmt, "delete secret " + name, error);
    deleted = db.changes() > 0;
    return outcome;
  });
  return result.ok && deleted;
}

}  // namespace

std::filesystem::path DatabasePath(const std::filesystem::path& state_dir) {
  return state_dir / "squall.db";
}

std::unique_ptr<Store> OpenSqliteStore(const StoreOptions& options, std::string* error) {
  std::string ignored;
  return SqliteStore::Open(options, error != nullptr ? error : &ignored);
}

}  // namespace squall::store
