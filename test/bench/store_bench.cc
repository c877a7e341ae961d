// bench store: durable write throughput and latency, watch fan-out latency, database size
// under churn with compaction, and disk writes while idle. Ends with one summary line.
//
// SAMPAN_BENCH_QUICK=1 shrinks every phase (a smoke run; its figures are not the goals').
#include <stdlib.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <mutex>
#include <thread>

#include "pkg/util/log.h"
#include "storage/sqlite_store.h"
#include "test/bench/bench_util.h"

using namespace sampan;
using namespace sampan::storage;
using namespace sampan::bench;

namespace {

const bool kQuick = getenv("SAMPAN_BENCH_QUICK") != nullptr;

std::unique_ptr<Store> Open(const std::string& path, SqliteStoreOptions o = {}) {
  o.path = path;
  auto s = OpenSqliteStore(o);
  if (!s.ok()) {
    std::fprintf(stderr, "open: %s\n", s.status().ToString().c_str());
    std::exit(1);
  }
  return std::move(*s);
}

void Check(const Result<KeyValue>& r) {
  if (!r.ok()) {
    std::fprintf(stderr, "write failed: %s\n", r.status().ToString().c_str());
    std::exit(1);
  }
}

struct WriteStats {
  double per_second;
  double p50_ms;
  double p99_ms;
};

// `threads` writers, each doing `per_thread` updates to its own keys; every write durable.
WriteStats MeasureWrites(Store& store, int threads, int per_thread, const std::string& tag) {
  std::string value(256, 'w');
  for (int t = 0; t < threads; ++t) {
    for (int k = 0; k < 8; ++k)
      Check(store.Create(tag + std::to_string(t) + "/" + std::to_string(k), value));
  }
  std::vector<std::vector<double>> lat(threads);
  auto start = BenchClock::now();
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      lat[t].reserve(per_thread);
      for (int i = 0; i < per_thread; ++i) {
        auto t0 = BenchClock::now();
        Check(store.Update(tag + std::to_string(t) + "/" + std::to_string(i % 8), value, 0));
        lat[t].push_back(Ms(BenchClock::now() - t0));
      }
    });
  }
  for (auto& w : workers) w.join();
  double secs = Ms(BenchClock::now() - start) / 1000;
  std::vector<double> all;
  for (auto& l : lat) all.insert(all.end(), l.begin(), l.end());
  return {threads * per_thread / secs, Percentile(all, 50), Percentile(all, 99)};
}

// Consumers stand in for the API server's watch connections: the store's callback only
// queues the events; a consumer thread takes them off and records when it saw them.
class Consumer {
 public:
  explicit Consumer(std::vector<BenchClock::time_point>& commit_times, int64_t base)
      : commit_times_(commit_times), base_(base), thread_([this] { Run(); }) {}
  ~Consumer() { Stop(); }
  // Drains the queue and joins; latencies are complete afterwards.
  void Stop() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_one();
    if (thread_.joinable()) thread_.join();
  }
  void Push(std::vector<EventPtr> events) {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(std::move(events));
    cv_.notify_one();
  }
  std::vector<double> latencies;

 private:
  void Run() {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
      if (queue_.empty()) return;
      auto events = std::move(queue_.front());
      queue_.pop_front();
      auto now = BenchClock::now();
      for (auto& e : events) {
        latencies.push_back(Ms(now - commit_times_[e->kv.mod_revision - base_]));
      }
    }
  }
  std::vector<BenchClock::time_point>& commit_times_;
  int64_t base_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::vector<EventPtr>> queue_;
  bool stop_ = false;
  std::thread thread_;
};

double MeasureWatch(Store& store, int watchers, int writes) {
  int64_t base = store.CurrentRevision() + 1;
  std::vector<BenchClock::time_point> commit_times(writes + 16);
  // Fan-out runs right after commit, in registration order: the first watcher's callback
  // time is the commit time (within microseconds).
  auto probe = store.WatchPrefix("/watch/", 0, [&](const std::vector<EventPtr>& events) {
    auto now = BenchClock::now();
    for (auto& e : events) commit_times[e->kv.mod_revision - base] = now;
  });
  std::vector<std::unique_ptr<Consumer>> consumers;
  for (int i = 0; i < 2; ++i) consumers.push_back(std::make_unique<Consumer>(commit_times, base));
  std::vector<std::unique_ptr<Watch>> watches;
  for (int w = 0; w < watchers; ++w) {
    Consumer* c = consumers[w % consumers.size()].get();
    watches.push_back(
        std::move(store
                      .WatchPrefix("/watch/", 0,
                                   [c](const std::vector<EventPtr>& events) { c->Push(events); })
                      .value()));
  }
  std::string value(256, 'x');
  Check(store.Create("/watch/k", value));
  std::vector<std::thread> writers;
  for (int t = 0; t < 4; ++t) {
    writers.emplace_back([&] {
      for (int i = 0; i < (writes - 1) / 4; ++i) Check(store.Update("/watch/k", value, 0));
    });
  }
  for (auto& w : writers) w.join();
  watches.clear();
  std::vector<double> all;
  for (auto& c : consumers) {
    c->Stop();
    all.insert(all.end(), c->latencies.begin(), c->latencies.end());
  }
  std::printf("watch: %zu deliveries to %d watchers, p50 %.3f ms p99 %.3f ms\n", all.size(),
              watchers, Percentile(all, 50), Percentile(all, 99));
  return Percentile(all, 99);
}

struct ChurnStats {
  double per_second;
  double db_mb_peak;
  double db_mb_after;
  long long rows_kept;
};

// `total` updates spread over `keys` keys by 64 writers while compaction runs.
ChurnStats MeasureChurn(const std::string& path, long total, int keys,
                        std::chrono::seconds retention) {
  SqliteStoreOptions o;
  o.compact_min_age = retention;
  o.compact_interval = std::chrono::milliseconds(200);
  auto store = Open(path, o);
  std::string value(512, 'c');
  for (int k = 0; k < keys; ++k) Check(store->Create("/churn/" + std::to_string(k), value));
  std::atomic<bool> done{false};
  std::atomic<long long> peak{0};
  std::thread monitor([&] {
    while (!done) {
      peak = std::max<long long>(peak, store->Stats().db_bytes);
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });
  constexpr int kWriters = 64;
  auto start = BenchClock::now();
  std::vector<std::thread> writers;
  for (int t = 0; t < kWriters; ++t) {
    writers.emplace_back([&, t] {
      for (long i = t; i < total; i += kWriters) {
        Check(store->Update("/churn/" + std::to_string(i % keys), value, 0));
      }
    });
  }
  for (auto& w : writers) w.join();
  double secs = Ms(BenchClock::now() - start) / 1000;
  // Let compaction (and the file shrink) catch up before measuring the steady state.
  int64_t floor = store->CurrentRevision() - 1000;
  auto deadline = BenchClock::now() + retention + std::chrono::seconds(60);
  long long last = -1;
  while (BenchClock::now() < deadline) {
    long long size = store->Stats().db_bytes;
    if (store->CompactRevision() >= floor && size == last) break;
    last = size;
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  done = true;
  monitor.join();
  ChurnStats out{total / secs, peak / 1048576.0, store->Stats().db_bytes / 1048576.0, 0};
  out.rows_kept = store->CurrentRevision() - store->CompactRevision();
  std::printf(
      "churn: %ld updates to %d keys in %.1f s (%.0f/s), db peak %.1f MB, after %.1f MB, "
      "compacted to %lld of %lld\n",
      total, keys, secs, out.per_second, out.db_mb_peak, out.db_mb_after,
      static_cast<long long>(store->CompactRevision()),
      static_cast<long long>(store->CurrentRevision()));
  return out;
}

// Bytes written to disk by an open store that nobody writes to.
long long MeasureIdle(const std::string& path, std::chrono::seconds duration) {
  auto store = Open(path);
  // The compactor finishes whatever the last session left, then must go quiet.
  std::this_thread::sleep_for(std::chrono::seconds(1));
  long long before = WrittenBytes();
  std::this_thread::sleep_for(duration);
  long long written = WrittenBytes() - before;
  std::printf("idle: %lld bytes written in %lld s\n", written,
              static_cast<long long>(duration.count()));
  return written;
}

}  // namespace

int main() {
  (void)log::Configure("warn", "text");
  std::string dir = "/var/tmp/sampan-bench-store";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  Summary summary("store");

  {
    auto store = Open(dir + "/writes.db");
    WriteStats one = MeasureWrites(*store, 1, kQuick ? 200 : 2000, "/one/");
    std::printf("writes_1: %.0f/s p50 %.2f ms p99 %.2f ms\n", one.per_second, one.p50_ms,
                one.p99_ms);
    WriteStats many = MeasureWrites(*store, 64, kQuick ? 50 : 500, "/many/");
    std::printf("writes_64: %.0f/s p50 %.2f ms p99 %.2f ms (%lld commits for %lld writes)\n",
                many.per_second, many.p50_ms, many.p99_ms,
                static_cast<long long>(store->Stats().commits),
                static_cast<long long>(store->Stats().writes));
    summary.Add("writes_1", one.per_second, 0).Add("writes_64", many.per_second, 0);
    summary.Add("write_p50_ms", many.p50_ms).Add("write_p99_ms", many.p99_ms);
    summary.Add("write_1_p99_ms", one.p99_ms);
  }
  {
    auto store = Open(dir + "/watch.db");
    summary.Add("watch_p99_ms", MeasureWatch(*store, 100, kQuick ? 200 : 2000), 3);
  }
  auto retention = std::chrono::seconds(kQuick ? 1 : 5);
  ChurnStats churn = MeasureChurn(dir + "/churn.db", kQuick ? 20000 : 1000000, 1000, retention);
  summary.Add("churn_writes_per_s", churn.per_second, 0);
  summary.Add("db_mb_peak", churn.db_mb_peak, 1).Add("db_mb_after_churn", churn.db_mb_after, 1);
  summary.Add("churn_retention_s", static_cast<long long>(retention.count()));
  long long idle = MeasureIdle(dir + "/churn.db", std::chrono::seconds(kQuick ? 5 : 60));
  summary.Add("idle_write_bytes", idle);
  summary.Add("rss_mb", ProcStatusKb("VmHWM") / 1024.0, 1);
  std::filesystem::remove_all(dir);
  summary.Print();
  return 0;
}
