#include "pkg/kubelet/prober/runtime_exec.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

namespace sampan::kubelet::prober {
namespace {

using namespace std::chrono_literals;

// An ExecProcess over two real pipes; the test holds the write ends. pid() is a real child
// (blocked in pause()) so that a timeout's SIGKILL has something to kill; Wait() reaps it,
// or returns `exit_code` when there is none.
class PipeProcess final : public runtime::ExecProcess {
 public:
  explicit PipeProcess(bool with_child) {
    int out[2], err[2];
    EXPECT_EQ(::pipe(out), 0);
    EXPECT_EQ(::pipe(err), 0);
    out_ = out[0];
    out_w = out[1];
    err_ = err[0];
    err_w = err[1];
    if (with_child) {
      pid_ = ::fork();
      if (pid_ == 0) {
        for (;;) ::pause();
      }
    }
  }
  ~PipeProcess() override {
    for (int fd : {out_, err_, out_w, err_w}) {
      if (fd >= 0) ::close(fd);
    }
    if (pid_ > 0 && !reaped_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  void CloseWriters() {
    ::close(out_w);
    ::close(err_w);
    out_w = err_w = -1;
  }

  pid_t pid() const override { return pid_; }
  int terminal() const override { return -1; }
  int stdin_fd() const override { return -1; }
  int stdout_fd() const override { return out_; }
  int stderr_fd() const override { return err_; }
  void CloseStdin() override {}
  Status Resize(uint16_t, uint16_t) override { return Status::Ok(); }
  Result<int> Wait() override {
    if (pid_ <= 0) return exit_code;
    int status = 0;
    if (::waitpid(pid_, &status, 0) != pid_) return Status::Internal("waitpid");
    reaped_ = true;
    return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
  }
  const std::string& start_error() const override { return start_error_text; }

  int out_w = -1;
  int err_w = -1;
  int exit_code = 0;
  std::string start_error_text;

 private:
  int out_ = -1;
  int err_ = -1;
  pid_t pid_ = -1;
  bool reaped_ = false;
};

TEST(CollectExecTest, OutputOfBothStreamsAndExitCode) {
  PipeProcess p(false);
  ASSERT_EQ(::write(p.out_w, "out ", 4), 4);
  ASSERT_EQ(::write(p.err_w, "err", 3), 3);
  p.CloseWriters();
  p.exit_code = 3;
  Result<ExecResult> r = CollectExec(p, 5s);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->exit_code, 3);
  EXPECT_FALSE(r->timed_out);
  // The order between the two pipes is not defined; both arrive whole.
  EXPECT_EQ(r->output.size(), 7u);
  EXPECT_NE(r->output.find("out "), std::string::npos);
  EXPECT_NE(r->output.find("err"), std::string::npos);
}

TEST(CollectExecTest, OutputIsBoundedAndDrained) {
  PipeProcess p(false);
  // More than a pipe holds would block the writer: write from a thread while collecting.
  std::thread writer([&] {
    std::string chunk(4096, 'y');
    for (int i = 0; i < 64; ++i) {
      if (::write(p.out_w, chunk.data(), chunk.size()) < 0) break;
    }
    p.CloseWriters();
  });
  Result<ExecResult> r = CollectExec(p, 10s);
  writer.join();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->output.size(), kMaxProbeOutput);
}

TEST(CollectExecTest, StartErrorBecomesOutput) {
  PipeProcess p(false);
  p.CloseWriters();
  p.exit_code = 127;
  p.start_error_text = "executable file not found in $PATH";
  Result<ExecResult> r = CollectExec(p, 5s);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->exit_code, 127);
  EXPECT_EQ(r->output, "executable file not found in $PATH");
}

TEST(CollectExecTest, TimeoutKillsTheProcess) {
  PipeProcess p(true);  // the writers stay open: no EOF ever comes
  ASSERT_EQ(::write(p.out_w, "partial", 7), 7);
  Result<ExecResult> r = CollectExec(p, 100ms);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->timed_out);
  EXPECT_EQ(r->exit_code, 128 + SIGKILL);
  EXPECT_EQ(r->output, "");
}

}  // namespace
}  // namespace sampan::kubelet::prober
