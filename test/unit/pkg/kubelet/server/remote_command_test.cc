#include "pkg/kubelet/server/remote_command.h"

#include <gtest/gtest.h>

#include "pkg/api/json.h"
#include "pkg/util/websocket.h"

namespace sampan::kubelet {
namespace {

TEST(RemoteCommandTest, NegotiatesTheFirstProtocolWeSpeak) {
  EXPECT_EQ(NegotiateChannelProtocol("v5.channel.k8s.io, v4.channel.k8s.io"), "v5.channel.k8s.io");
  EXPECT_EQ(NegotiateChannelProtocol("v4.base64.channel.k8s.io,v4.channel.k8s.io"),
            "v4.channel.k8s.io");
  EXPECT_EQ(NegotiateChannelProtocol("channel.k8s.io"), "");
  EXPECT_EQ(NegotiateChannelProtocol(""), "");
}

TEST(RemoteCommandTest, ChannelFramesAreBinaryWithTheChannelFirst) {
  ws::FrameParser parser;
  parser.Feed(ChannelFrame(kStdoutChannel, "hi\n"));
  auto m = parser.Next();
  ASSERT_TRUE(m.ok() && m->has_value());
  EXPECT_EQ((*m)->opcode, ws::Opcode::kBinary);
  EXPECT_EQ((*m)->payload, std::string("\x01hi\n", 4));
}

TEST(RemoteCommandTest, ExitStatus) {
  auto ok = api::ParseJson(ExitStatusJson(0, {"true"}));
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(api::GetString(*ok, "status"), "Success");

  auto failed = api::ParseJson(ExitStatusJson(3, {"sh", "-c", "exit 3"}));
  ASSERT_TRUE(failed.ok());
  EXPECT_EQ(api::GetString(*failed, "status"), "Failure");
  EXPECT_EQ(api::GetString(*failed, "reason"), "NonZeroExitCode");
  EXPECT_EQ(api::GetString(*failed, "message"),
            "command terminated with non-zero exit code: error executing command [sh -c exit 3], "
            "exit code 3");
  const api::Json& cause = (*failed)["details"]["causes"][0];
  EXPECT_EQ(api::GetString(cause, "reason"), "ExitCode");
  EXPECT_EQ(api::GetString(cause, "message"), "3");

  auto other = api::ParseJson(FailureStatusJson("boom"));
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(api::GetString(*other, "status"), "Failure");
  EXPECT_EQ(api::GetString(*other, "message"), "boom");
}

TEST(RemoteCommandTest, Resize) {
  auto size = ParseResize(R"({"Width":120,"Height":40})");
  ASSERT_TRUE(size.has_value());
  EXPECT_EQ(size->width, 120);
  EXPECT_EQ(size->height, 40);
  EXPECT_FALSE(ParseResize("{}").has_value());
  EXPECT_FALSE(ParseResize(R"({"Width":-1,"Height":40})").has_value());
  EXPECT_FALSE(ParseResize(R"({"Width":70000,"Height":40})").has_value());
  EXPECT_FALSE(ParseResize("nope").has_value());
}

TEST(RemoteCommandTest, ExecQuery) {
  auto r = ParseExecQuery(
      "command=sh&command=-c&command=echo+hi%3B+exit+3&container=app&stdin=true&stdout=true&"
      "stderr=true&tty=false");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->command, (std::vector<std::string>{"sh", "-c", "echo hi; exit 3"}));
  EXPECT_EQ(r->container, "app");
  EXPECT_TRUE(r->stdin && r->stdout && r->stderr);
  EXPECT_FALSE(r->tty);

  auto tty = ParseExecQuery("command=sh&stdin=1&stdout=1&stderr=1&tty=1");
  ASSERT_TRUE(tty.ok());
  EXPECT_TRUE(tty->tty);
  EXPECT_FALSE(tty->stderr);  // one stream with a terminal

  EXPECT_EQ(ParseExecQuery("stdout=true").status().message(),
            "you must specify at least 1 command");
  EXPECT_EQ(ParseExecQuery("command=ls").status().code(), Code::kBadRequest);
}

TEST(RemoteCommandTest, AttachQuery) {
  // What kubectl attach -i sends (the Python client spells flags True).
  auto r = ParseAttachQuery("container=main&stdin=true&stdout=True&stderr=true");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TRUE(r->command.empty());
  EXPECT_EQ(r->container, "main");
  EXPECT_TRUE(r->stdin && r->stdout && r->stderr);
  EXPECT_FALSE(r->tty);

  auto tty = ParseAttachQuery("stdout=1&stderr=1&tty=1&command=ignored");
  ASSERT_TRUE(tty.ok());
  EXPECT_TRUE(tty->command.empty());
  EXPECT_FALSE(tty->stderr);

  EXPECT_EQ(ParseAttachQuery("container=main").status().message(),
            "you must specify at least 1 of stdin, stdout, stderr");
  EXPECT_EQ(ParseAttachQuery("").status().code(), Code::kBadRequest);
}

}  // namespace
}  // namespace sampan::kubelet
