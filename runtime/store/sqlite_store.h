// The embedded store: SQLite in WAL mode in one state directory (README.md, "Durability").
//
//   auto store = squall::store::OpenSqliteStore({.state_dir = dir, .exclusive = true}, &error);
//
// Files in the state directory: `squall.db` (+ `-wal`, `-shm`), `lock` (the owner's flock and
// pid), `secret.key` (SecretBox's key). The directory is created 0700 and the database 0600.
//
// Writes (`Submit`, `Commit`, and the maintenance writes PruneEvents, CreateApiKey,
// RevokeApiKey, PutSecret, DeleteSecret, NextExecutionId's id reservations) all go through one
// writer thread that commits whatever is waiting as one transaction (group commit) with one
// SAVEPOINT per batch. Reads use a small pool of read connections; a WAL reader sees the last
// commit and never waits for the writer.
//
// Behaviour the interface leaves open, as this backend does it:
//   - Callbacks and the event listener run on the writer thread after the COMMIT returned: first
//     the listener (when the group appended events), then the callbacks in submission order, so a
//     batch's callback runs after the listener heard of its events. They must not throw. They may
//     call any member, `Commit` included: a synchronous write from the writer thread runs inline
//     (ahead of batches still queued).
//   - `limit` 0 in ReadEvents/ListExecutions returns nothing.
//   - Read methods return empty/nullopt/0 when the database cannot be read.
//   - The event listener sees only this process's commits; events another process (the CLI)
//     appends are visible to ReadEvents but do not call the listener.
//   - Execution ids are reserved from the database in blocks (meta `next_execution_id`), so two
//     processes sharing a state directory never hand out the same id; ids of a block that were
//     never committed are skipped after a restart.
//   - ExecutionUpdate of an id that does not exist is not an error: it is just not applied.
//   - NextExecutionId returns 0 when it needed a new block and the write failed.
//   - DeleteSecret and RevokeApiKey return false when nothing matched (or the write failed).
//   - Without a key file (a shared open with `create` false and no `secret.key`) secret_box() is
//     null, PutSecret fails, GetSecret is nullopt (DeleteSecret works), CreateApiKey returns "" and
//     VerifyApiKey false. CreateApiKey also returns "" for an empty name.
//   - The destructor commits every batch already submitted, then returns. Destroy the store only
//     when no other thread uses it any more.
//
// Thread safety: see store.h (every member, from any thread).
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "runtime/store/store.h"

namespace squall::store {

struct StoreOptions {
  std::filesystem::path state_dir;
  // Create the state directory (0700), the database and the key file when missing. When false a
  // missing state directory or database is an error.
  bool create = true;
  // true: the service. Takes the state directory's lock (fails with "state directory X is in use
  // by process N" when another owner holds it) and migrates the schema when it is older.
  // false: a CLI command. Takes no lock; migrates only when no owner is running
  // (StateLock::IsFree), and otherwise fails on an old schema.
  bool exclusive = false;
  // PRAGMA synchronous for the writer.
  //   kFull (default): every commit is fsynced before its callback runs; an acknowledged batch
  //     survives kill -9, an OS crash and a power loss.
  //   kNormal: commits are fsynced only at WAL checkpoints. An acknowledged batch survives kill -9
  //     of the process (the WAL is in the page cache), but an OS crash or power loss may lose the
  //     latest acknowledged commits (never corrupt the database). Several times faster per commit.
  enum class Synchronous { kFull, kNormal };
  Synchronous synchronous = Synchronous::kFull;
  // How long a connection waits for another process's lock (the CLI writing while the service
  // runs, or the reverse) before a write or read fails with "database is locked".
  int busy_timeout_ms = 10000;
  // Read connections in the pool (at least 1); more readers than this wait for a free one.
  size_t read_connections = 4;
  // Execution ids reserved per database write (see above).
  int64_t execution_id_block = 1000;
  // Caps the database at about this size (PRAGMA max_page_count; 0: no cap). A group commit that
  // would grow it beyond fails as a whole, like a full disk: every batch in it gets ok = false
  // and "database or disk is full"; PruneEvents makes room again (SQLite reuses freed pages).
  int64_t max_database_bytes = 0;
};

// Opens (and creates, migrates) the store of `options.state_dir`. Null and `*error` set (a
// complete sentence for the operator: the path and the reason) on failure: lock held, schema
// newer than this binary, old schema while an owner runs, permissions, key file refused, I/O.
std::unique_ptr<Store> OpenSqliteStore(const StoreOptions& options, std::string* error);

// `<state_dir>/squall.db`.
std::filesystem::path DatabasePath(const std::filesystem::path& state_dir);

}  // namespace squall::store
