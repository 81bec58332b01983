#include "compiler/check/glob.h"

#include <gtest/gtest.h>

#include <string>

namespace squall::check {
namespace {

struct GlobCase {
  std::string pattern;
  std::string text;
  bool matches;
};

class GlobTest : public testing::TestWithParam<GlobCase> {};

TEST_P(GlobTest, Matches) {
  EXPECT_EQ(GlobMatch(GetParam().pattern, GetParam().text), GetParam().matches)
      << GetParam().pattern << " ~ " << GetParam().text;
}

INSTANTIATE_TEST_SUITE_P(
    Glob, GlobTest,
    testing::Values(GlobCase{"web*", "web-01", true}, GlobCase{"web*", "db-01", false},
                    GlobCase{"*", "", true}, GlobCase{"", "", true}, GlobCase{"", "a", false},
                    GlobCase{"a?c", "abc", true}, GlobCase{"a?c", "ac", false},
                    GlobCase{"a?c",
                             "a\xC3\xA9"
                             "c",
                             true},  // `?` is one code point
                    GlobCase{"*.log", "/var/log/syslog.log", true},
                    GlobCase{"*a*b*c", "xxaxxbxxc", true}, GlobCase{"*a*b*c", "xxaxxcxxb", false},
                    GlobCase{"web\\*", "web*", true}, GlobCase{"web\\*", "web1", false},
                    GlobCase{"Web*", "web1", false}, GlobCase{"a**b", "ab", true},
                    // After `*`, `?` and literals start on a code point, never inside one:
                    // "日本語" has no two characters before 本 (found by the differential test).
                    GlobCase{"*??\xE6\x9C\xAC*", "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E", false},
                    GlobCase{"*?\xE6\x9C\xAC*", "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E", true},
                    GlobCase{"*?", "\xE6\x97\xA5", true}, GlobCase{"*??", "\xE6\x97\xA5", false}));

}  // namespace
}  // namespace squall::check
