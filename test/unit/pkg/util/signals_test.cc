#include "pkg/util/signals.h"

#include <gtest/gtest.h>
#include <pthread.h>
#include <signal.h>

namespace sampan {
namespace {

// Restores the thread's signal mask, so blocked signals do not leak into other tests.
class SignalsTest : public ::testing::Test {
 protected:
  void SetUp() override { pthread_sigmask(SIG_SETMASK, nullptr, &saved_); }
  void TearDown() override { pthread_sigmask(SIG_SETMASK, &saved_, nullptr); }
  sigset_t saved_;
};

TEST_F(SignalsTest, PendingSignalIsRead) {
  Result<ShutdownSignals> signals = ShutdownSignals::Block();
  ASSERT_TRUE(signals.ok()) << signals.status().ToString();
  EXPECT_GE(signals->fd(), 0);
  // Blocked, so the signal stays pending on this thread instead of ending the process.
  ASSERT_EQ(pthread_kill(pthread_self(), SIGTERM), 0);
  Result<int> got = signals->Wait();
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, SIGTERM);

  ASSERT_EQ(pthread_kill(pthread_self(), SIGINT), 0);
  got = signals->Wait();
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, SIGINT);
}

TEST_F(SignalsTest, MoveKeepsTheFd) {
  Result<ShutdownSignals> signals = ShutdownSignals::Block();
  ASSERT_TRUE(signals.ok());
  int fd = signals->fd();
  ShutdownSignals moved = std::move(*signals);
  EXPECT_EQ(moved.fd(), fd);
  EXPECT_EQ(signals->fd(), -1);  // NOLINT(bugprone-use-after-move): checking the moved-from state
}

}  // namespace
}  // namespace sampan
