#include "storage/sqlite_schema.h"

#include <fmt/core.h>

#include <algorithm>

namespace sampan::storage {
namespace {

constexpr const char* kCreateSchema = R"sql(
CREATE TABLE kv (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  created INTEGER NOT NULL,
  deleted INTEGER NOT NULL,
  create_revision INTEGER NOT NULL,
  prev_revision INTEGER NOT NULL,
  value BLOB
);
CREATE INDEX kv_name_id ON kv (name, id);
CREATE TABLE meta (k TEXT PRIMARY KEY, v INTEGER NOT NULL) WITHOUT ROWID;
)sql";

Result<int64_t> ReadMeta(Db& db, const char* key) {
  ASSIGN_OR_RETURN(Stmt stmt, db.Prepare("SELECT v FROM meta WHERE k = ?1"));
  stmt.BindText(1, key);
  ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return Status::NotFound(fmt::format("meta key {} missing", key));
  return stmt.Int(0);
}

Status CreateSchema(Db& db) {
  // auto_vacuum must be chosen before the first table exists.
  RETURN_IF_ERROR(db.Exec("PRAGMA auto_vacuum = INCREMENTAL"));
  RETURN_IF_ERROR(db.Exec("PRAGMA journal_mode = WAL"));
  RETURN_IF_ERROR(db.Exec("BEGIN IMMEDIATE"));
  Status st = db.Exec(kCreateSchema);
  if (st.ok()) st = db.Exec(fmt::format("PRAGMA application_id = {}", kApplicationId));
  if (st.ok()) st = SaveMeta(db, "schema_version", kSchemaVersion);
  if (st.ok()) st = SaveMeta(db, "revision", kInitialRevision);
  if (st.ok()) st = SaveMeta(db, "compact_revision", 0);
  if (st.ok()) return db.Exec("COMMIT");
  (void)db.Exec("ROLLBACK");
  return st;
}

// Stores made before the writer enforced compare-and-swap alone carry a unique index on
// (name, prev_revision). With one writer thread per file (flock) it guards nothing, and each
// write paid for it with one more B-tree page in the WAL. A no-op (no write) once dropped.
Status DropRetiredIndex(Db& db) {
  ASSIGN_OR_RETURN(int64_t present,
                   db.QueryInt("SELECT count(*) FROM sqlite_master WHERE type = 'index' AND "
                               "name = 'kv_name_prev'"));
  if (present == 0) return Status();
  return db.Exec("DROP INDEX kv_name_prev");
}

}  // namespace

Status ConfigureConnection(Db& db, bool writer) {
  sqlite3_busy_timeout(db.raw(), 10000);
  RETURN_IF_ERROR(db.Exec("PRAGMA synchronous = FULL"));
  RETURN_IF_ERROR(db.Exec("PRAGMA temp_store = MEMORY"));
  RETURN_IF_ERROR(db.Exec("PRAGMA cache_size = -4096"));  // 4 MiB per connection
  if (writer) {
    // Truncate the WAL back to 4 MiB after checkpoints so it cannot stay large.
    RETURN_IF_ERROR(db.Exec("PRAGMA journal_size_limit = 4194304"));
    RETURN_IF_ERROR(db.Exec("PRAGMA wal_autocheckpoint = 1000"));
  } else {
    RETURN_IF_ERROR(db.Exec("PRAGMA query_only = 1"));
  }
  return Status();
}

Result<SchemaState> InitSchema(Db& db) {
  const std::string& path = db.path();
  auto not_ours = [&](const std::string& why) {
    return Status::Invalid(fmt::format("{} is not a sampan datastore: {}", path, why));
  };
  // The first read of the header detects a non-SQLite file (SQLITE_NOTADB).
  Result<int64_t> app_id = db.QueryInt("PRAGMA application_id");
  if (!app_id.ok()) return app_id.status().WithContext("cannot read datastore");
  ASSIGN_OR_RETURN(int64_t tables, db.QueryInt("SELECT count(*) FROM sqlite_master"));
  if (*app_id == 0 && tables == 0) {
    RETURN_IF_ERROR(CreateSchema(db).WithContext("create datastore " + path));
    return SchemaState{};
  }
  if (*app_id != kApplicationId) {
    return not_ours(fmt::format("foreign SQLite database (application_id {:#x}, {} tables)",
                                *app_id, tables));
  }
  // Catch damage early with a clear message rather than at some later read.
  ASSIGN_OR_RETURN(Stmt check, db.Prepare("PRAGMA quick_check"));
  ASSIGN_OR_RETURN(bool row, check.Step());
  if (!row || check.String(0) != "ok") {
    return Status::Internal(fmt::format("datastore {} is corrupt: {}", path,
                                        row ? check.String(0) : "quick_check returned nothing"));
  }
  check.Reset();  // an unfinished statement would lock the schema against the DROP below
  Result<int64_t> version = ReadMeta(db, "schema_version");
  if (!version.ok()) return not_ours(version.status().message());
  if (*version != kSchemaVersion) {
    return Status::Invalid(fmt::format("datastore {} has schema version {}; this sampan reads {}",
                                       path, *version, kSchemaVersion));
  }
  RETURN_IF_ERROR(DropRetiredIndex(db));
  SchemaState state;
  ASSIGN_OR_RETURN(state.revision, ReadMeta(db, "revision"));
  ASSIGN_OR_RETURN(state.compact_revision, ReadMeta(db, "compact_revision"));
  // The meta revision is written in the same transaction as the rows, but take the max
  // anyway so a revision can never be reused.
  ASSIGN_OR_RETURN(int64_t max_id, db.QueryInt("SELECT coalesce(max(id), 0) FROM kv"));
  state.revision = std::max(state.revision, max_id);
  return state;
}

Status SaveMeta(Db& db, const char* key, int64_t value) {
  ASSIGN_OR_RETURN(Stmt stmt, db.Prepare("INSERT OR REPLACE INTO meta (k, v) VALUES (?1, ?2)"));
  stmt.BindText(1, key).Bind(2, value);
  return stmt.Run();
}

}  // namespace sampan::storage
