// Fault tests that need a separate process: SIGKILL during writes, and a full disk.
// Both drive test/helpers/store_probe.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <random>
#include <string>

#include "test/unit/storage/store_test_util.h"

extern char** environ;

namespace sampan::storage {
namespace {

const std::string kProbe = std::string(SAMPAN_HELPER_DIR) + "/store_probe";

// Runs a shell command, returning its exit status and output.
int RunShell(const std::string& cmd, std::string* output) {
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  if (!p) return -1;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) output->append(buf, n);
  int status = pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(SqliteStoreCrashTest, AcknowledgedWritesSurviveSigkill) {
  testing::TempDir dir;
  std::random_device seed_source;
  unsigned seed = seed_source();
  std::mt19937 rng(seed);
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::string acks_path = dir.File("acks.txt");
  std::ofstream acks(acks_path);
  long total_acks = 0;

  for (int round = 0; round < 3; ++round) {
    int out[2];
    ASSERT_EQ(pipe(out), 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    std::string path = dir.path();
    const char* argv[] = {kProbe.c_str(), "write", path.c_str(), "4", nullptr};
    pid_t pid;
    ASSERT_EQ(posix_spawn(&pid, kProbe.c_str(), &actions, nullptr,
                          const_cast<char* const*>(argv), environ),
              0);
    posix_spawn_file_actions_destroy(&actions);
    close(out[1]);

    // Kill at a random point measured in acknowledged writes, not in time.
    long kill_after = std::uniform_int_distribution<long>(50, 3000)(rng);
    FILE* in = fdopen(out[0], "r");
    char line[512];
    long seen = 0;
    bool killed = false;
    while (fgets(line, sizeof line, in)) {
      std::string l(line);
      if (l.back() != '\n') break;  // a torn last line was never fully acknowledged
      acks << l;
      if (++seen == kill_after && !killed) {
        kill(pid, SIGKILL);
        killed = true;
      }
    }
    fclose(in);
    int status;
    waitpid(pid, &status, 0);
    ASSERT_TRUE(killed) << "writer exited by itself after " << seen << " acks";
    ASSERT_TRUE(WIFSIGNALED(status));
    total_acks += seen;
  }
  acks.close();
  std::string output;
  int rc = RunShell(kProbe + " verify " + dir.path() + " < " + acks_path, &output);
  EXPECT_EQ(rc, 0) << output;
  EXPECT_NE(output.find("verified " + std::to_string(total_acks)), std::string::npos) << output;
}

TEST(SqliteStoreDiskFullTest, FullDiskFailsWritesCleanlyAndLosesNothing) {
  testing::TempDir dir;
  // A 2 MiB tmpfs in a private mount namespace: a real full disk that the host never sees.
  std::string cmd = "unshare --mount --propagation private sh -c 'mount -t tmpfs -o size=2m "
                    "tmpfs " + dir.path() + " && exec " + kProbe + " fill " + dir.path() + "'";
  std::string output;
  int rc = RunShell(cmd, &output);
  EXPECT_EQ(rc, 0) << output;
  EXPECT_NE(output.find("full after"), std::string::npos) << output;
  EXPECT_NE(output.find("disk full"), std::string::npos) << output;
}

}  // namespace
}  // namespace sampan::storage
