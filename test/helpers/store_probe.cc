// store_probe: drives a SQLite store in its own process for tests that need one to die or
// run out of disk.
//
//   store_probe write DIR THREADS   writes forever; prints "ack KEY REVISION VALUE" after
//                                   each acknowledged write (flushed), until killed
//   store_probe verify DIR          reads acks from stdin; exits 0 if every acknowledged
//                                   (key, revision, value) is in the store, else prints
//                                   the first mismatch and exits 1
//   store_probe fill DIR            writes until the disk is full, then checks the store
//                                   still reads and reopens; prints "full after N" or an
//                                   error and exits 1
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "storage/sqlite_store.h"

using namespace sampan;
using namespace sampan::storage;

namespace {

std::unique_ptr<Store> OpenOrDie(const std::string& dir) {
  auto s = OpenSqliteStore({.path = dir + "/state.db"});
  if (!s.ok()) {
    std::fprintf(stderr, "open: %s\n", s.status().ToString().c_str());
    std::exit(1);
  }
  return std::move(*s);
}

int Write(const std::string& dir, int threads) {
  auto store = OpenOrDie(dir);
  std::mutex out_mu;
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (long i = 0;; ++i) {
        // The pid keeps keys of successive runs on one database apart.
        std::string key = "/crash/p" + std::to_string(getpid()) + "/t" + std::to_string(t) +
                          "/k" + std::to_string(i % 50);
        std::string value = "v" + std::to_string(t) + "-" + std::to_string(i);
        auto r = i < 50 ? store->Create(key, value) : store->Update(key, value, 0);
        if (!r.ok()) {
          std::fprintf(stderr, "write: %s\n", r.status().ToString().c_str());
          std::exit(1);
        }
        std::lock_guard<std::mutex> lock(out_mu);
        std::printf("ack %s %lld %s\n", key.c_str(), static_cast<long long>(r->mod_revision),
                    value.c_str());
        std::fflush(stdout);
      }
    });
  }
  for (auto& w : workers) w.join();
  return 0;
}

int Verify(const std::string& dir) {
  auto store = OpenOrDie(dir);
  std::string tag, key, value;
  long long revision;
  long n = 0;
  while (std::cin >> tag >> key >> revision >> value) {
    auto got = store->Get(key, revision);
    if (!got.ok() || got->value != value || got->mod_revision != revision) {
      std::printf("lost: %s at %lld (%s)\n", key.c_str(), revision,
                  got.ok() ? got->value.c_str() : got.status().ToString().c_str());
      return 1;
    }
    ++n;
  }
  std::printf("verified %ld acknowledged writes at revision %lld\n", n,
              static_cast<long long>(store->CurrentRevision()));
  return 0;
}

int Fill(const std::string& dir) {
  std::vector<std::pair<std::string, int64_t>> acked;
  Status failure;
  {
    auto store = OpenOrDie(dir);
    std::string value(4000, 'f');
    for (int i = 0; i < 1000000; ++i) {
      std::string key = "/fill/" + std::to_string(i);
      auto r = store->Create(key, value);
      if (!r.ok()) {
        failure = r.status();
        break;
      }
      acked.emplace_back(key, r->mod_revision);
    }
    if (failure.ok()) {
      std::printf("error: disk never filled\n");
      return 1;
    }
    if (failure.err() != ENOSPC) {
      std::printf("error: expected ENOSPC, got %s\n", failure.ToString().c_str());
      return 1;
    }
    // Still readable while full, and nothing acknowledged is missing.
    for (auto& [key, rev] : acked) {
      auto got = store->Get(key);
      if (!got.ok() || got->mod_revision != rev) {
        std::printf("error: %s lost while full\n", key.c_str());
        return 1;
      }
    }
  }
  auto reopened = OpenSqliteStore({.path = dir + "/state.db"});
  if (!reopened.ok()) {
    std::printf("error: reopen after disk full: %s\n", reopened.status().ToString().c_str());
    return 1;
  }
  auto count = (*reopened)->Count("/fill/");
  if (!count.ok() || *count != static_cast<int64_t>(acked.size())) {
    std::printf("error: reopened store has %lld keys, acknowledged %zu\n",
                count.ok() ? static_cast<long long>(*count) : -1LL, acked.size());
    return 1;
  }
  std::printf("full after %zu writes: %s\n", acked.size(), failure.ToString().c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string cmd = argc > 1 ? argv[1] : "";
  if (cmd == "write" && argc == 4) return Write(argv[2], std::atoi(argv[3]));
  if (cmd == "verify" && argc == 3) return Verify(argv[2]);
  if (cmd == "fill" && argc == 3) return Fill(argv[2]);
  std::fprintf(stderr, "usage: store_probe write DIR THREADS | verify DIR | fill DIR\n");
  return 2;
}
