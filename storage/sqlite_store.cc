#include "storage/sqlite_store.h"

#include <fcntl.h>
#include <fmt/core.h>
#include <pthread.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pkg/util/log.h"
#include "storage/sqlite_schema.h"
#include "storage/sqlite_store_impl.h"

namespace sampan::storage {
namespace {

const log::Logger kLog("store");

// Latest row per key at or below a revision. Walking the (name, id) index keeps rows in key
// order, so no sort of the (large) values is needed and LIMIT stops the scan early.
constexpr const char* kListSql =
    "SELECT kv.id, kv.name, kv.create_revision, kv.value FROM kv INDEXED BY kv_name_id "
    "WHERE kv.name >= ?1 {upper} AND kv.name > ?3 AND kv.id <= ?4 AND kv.deleted = 0 AND "
    "kv.id = (SELECT max(k2.id) FROM kv AS k2 WHERE k2.name = kv.name AND k2.id <= ?4) "
    "ORDER BY kv.name LIMIT ?5";
constexpr const char* kCountSql =
    "SELECT count(*) FROM kv JOIN "
    "(SELECT max(id) AS mid FROM kv WHERE name >= ?1 {upper} AND id <= ?3 GROUP BY name) "
    "AS latest ON kv.id = latest.mid WHERE kv.deleted = 0";
constexpr const char* kHistorySql =
    "SELECT e.id, e.name, e.created, e.deleted, e.create_revision, e.value, "
    "p.id, p.create_revision, p.value FROM kv AS e LEFT JOIN kv AS p ON p.id = e.prev_revision "
    "WHERE e.id > ?3 AND e.id <= ?4 AND e.name >= ?1 {upper} ORDER BY e.id";

std::string WithUpper(const char* sql, const char* column) {
  std::string s(sql);
  std::string upper = std::string("AND ") + column + " < ?2";
  return s.replace(s.find("{upper}"), 7, upper);
}
std::string WithoutUpper(const char* sql) {
  std::string s(sql);
  return s.replace(s.find("{upper}"), 7, "AND ?2 IS NULL");
}

// Picks the statement for `prefix` (with an upper key bound, or without one when the prefix
// has none) and binds ?1 and ?2. SQLite reads bound text at step time, so `end` receives the
// bound and must outlive the statement's use.
Stmt& BindPrefix(Stmt& all, Stmt& range, const std::string& prefix, std::string& end) {
  end = PrefixEnd(prefix);
  Stmt& q = end.empty() ? all : range;
  q.BindText(1, prefix);
  if (!end.empty()) q.BindText(2, end);
  return q;
}

int64_t FileSize(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 ? st.st_size : 0;
}

}  // namespace

// Exclusive use of one read connection; returns it to the pool when destroyed.
class SqliteStore::ReadLease {
 public:
  ReadLease(SqliteStore* store, std::unique_ptr<ReadConn> conn)
      : store_(store), conn_(std::move(conn)) {}
  ReadLease(ReadLease&&) = default;
  ~ReadLease() {
    if (!conn_) return;
    if (conn_->db->InTransaction()) (void)conn_->end.Run();
    std::lock_guard<std::mutex> lock(store_->readers_mu_);
    store_->idle_readers_.push_back(std::move(conn_));
    store_->readers_cv_.notify_one();
  }
  ReadConn* operator->() { return conn_.get(); }
  ReadConn& operator*() { return *conn_; }

 private:
  SqliteStore* store_;
  std::unique_ptr<ReadConn> conn_;
};

Result<std::unique_ptr<Store>> OpenSqliteStore(const SqliteStoreOptions& options) {
  return SqliteStore::Open(options);
}

SqliteStore::SqliteStore(const SqliteStoreOptions& options)
    : options_(options), clock_(options.clock ? *options.clock : RealClock::Get()) {}

Result<std::unique_ptr<Store>> SqliteStore::Open(const SqliteStoreOptions& options) {
  if (options.path.empty()) return Status::Invalid("datastore path is empty");
  std::unique_ptr<SqliteStore> store(new SqliteStore(options));

  // Two processes writing one file would break the single-writer revision counter.
  std::string lock_path = options.path + ".lock";
  store->lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (store->lock_fd_ < 0) return Status::FromErrno(errno, "open " + lock_path);
  if (::flock(store->lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) {
      return Status::Unavailable(
          fmt::format("datastore {} is in use by another sampan process", options.path), EBUSY);
    }
    return Status::FromErrno(errno, "lock " + lock_path);
  }

  ASSIGN_OR_RETURN(store->writer_db_,
                   Db::Open(options.path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE));
  ASSIGN_OR_RETURN(SchemaState state, InitSchema(*store->writer_db_));
  RETURN_IF_ERROR(ConfigureConnection(*store->writer_db_, /*writer=*/true));
  store->revision_ = state.revision;
  store->compact_revision_ = state.compact_revision;
  store->hub_ = std::make_shared<WatchHub>(state.revision);
  RETURN_IF_ERROR(store->OpenConnections());
  RETURN_IF_ERROR(store->PrepareWriter());
  store->writer_ = std::thread([s = store.get()] {
    pthread_setname_np(pthread_self(), "store-writer");  // for profilers and top -H
    s->WriterLoop();
  });
  kLog.Info("opened datastore {} at revision {} (compacted to {})", options.path,
            state.revision, state.compact_revision);
  return std::unique_ptr<Store>(std::move(store));
}

Status SqliteStore::OpenConnections() {
  for (int i = 0; i < std::max(1, options_.read_connections); ++i) {
    auto conn = std::make_unique<ReadConn>();
    ASSIGN_OR_RETURN(conn->db, Db::Open(options_.path, SQLITE_OPEN_READWRITE));
    RETURN_IF_ERROR(ConfigureConnection(*conn->db, /*writer=*/false));
    Db& db = *conn->db;
    ASSIGN_OR_RETURN(conn->begin, db.Prepare("BEGIN"));
    ASSIGN_OR_RETURN(conn->end, db.Prepare("COMMIT"));
    ASSIGN_OR_RETURN(conn->compact_revision,
                     db.Prepare("SELECT v FROM meta WHERE k = 'compact_revision'"));
    ASSIGN_OR_RETURN(conn->get, db.Prepare("SELECT id, create_revision, deleted, value FROM kv "
                                           "WHERE name = ?1 AND id <= ?2 ORDER BY id DESC "
                                           "LIMIT 1"));
    ASSIGN_OR_RETURN(conn->list_range, db.Prepare(WithUpper(kListSql, "kv.name")));
    ASSIGN_OR_RETURN(conn->list_all, db.Prepare(WithoutUpper(kListSql)));
    ASSIGN_OR_RETURN(conn->count_range, db.Prepare(WithUpper(kCountSql, "name")));
    ASSIGN_OR_RETURN(conn->count_all, db.Prepare(WithoutUpper(kCountSql)));
    ASSIGN_OR_RETURN(conn->history_range, db.Prepare(WithUpper(kHistorySql, "e.name")));
    ASSIGN_OR_RETURN(conn->history_all, db.Prepare(WithoutUpper(kHistorySql)));
    idle_readers_.push_back(std::move(conn));
  }
  return Status();
}

SqliteStore::~SqliteStore() {
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    stopping_ = true;
  }
  queue_cv_.notify_all();
  if (writer_.joinable()) writer_.join();
  idle_readers_.clear();
  writer_db_.reset();
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

SqliteStore::ReadLease SqliteStore::AcquireReader() {
  std::unique_lock<std::mutex> lock(readers_mu_);
  readers_cv_.wait(lock, [&] { return !idle_readers_.empty(); });
  std::unique_ptr<ReadConn> conn = std::move(idle_readers_.back());
  idle_readers_.pop_back();
  return ReadLease(this, std::move(conn));
}

Status SqliteStore::CheckReadable(ReadConn& conn, int64_t revision) {
  RETURN_IF_ERROR(conn.begin.Run());
  ASSIGN_OR_RETURN(bool row, conn.compact_revision.Step());
  int64_t compacted = row ? conn.compact_revision.Int(0) : 0;
  conn.compact_revision.Reset();
  if (revision < compacted) {
    return Status::Gone(fmt::format(
        "required revision {} has been compacted (oldest available is {})", revision, compacted));
  }
  int64_t current = revision_.load();
  if (revision > current) {
    return Status::Unavailable(
        fmt::format("revision {} is newer than the current revision {}", revision, current));
  }
  return Status();
}

Result<KeyValue> SqliteStore::Get(const std::string& key, int64_t revision) {
  ReadLease conn = AcquireReader();
  int64_t at = revision;
  if (revision == 0) {
    at = revision_.load();  // one statement is its own consistent snapshot
  } else {
    RETURN_IF_ERROR(CheckReadable(*conn, revision));
  }
  Stmt& q = conn->get;
  q.BindText(1, key).Bind(2, at);
  Result<bool> row = q.Step();
  if (!row.ok() || !*row || q.Int(2) != 0) {
    q.Reset();
    if (!row.ok()) return row.status();
    return Status::NotFound(fmt::format("key {} not found", key));
  }
  KeyValue kv{key, q.String(3), q.Int(1), q.Int(0)};
  q.Reset();
  return kv;
}

Result<ListResult> SqliteStore::List(const std::string& prefix, const ListOptions& options) {
  ListResult out;
  ASSIGN_OR_RETURN(ListEachResult read, ListEach(prefix, options, [&](const KeyValueView& kv) {
                     out.items.push_back(KeyValue{std::string(kv.key), std::string(kv.value),
                                                  kv.create_revision, kv.mod_revision});
                   }));
  out.revision = read.revision;
  out.more = read.more;
  return out;
}

Result<ListEachResult> SqliteStore::ListEach(const std::string& prefix, const ListOptions& options,
                                             const RowVisitor& visit) {
  ReadLease conn = AcquireReader();
  ListEachResult out;
  out.revision = options.revision;
  if (options.revision == 0) {
    out.revision = revision_.load();
  } else {
    RETURN_IF_ERROR(CheckReadable(*conn, options.revision));
  }
  std::string end;
  Stmt& q = BindPrefix(conn->list_all, conn->list_range, prefix, end);
  q.BindText(3, options.start_after).Bind(4, out.revision);
  q.Bind(5, options.limit > 0 ? options.limit + 1 : -1);  // one extra row tells "more"
  for (;;) {
    Result<bool> row = q.Step();
    if (!row.ok()) {
      q.Reset();
      return row.status();
    }
    if (!*row) break;
    if (options.limit > 0 && static_cast<int64_t>(out.count) == options.limit) {
      out.more = true;
      break;
    }
    out.last_key.assign(q.Bytes(1));  // kept: the next Step invalidates the row
    visit(KeyValueView{out.last_key, q.Bytes(3), q.Int(2), q.Int(0)});
    ++out.count;
  }
  q.Reset();
  return out;
}

Result<int64_t> SqliteStore::Count(const std::string& prefix) {
  ReadLease conn = AcquireReader();
  std::string end;
  Stmt& q = BindPrefix(conn->count_all, conn->count_range, prefix, end);
  q.Bind(3, revision_.load());
  Result<bool> row = q.Step();
  int64_t n = row.ok() && *row ? q.Int(0) : 0;
  q.Reset();
  if (!row.ok()) return row.status();
  return n;
}

Status SqliteStore::ReadHistory(const std::string& prefix, int64_t after, int64_t upto,
                                const std::function<void(std::vector<EventPtr>)>& sink) {
  constexpr size_t kBatch = 500;
  ReadLease conn = AcquireReader();
  RETURN_IF_ERROR(CheckReadable(*conn, after));
  std::string end;
  Stmt& q = BindPrefix(conn->history_all, conn->history_range, prefix, end);
  q.Bind(3, after).Bind(4, upto);
  std::vector<EventPtr> batch;
  for (;;) {
    Result<bool> row = q.Step();
    if (!row.ok()) {
      q.Reset();
      return row.status();
    }
    if (!*row) break;
    auto e = std::make_shared<Event>();
    bool created = q.Int(2) != 0, deleted = q.Int(3) != 0;
    std::string key = q.String(1);
    if (!created && !q.IsNull(6)) e->prev = KeyValue{key, q.String(8), q.Int(7), q.Int(6)};
    if (deleted) {
      e->type = Event::Type::kDelete;
      e->kv = KeyValue{key, e->prev ? e->prev->value : "", q.Int(4), q.Int(0)};
    } else {
      e->type = created ? Event::Type::kCreate : Event::Type::kUpdate;
      e->kv = KeyValue{key, q.String(5), q.Int(4), q.Int(0)};
    }
    batch.push_back(std::move(e));
    if (batch.size() >= kBatch) sink(std::exchange(batch, {}));
  }
  q.Reset();
  if (!batch.empty()) sink(std::move(batch));
  return Status();
}

Result<std::unique_ptr<Watch>> SqliteStore::WatchPrefix(const std::string& prefix,
                                                        int64_t after_revision,
                                                        WatchCallback callback) {
  if (after_revision != 0 && after_revision < compact_revision_.load()) {
    return Status::Gone(fmt::format("required revision {} has been compacted", after_revision));
  }
  return hub_->Register(prefix, after_revision, std::move(callback),
                        [this](const std::string& p, int64_t after, int64_t upto,
                               const std::function<void(std::vector<EventPtr>)>& sink) {
                          return ReadHistory(p, after, upto, sink);
                        });
}

StoreStats SqliteStore::Stats() {
  StoreStats s;
  s.revision = revision_.load();
  s.compact_revision = compact_revision_.load();
  s.commits = commits_.load();
  s.writes = writes_.load();
  s.db_bytes = FileSize(options_.path) + FileSize(options_.path + "-wal");
  return s;
}

}  // namespace sampan::storage
