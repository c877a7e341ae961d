#pragma once
// The SQLite implementation of Store: one append-only table (revision = row id), WAL with
// synchronous=FULL (acknowledged writes survive kill -9 and power loss), one writer thread
// doing group commit, a pool of read connections, in-process watch fan-out right after
// commit, and background compaction on the writer thread (no lock contention, no extra
// fsync while writes are flowing, nothing written while idle).

#include <chrono>
#include <memory>
#include <string>

#include "pkg/util/clock.h"
#include "storage/store.h"

namespace sampan::storage {

struct SqliteStoreOptions {
  std::string path;  // database file; its directory must exist
  Clock* clock = nullptr;  // nullptr = the real clock
  // Compaction keeps at least this much history (both bounds hold).
  std::chrono::nanoseconds compact_min_age = std::chrono::minutes(5);
  int64_t compact_min_revisions = 1000;
  // How often the compactor looks for work.
  std::chrono::nanoseconds compact_interval = std::chrono::seconds(5);
  // Most rows deleted per compaction step (bounds how long one step delays writers).
  int64_t compact_batch = 2000;
  int read_connections = 4;
};

// Opens (creating if absent) the store. A corrupt or foreign file gives a clear error.
Result<std::unique_ptr<Store>> OpenSqliteStore(const SqliteStoreOptions& options);

}  // namespace sampan::storage
