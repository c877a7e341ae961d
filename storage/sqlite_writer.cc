// The single writer of the SQLite store: group commit, watch fan-out, compaction.
#include <fmt/core.h>

#include <algorithm>

#include "pkg/util/log.h"
#include "storage/sqlite_schema.h"
#include "storage/sqlite_store_impl.h"

namespace sampan::storage {
namespace {

const log::Logger kLog("store");
// Most operations in one transaction: bounds the latency a batch adds to its last member.
constexpr size_t kMaxBatch = 1024;
// Free pages are reused by later writes, so the file only shrinks when a large share of it
// is free (after a burst); then it gives back this many pages per transaction.
constexpr int64_t kVacuumMinFreePages = 2048;  // 8 MiB at 4 KiB pages
constexpr int64_t kVacuumStepPages = 1024;

}  // namespace

Status SqliteStore::PrepareWriter() {
  Db& db = *writer_db_;
  ASSIGN_OR_RETURN(w_begin_, db.Prepare("BEGIN IMMEDIATE"));
  ASSIGN_OR_RETURN(w_commit_, db.Prepare("COMMIT"));
  ASSIGN_OR_RETURN(w_rollback_, db.Prepare("ROLLBACK"));
  ASSIGN_OR_RETURN(w_latest_, db.Prepare("SELECT id, deleted, create_revision, value FROM kv "
                                         "WHERE name = ?1 ORDER BY id DESC LIMIT 1"));
  ASSIGN_OR_RETURN(w_insert_, db.Prepare("INSERT INTO kv (id, name, created, deleted, "
                                         "create_revision, prev_revision, value) "
                                         "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"));
  ASSIGN_OR_RETURN(w_meta_, db.Prepare("INSERT OR REPLACE INTO meta (k, v) VALUES (?1, ?2)"));
  ASSIGN_OR_RETURN(w_freelist_, db.Prepare("PRAGMA freelist_count"));
  ASSIGN_OR_RETURN(w_page_count_, db.Prepare("PRAGMA page_count"));
  ASSIGN_OR_RETURN(w_vacuum_, db.Prepare("PRAGMA incremental_vacuum(" +
                                         std::to_string(kVacuumStepPages) + ")"));
  ASSIGN_OR_RETURN(HistoryCompactor compactor, HistoryCompactor::Prepare(db));
  compactor_ = std::make_unique<HistoryCompactor>(std::move(compactor));
  policy_ = std::make_unique<CompactionPolicy>(clock_, options_.compact_min_age,
                                               options_.compact_min_revisions);
  return Status();
}

void SqliteStore::Submit(WriteOp op, WriteCallback done) {
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    if (!stopping_) {
      queue_.push_back(PendingWrite{std::move(op), std::move(done)});
      queue_cv_.notify_one();
      return;
    }
  }
  done(Status::Unavailable("datastore is closing"));
}

Status SqliteStore::Compact(int64_t revision) {
  if (revision > revision_.load()) {
    return Status::Invalid(fmt::format("cannot compact to revision {}: current revision is {}",
                                       revision, revision_.load()));
  }
  std::unique_lock<std::mutex> lock(queue_mu_);
  forced_compact_ = std::max(forced_compact_, revision);
  compact_error_ = Status();
  queue_cv_.notify_one();
  compact_cv_.wait(lock, [&] {
    return compact_revision_.load() >= revision || stopping_ || !compact_error_.ok();
  });
  if (!compact_error_.ok()) return compact_error_;
  if (compact_revision_.load() < revision) return Status::Unavailable("datastore is closing");
  return Status();
}

void SqliteStore::WriterLoop() {
  auto next_policy_check = std::chrono::steady_clock::now();
  int64_t policy_target = 0;
  for (;;) {
    std::vector<PendingWrite> batch;
    int64_t target;
    {
      std::unique_lock<std::mutex> lock(queue_mu_);
      auto has_work = [&] {
        return stopping_ || !queue_.empty() || vacuum_pending_ ||
               std::max(policy_target, forced_compact_) > compact_revision_.load();
      };
      if (!has_work()) queue_cv_.wait_until(lock, next_policy_check, has_work);
      if (stopping_ && queue_.empty()) break;
      size_t n = std::min(queue_.size(), kMaxBatch);
      batch.reserve(n);
      for (size_t i = 0; i < n; ++i) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      target = forced_compact_;
    }
    // The policy only needs coarse time: sample it every compact_interval.
    auto now = std::chrono::steady_clock::now();
    if (now >= next_policy_check) {
      policy_->Observe(revision_.load());
      policy_target = policy_->Target(revision_.load());
      next_policy_check = now + options_.compact_interval;
    }
    if (!RunBatch(batch, std::max(target, policy_target))) policy_target = 0;
  }
  // Fail whatever is still queued; nothing is left half-done.
  std::deque<PendingWrite> rest;
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    rest.swap(queue_);
  }
  for (auto& w : rest) w.done(Status::Unavailable("datastore is closing"));
  compact_cv_.notify_all();
}

bool SqliteStore::RunBatch(std::vector<PendingWrite>& batch, int64_t compact_target) {
  const int64_t committed = revision_.load();
  const int64_t compacted = compact_revision_.load();
  const bool compact = compact_target > compacted;
  if (batch.empty() && !compact && !vacuum_pending_) return true;

  int64_t revision = committed;
  std::vector<Result<KeyValue>> results(batch.size(), Status::Internal("not applied"));
  std::vector<EventPtr> events;
  events.reserve(batch.size());
  int64_t compact_to = compacted;

  Status st = w_begin_.Run();
  for (size_t i = 0; st.ok() && i < batch.size(); ++i) {
    st = ApplyOp(batch[i].op, revision, &results[i], events);
  }
  if (st.ok() && compact) {
    compact_to = std::min(compact_target, compacted + options_.compact_batch);
    Result<int64_t> removed = compactor_->CompactRange(*writer_db_, compacted, compact_to);
    st = removed.status();
    if (st.ok()) {
      w_meta_.BindText(1, "compact_revision").Bind(2, compact_to);
      st = w_meta_.Run();
      kLog.Debug("compacted ({}, {}]: {} rows removed", compacted, compact_to,
                 removed.ok() ? *removed : 0);
    }
  }
  if (st.ok() && (compact || vacuum_pending_)) st = VacuumStep();
  if (st.ok() && revision != committed) {
    w_meta_.BindText(1, "revision").Bind(2, revision);
    st = w_meta_.Run();
  }
  if (st.ok()) st = w_commit_.Run();
  if (!st.ok()) {
    // Nothing of this batch is kept: the transaction is rolled back as a whole.
    if (writer_db_->InTransaction()) (void)w_rollback_.Run();
    kLog.Warn("write batch of {} failed: {}", batch.size(), st.ToString());
    for (size_t i = 0; i < batch.size(); ++i) batch[i].done(st);
    // Maintenance waits for the next policy check rather than retrying in a tight loop.
    vacuum_pending_ = false;
    if (compact) {
      std::lock_guard<std::mutex> lock(queue_mu_);
      compact_error_ = st;
      forced_compact_ = 0;
      compact_cv_.notify_all();
    }
    return false;
  }

  commits_.fetch_add(1);
  writes_.fetch_add(static_cast<int64_t>(events.size()));
  revision_.store(revision);
  if (compact_to != compacted) {
    std::lock_guard<std::mutex> lock(queue_mu_);
    compact_revision_.store(compact_to);
    compact_cv_.notify_all();
  }
  if (!events.empty()) hub_->Publish(events, revision);
  for (size_t i = 0; i < batch.size(); ++i) batch[i].done(std::move(results[i]));
  return true;
}

Status SqliteStore::VacuumStep() {
  auto read = [](Stmt& stmt) -> Result<int64_t> {
    Result<bool> row = stmt.Step();
    int64_t v = row.ok() && *row ? stmt.Int(0) : 0;
    stmt.Reset();
    if (!row.ok()) return row.status();
    return v;
  };
  ASSIGN_OR_RETURN(int64_t free_pages, read(w_freelist_));
  ASSIGN_OR_RETURN(int64_t pages, read(w_page_count_));
  vacuum_pending_ = free_pages >= kVacuumMinFreePages && free_pages * 2 >= pages;
  if (!vacuum_pending_) return Status();
  // incremental_vacuum returns a row per step; step until done.
  for (;;) {
    ASSIGN_OR_RETURN(bool more, w_vacuum_.Step());
    if (!more) break;
  }
  w_vacuum_.Reset();
  kLog.Debug("vacuum: {} of {} pages were free", free_pages, pages);
  return Status();
}

Result<SqliteStore::LatestRow> SqliteStore::ReadLatest(const std::string& key) {
  LatestRow row;
  w_latest_.BindText(1, key);
  Result<bool> found = w_latest_.Step();
  if (found.ok() && *found) {
    row.found = true;
    row.id = w_latest_.Int(0);
    row.deleted = w_latest_.Int(1) != 0;
    row.create_revision = w_latest_.Int(2);
    row.value = w_latest_.String(3);
  }
  w_latest_.Reset();
  if (!found.ok()) return found.status();
  return row;
}

Status SqliteStore::InsertRow(int64_t id, const std::string& key, bool created, bool deleted,
                              int64_t create_revision, int64_t prev_revision,
                              const std::string* value) {
  w_insert_.Bind(1, id).BindText(2, key).Bind(3, created).Bind(4, deleted);
  w_insert_.Bind(5, create_revision).Bind(6, prev_revision);
  if (value) {
    w_insert_.BindBlob(7, *value);
  } else {
    w_insert_.BindNull(7);
  }
  return w_insert_.Run();
}

Status SqliteStore::ApplyOp(WriteOp& op, int64_t& revision, Result<KeyValue>* result,
                            std::vector<EventPtr>& events) {
  ASSIGN_OR_RETURN(LatestRow latest, ReadLatest(op.key));
  const bool exists = latest.found && !latest.deleted;
  auto event = std::make_shared<Event>();

  if (op.type == WriteOp::Type::kCreate) {
    if (exists) {
      *result = Status::AlreadyExists(fmt::format("key {} already exists", op.key));
      return Status();
    }
    int64_t id = revision + 1;
    RETURN_IF_ERROR(InsertRow(id, op.key, true, false, id, latest.found ? latest.id : 0,
                              &op.value));
    revision = id;
    event->type = Event::Type::kCreate;
    event->kv = KeyValue{op.key, std::move(op.value), id, id};  // the op is done with it
  } else {
    if (!exists) {
      *result = Status::NotFound(fmt::format("key {} not found", op.key));
      return Status();
    }
    if (op.expected_revision != 0 && op.expected_revision != latest.id) {
      *result = Status::Conflict(fmt::format("key {} is at revision {}, not {}", op.key,
                                             latest.id, op.expected_revision));
      return Status();
    }
    int64_t id = revision + 1;
    KeyValue prev{op.key, std::move(latest.value), latest.create_revision, latest.id};
    if (op.type == WriteOp::Type::kUpdate) {
      RETURN_IF_ERROR(InsertRow(id, op.key, false, false, prev.create_revision, prev.mod_revision,
                                &op.value));
      event->type = Event::Type::kUpdate;
      event->kv = KeyValue{op.key, std::move(op.value), prev.create_revision, id};
    } else {
      RETURN_IF_ERROR(InsertRow(id, op.key, false, true, prev.create_revision, prev.mod_revision,
                                nullptr));
      event->type = Event::Type::kDelete;
      event->kv = KeyValue{op.key, prev.value, prev.create_revision, id};
    }
    revision = id;
    event->prev = std::move(prev);
  }
  *result = event->kv;
  events.push_back(std::move(event));
  return Status();
}

}  // namespace sampan::storage
