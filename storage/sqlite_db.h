#pragma once
// Thin RAII wrappers over the SQLite C API: Db owns a connection, Stmt a prepared
// statement. Errors become Status with a readable message; SQLITE_FULL maps to
// Unavailable/ENOSPC, a non-database file to a clear "not a database" error.
// Neither class is thread-safe: each connection belongs to one thread at a time.

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "pkg/util/status.h"

namespace sampan::storage {

// Turns an SQLite result code into a Status ("context: message").
Status SqliteStatus(sqlite3* db, int rc, std::string_view context);

class Stmt {
 public:
  Stmt() = default;
  Stmt(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  Stmt(Stmt&& other) noexcept { *this = std::move(other); }
  Stmt& operator=(Stmt&& other) noexcept;
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  ~Stmt();

  // Parameters are 1-based as in SQL (?1, ?2, ...). Text/blob are bound without copying:
  // the bytes must stay alive until Reset().
  Stmt& Bind(int index, int64_t value);
  Stmt& BindText(int index, std::string_view value);
  Stmt& BindBlob(int index, std::string_view value);
  Stmt& BindNull(int index);

  // Advances; true = a row is available, false = done.
  Result<bool> Step();
  // Runs a statement that returns no rows, then resets it.
  Status Run();
  void Reset();

  int64_t Int(int column) const { return sqlite3_column_int64(stmt_, column); }
  bool IsNull(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }
  std::string_view Bytes(int column) const;
  std::string String(int column) const { return std::string(Bytes(column)); }

 private:
  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
};

class Db {
 public:
  // flags: SQLITE_OPEN_* (NOMUTEX is added: each connection is used by one thread at a time).
  static Result<std::unique_ptr<Db>> Open(const std::string& path, int flags);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  // Runs one or more statements that return no rows.
  Status Exec(const std::string& sql);
  Result<Stmt> Prepare(std::string_view sql);
  // Runs a query returning one integer (e.g. "PRAGMA page_count").
  Result<int64_t> QueryInt(const std::string& sql);
  int64_t Changes() const { return sqlite3_changes64(db_); }
  bool InTransaction() const { return !sqlite3_get_autocommit(db_); }
  sqlite3* raw() const { return db_; }
  const std::string& path() const { return path_; }

 private:
  Db(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  sqlite3* db_;
  std::string path_;
};

}  // namespace sampan::storage
