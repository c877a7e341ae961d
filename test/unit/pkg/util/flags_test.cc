#include "pkg/util/flags.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

namespace sampan::flags {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Strings = std::vector<std::string>;

// A FlagSet with one flag of each kind, a fake environment and a temp dir for config files.
class FlagsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/flags_test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    Define(set_);
    set_.SetEnvLookupForTesting([this](const std::string& name) -> std::optional<std::string> {
      auto it = env_.find(name);
      if (it == env_.end()) return std::nullopt;
      return it->second;
    });
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void Define(FlagSet& set) {
    set.String(&data_dir_, "data-dir", "/var/lib/sampan", "Folder to hold state");
    set.Int(&port_, "https-listen-port", 6443, "HTTPS listen port");
    set.Bool(&disable_agent_, "disable-agent", false, "Do not run the agent");
    set.Duration(&interval_, "sync-interval", seconds(5), "How often to sync");
    set.StringList(&tls_san_, "tls-san", {}, "Extra SANs");
    set.StringList(&cidrs_, "cluster-cidr", {"10.42.0.0/16"}, "Pod CIDRs");
  }

  std::string WriteFile(const std::string& name, const std::string& content) {
    std::string path = dir_ + "/" + name;
    std::ofstream(path) << content;
    return path;
  }

  void EnableConfig(const std::string& default_path = "") {
    set_.EnableConfigFile(default_path.empty() ? dir_ + "/absent.yaml" : default_path);
  }

  std::string dir_;
  std::map<std::string, std::string> env_;
  FlagSet set_{"sampan server", "Run the server."};
  std::string data_dir_;
  int port_ = 0;
  bool disable_agent_ = true;
  std::chrono::nanoseconds interval_{};
  Strings tls_san_;
  Strings cidrs_;
};

TEST_F(FlagsTest, DefiningStoresDefaults) {
  EXPECT_EQ(data_dir_, "/var/lib/sampan");
  EXPECT_EQ(port_, 6443);
  EXPECT_FALSE(disable_agent_);
  EXPECT_EQ(interval_, seconds(5));
  EXPECT_EQ(tls_san_, Strings{});
  EXPECT_EQ(cidrs_, Strings{"10.42.0.0/16"});
  ASSERT_TRUE(set_.Parse({}).ok());
  EXPECT_EQ(set_.source("data-dir"), Source::kDefault);
  EXPECT_EQ(set_.Names(), (Strings{"data-dir", "https-listen-port", "disable-agent",
                                   "sync-interval", "tls-san", "cluster-cidr"}));
}

TEST_F(FlagsTest, ParsesAllSyntaxes) {
  Status status = set_.Parse({"--data-dir", "/srv/a", "--https-listen-port=7443", "--disable-agent",
                              "--sync-interval=1m30s", "--tls-san", "a.example", "--tls-san=b,c"});
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(data_dir_, "/srv/a");
  EXPECT_EQ(port_, 7443);
  EXPECT_TRUE(disable_agent_);
  EXPECT_EQ(interval_, seconds(90));
  EXPECT_EQ(tls_san_, (Strings{"a.example", "b", "c"}));
  EXPECT_EQ(set_.source("tls-san"), Source::kCommandLine);
  EXPECT_TRUE(set_.positional().empty());
}

TEST_F(FlagsTest, BoolTakesExplicitValues) {
  ASSERT_TRUE(set_.Parse({"--disable-agent", "--disable-agent=false"}).ok());
  EXPECT_FALSE(disable_agent_);
}

TEST_F(FlagsTest, BoolDoesNotConsumeTheNextArgument) {
  ASSERT_TRUE(set_.Parse({"--disable-agent", "false"}).ok());
  EXPECT_TRUE(disable_agent_);
  EXPECT_EQ(set_.positional(), Strings{"false"});
}

TEST_F(FlagsTest, KeepsPositionalArgumentsAndStopsAtDoubleDash) {
  ASSERT_TRUE(set_.Parse({"one", "--data-dir=/x", "two", "--", "--tls-san", "-"}).ok());
  EXPECT_EQ(set_.positional(), (Strings{"one", "two", "--tls-san", "-"}));
  EXPECT_EQ(data_dir_, "/x");
  EXPECT_TRUE(tls_san_.empty());
}

TEST_F(FlagsTest, EmptyValueIsAllowed) {
  ASSERT_TRUE(set_.Parse({"--data-dir="}).ok());
  EXPECT_EQ(data_dir_, "");
}

TEST_F(FlagsTest, UnknownFlagIsInvalidAndNamed) {
  Status status = set_.Parse({"--data-dir", "/x", "--no-such-flag=1"});
  EXPECT_EQ(status.code(), Code::kInvalid);
  EXPECT_NE(status.message().find("--no-such-flag"), std::string::npos) << status.message();
  EXPECT_NE(status.message().find("sampan server"), std::string::npos) << status.message();
}

TEST_F(FlagsTest, SingleDashFlagIsUnknown) {
  Status status = set_.Parse({"-d", "/x"});
  EXPECT_EQ(status.code(), Code::kInvalid);
  EXPECT_NE(status.message().find("-d"), std::string::npos);
}

TEST_F(FlagsTest, MissingValueIsAnError) {
  Status status = set_.Parse({"--data-dir"});
  EXPECT_EQ(status.code(), Code::kInvalid);
  EXPECT_NE(status.message().find("--data-dir needs a value"), std::string::npos);
}

TEST_F(FlagsTest, BadValuesNameTheFlag) {
  for (const Strings& args :
       {Strings{"--https-listen-port=http"}, Strings{"--https-listen-port=99999999999"},
        Strings{"--disable-agent=maybe"}, Strings{"--sync-interval=5"}}) {
    FlagSet set("sampan server", "");
    Define(set);
    Status status = set.Parse(args);
    EXPECT_EQ(status.code(), Code::kInvalid) << args[0];
    std::string name = args[0].substr(0, args[0].find('='));
    EXPECT_NE(status.message().find("flag " + name), std::string::npos) << status.message();
  }
}

TEST_F(FlagsTest, HelpWinsOverErrors) {
  EnableConfig(WriteFile("broken.yaml", "{{{"));
  ASSERT_TRUE(set_.Parse({"--no-such-flag", "-h"}).ok());
  EXPECT_TRUE(set_.help_requested());
}

TEST_F(FlagsTest, HelpAfterDoubleDashIsPositional) {
  ASSERT_TRUE(set_.Parse({"--", "--help"}).ok());
  EXPECT_FALSE(set_.help_requested());
  EXPECT_EQ(set_.positional(), Strings{"--help"});
}

TEST_F(FlagsTest, ParseTwiceFails) {
  ASSERT_TRUE(set_.Parse({}).ok());
  EXPECT_FALSE(set_.Parse({}).ok());
}

TEST_F(FlagsTest, EnvName) {
  EXPECT_EQ(FlagSet::EnvName("data-dir"), "SAMPAN_DATA_DIR");
  EXPECT_EQ(FlagSet::EnvName("tls-san"), "SAMPAN_TLS_SAN");
  EXPECT_EQ(FlagSet::EnvName("token"), "SAMPAN_TOKEN");
}

TEST_F(FlagsTest, EnvironmentSetsFlags) {
  env_ = {{"SAMPAN_DATA_DIR", "/from/env"},
          {"SAMPAN_HTTPS_LISTEN_PORT", "8443"},
          {"SAMPAN_DISABLE_AGENT", "true"},
          {"SAMPAN_TLS_SAN", "x, y ,,z"},
          {"SAMPAN_SYNC_INTERVAL", "250ms"}};
  ASSERT_TRUE(set_.Parse({}).ok());
  EXPECT_EQ(data_dir_, "/from/env");
  EXPECT_EQ(port_, 8443);
  EXPECT_TRUE(disable_agent_);
  EXPECT_EQ(tls_san_, (Strings{"x", "y", "z"}));
  EXPECT_EQ(interval_, milliseconds(250));
  EXPECT_EQ(set_.source("data-dir"), Source::kEnvironment);
}

TEST_F(FlagsTest, EmptyEnvironmentVariableIsUnset) {
  env_ = {{"SAMPAN_DATA_DIR", ""}};
  ASSERT_TRUE(set_.Parse({}).ok());
  EXPECT_EQ(data_dir_, "/var/lib/sampan");
}

TEST_F(FlagsTest, BadEnvironmentValueNamesTheVariable) {
  env_ = {{"SAMPAN_HTTPS_LISTEN_PORT", "lots"}};
  Status status = set_.Parse({});
  EXPECT_EQ(status.code(), Code::kInvalid);
  EXPECT_NE(status.message().find("$SAMPAN_HTTPS_LISTEN_PORT"), std::string::npos)
      << status.message();
}

TEST_F(FlagsTest, EnvAliasLosesToCanonicalName) {
  set_.AddEnvAlias("data-dir", "SAMPAN_URL");
  env_ = {{"SAMPAN_URL", "/alias"}};
  ASSERT_TRUE(set_.Parse({}).ok());
  EXPECT_EQ(data_dir_, "/alias");

  FlagSet set("sampan agent", "");
  Define(set);
  set.AddEnvAlias("data-dir", "SAMPAN_URL");
  std::map<std::string, std::string> env = {{"SAMPAN_URL", "/alias"},
                                            {"SAMPAN_DATA_DIR", "/canonical"}};
  set.SetEnvLookupForTesting([&](const std::string& name) -> std::optional<std::string> {
    auto it = env.find(name);
    return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
  });
  ASSERT_TRUE(set.Parse({}).ok());
  EXPECT_EQ(data_dir_, "/canonical");
}

TEST_F(FlagsTest, ConfigFileSetsFlags) {
  EnableConfig();
  std::string path = WriteFile("config.yaml",
                               "data-dir: /from/file\n"
                               "https-listen-port: 9443\n"
                               "disable-agent: true\n"
                               "sync-interval: 2s\n"
                               "tls-san:\n  - a\n  - b\n"
                               "cluster-cidr: 10.1.0.0/16,fd00::/56\n");
  ASSERT_TRUE(set_.Parse({"--config", path}).ok());
  EXPECT_EQ(set_.config_path(), path);
  EXPECT_EQ(data_dir_, "/from/file");
  EXPECT_EQ(port_, 9443);
  EXPECT_TRUE(disable_agent_);
  EXPECT_EQ(interval_, seconds(2));
  EXPECT_EQ(tls_san_, (Strings{"a", "b"}));
  EXPECT_EQ(cidrs_, (Strings{"10.1.0.0/16", "fd00::/56"}));
  EXPECT_EQ(set_.source("tls-san"), Source::kConfigFile);
}

TEST_F(FlagsTest, EmptyListInConfigFileClearsTheDefault) {
  EnableConfig();
  std::string path = WriteFile("config.yaml", "cluster-cidr: []\n");
  ASSERT_TRUE(set_.Parse({"--config=" + path}).ok());
  EXPECT_TRUE(cidrs_.empty());
}

TEST_F(FlagsTest, PrecedenceIsCommandLineThenEnvironmentThenFileThenDefault) {
  EnableConfig();
  std::string path = WriteFile("config.yaml",
                               "data-dir: /file\n"
                               "https-listen-port: 1001\n"
                               "tls-san: [f1, f2]\n"
                               "sync-interval: 1s\n");
  env_ = {
      {"SAMPAN_DATA_DIR", "/env"}, {"SAMPAN_HTTPS_LISTEN_PORT", "1002"}, {"SAMPAN_TLS_SAN", "e1"}};
  ASSERT_TRUE(
      set_.Parse({"--config", path, "--data-dir=/cli", "--tls-san=c1", "--tls-san=c2"}).ok());
  EXPECT_EQ(data_dir_, "/cli");
  EXPECT_EQ(set_.source("data-dir"), Source::kCommandLine);
  EXPECT_EQ(port_, 1002);
  EXPECT_EQ(set_.source("https-listen-port"), Source::kEnvironment);
  EXPECT_EQ(tls_san_, (Strings{"c1", "c2"}));  // sources replace lists, never merge
  EXPECT_EQ(interval_, seconds(1));
  EXPECT_EQ(set_.source("sync-interval"), Source::kConfigFile);
  EXPECT_FALSE(disable_agent_);
  EXPECT_EQ(set_.source("disable-agent"), Source::kDefault);
}

TEST_F(FlagsTest, EnvironmentListReplacesFileList) {
  EnableConfig();
  std::string path = WriteFile("config.yaml", "tls-san: [f1, f2]\n");
  env_ = {{"SAMPAN_TLS_SAN", "e1"}, {"SAMPAN_CONFIG", path}};
  ASSERT_TRUE(set_.Parse({}).ok());
  EXPECT_EQ(tls_san_, Strings{"e1"});
}

TEST_F(FlagsTest, ConfigFromEnvironmentAndFlagBeatsIt) {
  EnableConfig();
  std::string from_env = WriteFile("env.yaml", "data-dir: /env-file\n");
  std::string from_flag = WriteFile("flag.yaml", "data-dir: /flag-file\n");
  env_ = {{"SAMPAN_CONFIG", from_env}};
  ASSERT_TRUE(set_.Parse({}).ok());
  EXPECT_EQ(data_dir_, "/env-file");

  FlagSet set("sampan server", "");
  Define(set);
  set.EnableConfigFile(dir_ + "/absent.yaml");
  set.SetEnvLookupForTesting([&](const std::string& name) -> std::optional<std::string> {
    if (name == "SAMPAN_CONFIG") return from_env;
    return std::nullopt;
  });
  ASSERT_TRUE(set.Parse({"--config", from_flag}).ok());
  EXPECT_EQ(data_dir_, "/flag-file");
  EXPECT_EQ(set.config_path(), from_flag);
}

TEST_F(FlagsTest, DefaultConfigFileIsReadWhenPresentAndOptionalWhenAbsent) {
  EnableConfig(WriteFile("default.yaml", "data-dir: /default-file\n"));
  ASSERT_TRUE(set_.Parse({}).ok());
  EXPECT_EQ(data_dir_, "/default-file");

  FlagSet set("sampan server", "");
  Define(set);
  set.EnableConfigFile(dir_ + "/absent.yaml");
  set.SetEnvLookupForTesting([](const std::string&) { return std::nullopt; });
  ASSERT_TRUE(set.Parse({}).ok());
  EXPECT_EQ(set.config_path(), "");
}

TEST_F(FlagsTest, NamedConfigFileMustExist) {
  EnableConfig();
  Status status = set_.Parse({"--config", dir_ + "/missing.yaml"});
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find("missing.yaml"), std::string::npos) << status.message();
}

TEST_F(FlagsTest, EmptyConfigFlagTurnsTheFileOff) {
  EnableConfig(WriteFile("default.yaml", "data-dir: /default-file\n"));
  ASSERT_TRUE(set_.Parse({"--config="}).ok());
  EXPECT_EQ(data_dir_, "/var/lib/sampan");
}

TEST_F(FlagsTest, UnknownConfigKeyNamesKeyAndFile) {
  EnableConfig();
  std::string path = WriteFile("config.yaml", "data-dir: /x\nno-such-key: 1\n");
  Status status = set_.Parse({"--config", path});
  EXPECT_EQ(status.code(), Code::kInvalid);
  EXPECT_NE(status.message().find("\"no-such-key\""), std::string::npos) << status.message();
  EXPECT_NE(status.message().find(path), std::string::npos) << status.message();
  EXPECT_NE(status.message().find("line 2"), std::string::npos) << status.message();
}

TEST_F(FlagsTest, IgnoredConfigKeysAreAccepted) {
  EnableConfig();
  set_.IgnoreConfigKeys({"server"});
  std::string path = WriteFile("config.yaml", "server: https://10.0.0.1:6443\ndata-dir: /x\n");
  ASSERT_TRUE(set_.Parse({"--config", path}).ok());
  EXPECT_EQ(data_dir_, "/x");
}

TEST_F(FlagsTest, ConfigKeyConfigIsRejected) {
  EnableConfig();
  std::string path = WriteFile("config.yaml", "config: /other.yaml\n");
  EXPECT_EQ(set_.Parse({"--config", path}).code(), Code::kInvalid);
}

TEST_F(FlagsTest, MalformedConfigFilesGiveClearErrors) {
  struct Case {
    const char* content;
    const char* expect;
  };
  const Case cases[] = {
      {"data-dir: [unclosed\n", "line"},
      {"- just\n- a list\n", "mapping of flag names"},
      {"data-dir: [a, b]\n", "single value"},
      {"data-dir: {a: 1}\n", "not a mapping"},
      {"data-dir:\n", "no value"},
      {"tls-san: [[nested]]\n", "plain values"},
      {"https-listen-port: many\n", "from key \"https-listen-port\""},
  };
  for (const Case& c : cases) {
    FlagSet set("sampan server", "");
    Define(set);
    set.EnableConfigFile(dir_ + "/absent.yaml");
    std::string path = WriteFile("bad.yaml", c.content);
    Status status = set.Parse({"--config", path});
    EXPECT_EQ(status.code(), Code::kInvalid) << c.content;
    EXPECT_NE(status.message().find(c.expect), std::string::npos) << status.message();
    EXPECT_NE(status.message().find(path), std::string::npos) << status.message();
  }
}

TEST_F(FlagsTest, EmptyConfigFileIsFine) {
  EnableConfig();
  std::string path = WriteFile("config.yaml", "# nothing here\n");
  ASSERT_TRUE(set_.Parse({"--config", path}).ok());
  EXPECT_EQ(data_dir_, "/var/lib/sampan");
}

TEST_F(FlagsTest, UsageListsFlagsDefaultsAndEnvironment) {
  EnableConfig();
  std::string usage = set_.Usage();
  EXPECT_NE(usage.find("Usage: sampan server [flags]"), std::string::npos) << usage;
  EXPECT_NE(usage.find("Run the server."), std::string::npos);
  EXPECT_NE(usage.find("--data-dir string"), std::string::npos);
  EXPECT_NE(usage.find("(default \"/var/lib/sampan\")"), std::string::npos);
  EXPECT_NE(usage.find("[$SAMPAN_DATA_DIR]"), std::string::npos);
  EXPECT_NE(usage.find("(default 6443)"), std::string::npos);
  EXPECT_NE(usage.find("--tls-san strings"), std::string::npos);
  EXPECT_NE(usage.find("(default [10.42.0.0/16])"), std::string::npos);
  EXPECT_NE(usage.find("(default 5s)"), std::string::npos);
  EXPECT_NE(usage.find("--config string"), std::string::npos);
  EXPECT_NE(usage.find("--help"), std::string::npos);
}

}  // namespace
}  // namespace sampan::flags
