#pragma once
// Store: a revisioned key-value store with watch (the kine/etcd model in DESIGN.md).
//
// - Every write appends a new revision; revisions increase across the whole store.
// - Reads at a revision are consistent snapshots. Revision 0 means "the latest".
// - Writes are durable when acknowledged (fsync'd), and are batched by a single writer
//   (group commit), so Submit()'s callback and the blocking helpers may wait for a fsync.
// - Watches deliver each event once, in revision order, starting after a revision.
// - Old revisions are compacted in the background; asking for them gives Code::kGone.
//
// Threading: every method may be called from any thread. Write callbacks and live watch
// callbacks run on the store's writer thread (a watch's catch-up from an old revision runs
// on the thread that called WatchPrefix); one watch's callbacks never overlap. Callbacks
// must be quick and must not call Store methods: post to your own event loop instead.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "pkg/util/status.h"

namespace sampan::storage {

struct KeyValue {
  std::string key;
  std::string value;
  int64_t create_revision = 0;  // revision that created this incarnation of the key
  int64_t mod_revision = 0;     // revision of this value (for a delete: of the tombstone)
};

struct Event {
  enum class Type { kCreate, kUpdate, kDelete };
  Type type;
  KeyValue kv;                  // new value; for kDelete: the deleted value at mod_revision
  std::optional<KeyValue> prev;  // the value before this event (kUpdate, kDelete)
};

struct ListOptions {
  int64_t revision = 0;    // 0 = latest; else an exact snapshot (kGone if compacted)
  int64_t limit = 0;       // 0 = no limit
  std::string start_after;  // continue after this key (exclusive)
};

// A row as the store holds it while a ListEach visitor runs; valid only during the call.
struct KeyValueView {
  std::string_view key;
  std::string_view value;
  int64_t create_revision = 0;
  int64_t mod_revision = 0;
};
using RowVisitor = std::function<void(const KeyValueView&)>;

// What ListEach read: like ListResult without the rows, plus the last key visited.
struct ListEachResult {
  int64_t revision = 0;
  bool more = false;
  size_t count = 0;
  std::string last_key;
};

struct ListResult {
  std::vector<KeyValue> items;  // sorted by key
  int64_t revision = 0;         // the snapshot the list was read at
  bool more = false;            // true if the limit cut the list short
};

struct WriteOp {
  enum class Type { kCreate, kUpdate, kDelete };
  Type type;
  std::string key;
  std::string value;              // kCreate, kUpdate
  int64_t expected_revision = 0;  // kUpdate/kDelete: CAS on mod_revision; 0 = unconditional
};

// Create -> the new KeyValue; kAlreadyExists if present.
// Update -> the new KeyValue; kNotFound if absent; kConflict if expected_revision is stale.
// Delete -> the deleted KeyValue (value as it was, mod_revision = the tombstone's revision);
//           kNotFound if absent; kConflict if expected_revision is stale.
using WriteCallback = std::function<void(Result<KeyValue>)>;
// Events are shared between watchers: copying the pointers is cheap, the events immutable.
using EventPtr = std::shared_ptr<const Event>;
using WatchCallback = std::function<void(const std::vector<EventPtr>& events)>;

// A live watch; destroying it (or calling Cancel) stops delivery. After Cancel returns no
// callback of this watch is running or will run.
class Watch {
 public:
  virtual ~Watch() = default;
  virtual void Cancel() = 0;
};

struct StoreStats {
  int64_t revision = 0;
  int64_t compact_revision = 0;
  int64_t commits = 0;  // transactions committed (group commits)
  int64_t writes = 0;   // write operations applied
  int64_t db_bytes = 0;  // database file plus its write-ahead log
};

class Store {
 public:
  virtual ~Store() = default;

  virtual Result<KeyValue> Get(const std::string& key, int64_t revision = 0) = 0;
  // Keys starting with `prefix` ("" = all keys).
  virtual Result<ListResult> List(const std::string& prefix, const ListOptions& options) = 0;
  // List that hands each row to `visit` instead of collecting copies: a caller that copies
  // the rows into a response saves an allocation and a copy per row.
  virtual Result<ListEachResult> ListEach(const std::string& prefix, const ListOptions& options,
                                          const RowVisitor& visit) = 0;
  // Counts keys under prefix at the latest revision.
  virtual Result<int64_t> Count(const std::string& prefix) = 0;

  // Queues a write; `done` runs once the write is durable (or has failed).
  virtual void Submit(WriteOp op, WriteCallback done) = 0;
  // Blocking helpers over Submit.
  Result<KeyValue> Create(std::string key, std::string value);
  Result<KeyValue> Update(std::string key, std::string value, int64_t expected_revision);
  Result<KeyValue> Delete(std::string key, int64_t expected_revision = 0);

  // Events for keys under `prefix` with revision > after_revision (0 = from now on).
  // kGone if after_revision is older than the compacted revision. Events arrive in
  // revision order, in batches (live: one batch per commit).
  virtual Result<std::unique_ptr<Watch>> WatchPrefix(const std::string& prefix,
                                                     int64_t after_revision,
                                                     WatchCallback callback) = 0;

  virtual int64_t CurrentRevision() = 0;
  virtual int64_t CompactRevision() = 0;
  // Compacts history up to `revision` now (the background compactor also does this).
  virtual Status Compact(int64_t revision) = 0;
  virtual StoreStats Stats() = 0;
};

// Smallest key that is greater than every key starting with `prefix` ("" if none).
std::string PrefixEnd(const std::string& prefix);

}  // namespace sampan::storage
