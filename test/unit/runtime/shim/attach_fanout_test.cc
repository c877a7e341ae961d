// The shim's attach fan-out against the runtime's attach client, over a real unix socket in a
// temporary directory: the test plays the shim's poll loop (FillPoll/Dispatch) and the
// container's stdio (plain pipes).

#include "runtime/shim/attach_fanout.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <future>
#include <string>

#include "gtest/gtest.h"
#include "runtime/attach/attach_client.h"
#include "runtime/attach/attach_protocol.h"
#include "runtime/sys/syscalls.h"
#include "test/unit/runtime/images/test_dir.h"

namespace sampan::runtime {
namespace {

using Clock = std::chrono::steady_clock;
using images::testing::TestDir;

class AttachFanoutTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::signal(SIGPIPE, SIG_IGN);  // a closed input is EPIPE here, as in the kubelet
    dir_fd_.Reset(::open(dir_.path().c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    ASSERT_TRUE(dir_fd_.valid());
    options_.close_input = [this] { ++inputs_closed_; };
    options_.resize = [this](uint16_t rows, uint16_t cols) { resizes_.push_back({rows, cols}); };
  }

  void Listen() {
    Result<std::unique_ptr<AttachFanout>> f =
        AttachFanout::Listen(dir_fd_.get(), kAttachSocketName, options_);
    ASSERT_TRUE(f.ok()) << f.status().ToString();
    fanout_ = std::move(*f);
  }

  // One turn of the shim's loop.
  void PumpOnce(int timeout_ms = 10) {
    std::vector<pollfd> fds;
    fanout_->FillPoll(fds);
    if (::poll(fds.data(), fds.size(), timeout_ms) > 0) fanout_->Dispatch(fds.data());
  }

  // Pumps until `done` or a 5 s deadline.
  template <typename F>
  bool PumpUntil(F done) {
    auto deadline = Clock::now() + std::chrono::seconds(5);
    while (!done()) {
      if (Clock::now() > deadline) return false;
      PumpOnce();
    }
    return true;
  }

  // Attaches while the loop turns (the client waits for the shim's answer).
  std::unique_ptr<ExecProcess> Attach(AttachOptions options, bool tty = false,
                                      bool has_input = true) {
    AttachTarget target{dir_.path(), 1, tty, has_input};
    auto pending = std::async(std::launch::async, [&] { return AttachToShim(target, options); });
    EXPECT_TRUE(PumpUntil(
        [&] { return pending.wait_for(std::chrono::seconds(0)) == std::future_status::ready; }));
    Result<std::unique_ptr<ExecProcess>> r = pending.get();
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::move(*r) : nullptr;
  }

  // Reads what arrives on `fd` until `want` bytes or EOF or the deadline, pumping meanwhile.
  std::string Read(int fd, size_t want, bool* eof = nullptr) {
    std::string got;
    auto deadline = Clock::now() + std::chrono::seconds(5);
    while (got.size() < want && Clock::now() < deadline) {
      PumpOnce(0);
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 10) <= 0) continue;
      char buf[65536];
      ssize_t n = ::read(fd, buf, sizeof buf);
      if (n <= 0) {
        if (eof) *eof = true;
        break;
      }
      got.append(buf, static_cast<size_t>(n));
    }
    return got;
  }

  TestDir dir_;
  UniqueFd dir_fd_;
  AttachFanoutOptions options_;
  std::unique_ptr<AttachFanout> fanout_;
  int inputs_closed_ = 0;
  std::vector<std::pair<uint16_t, uint16_t>> resizes_;
};

TEST_F(AttachFanoutTest, EveryAttacherGetsItsStreamsSeparately) {
  Listen();
  auto a = Attach({});
  auto b = Attach({});
  ASSERT_TRUE(a && b);
  EXPECT_EQ(fanout_->attachers(), 2u);
  EXPECT_EQ(a->terminal(), -1);
  fanout_->Broadcast(false, "out-line\n");
  fanout_->Broadcast(true, "err-line\n");
  for (ExecProcess* p : {a.get(), b.get()}) {
    EXPECT_EQ(Read(p->stdout_fd(), 9), "out-line\n");
    EXPECT_EQ(Read(p->stderr_fd(), 9), "err-line\n");
  }
}

TEST_F(AttachFanoutTest, OutputBeforeTheAttachIsNotReplayed) {
  Listen();
  fanout_->Broadcast(false, "early\n");
  auto a = Attach({});
  ASSERT_TRUE(a);
  fanout_->Broadcast(false, "late\n");
  EXPECT_EQ(Read(a->stdout_fd(), 5), "late\n");
}

TEST_F(AttachFanoutTest, InputReachesTheContainer) {
  Result<Pipe> container_in = MakePipe();
  ASSERT_TRUE(container_in.ok());
  Listen();
  fanout_->SetInput(container_in->write.get());
  auto a = Attach({.stdin = true});
  ASSERT_TRUE(a);
  ASSERT_GE(a->stdin_fd(), 0);
  ASSERT_TRUE(WriteAll(a->stdin_fd(), "hello\n"));
  EXPECT_EQ(Read(container_in->read.get(), 6), "hello\n");
  // Without stdinOnce the input stays open after the attacher ends it.
  a->CloseStdin();
  for (int i = 0; i < 20; ++i) PumpOnce();
  EXPECT_EQ(inputs_closed_, 0);
  EXPECT_EQ(fanout_->attachers(), 1u);
}

TEST_F(AttachFanoutTest, ContainerWithoutInputAttachesWithoutStdin) {
  Listen();
  auto a = Attach({.stdin = true}, false, /*has_input=*/false);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->stdin_fd(), -1);
  fanout_->Broadcast(false, "still-output\n");
  EXPECT_EQ(Read(a->stdout_fd(), 13), "still-output\n");
}

TEST_F(AttachFanoutTest, StdinOnceClosesTheInputWhenTheFirstAttacherEndsIt) {
  options_.stdin_once = true;
  Result<Pipe> container_in = MakePipe();
  ASSERT_TRUE(container_in.ok());
  Listen();
  fanout_->SetInput(container_in->write.get());
  auto watcher = Attach({});  // no stdin: does not count
  auto first = Attach({.stdin = true});
  ASSERT_TRUE(watcher && first);
  ASSERT_TRUE(WriteAll(first->stdin_fd(), "once\n"));
  EXPECT_EQ(Read(container_in->read.get(), 5), "once\n");
  first->CloseStdin();
  EXPECT_TRUE(PumpUntil([&] { return inputs_closed_ == 1; }));
  // A later attacher's input goes nowhere: the shim did not keep it.
  auto second = Attach({.stdin = true});
  ASSERT_TRUE(second);
  EXPECT_FALSE(WriteAll(second->stdin_fd(), "ignored\n"));
  for (int i = 0; i < 20; ++i) PumpOnce();
  pollfd p{container_in->read.get(), POLLIN, 0};
  EXPECT_EQ(::poll(&p, 1, 0), 0);
  EXPECT_EQ(inputs_closed_, 1);
}

TEST_F(AttachFanoutTest, StdinOnceAlsoEndsWhenTheAttacherDetaches) {
  options_.stdin_once = true;
  Result<Pipe> container_in = MakePipe();
  ASSERT_TRUE(container_in.ok());
  Listen();
  fanout_->SetInput(container_in->write.get());
  auto first = Attach({.stdin = true});
  ASSERT_TRUE(first);
  first.reset();  // detach without closing stdin first
  EXPECT_TRUE(PumpUntil([&] { return inputs_closed_ == 1 && fanout_->attachers() == 0; }));
}

TEST_F(AttachFanoutTest, ASlowAttacherNeverBlocksTheContainer) {
  Listen();
  auto idle = Attach({});  // never reads
  auto reader = Attach({});
  ASSERT_TRUE(idle && reader);
  const std::string chunk(64 * 1024, 'x');
  size_t received = 0;
  // Far more than any pipe holds: Broadcast must return every time.
  for (int i = 0; i < 64; ++i) {
    fanout_->Broadcast(false, chunk);
    received += Read(reader->stdout_fd(), chunk.size()).size();
  }
  EXPECT_EQ(received, 64 * chunk.size());
  EXPECT_EQ(fanout_->attachers(), 2u);
}

TEST_F(AttachFanoutTest, TerminalCarriesOutputInputAndResizes) {
  options_.tty = true;
  int pair[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), 0);
  UniqueFd terminal(pair[0]), container(pair[1]);  // a stand-in for the pty
  Listen();
  fanout_->SetInput(terminal.get());
  auto a = Attach({.stdin = true, .stderr = false}, /*tty=*/true);
  ASSERT_TRUE(a);
  ASSERT_GE(a->terminal(), 0);
  EXPECT_EQ(a->stdout_fd(), -1);
  fanout_->Broadcast(false, "prompt$ ");
  EXPECT_EQ(Read(a->terminal(), 8), "prompt$ ");
  ASSERT_TRUE(WriteAll(a->terminal(), "ls\r"));
  EXPECT_EQ(Read(container.get(), 3), "ls\r");
  ASSERT_TRUE(a->Resize(40, 120).ok());
  EXPECT_TRUE(PumpUntil([&] { return !resizes_.empty(); }));
  ASSERT_EQ(resizes_.size(), 1u);
  EXPECT_EQ(resizes_[0], std::make_pair(uint16_t{40}, uint16_t{120}));
}

TEST_F(AttachFanoutTest, TheEndOfTheContainerEndsEveryStreamAndTheSocket) {
  Listen();
  auto a = Attach({});
  ASSERT_TRUE(a);
  fanout_->Broadcast(false, "last\n");
  fanout_->CloseAll();
  bool eof = false;
  EXPECT_EQ(Read(a->stdout_fd(), 100, &eof), "last\n");
  EXPECT_TRUE(eof);
  EXPECT_NE(::access((dir_ / kAttachSocketName).c_str(), F_OK), 0);
  AttachTarget target{dir_.path(), 1, false, false};
  Result<std::unique_ptr<ExecProcess>> late = AttachToShim(target, {});
  EXPECT_FALSE(late.ok());
}

TEST_F(AttachFanoutTest, LongDirectoryPathsStillWork) {
  // Deeper than sun_path's 108 bytes: the socket is reached through /proc/self/fd.
  std::string deep = dir_.path() + "/" + std::string(60, 'd') + "/" + std::string(60, 'e');
  ASSERT_TRUE(std::filesystem::create_directories(deep));
  dir_fd_.Reset(::open(deep.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  Listen();
  AttachTarget target{deep, 1, false, false};
  auto pending = std::async(std::launch::async, [&] { return AttachToShim(target, {}); });
  EXPECT_TRUE(PumpUntil(
      [&] { return pending.wait_for(std::chrono::seconds(0)) == std::future_status::ready; }));
  Result<std::unique_ptr<ExecProcess>> r = pending.get();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(fanout_->attachers(), 1u);
}

}  // namespace
}  // namespace sampan::runtime
