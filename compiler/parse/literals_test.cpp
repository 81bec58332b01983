#include "compiler/parse/literals.h"

#include <gtest/gtest.h>

#include <limits>

namespace squall::parse {
namespace {

struct SuffixedCase {
  std::string spelling;
  std::optional<int64_t> milliseconds = std::nullopt;  // a duration
  std::optional<double> factor = std::nullopt;         // a factor
  std::optional<diag::Kind> problem = std::nullopt;
  std::vector<std::string> args = {};
};

class SuffixedNumberTest : public ::testing::TestWithParam<SuffixedCase> {};

TEST_P(SuffixedNumberTest, Reads) {
  const SuffixedCase& c = GetParam();
  const auto result = ReadSuffixedNumber(c.spelling);
  if (c.problem.has_value()) {
    ASSERT_TRUE(result.problem.has_value()) << c.spelling;
    EXPECT_EQ(result.problem->kind, *c.problem) << c.spelling;
    EXPECT_EQ(result.problem->args, c.args) << c.spelling;
    return;
  }
  ASSERT_FALSE(result.problem.has_value()) << c.spelling;
  if (c.milliseconds.has_value()) {
    ASSERT_TRUE(std::holds_alternative<Duration>(result.value)) << c.spelling;
    EXPECT_EQ(std::get<Duration>(result.value).milliseconds, *c.milliseconds) << c.spelling;
  } else {
    ASSERT_TRUE(std::holds_alternative<Factor>(result.value)) << c.spelling;
    EXPECT_DOUBLE_EQ(std::get<Factor>(result.value).value, *c.factor) << c.spelling;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, SuffixedNumberTest,
    ::testing::Values(
        SuffixedCase{.spelling = "30s", .milliseconds = 30'000},
        SuffixedCase{.spelling = "250ms", .milliseconds = 250},
        SuffixedCase{.spelling = "5m", .milliseconds = 300'000},
        SuffixedCase{.spelling = "2h", .milliseconds = 7'200'000},
        SuffixedCase{.spelling = "1d", .milliseconds = 86'400'000},
        SuffixedCase{.spelling = "1h30m", .milliseconds = 5'400'000},
        SuffixedCase{.spelling = "1d2h3m4s5ms", .milliseconds = 93'784'005},
        SuffixedCase{.spelling = "1_000ms", .milliseconds = 1000},
        SuffixedCase{.spelling = "1.5h", .milliseconds = 5'400'000},
        SuffixedCase{.spelling = "0.25s", .milliseconds = 250},
        SuffixedCase{.spelling = "0s", .milliseconds = 0},
        SuffixedCase{.spelling = "2x", .factor = 2.0},
        SuffixedCase{.spelling = "1.5x", .factor = 1.5},
        SuffixedCase{.spelling = "5min",
                     .problem = diag::Kind::UnknownDurationUnit,
                     .args = {"min", "5min"}},
        SuffixedCase{
            .spelling = "3y", .problem = diag::Kind::UnknownDurationUnit, .args = {"y", "3y"}},
        SuffixedCase{
            .spelling = "1h2x", .problem = diag::Kind::UnknownDurationUnit, .args = {"x", "1h2x"}},
        SuffixedCase{.spelling = "30m1h",
                     .problem = diag::Kind::MisorderedDurationUnits,
                     .args = {"30m1h", "1h30m"}},
        SuffixedCase{.spelling = "1h1h",
                     .problem = diag::Kind::MisorderedDurationUnits,
                     .args = {"1h1h", "2h"}},
        SuffixedCase{
            .spelling = "0.5ms", .problem = diag::Kind::FractionalDuration, .args = {"0.5ms"}},
        SuffixedCase{.spelling = "99999999999999999999d",
                     .problem = diag::Kind::DurationOverflow,
                     .args = {"99999999999999999999d"}},
        SuffixedCase{.spelling = "9999999999999999d",
                     .problem = diag::Kind::DurationOverflow,
                     .args = {"9999999999999999d"}}));

TEST(LiteralsTest, Integers) {
  EXPECT_EQ(ReadInt("0").value, 0);
  EXPECT_EQ(ReadInt("1_000_000").value, 1'000'000);
  EXPECT_EQ(ReadInt("9223372036854775807").value, std::numeric_limits<int64_t>::max());
  const auto overflow = ReadInt("9223372036854775808");
  ASSERT_TRUE(overflow.problem.has_value());
  EXPECT_EQ(overflow.problem->kind, diag::Kind::IntegerOverflow);
  EXPECT_EQ(overflow.problem->args, std::vector<std::string>{"9223372036854775808"});
  EXPECT_TRUE(ReadInt("99999999999999999999999").problem.has_value());
}

TEST(LiteralsTest, Floats) {
  EXPECT_DOUBLE_EQ(ReadFloat("4.5").value, 4.5);
  EXPECT_DOUBLE_EQ(ReadFloat("1_000.5").value, 1000.5);
  EXPECT_DOUBLE_EQ(ReadFloat("1e3").value, 1000.0);
  EXPECT_DOUBLE_EQ(ReadFloat("2.5E-2").value, 0.025);
  const auto huge = ReadFloat("1e999");
  ASSERT_TRUE(huge.problem.has_value());
  EXPECT_EQ(huge.problem->kind, diag::Kind::FloatOutOfRange);
}

TEST(LiteralsTest, DurationSpelling) {
  EXPECT_EQ(DurationSpelling(0), "0s");
  EXPECT_EQ(DurationSpelling(5'400'000), "1h30m");
  EXPECT_EQ(DurationSpelling(93'784'005), "1d2h3m4s5ms");
}

struct EscapeCase {
  std::string spelling;
  std::string decoded;
  std::optional<diag::Kind> problem;
};

class EscapeTest : public ::testing::TestWithParam<EscapeCase> {};

TEST_P(EscapeTest, Decodes) {
  std::string out;
  const std::optional<Problem> problem = DecodeEscape(GetParam().spelling, out);
  EXPECT_EQ(out, GetParam().decoded);
  EXPECT_EQ(problem.has_value() ? std::optional(problem->kind) : std::nullopt, GetParam().problem);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, EscapeTest,
    ::testing::Values(
        EscapeCase{"\\n", "\n", {}}, EscapeCase{"\\t", "\t", {}}, EscapeCase{"\\r", "\r", {}},
        EscapeCase{"\\0", std::string(1, '\0'), {}}, EscapeCase{"\\\\", "\\", {}},
        EscapeCase{"\\\"", "\"", {}}, EscapeCase{"\\{", "{", {}}, EscapeCase{"\\}", "}", {}},
        EscapeCase{"\\u{41}", "A", {}}, EscapeCase{"\\u{1F600}", "\xF0\x9F\x98\x80", {}},
        EscapeCase{"\\", "", {}}, EscapeCase{"\\q", "\\q", diag::Kind::InvalidEscape},
        EscapeCase{"\\\n", "\\\n", diag::Kind::InvalidEscape},
        EscapeCase{"\\u", "\\u", diag::Kind::InvalidUnicodeEscape},
        EscapeCase{"\\u{D800}", "\\u{D800}", diag::Kind::InvalidUnicodeEscape},
        EscapeCase{"\\u{110000}", "\\u{110000}", diag::Kind::InvalidUnicodeEscape},
        EscapeCase{"\\u{0000041}", "\\u{0000041}", diag::Kind::InvalidUnicodeEscape}));

}  // namespace
}  // namespace squall::parse
