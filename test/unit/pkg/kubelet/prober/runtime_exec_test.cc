#include "pkg/kubelet/prober/runtime_exec.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

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

// A Runtime whose Exec hands out a prepared process; everything else is unused here.
class ExecOnlyRuntime final : public runtime::Runtime {
 public:
  Result<std::unique_ptr<runtime::ExecProcess>> Exec(const std::string& id,
                                                     const runtime::ExecOptions& options) override {
    ids.push_back(id);
    args.push_back(options.args);
    if (!next) return Status::NotFound("container " + id + " not found");
    return std::unique_ptr<runtime::ExecProcess>(std::move(next));
  }

  std::unique_ptr<PipeProcess> next;
  std::vector<std::string> ids;
  std::vector<std::vector<std::string>> args;

  Result<std::string> RunPodSandbox(const runtime::SandboxConfig&) override { return Unused(); }
  Status StopPodSandbox(const std::string&) override { return Unused(); }
  Status RemovePodSandbox(const std::string&) override { return Unused(); }
  Result<runtime::SandboxStatus> PodSandboxStatus(const std::string&) override { return Unused(); }
  Result<std::vector<runtime::SandboxStatus>> ListPodSandboxes() override { return Unused(); }
  Result<std::string> CreateContainer(const std::string&, runtime::ContainerSpec) override {
    return Unused();
  }
  Status StartContainer(const std::string&, const runtime::StartOptions&) override {
    return Unused();
  }
  Status StopContainer(const std::string&, std::chrono::milliseconds) override { return Unused(); }
  Status RemoveContainer(const std::string&) override { return Unused(); }
  Result<runtime::ContainerStatus> GetContainerStatus(const std::string&) override {
    return Unused();
  }
  Result<std::vector<runtime::ContainerStatus>> ListContainers() override { return Unused(); }
  Result<std::string> ResolveContainer(const std::string&) override { return Unused(); }
  Result<runtime::ContainerSpec> GetContainerSpec(const std::string&) override { return Unused(); }
  Result<runtime::CgroupStats> ContainerStats(const std::string&) override { return Unused(); }
  Result<runtime::CgroupStats> PodSandboxStats(const std::string&) override { return Unused(); }
  Status ReadLogs(const std::string&, runtime::LogReadOptions, const runtime::LogSink&) override {
    return Unused();
  }
  Result<std::unique_ptr<runtime::ExecProcess>> Attach(const std::string&,
                                                       const runtime::AttachOptions&) override {
    return Unused();
  }
  Status Recover() override { return Unused(); }

 private:
  static Status Unused() { return Status::Internal("not used by the prober"); }
};

TEST(RuntimeExecFnTest, RunsThroughRuntimeExec) {
  ExecOnlyRuntime rt;
  rt.next = std::make_unique<PipeProcess>(false);
  ASSERT_EQ(::write(rt.next->out_w, "healthy", 7), 7);
  rt.next->CloseWriters();
  ExecFn exec = MakeRuntimeExecFn(rt);
  Result<ExecResult> r = exec("abc", {"cat", "/ready"}, 5s);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->exit_code, 0);
  EXPECT_EQ(r->output, "healthy");
  ASSERT_EQ(rt.ids.size(), 1u);
  EXPECT_EQ(rt.ids[0], "abc");
  EXPECT_EQ(rt.args[0], (std::vector<std::string>{"cat", "/ready"}));
  // The runtime's error comes back as the executor's error (the probe is then "errored").
  Result<ExecResult> missing = exec("gone", {"true"}, 5s);
  EXPECT_EQ(missing.status().code(), Code::kNotFound);
}

}  // namespace
}  // namespace sampan::kubelet::prober
