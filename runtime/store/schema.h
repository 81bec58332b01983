// The database schema as an ordered list of migrations, and the code that brings a database
// up to date at open. Migration i (0-based) takes a database from `PRAGMA user_version` i to
// i + 1; all pending steps run in one transaction, so a crash leaves the old version intact.
//
// Thread safety: `Migrate` runs on the opening thread before the store starts its writer.
#pragma once

#include <span>
#include <string>

#include "runtime/store/sqlite_db.h"

namespace squall::store {

// The built-in migrations; the schema version of this binary is their count. To change the
// schema, append one entry (never edit a released one) and describe it in README.md.
std::span<const std::string> SchemaMigrations();

namespace internal {

// Brings `db` to version `migrations.size()`. Fails (with a message naming `db_name`) when the
// database is newer than that, or when it is older and `may_migrate` is false (another process
// has it open, so the schema must not change under it).
bool Migrate(Db& db, const std::string& db_name, std::span<const std::string> migrations,
             bool may_migrate, std::string* error);

}  // namespace internal
}  // namespace squall::store
