#include "compiler/diag/format_string.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace squall::diag::internal {
namespace {

struct ArgCountCase {
  std::string name;
  std::string format;
  std::optional<uint32_t> expected;

  friend void PrintTo(const ArgCountCase& c, std::ostream* os) { *os << c.name; }
};

class ArgCountTest : public testing::TestWithParam<ArgCountCase> {};

TEST_P(ArgCountTest, CountsContiguousPlaceholders) {
  EXPECT_EQ(ArgCount(GetParam().format), GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ArgCountTest,
    testing::ValuesIn(std::vector<ArgCountCase>{
        {.name = "none", .format = "no arguments", .expected = 0},
        {.name = "one", .format = "`{0}` here", .expected = 1},
        {.name = "reordered", .format = "{1} then {0}", .expected = 2},
        {.name = "repeated", .format = "{0} and {0} and {1}", .expected = 2},
        {.name = "two_digits", .format = "{0}{1}{2}{3}{4}{5}{6}{7}{8}{9}{10}", .expected = 11},
        {.name = "gap", .format = "{0} and {2}", .expected = std::nullopt},
        {.name = "missing_zero", .format = "{1}", .expected = std::nullopt},
        {.name = "literal_braces", .format = "expected `{` or `}`", .expected = 0},
        {.name = "literal_brace_then_placeholder", .format = "`{`{0}", .expected = 1},
        {.name = "unclosed", .format = "{0", .expected = 0},
        {.name = "three_digits_is_literal", .format = "{100}", .expected = 0},
        {.name = "non_digit", .format = "{x}", .expected = 0},
    }),
    [](const testing::TestParamInfo<ArgCountCase>& param_info) { return param_info.param.name; });

TEST(FindPlaceholderTest, ReportsSpanAndIndex) {
  const std::optional<Placeholder> found = FindPlaceholder("a {` {12} b", 0);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->begin, 5u);
  EXPECT_EQ(found->end, 9u);
  EXPECT_EQ(found->index, 12u);
  EXPECT_FALSE(FindPlaceholder("a {` {12} b", 9).has_value());
}

struct WordingCase {
  std::string name;
  std::string format;
  bool expected;

  friend void PrintTo(const WordingCase& c, std::ostream* os) { *os << c.name; }
};

class WordingRuleTest : public testing::TestWithParam<WordingCase> {};

TEST_P(WordingRuleTest, Checks) {
  EXPECT_EQ(FollowsWordingRule(GetParam().format), GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, WordingRuleTest,
    testing::ValuesIn(std::vector<WordingCase>{
        {.name = "good", .format = "unknown name `{0}`; did you mean `{1}`", .expected = true},
        {.name = "starts_with_placeholder", .format = "{0} declared here", .expected = true},
        {.name = "starts_with_code", .format = "`{0}` is unused", .expected = true},
        {.name = "uppercase_start", .format = "Unknown name", .expected = false},
        {.name = "final_period", .format = "unknown name.", .expected = false},
        {.name = "trailing_space", .format = "unknown name ", .expected = false},
        {.name = "two_lines", .format = "unknown\nname", .expected = false},
        {.name = "empty", .format = "", .expected = false},
    }),
    [](const testing::TestParamInfo<WordingCase>& param_info) { return param_info.param.name; });

}  // namespace
}  // namespace squall::diag::internal
