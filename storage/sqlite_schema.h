#pragma once
// The on-disk layout of the SQLite store and the checks that a file is ours.
//
//   kv(id INTEGER PRIMARY KEY,  -- the revision
//      name TEXT, created INT, deleted INT, create_revision INT, prev_revision INT, value BLOB)
//   INDEX (name, id)  -- a key's latest revision, and lists in key order
//   meta(k TEXT PRIMARY KEY, v INT)  -- schema version, revision, compact revision
//
// Compare-and-swap on a key's revision is the writer's own check: one writer thread per file
// (the store flocks it), so no unique index is needed to settle races.
//
// The file carries PRAGMA application_id kApplicationId so a foreign SQLite file is refused.

#include <cstdint>

#include "storage/sqlite_db.h"

namespace sampan::storage {

inline constexpr int32_t kApplicationId = 0x53414d50;  // "SAMP"
inline constexpr int64_t kSchemaVersion = 1;
// The revision of an empty store; the first write gets kInitialRevision + 1.
inline constexpr int64_t kInitialRevision = 1;

struct SchemaState {
  int64_t revision = kInitialRevision;
  int64_t compact_revision = 0;
};

// Per-connection settings: WAL, fsync on every commit (synchronous=FULL), timeouts.
Status ConfigureConnection(Db& db, bool writer);

// Creates the schema in a new file, or checks an existing file is a healthy sampan store
// of a known version. Returns the stored revision and compact revision.
Result<SchemaState> InitSchema(Db& db);

// Writes meta values; call inside the writer's transaction.
Status SaveMeta(Db& db, const char* key, int64_t value);

}  // namespace sampan::storage
