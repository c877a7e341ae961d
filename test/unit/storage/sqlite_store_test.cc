#include "storage/sqlite_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "storage/sqlite_db.h"
#include "test/fakes/fake_clock.h"
#include "test/unit/storage/store_test_util.h"

namespace sampan::storage {
namespace {

using testing::EventCollector;
using testing::Eventually;
using testing::TempDir;

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }

  SqliteStoreOptions Options() {
    SqliteStoreOptions o;
    o.path = dir_.File("state.db");
    o.clock = &clock_;
    return o;
  }
  void Reopen() {
    store_.reset();
    auto s = OpenSqliteStore(Options());
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
  }

  TempDir dir_;
  sampan::testing::FakeClock clock_;
  std::unique_ptr<Store> store_;
};

TEST_F(SqliteStoreTest, CreateGetUpdateDelete) {
  int64_t start = store_->CurrentRevision();
  auto created = store_->Create("/a", "one");
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_EQ(created->mod_revision, start + 1);
  EXPECT_EQ(created->create_revision, start + 1);

  auto got = store_->Get("/a");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->value, "one");
  EXPECT_EQ(got->mod_revision, created->mod_revision);

  auto updated = store_->Update("/a", "two", created->mod_revision);
  ASSERT_TRUE(updated.ok());
  EXPECT_EQ(updated->mod_revision, start + 2);
  EXPECT_EQ(updated->create_revision, start + 1);
  EXPECT_EQ(store_->Get("/a")->value, "two");

  auto deleted = store_->Delete("/a", updated->mod_revision);
  ASSERT_TRUE(deleted.ok());
  EXPECT_EQ(deleted->value, "two");
  EXPECT_EQ(deleted->mod_revision, start + 3);
  EXPECT_TRUE(store_->Get("/a").status().IsNotFound());
  EXPECT_EQ(store_->CurrentRevision(), start + 3);

  // A key can be created again after deletion; it is a new incarnation.
  auto again = store_->Create("/a", "three");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->create_revision, start + 4);
}

TEST_F(SqliteStoreTest, WriteErrors) {
  ASSERT_TRUE(store_->Create("/k", "v").ok());
  int64_t rev = store_->CurrentRevision();
  EXPECT_TRUE(store_->Create("/k", "v2").status().IsAlreadyExists());
  EXPECT_TRUE(store_->Update("/missing", "v", 0).status().IsNotFound());
  EXPECT_TRUE(store_->Delete("/missing").status().IsNotFound());
  EXPECT_TRUE(store_->Update("/k", "v2", rev - 1).status().IsConflict());
  EXPECT_TRUE(store_->Delete("/k", rev + 5).status().IsConflict());
  // Failed writes do not consume revisions or change the value.
  EXPECT_EQ(store_->CurrentRevision(), rev);
  EXPECT_EQ(store_->Get("/k")->value, "v");
  // Empty values are values, not absence.
  ASSERT_TRUE(store_->Update("/k", "", 0).ok());
  auto got = store_->Get("/k");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->value, "");
}

TEST_F(SqliteStoreTest, GetAtRevision) {
  auto v1 = store_->Create("/k", "1");
  auto v2 = store_->Update("/k", "2", 0);
  auto del = store_->Delete("/k");
  ASSERT_TRUE(v1.ok() && v2.ok() && del.ok());
  EXPECT_EQ(store_->Get("/k", v1->mod_revision)->value, "1");
  EXPECT_EQ(store_->Get("/k", v2->mod_revision)->value, "2");
  EXPECT_TRUE(store_->Get("/k", del->mod_revision).status().IsNotFound());
  EXPECT_TRUE(store_->Get("/k", v1->mod_revision - 1).status().IsNotFound());
  // A revision from the future is refused rather than silently answered.
  EXPECT_EQ(store_->Get("/k", store_->CurrentRevision() + 10).status().code(),
            Code::kUnavailable);
}

TEST_F(SqliteStoreTest, ListIsAConsistentSnapshot) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(store_->Create("/pods/ns/p" + std::to_string(i), "v0").ok());
  }
  ASSERT_TRUE(store_->Create("/pods-other/x", "no").ok());
  ASSERT_TRUE(store_->Create("/pod", "no").ok());
  int64_t snapshot = store_->CurrentRevision();
  ASSERT_TRUE(store_->Update("/pods/ns/p0", "v1", 0).ok());
  ASSERT_TRUE(store_->Delete("/pods/ns/p1").ok());
  ASSERT_TRUE(store_->Create("/pods/ns/p9", "new").ok());

  auto old = store_->List("/pods/", {.revision = snapshot});
  ASSERT_TRUE(old.ok()) << old.status().ToString();
  ASSERT_EQ(old->items.size(), 5u);
  EXPECT_EQ(old->revision, snapshot);
  EXPECT_EQ(old->items[0].key, "/pods/ns/p0");
  EXPECT_EQ(old->items[0].value, "v0");
  EXPECT_EQ(old->items[1].key, "/pods/ns/p1");

  auto now = store_->List("/pods/", {});
  ASSERT_TRUE(now.ok());
  EXPECT_EQ(now->revision, store_->CurrentRevision());
  ASSERT_EQ(now->items.size(), 5u);
  EXPECT_EQ(now->items[0].value, "v1");
  EXPECT_EQ(now->items[1].key, "/pods/ns/p2");
  EXPECT_EQ(now->items[4].key, "/pods/ns/p9");

  auto all = store_->List("", {});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->items.size(), 7u);
  EXPECT_EQ(*store_->Count("/pods/"), 5);
  EXPECT_EQ(*store_->Count(""), 7);
}

TEST_F(SqliteStoreTest, ListPagesWithLimitAndContinue) {
  for (int i = 0; i < 25; ++i) {
    char key[32];
    snprintf(key, sizeof key, "/cm/%02d", i);
    ASSERT_TRUE(store_->Create(key, "v").ok());
  }
  int64_t rev = store_->CurrentRevision();
  std::vector<std::string> seen;
  ListOptions opts{.revision = rev, .limit = 10};
  for (int page = 0; page < 10; ++page) {
    auto r = store_->List("/cm/", opts);
    ASSERT_TRUE(r.ok());
    for (auto& kv : r->items) seen.push_back(kv.key);
    // Writes between pages do not show up in later pages of the same snapshot.
    ASSERT_TRUE(store_->Create("/cm/50-" + std::to_string(page), "late").ok());
    if (!r->more) break;
    EXPECT_EQ(r->items.size(), 10u);
    opts.start_after = r->items.back().key;
  }
  ASSERT_EQ(seen.size(), 25u);
  EXPECT_EQ(seen.front(), "/cm/00");
  EXPECT_EQ(seen.back(), "/cm/24");
  auto exact = store_->List("/cm/", {.limit = 25});
  ASSERT_TRUE(exact.ok());
  EXPECT_TRUE(exact->more);  // the late keys exist at the latest revision
}

TEST_F(SqliteStoreTest, ListEachVisitsPagesOfASnapshotAndNamesTheLastKey) {
  for (int i = 0; i < 7; ++i) {
    ASSERT_TRUE(store_->Create("/cm/" + std::to_string(i), "v" + std::to_string(i)).ok());
  }
  ASSERT_TRUE(store_->Update("/cm/3", "v3b", 0).ok());
  int64_t rev = store_->CurrentRevision();
  std::vector<std::string> seen;
  ListOptions opts{.revision = rev, .limit = 3};
  for (int page = 0; page < 5; ++page) {
    auto r = store_->ListEach("/cm/", opts, [&](const KeyValueView& kv) {
      seen.push_back(std::string(kv.key) + "=" + std::string(kv.value));
      EXPECT_GT(kv.mod_revision, 0);
    });
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->revision, rev);
    ASSERT_TRUE(store_->Create("/cm/9-" + std::to_string(page), "late").ok());
    if (!r->more) {
      EXPECT_EQ(r->count, 1u);
      break;
    }
    EXPECT_EQ(r->count, 3u);
    // The key of the last row visited, not of the extra row read to tell "more".
    EXPECT_EQ(r->last_key, seen.back().substr(0, seen.back().find('=')));
    opts.start_after = r->last_key;
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"/cm/0=v0", "/cm/1=v1", "/cm/2=v2", "/cm/3=v3b",
                                            "/cm/4=v4", "/cm/5=v5", "/cm/6=v6"}));
}

TEST_F(SqliteStoreTest, RacingCompareAndSwapExactlyOneWins) {
  ASSERT_TRUE(store_->Create("/counter", "0").ok());
  constexpr int kThreads = 16, kRounds = 20;
  std::atomic<int> wins{0};
  for (int round = 0; round < kRounds; ++round) {
    int64_t rev = store_->Get("/counter")->mod_revision;
    std::vector<std::thread> threads;
    std::atomic<int> round_wins{0}, conflicts{0};
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        auto r = store_->Update("/counter", std::to_string(t), rev);
        if (r.ok()) {
          round_wins++;
        } else if (r.status().IsConflict()) {
          conflicts++;
        }
      });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(round_wins.load(), 1);
    EXPECT_EQ(conflicts.load(), kThreads - 1);
    wins += round_wins;
  }
  EXPECT_EQ(wins.load(), kRounds);
}

TEST_F(SqliteStoreTest, ConcurrentIncrementsWithRetryLoseNothing) {
  ASSERT_TRUE(store_->Create("/n", "0").ok());
  constexpr int kThreads = 8, kPerThread = 25;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kPerThread; ++i) {
        for (;;) {
          auto cur = store_->Get("/n");
          ASSERT_TRUE(cur.ok());
          int n = std::stoi(cur->value);
          auto r = store_->Update("/n", std::to_string(n + 1), cur->mod_revision);
          if (r.ok()) break;
          ASSERT_TRUE(r.status().IsConflict()) << r.status().ToString();
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(store_->Get("/n")->value, std::to_string(kThreads * kPerThread));
}

TEST_F(SqliteStoreTest, WatchDeliversEventsInOrderWithPrevious) {
  EventCollector events;
  auto watch = store_->WatchPrefix("/w/", 0, events.Callback());
  ASSERT_TRUE(watch.ok());
  auto c = store_->Create("/w/a", "1");
  ASSERT_TRUE(store_->Create("/other", "x").ok());
  ASSERT_TRUE(store_->Update("/w/a", "2", 0).ok());
  ASSERT_TRUE(store_->Delete("/w/a").ok());
  auto got = events.WaitFor(3);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0]->type, Event::Type::kCreate);
  EXPECT_EQ(got[0]->kv.value, "1");
  EXPECT_FALSE(got[0]->prev.has_value());
  EXPECT_EQ(got[1]->type, Event::Type::kUpdate);
  EXPECT_EQ(got[1]->kv.value, "2");
  ASSERT_TRUE(got[1]->prev.has_value());
  EXPECT_EQ(got[1]->prev->value, "1");
  EXPECT_EQ(got[2]->type, Event::Type::kDelete);
  EXPECT_EQ(got[2]->kv.value, "2");
  EXPECT_EQ(got[2]->prev->mod_revision, got[1]->kv.mod_revision);
  EXPECT_EQ(got[0]->kv.mod_revision, c->mod_revision);
  EXPECT_LT(got[1]->kv.mod_revision, got[2]->kv.mod_revision);
}

TEST_F(SqliteStoreTest, WatchFromOldRevisionHasNoGapsOrDuplicates) {
  // Writes keep flowing while the watch catches up from history.
  auto first = store_->Create("/seq/k", "0");
  ASSERT_TRUE(first.ok());
  for (int i = 1; i <= 200; ++i) ASSERT_TRUE(store_->Update("/seq/k", std::to_string(i), 0).ok());
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (int i = 201; i <= 600 && !stop; ++i) {
      ASSERT_TRUE(store_->Update("/seq/k", std::to_string(i), 0).ok());
    }
  });
  EventCollector events;
  auto watch = store_->WatchPrefix("/seq/", first->mod_revision, events.Callback());
  ASSERT_TRUE(watch.ok()) << watch.status().ToString();
  writer.join();
  auto got = events.WaitFor(600);
  ASSERT_EQ(got.size(), 600u);
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i]->kv.mod_revision, first->mod_revision + 1 + static_cast<int64_t>(i));
    EXPECT_EQ(got[i]->kv.value, std::to_string(i + 1));
    ASSERT_TRUE(got[i]->prev.has_value());
    EXPECT_EQ(got[i]->prev->value, std::to_string(i));
  }
}

TEST_F(SqliteStoreTest, WatchHistoryIncludesDeletesAndRecreates) {
  int64_t start = store_->CurrentRevision();
  ASSERT_TRUE(store_->Create("/h/a", "1").ok());
  ASSERT_TRUE(store_->Delete("/h/a").ok());
  ASSERT_TRUE(store_->Create("/h/a", "2").ok());
  EventCollector events;
  auto watch = store_->WatchPrefix("/h/", start, events.Callback());
  ASSERT_TRUE(watch.ok());
  auto got = events.WaitFor(3);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0]->type, Event::Type::kCreate);
  EXPECT_EQ(got[1]->type, Event::Type::kDelete);
  EXPECT_EQ(got[1]->kv.value, "1");
  EXPECT_EQ(got[2]->type, Event::Type::kCreate);
  EXPECT_FALSE(got[2]->prev.has_value());
}

TEST_F(SqliteStoreTest, CancelledWatchGetsNothingMore) {
  EventCollector events;
  auto watch = store_->WatchPrefix("/c/", 0, events.Callback());
  ASSERT_TRUE(watch.ok());
  ASSERT_TRUE(store_->Create("/c/1", "v").ok());
  ASSERT_EQ(events.WaitFor(1).size(), 1u);
  (*watch)->Cancel();
  ASSERT_TRUE(store_->Create("/c/2", "v").ok());
  // The write is acknowledged after fan-out, so a delivery would already have happened.
  EXPECT_EQ(events.Events().size(), 1u);
}

TEST_F(SqliteStoreTest, CompactionMakesOldRevisionsGoneButKeepsLatest) {
  auto a1 = store_->Create("/a", "1");
  ASSERT_TRUE(store_->Update("/a", "2", 0).ok());
  ASSERT_TRUE(store_->Create("/b", "x").ok());
  ASSERT_TRUE(store_->Delete("/b").ok());
  int64_t mid = store_->CurrentRevision();
  ASSERT_TRUE(store_->Update("/a", "3", 0).ok());
  EventCollector live;
  auto live_watch = store_->WatchPrefix("/", 0, live.Callback());
  ASSERT_TRUE(live_watch.ok());

  ASSERT_TRUE(store_->Compact(mid).ok());
  EXPECT_EQ(store_->CompactRevision(), mid);
  EXPECT_TRUE(store_->Get("/a", a1->mod_revision).status().IsGone());
  EXPECT_TRUE(store_->List("/", {.revision = a1->mod_revision}).status().IsGone());
  EventCollector old;
  EXPECT_TRUE(store_->WatchPrefix("/", a1->mod_revision, old.Callback()).status().IsGone());

  // At and after the compacted revision everything reads as before.
  EXPECT_EQ(store_->Get("/a", mid)->value, "2");
  auto at_mid = store_->List("/", {.revision = mid});
  ASSERT_TRUE(at_mid.ok());
  ASSERT_EQ(at_mid->items.size(), 1u);
  EXPECT_EQ(store_->Get("/a")->value, "3");
  EventCollector from_mid;
  auto w = store_->WatchPrefix("/", mid, from_mid.Callback());
  ASSERT_TRUE(w.ok());
  auto got = from_mid.WaitFor(1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0]->prev->value, "2");

  // A watch that was live during compaction keeps receiving.
  ASSERT_TRUE(store_->Update("/a", "4", 0).ok());
  ASSERT_EQ(live.WaitFor(1).size(), 1u);
  EXPECT_EQ(live.Events()[0]->kv.value, "4");
  EXPECT_FALSE(store_->Compact(store_->CurrentRevision() + 1).ok());
}

TEST_F(SqliteStoreTest, BackgroundCompactionKeepsAgeAndRevisionFloor) {
  store_.reset();
  SqliteStoreOptions o = Options();
  o.compact_interval = std::chrono::milliseconds(1);
  o.compact_min_revisions = 100;
  o.compact_batch = 50;
  auto s = OpenSqliteStore(o);
  ASSERT_TRUE(s.ok());
  store_ = std::move(*s);
  auto created = store_->Create("/k", "start");
  ASSERT_TRUE(created.ok());
  // Value i is written at revision created + 1 + i.
  for (int i = 0; i < 300; ++i) ASSERT_TRUE(store_->Update("/k", std::to_string(i), 0).ok());
  // Younger than five minutes: nothing may be compacted yet.
  clock_.Advance(std::chrono::minutes(4));
  ASSERT_TRUE(store_->Update("/k", "x", 0).ok());
  EXPECT_EQ(store_->CompactRevision(), 0);
  clock_.Advance(std::chrono::minutes(2));
  int64_t current = store_->CurrentRevision();
  // Everything older than five minutes may go, but at least 100 revisions stay.
  EXPECT_TRUE(Eventually([&] { return store_->CompactRevision() == current - 100; }))
      << store_->CompactRevision();
  EXPECT_EQ(store_->Get("/k", current - 100)->value,
            std::to_string(current - 100 - created->mod_revision - 1));
  EXPECT_TRUE(store_->Get("/k", current - 101).status().IsGone());
}

TEST_F(SqliteStoreTest, ReopenPreservesEverything) {
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(store_->Create("/r/" + std::to_string(i), "v").ok());
  ASSERT_TRUE(store_->Update("/r/7", "changed", 0).ok());
  ASSERT_TRUE(store_->Delete("/r/8").ok());
  int64_t rev = store_->CurrentRevision();
  ASSERT_TRUE(store_->Compact(rev - 10).ok());
  Reopen();
  EXPECT_EQ(store_->CurrentRevision(), rev);
  EXPECT_EQ(store_->CompactRevision(), rev - 10);
  EXPECT_EQ(*store_->Count("/r/"), 49);
  EXPECT_EQ(store_->Get("/r/7")->value, "changed");
  EXPECT_TRUE(store_->Get("/r/8").status().IsNotFound());
  auto next = store_->Create("/r/new", "v");
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->mod_revision, rev + 1);
}

// Stores written by older builds carry a unique index on (name, prev_revision) that each
// write paid for; opening one drops it and keeps every row.
TEST_F(SqliteStoreTest, OpeningAnOlderStoreDropsItsRetiredIndex) {
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(store_->Create("/o/" + std::to_string(i), "v").ok());
  int64_t rev = store_->CurrentRevision();
  store_.reset();
  auto count_index = [&]() -> int64_t {
    auto db = Db::Open(Options().path, SQLITE_OPEN_READWRITE);
    if (!db.ok()) return -1;
    auto n = (*db)->QueryInt(
        "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'kv_name_prev'");
    return n.ok() ? *n : -1;
  };
  {
    auto db = Db::Open(Options().path, SQLITE_OPEN_READWRITE);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)->Exec("CREATE UNIQUE INDEX kv_name_prev ON kv (name, prev_revision)").ok());
  }
  ASSERT_EQ(count_index(), 1);
  Reopen();
  EXPECT_EQ(store_->CurrentRevision(), rev);
  EXPECT_EQ(*store_->Count("/o/"), 20);
  ASSERT_TRUE(store_->Update("/o/3", "w", 0).ok());
  store_.reset();
  EXPECT_EQ(count_index(), 0);
  Reopen();
  EXPECT_EQ(store_->Get("/o/3")->value, "w");
}

TEST_F(SqliteStoreTest, SecondOpenOfSameFileIsRefused) {
  auto second = OpenSqliteStore(Options());
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.status().message().find("in use"), std::string::npos);
}

TEST(SqliteStoreOpenTest, GarbageFileGivesClearError) {
  TempDir dir;
  std::ofstream(dir.File("state.db")) << std::string(8192, 'x');
  auto s = OpenSqliteStore({.path = dir.File("state.db")});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("not an SQLite database"), std::string::npos)
      << s.status().ToString();
}

TEST(SqliteStoreOpenTest, ForeignSqliteDatabaseIsRefused) {
  TempDir dir;
  {
    auto db = Db::Open(dir.File("state.db"), SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)->Exec("CREATE TABLE users (name TEXT)").ok());
  }
  auto s = OpenSqliteStore({.path = dir.File("state.db")});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("not a sampan datastore"), std::string::npos)
      << s.status().ToString();
}

TEST(SqliteStoreOpenTest, DamagedPagesAreDetectedAtOpen) {
  TempDir dir;
  std::string path = dir.File("state.db");
  {
    auto s = OpenSqliteStore({.path = path});
    ASSERT_TRUE(s.ok());
    for (int i = 0; i < 300; ++i) {
      ASSERT_TRUE((*s)->Create("/d/" + std::to_string(i), std::string(200, 'v')).ok());
    }
  }
  // Closing checkpoints the WAL into the main file; now scribble over a middle page.
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(4096 * 5);
    std::string junk(4096, '\xab');
    f.write(junk.data(), junk.size());
  }
  auto s = OpenSqliteStore({.path = path});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().ToString().find("corrupt"), std::string::npos) << s.status().ToString();
}

TEST(PrefixEndTest, Increments) {
  EXPECT_EQ(PrefixEnd("/a/"), "/a0");
  EXPECT_EQ(PrefixEnd(""), "");
  EXPECT_EQ(PrefixEnd(std::string("a\xff", 2)), "b");
}

}  // namespace
}  // namespace sampan::storage
