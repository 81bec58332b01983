// The schema migrations and the migration runner: see schema.h and README.md ("Schema").
#include "runtime/store/schema.h"

#include <string>
#include <vector>

namespace squall::store {
namespace {

// Version 1: the whole schema. There are no foreign keys to `events`: retention deletes events
// that enforcements and executions still name. Enforcements name executions that the same
// batch creates after them, so that reference is not a foreign key either.
constexpr const char* kVersion1 = R"sql(
CREATE TABLE meta (
  key TEXT PRIMARY KEY,
  value BLOB NOT NULL  -- no type affinity: integers and blobs stay as written
);
INSERT INTO meta (key, value) VALUES ('event_cursor', 0), ('next_execution_id', 0);

CREATE TABLE events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  trigger TEXT NOT NULL,
  parameters_json TEXT NOT NULL,
  payload_json TEXT NOT NULL,
  source TEXT NOT NULL,
  external_id TEXT NOT NULL,
  received_at INTEGER NOT NULL
);
CREATE INDEX events_received_at ON events (received_at);

CREATE TABLE enforcements (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  event_id INTEGER NOT NULL,
  rule TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('scheduled', 'throttled', 'failed')),
  execution_id INTEGER NOT NULL,
  message TEXT NOT NULL,
  throttle_key TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX enforcements_event ON enforcements (event_id);
CREATE INDEX enforcements_created_at ON enforcements (created_at);

CREATE TABLE executions (
  id INTEGER PRIMARY KEY,
  action TEXT NOT NULL,
  runner TEXT NOT NULL,
  rule TEXT NOT NULL,
  event_id INTEGER NOT NULL,
  parent_id INTEGER NOT NULL,
  parameters_json TEXT NOT NULL,
  sealed_secrets BLOB NOT NULL,
  policy_json TEXT NOT NULL,
  concurrency_key TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('requested', 'scheduled', 'running', 'succeeded',
                                         'failed', 'timed_out', 'canceled', 'abandoned')),
  attempts INTEGER NOT NULL,
  run_at INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  started_at INTEGER NOT NULL,
  finished_at INTEGER NOT NULL,
  result_json TEXT NOT NULL,
  error_json TEXT NOT NULL
);
CREATE INDEX executions_status ON executions (status, run_at);
CREATE INDEX executions_rule ON executions (rule, id);
CREATE INDEX executions_action ON executions (action, id);
CREATE INDEX executions_run_at ON executions (run_at);
CREATE INDEX executions_event ON executions (event_id);

CREATE TABLE attempts (
  execution_id INTEGER NOT NULL REFERENCES executions (id),
  attempt INTEGER NOT NULL,
  status TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  finished_at INTEGER NOT NULL,
  result_json TEXT NOT NULL,
  error_json TEXT NOT NULL,
  PRIMARY KEY (execution_id, attempt)
) WITHOUT ROWID;

CREATE TABLE kv (
  key TEXT PRIMARY KEY,
  value_json TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX kv_expires_at ON kv (expires_at) WHERE expires_at > 0;

CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  hash BLOB NOT NULL,
  created_at INTEGER NOT NULL,
  revoked_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX api_keys_active_name ON api_keys (name) WHERE revoked_at = 0;

CREATE TABLE secrets (
  name TEXT PRIMARY KEY,
  sealed BLOB NOT NULL,
  updated_at INTEGER NOT NULL
);
)sql";

// Version 2: the live instances of correlation rules (runtime/correlate), written with the
// event cursor.
constexpr const char* kVersion2 = R"sql(
CREATE TABLE correlation_state (
  rule TEXT NOT NULL,
  instance INTEGER NOT NULL,
  state TEXT NOT NULL,
  PRIMARY KEY (rule, instance)
) WITHOUT ROWID;
)sql";

// Version 3: workflow instances (runtime/workflow), written with the step executions they
// start; `paused` is the operator's switch (`squall workflows pause|resume`).
constexpr const char* kVersion3 = R"sql(
CREATE TABLE workflows (
  execution_id INTEGER PRIMARY KEY,
  workflow TEXT NOT NULL,
  state TEXT NOT NULL,
  paused INTEGER NOT NULL DEFAULT 0,
  updated_at INTEGER NOT NULL
);
)sql";

// Version 4: two execution indexes fewer, because every workflow step writes each index of
// its execution twice (recorded running, then ended): `executions_run_at` and
// `executions_event` served no query (the status index serves Dispatch, recovery, cancel
// polling and event pruning). An index of the paused workflows alone: the engine looks for
// pauses and resumes every poll interval, and read every workflow document to do it. And
// `claims` (WriteBatch::claims): keys a batch takes once and for all, so that of two answers
// to one inquiry exactly one is recorded.
constexpr const char* kVersion4 = R"sql(
DROP INDEX executions_run_at;
DROP INDEX executions_event;
CREATE INDEX workflows_paused ON workflows (execution_id) WHERE paused = 1;
CREATE TABLE claims (
  key TEXT PRIMARY KEY,
  claimed_at INTEGER NOT NULL
) WITHOUT ROWID;
)sql";

}  // namespace

std::span<const std::string> SchemaMigrations() {
  static const std::vector<std::string> migrations = {kVersion1, kVersion2, kVersion3, kVersion4};
  return migrations;
}

namespace internal {
namespace {

bool Fail(std::string* error, std::string message) {
  *error = std::move(message);
  return false;
}

}  // namespace

bool Migrate(Db& db, const std::string& db_name, std::span<const std::string> migrations,
             bool may_migrate, std::string* error) {
  const auto target = static_cast<int64_t>(migrations.size());
  // IMMEDIATE: take the write lock before reading the version, so two processes opening a
  // fresh database do not both run migration 1.
  if (!db.Exec("BEGIN IMMEDIATE")) return Fail(error, db_name + ": " + db.error());
  const std::optional<int64_t> version = db.QueryInt("PRAGMA user_version");
  std::string message;
  if (!version) {
    message = db_name + ": cannot read the schema version: " + db.error();
  } else if (*version > target) {
    message = db_name + " has schema version " + std::to_string(*version) +
              ", newer than this squall supports (" + std::to_string(target) +
              "); use the squall that wrote it, or a newer one";
  } else if (*version < target && !may_migrate) {
    message = db_name + " has schema version " + std::to_string(*version) +
              " and needs migrating to " + std::to_string(target) +
              ", which cannot happen while another process uses it; stop it and retry";
  }
  for (int64_t step = version.value_or(target); message.empty() && step < target; ++step) {
    if (!db.Exec(migrations[static_cast<size_t>(step)])) {
      message =
          db_name + ": schema migration " + std::to_string(step + 1) + " failed: " + db.error();
    }
  }
  if (message.empty() && *version < target &&
      !db.Exec("PRAGMA user_version = " + std::to_string(target))) {
    message = db_name + ": cannot set the schema version: " + db.error();
  }
  if (!message.empty()) {
    db.Exec("ROLLBACK");
    return Fail(error, std::move(message));
  }
  if (!db.Exec("COMMIT")) return Fail(error, db_name + ": " + db.error());
  return true;
}

}  // namespace internal
}  // namespace squall::store
