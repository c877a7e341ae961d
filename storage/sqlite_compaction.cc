#include "storage/sqlite_compaction.h"

#include <algorithm>

namespace sampan::storage {

void CompactionPolicy::Observe(int64_t revision) {
  // Keep the earliest time a revision was seen: the strongest claim about its age.
  if (samples_.empty() || samples_.back().second < revision) {
    samples_.emplace_back(clock_.Now(), revision);
  }
}

int64_t CompactionPolicy::Target(int64_t current_revision) {
  Clock::MonoTime cutoff = clock_.Now() - min_age_;
  // Revisions <= sample.second were all written before sample.first. Drop samples that a
  // newer sample at or before the cutoff makes redundant.
  while (samples_.size() >= 2 && samples_[1].first <= cutoff) samples_.pop_front();
  if (samples_.empty() || samples_.front().first > cutoff) return 0;
  int64_t old_enough = samples_.front().second;
  return std::max<int64_t>(0, std::min(old_enough, current_revision - min_revisions_));
}

Result<HistoryCompactor> HistoryCompactor::Prepare(Db& db) {
  HistoryCompactor c;
  // A row is superseded once a newer row of the same key (which names it as prev) exists.
  ASSIGN_OR_RETURN(c.superseded_,
                   db.Prepare("DELETE FROM kv WHERE id IN (SELECT prev_revision FROM kv "
                              "WHERE id > ?1 AND id <= ?2 AND prev_revision > 0)"));
  ASSIGN_OR_RETURN(c.tombstones_,
                   db.Prepare("DELETE FROM kv WHERE id > ?1 AND id <= ?2 AND deleted = 1"));
  return c;
}

Result<int64_t> HistoryCompactor::CompactRange(Db& db, int64_t from, int64_t to) {
  superseded_.Bind(1, from).Bind(2, to);
  RETURN_IF_ERROR(superseded_.Run());
  int64_t deleted = db.Changes();
  tombstones_.Bind(1, from).Bind(2, to);
  RETURN_IF_ERROR(tombstones_.Run());
  return deleted + db.Changes();
}

}  // namespace sampan::storage
