// The state-directory helpers: --state resolution (flag, $SQUALL_STATE, $XDG_STATE_HOME, HOME),
// durations (`--ttl`), timestamps and elapsed times, and opening a real store in a temp dir.
#include "cli/state_flags.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace squall::cli {
namespace {

struct ResolveCase {
  std::string name;
  std::string flag;
  const char* squall_state;
  const char* xdg;
  const char* home;
  std::string expected;
};

TEST(ResolveStateDir, PrecedenceTable) {
  const std::vector<ResolveCase> cases = {
      {"flag wins", "/f", "/s", "/x", "/h", "/f"},
      {"relative flag kept", "rel/dir", "/s", "/x", "/h", "rel/dir"},
      {"SQUALL_STATE next", "", "/s", "/x", "/h", "/s"},
      {"empty SQUALL_STATE skipped", "", "", "/x", "/h", "/x/squall"},
      {"XDG_STATE_HOME next", "", nullptr, "/x", "/h", "/x/squall"},
      {"relative XDG_STATE_HOME ignored", "", nullptr, "x", "/h", "/h/.local/state/squall"},
      {"empty XDG_STATE_HOME ignored", "", nullptr, "", "/h", "/h/.local/state/squall"},
      {"HOME last", "", nullptr, nullptr, "/home/op", "/home/op/.local/state/squall"},
      {"nothing", "", nullptr, nullptr, nullptr, ""},
      {"empty HOME", "", nullptr, nullptr, "", ""},
  };
  for (const ResolveCase& c : cases) {
    EXPECT_EQ(ResolveStateDir(c.flag, c.squall_state, c.xdg, c.home).string(), c.expected)
        << c.name;
  }
}

TEST(ResolveStateDir, ReadsTheEnvironment) {
  const char* saved = std::getenv("SQUALL_STATE");
  std::optional<std::string> old = saved ? std::optional<std::string>(saved) : std::nullopt;
  ::setenv("SQUALL_STATE", "/tmp/from-env", 1);
  EXPECT_EQ(ResolveStateDir("").string(), "/tmp/from-env");
  EXPECT_EQ(ResolveStateDir("/tmp/flag").string(), "/tmp/flag");
  if (old) {
    ::setenv("SQUALL_STATE", old->c_str(), 1);
  } else {
    ::unsetenv("SQUALL_STATE");
  }
}

TEST(ParseDurationMillis, Valid) {
  const std::vector<std::pair<std::string, int64_t>> cases = {
      {"500ms", 500},  {"1s", 1000},     {"30s", 30000},     {"10m", 600000},
      {"2h", 7200000}, {"1d", 86400000}, {"1h30m", 5400000}, {"1m30s500ms", 90500},
      {"0s", 0},       {"007s", 7000},   {"90m", 5400000},
  };
  for (const auto& [text, expected] : cases) {
    EXPECT_EQ(ParseDurationMillis(text), std::optional<int64_t>(expected)) << text;
  }
}

TEST(ParseDurationMillis, Invalid) {
  for (const char* text :
       {"", "10", "s", "m5", "-5s", "+5s", "5 s", " 5s", "5s ", "5x", "5sec", "5min", "1.5h", "5S",
        "5ms5", "99999999999999999999s", "9223372036854775807s", "200000000000000d"}) {
    EXPECT_EQ(ParseDurationMillis(text), std::nullopt) << text;
  }
}

TEST(FormatTime, Rfc3339Utc) {
  EXPECT_EQ(FormatTime(0), "-");
  EXPECT_EQ(FormatTime(1), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatTime(1714564800123), "2024-05-01T12:00:00Z");
  EXPECT_EQ(FormatTime(1714564800123, true), "2024-05-01T12:00:00.123Z");
  EXPECT_EQ(FormatTime(1709208000000, true), "2024-02-29T12:00:00.000Z");  // leap day
  EXPECT_EQ(FormatTime(-1, true), "1969-12-31T23:59:59.999Z");
}

TEST(FormatDuration, Ranges) {
  EXPECT_EQ(FormatDuration(0), "0.000s");
  EXPECT_EQ(FormatDuration(1234), "1.234s");
  EXPECT_EQ(FormatDuration(59999), "59.999s");
  EXPECT_EQ(FormatDuration(123000), "2m03s");
  EXPECT_EQ(FormatDuration(3720000), "1h02m");
  EXPECT_EQ(FormatDuration(273600000), "3d04h");
  EXPECT_EQ(FormatDuration(-5), "0.000s");
}

TEST(NowMillis, IsTheWallClock) {
  // 2020-01-01 .. 2200-01-01: catches seconds-vs-milliseconds mistakes.
  EXPECT_GT(NowMillis(), 1577836800000);
  EXPECT_LT(NowMillis(), 7258118400000);
}

class OpenStateStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char templ[] = "/tmp/squall-state-flags-XXXXXX";
    ASSERT_NE(::mkdtemp(templ), nullptr);
    root_ = templ;
  }
  void TearDown() override { std::filesystem::remove_all(root_); }
  std::filesystem::path root_;
};

TEST_F(OpenStateStoreTest, ExistingAccessRefusesAMissingDirectoryWithAHint) {
  std::ostringstream err;
  const std::string dir = (root_ / "nope").string();
  EXPECT_EQ(OpenStateStore("kv get", dir, StateAccess::kExisting, err), nullptr);
  EXPECT_NE(err.str().find("squall kv get: error: state directory " + dir + " does not exist"),
            std::string::npos)
      << err.str();
  EXPECT_NE(err.str().find("squall run --state"), std::string::npos) << err.str();
  EXPECT_FALSE(std::filesystem::exists(dir));
}

TEST_F(OpenStateStoreTest, CreateAccessCreatesThenExistingOpensShared) {
  std::ostringstream err;
  const std::filesystem::path dir = root_ / "a" / "state";
  {
    auto created = OpenStateStore("kv set", dir.string(), StateAccess::kCreate, err);
    ASSERT_NE(created, nullptr) << err.str();
    store::WriteBatch batch;
    batch.kv_puts.push_back(store::KvEntry{.key = "k", .value_json = "1", .updated_at = 1});
    ASSERT_TRUE(created->Commit(std::move(batch)).ok);
    // A second shared opener at the same time (the service would be exclusive; CLIs share).
    auto second = OpenStateStore("kv get", dir.string(), StateAccess::kExisting, err);
    ASSERT_NE(second, nullptr) << err.str();
    ASSERT_TRUE(second->KvGet("k", 2).has_value());
    EXPECT_EQ(second->KvGet("k", 2)->value_json, "1");
  }
  struct stat st {};
  ASSERT_EQ(::stat(dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  EXPECT_TRUE(std::filesystem::exists(dir / "secret.key"));
  EXPECT_TRUE(err.str().empty()) << err.str();
}

}  // namespace
}  // namespace squall::cli
