#include "compiler/diag/message.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace squall::diag {
namespace {

struct ArgCase {
  std::string name;
  Arg arg;
  std::string expected;

  friend void PrintTo(const ArgCase& c, std::ostream* os) { *os << c.name; }
};

class ArgTest : public testing::TestWithParam<ArgCase> {};

TEST_P(ArgTest, FormatsItself) { EXPECT_EQ(GetParam().arg.ToString(), GetParam().expected); }

const std::string kOwned = "owned";

INSTANTIATE_TEST_SUITE_P(
    Cases, ArgTest,
    testing::ValuesIn(std::vector<ArgCase>{
        {.name = "literal", .arg = "core.local", .expected = "core.local"},
        {.name = "string", .arg = kOwned, .expected = "owned"},
        {.name = "temporary_string", .arg = std::string("temp"), .expected = "temp"},
        {.name = "string_view", .arg = std::string_view("view"), .expected = "view"},
        {.name = "empty", .arg = "", .expected = ""},
        {.name = "int", .arg = 60, .expected = "60"},
        {.name = "negative", .arg = -7, .expected = "-7"},
        {.name = "int64_min",
         .arg = std::numeric_limits<int64_t>::min(),
         .expected = "-9223372036854775808"},
        {.name = "uint64_max",
         .arg = std::numeric_limits<uint64_t>::max(),
         .expected = "18446744073709551615"},
        {.name = "uint8_is_a_number", .arg = uint8_t{65}, .expected = "65"},
        {.name = "double_integral", .arg = 60.0, .expected = "60"},
        {.name = "double_fraction", .arg = 1.5, .expected = "1.5"},
        {.name = "double_shortest", .arg = 0.1, .expected = "0.1"},
        {.name = "double_large", .arg = 1e100, .expected = "1e+100"},
        {.name = "float", .arg = 0.25f, .expected = "0.25"},
    }),
    [](const testing::TestParamInfo<ArgCase>& param_info) { return param_info.param.name; });

struct SubstituteCase {
  std::string name;
  std::string format;
  std::vector<Arg> args;
  std::string expected;

  friend void PrintTo(const SubstituteCase& c, std::ostream* os) { *os << c.name; }
};

class SubstituteTest : public testing::TestWithParam<SubstituteCase> {};

TEST_P(SubstituteTest, Substitutes) {
  EXPECT_EQ(Substitute(GetParam().format, GetParam().args), GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, SubstituteTest,
    testing::ValuesIn(std::vector<SubstituteCase>{
        {.name = "no_placeholders", .format = "plain", .args = {}, .expected = "plain"},
        {.name = "empty", .format = "", .args = {}, .expected = ""},
        {.name = "typed",
         .format = "parameter `{0}` expects `{1}`, found {2}",
         .args = {"timeout", "int", 1.5},
         .expected = "parameter `timeout` expects `int`, found 1.5"},
        {.name = "reordered", .format = "{1}{0}", .args = {"a", "b"}, .expected = "ba"},
        {.name = "repeated", .format = "{0}-{0}", .args = {7}, .expected = "7-7"},
        {.name = "at_both_ends", .format = "{0} x {1}", .args = {1, 2}, .expected = "1 x 2"},
        {.name = "literal_braces",
         .format = "expected `{` before {0}",
         .args = {"`then`"},
         .expected = "expected `{` before `then`"},
        {.name = "argument_with_braces_is_not_rescanned",
         .format = "{0} {1}",
         .args = {"{1}", "x"},
         .expected = "{1} x"},
        {.name = "two_digit_index",
         .format = "{10}{0}{1}{2}{3}{4}{5}{6}{7}{8}{9}",
         .args = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, "ten"},
         .expected = "ten0123456789"},
    }),
    [](const testing::TestParamInfo<SubstituteCase>& param_info) { return param_info.param.name; });

TEST(FormatMessageTest, UsesTheRegisteredFormat) {
  const Arg args[] = {"x.rule", "No such file or directory"};
  EXPECT_EQ(FormatMessage(Kind::CannotReadFile, args),
            "cannot read `x.rule`: No such file or directory");
  const Arg limit[] = {21};
  EXPECT_EQ(FormatMessage(Kind::TooManyErrors, limit), "too many errors emitted (21); stopping");
}

TEST(FormatMessageDeathTest, MissingArgumentAborts) {
  const Arg args[] = {"x.rule"};
  EXPECT_DEATH(FormatMessage(Kind::CannotReadFile, args),
               "diagnostic CannotReadFile uses \\{1\\} but got 1 argument");
}

TEST(FormatMessageDeathTest, UnusedArgumentAborts) {
  const Arg args[] = {"a", "b", "c"};
  EXPECT_DEATH(FormatMessage(Kind::CannotReadFile, args),
               "diagnostic CannotReadFile got 3 argument\\(s\\) but does not use all");
}

TEST(SubstituteDeathTest, MissingArgumentNamesTheFormat) {
  EXPECT_DEATH(Substitute("x {0}", {}), "message format \"x \\{0\\}\" uses \\{0\\}");
}

}  // namespace
}  // namespace squall::diag
