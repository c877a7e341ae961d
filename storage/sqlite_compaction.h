#pragma once
// Compaction of the SQLite store's history.
//
// CompactionPolicy decides how far history may go: it keeps at least `min_age` of history
// and at least `min_revisions` revisions. It learns the age of revisions from samples
// (time, revision) taken as the revision moves, like etcd's periodic compactor.
// HistoryCompactor deletes, for a revision range, every row superseded by a newer row in
// that range plus the tombstones in it; a list at any later revision is unchanged.
// Not thread-safe: both live on the store's writer thread.

#include <chrono>
#include <cstdint>
#include <deque>
#include <utility>

#include "pkg/util/clock.h"
#include "storage/sqlite_db.h"

namespace sampan::storage {

class CompactionPolicy {
 public:
  CompactionPolicy(const Clock& clock, std::chrono::nanoseconds min_age, int64_t min_revisions)
      : clock_(clock), min_age_(min_age), min_revisions_(min_revisions) {}

  // Records that `revision` is current now. Cheap; call on every writer wake-up.
  void Observe(int64_t revision);
  // The highest revision that may be compacted now (0 = none).
  int64_t Target(int64_t current_revision);

 private:
  const Clock& clock_;
  std::chrono::nanoseconds min_age_;
  int64_t min_revisions_;
  // (time first seen, revision), oldest first; revisions strictly increase.
  std::deque<std::pair<Clock::MonoTime, int64_t>> samples_;
};

class HistoryCompactor {
 public:
  static Result<HistoryCompactor> Prepare(Db& db);
  // Deletes history in (from, to]. Call inside the writer's transaction.
  // Returns the number of rows deleted.
  Result<int64_t> CompactRange(Db& db, int64_t from, int64_t to);

 private:
  Stmt superseded_;
  Stmt tombstones_;
};

}  // namespace sampan::storage
