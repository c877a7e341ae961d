#include "pkg/util/log.h"

#include <gtest/gtest.h>

#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace {
// An argument that counts how often it is formatted.
int g_format_calls = 0;
struct CountsFormatting {};
}  // namespace

template <>
struct fmt::formatter<CountsFormatting> : fmt::formatter<std::string_view> {
  template <typename Context>
  auto format(CountsFormatting, Context& ctx) const {
    ++g_format_calls;
    return fmt::formatter<std::string_view>::format("counted", ctx);
  }
};

namespace sampan::log {
namespace {

// The sink is a plain function pointer, so captured lines live in globals.
std::mutex g_mu;
std::vector<std::string> g_lines;

void Capture(std::string_view line) {
  std::lock_guard lock(g_mu);
  g_lines.emplace_back(line);
}

class LogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    g_lines.clear();
    SetSinkForTesting(&Capture);
  }
  // Log settings are process-wide: put back the defaults for the other tests.
  void TearDown() override {
    SetSinkForTesting(nullptr);
    ASSERT_TRUE(Configure("info", "text").ok());
  }
  std::vector<std::string> Lines() {
    std::lock_guard lock(g_mu);
    return g_lines;
  }
};

TEST_F(LogTest, ConfigureRejectsUnknownLevel) {
  Status s = Configure("verbose", "text");
  EXPECT_EQ(s.code(), Code::kInvalid);
  EXPECT_NE(s.message().find("verbose"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("debug"), std::string::npos) << "lists accepted values";
}

TEST_F(LogTest, ConfigureRejectsUnknownFormat) {
  Status s = Configure("info", "xml");
  EXPECT_EQ(s.code(), Code::kInvalid);
  EXPECT_NE(s.message().find("xml"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("json"), std::string::npos) << "lists accepted values";
}

TEST_F(LogTest, RejectedConfigureChangesNothing) {
  ASSERT_TRUE(Configure("error", "text").ok());
  EXPECT_FALSE(Configure("debug", "yaml").ok());  // a valid level with a bad format
  EXPECT_EQ(CurrentLevel(), Level::kError);
}

TEST_F(LogTest, ParseLevelAcceptsNamesAndWarningAlias) {
  EXPECT_EQ(*ParseLevel("trace"), Level::kTrace);
  EXPECT_EQ(*ParseLevel("debug"), Level::kDebug);
  EXPECT_EQ(*ParseLevel("info"), Level::kInfo);
  EXPECT_EQ(*ParseLevel("warn"), Level::kWarn);
  EXPECT_EQ(*ParseLevel("warning"), Level::kWarn);
  EXPECT_EQ(*ParseLevel("error"), Level::kError);
  EXPECT_EQ(*ParseLevel("off"), Level::kOff);
  EXPECT_EQ(ParseLevel("INFO").status().code(), Code::kInvalid);
}

TEST_F(LogTest, LevelFiltersMessages) {
  ASSERT_TRUE(Configure("warn", "text").ok());
  EXPECT_EQ(CurrentLevel(), Level::kWarn);
  const Logger log("store");
  EXPECT_FALSE(log.Enabled(Level::kInfo));
  EXPECT_TRUE(log.Enabled(Level::kWarn));
  log.Debug("hidden {}", 1);
  log.Info("hidden {}", 2);
  log.Warn("compaction slow at revision {}", 42);
  log.Error("disk full");
  std::vector<std::string> lines = Lines();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NE(lines[0].find(" W store] compaction slow at revision 42"), std::string::npos)
      << lines[0];
  EXPECT_NE(lines[1].find(" E store] disk full"), std::string::npos) << lines[1];
}

TEST_F(LogTest, OffSilencesEverything) {
  ASSERT_TRUE(Configure("off", "text").ok());
  Logger("store").Error("not written");
  EXPECT_TRUE(Lines().empty());
}

TEST_F(LogTest, DisabledLevelDoesNotFormatArguments) {
  ASSERT_TRUE(Configure("info", "text").ok());
  g_format_calls = 0;
  Logger("store").Debug("{}", CountsFormatting{});
  EXPECT_EQ(g_format_calls, 0);
  Logger("store").Info("{}", CountsFormatting{});
  EXPECT_EQ(g_format_calls, 1);
  EXPECT_EQ(Lines().size(), 1u);
}

TEST_F(LogTest, JsonIsOneLineOfValidJsonWithEscapedMessage) {
  ASSERT_TRUE(Configure("debug", "json").ok());
  const std::string message = "pod \"default/web-0\"\nback\\slash\ttab\x01 ünï";
  Logger("kubelet").Debug("{}", message);
  std::vector<std::string> lines = Lines();
  ASSERT_EQ(lines.size(), 1u);
  const std::string& line = lines[0];
  EXPECT_EQ(line.find('\n'), std::string::npos) << line;
  EXPECT_EQ(line.find('\t'), std::string::npos) << line;
  nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  ASSERT_FALSE(j.is_discarded()) << line;
  ASSERT_TRUE(j.is_object());
  EXPECT_EQ(j.value("level", ""), "debug");
  EXPECT_EQ(j.value("logger", ""), "kubelet");
  EXPECT_EQ(j.value("msg", ""), message);
  EXPECT_FALSE(j.value("ts", "").empty());
}

}  // namespace
}  // namespace sampan::log
