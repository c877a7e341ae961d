#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "pkg/util/fs.h"
#include "runtime/logs/cri_log_reader.h"
#include "runtime/logs/cri_log_writer.h"

namespace sampan::runtime {
namespace {

class CriLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/cri-log-test.XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    path_ = dir_ + "/sub/0.log";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  CriLogWriter Writer(int64_t max_size = 0, int max_files = 5) {
    return CriLogWriter(path_, max_size, max_files, [this] {
      return std::chrono::system_clock::time_point(std::chrono::seconds(1800000000) +
                                                   std::chrono::nanoseconds(ticks_++));
    });
  }
  std::vector<std::string> Lines(const std::string& path) {
    std::vector<std::string> out;
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) out.push_back(line);
    return out;
  }
  std::string ReadAll(LogReadOptions options = {}) {
    std::string out;
    Status s = ReadCriLogs(path_, options, [&](LogStream stream, std::string_view line) {
      out += stream == LogStream::kStdout ? "O:" : "E:";
      out.append(line);
      return true;
    });
    EXPECT_TRUE(s.ok()) << s.ToString();
    return out;
  }

  std::string dir_, path_;
  long ticks_ = 0;
};

TEST_F(CriLogTest, WritesOneEntryPerLineWithNanosecondTimestamps) {
  CriLogWriter w = Writer();
  ASSERT_TRUE(w.Open().ok());
  w.Write(LogStream::kStdout, "hello\nwor");
  w.Write(LogStream::kStderr, "err\n");
  w.Write(LogStream::kStdout, "ld\n");
  w.Close(LogStream::kStdout);
  auto lines = Lines(path_);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], "2027-01-15T08:00:00.000000000Z stdout F hello");
  EXPECT_EQ(lines[1], "2027-01-15T08:00:00.000000001Z stderr F err");
  EXPECT_EQ(lines[2], "2027-01-15T08:00:00.000000002Z stdout F world");
}

TEST_F(CriLogTest, SplitsLongLinesAt16KiBAndTheReaderJoinsThem) {
  CriLogWriter w = Writer();
  ASSERT_TRUE(w.Open().ok());
  std::string big(40000, 'x');
  w.Write(LogStream::kStdout, big.substr(0, 20000));
  w.Write(LogStream::kStdout, big.substr(20000) + "\n");
  auto lines = Lines(path_);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_NE(lines[0].find(" stdout P "), std::string::npos);
  EXPECT_NE(lines[1].find(" stdout P "), std::string::npos);
  EXPECT_NE(lines[2].find(" stdout F "), std::string::npos);
  EXPECT_EQ(lines[0].size(), 31 + 9 + kMaxLogLine);
  EXPECT_EQ(ReadAll(), "O:" + big + "\n");
}

TEST_F(CriLogTest, CloseFlushesAnUnterminatedLine) {
  CriLogWriter w = Writer();
  ASSERT_TRUE(w.Open().ok());
  w.Write(LogStream::kStdout, "no newline");
  EXPECT_TRUE(Lines(path_).empty());
  w.Close(LogStream::kStdout);
  EXPECT_EQ(ReadAll(), "O:no newline\n");
}

TEST_F(CriLogTest, RotatesKeepingMaxFiles) {
  CriLogWriter w = Writer(/*max_size=*/200, /*max_files=*/3);
  ASSERT_TRUE(w.Open().ok());
  for (int i = 0; i < 40; ++i) w.Write(LogStream::kStdout, "line " + std::to_string(i) + "\n");
  EXPECT_TRUE(std::filesystem::exists(path_));
  EXPECT_TRUE(std::filesystem::exists(path_ + ".1"));
  EXPECT_TRUE(std::filesystem::exists(path_ + ".2"));
  EXPECT_FALSE(std::filesystem::exists(path_ + ".3"));
  for (const std::string& p : {path_, path_ + ".1", path_ + ".2"}) {
    EXPECT_LE(std::filesystem::file_size(p), 200u) << p;
  }
  // Reading spans the rotated files in order and ends with the newest line.
  std::string all = ReadAll();
  EXPECT_EQ(all.substr(all.size() - 10), "O:line 39\n");
  size_t first = all.find("O:line ");
  size_t second = all.find("O:line ", first + 1);
  int a = std::stoi(all.substr(first + 7)), b = std::stoi(all.substr(second + 7));
  EXPECT_EQ(b, a + 1);
}

TEST_F(CriLogTest, TailSinceAndTimestamps) {
  CriLogWriter w = Writer();
  ASSERT_TRUE(w.Open().ok());
  for (int i = 0; i < 5; ++i) w.Write(LogStream::kStdout, "l" + std::to_string(i) + "\n");
  LogReadOptions tail;
  tail.tail = 2;
  EXPECT_EQ(ReadAll(tail), "O:l3\nO:l4\n");
  LogReadOptions none;
  none.tail = 0;
  EXPECT_EQ(ReadAll(none), "");
  LogReadOptions ts;
  ts.tail = 1;
  ts.timestamps = true;
  EXPECT_EQ(ReadAll(ts), "O:2027-01-15T08:00:00.000000004Z l4\n");
  LogReadOptions since;
  since.since = std::chrono::system_clock::time_point(std::chrono::seconds(1800000001));
  EXPECT_EQ(ReadAll(since), "");
}

TEST_F(CriLogTest, FollowSeesNewLinesAndRotationUntilDone) {
  CriLogWriter w = Writer(/*max_size=*/120, /*max_files=*/2);
  ASSERT_TRUE(w.Open().ok());
  w.Write(LogStream::kStdout, "first\n");
  std::atomic<bool> finished{false};
  std::thread writer([&] {
    for (int i = 0; i < 10; ++i) {
      w.Write(LogStream::kStdout, "n" + std::to_string(i) + "\n");
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    finished = true;
  });
  LogReadOptions follow;
  follow.follow = true;
  follow.done = [&] { return finished.load(); };
  std::string got = ReadAll(follow);
  writer.join();
  EXPECT_EQ(got, "O:first\nO:n0\nO:n1\nO:n2\nO:n3\nO:n4\nO:n5\nO:n6\nO:n7\nO:n8\nO:n9\n");
}

TEST_F(CriLogTest, FollowJoinsALineStartedBeforeFollowingBegan) {
  CriLogWriter w = Writer();
  ASSERT_TRUE(w.Open().ok());
  std::string big(20000, 'y');
  w.Write(LogStream::kStdout, big);  // one P entry in the file, the rest still pending
  std::atomic<bool> finished{false};
  std::thread writer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    w.Write(LogStream::kStdout, "z\n");
    finished = true;
  });
  LogReadOptions follow;
  follow.follow = true;
  follow.done = [&] { return finished.load(); };
  std::string got = ReadAll(follow);
  writer.join();
  EXPECT_EQ(got, "O:" + big + "z\n");
}

TEST(CriLogParseTest, ParsesAndRejects) {
  auto e = ParseCriLogLine("2027-01-15T08:00:00.1Z stderr P part");
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->stream, LogStream::kStderr);
  EXPECT_TRUE(e->partial);
  EXPECT_EQ(e->message, "part");
  auto empty = ParseCriLogLine("2027-01-15T08:00:00.1Z stdout F ");
  ASSERT_TRUE(empty.has_value());
  EXPECT_EQ(empty->message, "");
  EXPECT_FALSE(ParseCriLogLine("garbage").has_value());
  EXPECT_FALSE(ParseCriLogLine("t stdin F x").has_value());
  EXPECT_FALSE(ParseCriLogLine("t stdout X x").has_value());
}

}  // namespace
}  // namespace sampan::runtime
