#include "storage/wal_write_vfs.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "storage/sqlite_db.h"
#include "test/unit/storage/store_test_util.h"

namespace sampan::storage {
namespace {

using testing::TempDir;

// Write system calls (write, pwrite, writev, ...) made by this thread so far.
int64_t ThreadWriteCalls() {
  std::ifstream io("/proc/thread-self/io");
  std::string key;
  int64_t value = 0;
  while (io >> key >> value) {
    if (key == "syscw:") return value;
  }
  return -1;
}

// Write calls one transaction of `pages` one-page rows makes on `db`.
int64_t WriteCallsOfOneCommit(sqlite3* db, int pages) {
  EXPECT_EQ(sqlite3_exec(db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
                             "CREATE TABLE IF NOT EXISTS t (v BLOB)",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  std::ostringstream sql;
  sql << "BEGIN;";
  for (int i = 0; i < pages; ++i) sql << "INSERT INTO t VALUES (zeroblob(3000));";
  sql << "COMMIT;";
  int64_t before = ThreadWriteCalls();
  EXPECT_EQ(sqlite3_exec(db, sql.str().c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
  return ThreadWriteCalls() - before;
}

TEST(WalWriteVfsTest, ACommitWritesItsFramesInOneCall) {
  ASSERT_GE(ThreadWriteCalls(), 0) << "/proc/thread-self/io is unreadable";
  TempDir dir;
  // The plain unix VFS: a header and a page per frame, so at least two calls per page.
  sqlite3* plain = nullptr;
  ASSERT_EQ(sqlite3_open_v2(dir.File("plain.db").c_str(), &plain,
                            SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, "unix"),
            SQLITE_OK);
  EXPECT_GE(WriteCallsOfOneCommit(plain, 20), 40);
  sqlite3_close(plain);

  auto db = Db::Open(dir.File("gathered.db"), SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  EXPECT_LE(WriteCallsOfOneCommit((*db)->raw(), 20), 2);
}

TEST(WalWriteVfsTest, ReadersSeeEveryCommitAndLargeTransactionsSurviveReopen) {
  TempDir dir;
  std::string path = dir.File("state.db");
  {
    auto writer = Db::Open(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    ASSERT_TRUE(writer.ok());
    Db& w = **writer;
    ASSERT_TRUE(w.Exec("PRAGMA journal_mode = WAL").ok());
    ASSERT_TRUE(w.Exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB)").ok());
    auto reader = Db::Open(path, SQLITE_OPEN_READONLY);
    ASSERT_TRUE(reader.ok());
    Db& r = **reader;

    // 2 MiB in one transaction: far more than is gathered before a write goes out.
    ASSERT_TRUE(w.Exec("BEGIN").ok());
    for (int i = 1; i <= 20; ++i) {
      ASSERT_TRUE(w.Exec("INSERT INTO t VALUES (" + std::to_string(i) +
                         ", randomblob(104857))")
                      .ok());
    }
    ASSERT_TRUE(w.Exec("COMMIT").ok());
    EXPECT_EQ(*r.QueryInt("SELECT sum(length(v)) FROM t"), 20 * 104857);

    // Small commits, each read back at once by the other connection.
    for (int i = 21; i <= 220; ++i) {
      ASSERT_TRUE(w.Exec("INSERT INTO t VALUES (" + std::to_string(i) + ", 'x')").ok());
      ASSERT_EQ(*r.QueryInt("SELECT max(id) FROM t"), i);
    }
    // A checkpoint reads the WAL back and restarts it; later frames go to its start again.
    ASSERT_TRUE(w.Exec("PRAGMA wal_checkpoint(TRUNCATE)").ok());
    ASSERT_TRUE(w.Exec("UPDATE t SET v = 'y' WHERE id > 200").ok());
    EXPECT_EQ(*r.QueryInt("SELECT count(*) FROM t WHERE v = 'y'"), 20);
  }
  auto again = Db::Open(path, SQLITE_OPEN_READWRITE);
  ASSERT_TRUE(again.ok());
  auto check = (*again)->Prepare("PRAGMA integrity_check");
  ASSERT_TRUE(check.ok());
  ASSERT_TRUE(*check->Step());
  EXPECT_EQ(check->String(0), "ok");
  EXPECT_EQ(*(*again)->QueryInt("SELECT count(*) FROM t"), 220);
  EXPECT_EQ(*(*again)->QueryInt("SELECT sum(length(v)) FROM t WHERE id <= 20"), 20 * 104857);
  EXPECT_EQ(*(*again)->QueryInt("SELECT count(*) FROM t WHERE v = 'y'"), 20);
}

}  // namespace
}  // namespace sampan::storage
