// Internal to runtime/store: a thin RAII layer over one SQLite connection with a cache of
// prepared statements, so each SQL text is compiled once per connection.
//
// Thread safety: a Db is used by one thread at a time (the writer thread, or whichever reader
// leased it from the pool); it is opened with SQLITE_OPEN_NOMUTEX. Statements borrowed with
// `Prepare` are reset and unbound when the Stmt goes out of scope.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace squall::store::internal {

class Stmt {
 public:
  explicit Stmt(sqlite3_stmt* stmt) : stmt_(stmt) {}
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  ~Stmt();

  explicit operator bool() const { return stmt_ != nullptr; }

  // Parameters are 1-based, as in SQLite. Text and blobs are copied (SQLITE_TRANSIENT).
  Stmt& Bind(int index, int64_t value);
  Stmt& Bind(int index, std::string_view text);
  Stmt& BindBlob(int index, std::string_view bytes);
  Stmt& BindNull(int index);
  template <typename T>
  Stmt& Bind(int index, const std::optional<T>& value) {
    return value ? Bind(index, *value) : BindNull(index);
  }

  // SQLITE_ROW, SQLITE_DONE or an error code.
  int Step();
  int64_t Int(int column) const;
  std::string Text(int column) const;  // text or blob bytes; "" for NULL

 private:
  sqlite3_stmt* stmt_;
};

class Db {
 public:
  // Opens (creating when `create`) the database file, with foreign keys on and a busy
  // timeout. Null and `*error` on failure.
  static std::unique_ptr<Db> Open(const std::filesystem::path& path, bool create,
                                  int busy_timeout_ms, std::string* error);
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;
  ~Db();

  // A cached statement for `sql`; an empty Stmt (and error() set) when it does not compile.
  Stmt Prepare(const std::string& sql);
  // Runs statements that return no rows (schema scripts, pragmas, BEGIN/COMMIT).
  bool Exec(const std::string& sql);
  // The first column of the first row of `sql` as an integer, or nullopt.
  std::optional<int64_t> QueryInt(const std::string& sql);

  // The message of the latest failure on this connection.
  std::string error() const { return sqlite3_errmsg(db_); }
  sqlite3* raw() const { return db_; }
  int64_t changes() const { return sqlite3_changes64(db_); }
  int64_t last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }
  bool in_transaction() const { return sqlite3_get_autocommit(db_) == 0; }

 private:
  explicit Db(sqlite3* db) : db_(db) {}

  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*> statements_;
};

}  // namespace squall::store::internal
