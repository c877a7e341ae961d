#pragma once
// Internal to storage/: the SqliteStore class shared by sqlite_store.cc (open, reads,
// watch) and sqlite_writer.cc (the single writer thread). Users see only store.h and
// sqlite_store.h.

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "storage/sqlite_compaction.h"
#include "storage/sqlite_db.h"
#include "storage/sqlite_store.h"
#include "storage/watch_hub.h"

namespace sampan::storage {

// One read connection with its prepared statements.
struct ReadConn {
  std::unique_ptr<Db> db;
  Stmt begin, end;
  Stmt compact_revision;
  Stmt get;
  Stmt list_range, list_all;     // with and without an upper key bound
  Stmt count_range, count_all;
  Stmt history_range, history_all;
};

class SqliteStore final : public Store {
 public:
  ~SqliteStore() override;
  static Result<std::unique_ptr<Store>> Open(const SqliteStoreOptions& options);

  Result<KeyValue> Get(const std::string& key, int64_t revision) override;
  Result<ListResult> List(const std::string& prefix, const ListOptions& options) override;
  Result<ListEachResult> ListEach(const std::string& prefix, const ListOptions& options,
                                  const RowVisitor& visit) override;
  Result<int64_t> Count(const std::string& prefix) override;
  void Submit(WriteOp op, WriteCallback done) override;
  Result<std::unique_ptr<Watch>> WatchPrefix(const std::string& prefix, int64_t after_revision,
                                             WatchCallback callback) override;
  int64_t CurrentRevision() override { return revision_.load(); }
  int64_t CompactRevision() override { return compact_revision_.load(); }
  Status Compact(int64_t revision) override;
  StoreStats Stats() override;

 private:
  struct PendingWrite {
    WriteOp op;
    WriteCallback done;
  };
  // The newest row of a key as seen by the writer.
  struct LatestRow {
    bool found = false;
    bool deleted = false;
    int64_t id = 0;
    int64_t create_revision = 0;
    std::string value;
  };

  explicit SqliteStore(const SqliteStoreOptions& options);
  Status OpenConnections();

  // --- reads (sqlite_store.cc) ---
  class ReadLease;
  ReadLease AcquireReader();
  // Checks `revision` is readable inside the reader's transaction.
  Status CheckReadable(ReadConn& conn, int64_t revision);
  Status ReadHistory(const std::string& prefix, int64_t after, int64_t upto,
                     const std::function<void(std::vector<EventPtr>)>& sink);

  // --- the writer (sqlite_writer.cc) ---
  Status PrepareWriter();
  void WriterLoop();
  // Returns false if the transaction failed (every write in it failed).
  bool RunBatch(std::vector<PendingWrite>& batch, int64_t compact_target);
  // Returns part of a large free list to the file system, a step at a time.
  Status VacuumStep();
  // Applies one op inside the open transaction. A returned error aborts the whole batch;
  // per-op outcomes (conflicts, not found) go into *result. Takes the op's value.
  Status ApplyOp(WriteOp& op, int64_t& revision, Result<KeyValue>* result,
                 std::vector<EventPtr>& events);
  Result<LatestRow> ReadLatest(const std::string& key);
  Status InsertRow(int64_t id, const std::string& key, bool created, bool deleted,
                   int64_t create_revision, int64_t prev_revision, const std::string* value);

  const SqliteStoreOptions options_;
  const Clock& clock_;
  int lock_fd_ = -1;  // flock'd: one process per database

  std::atomic<int64_t> revision_{0};
  std::atomic<int64_t> compact_revision_{0};
  std::atomic<int64_t> commits_{0};
  std::atomic<int64_t> writes_{0};

  std::shared_ptr<WatchHub> hub_;

  std::mutex readers_mu_;
  std::condition_variable readers_cv_;
  std::vector<std::unique_ptr<ReadConn>> idle_readers_;

  // Writer state: touched only by the writer thread after Open.
  std::unique_ptr<Db> writer_db_;
  Stmt w_begin_, w_commit_, w_rollback_, w_latest_, w_insert_, w_meta_;
  Stmt w_freelist_, w_page_count_, w_vacuum_;
  bool vacuum_pending_ = false;  // compaction left many free pages: shrink the file
  std::unique_ptr<HistoryCompactor> compactor_;
  std::unique_ptr<CompactionPolicy> policy_;

  // The queue between Submit/Compact and the writer.
  std::mutex queue_mu_;
  std::condition_variable queue_cv_;    // work for the writer
  std::condition_variable compact_cv_;  // compaction progress, for Compact()
  std::deque<PendingWrite> queue_;
  int64_t forced_compact_ = 0;  // highest revision Compact() asked for
  Status compact_error_;        // the last compaction failure, for Compact()
  bool stopping_ = false;
  std::thread writer_;
};

}  // namespace sampan::storage
