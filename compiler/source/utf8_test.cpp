#include "compiler/source/utf8.h"

#include <gtest/gtest.h>

#include <string>

namespace squall::source {
namespace {

struct DecodeCase {
  std::string name;
  std::string text;
  Utf8Char expected;

  friend void PrintTo(const DecodeCase& c, std::ostream* os) { *os << c.name; }
};

class DecodeUtf8Test : public testing::TestWithParam<DecodeCase> {};

TEST_P(DecodeUtf8Test, DecodesFirstUnit) {
  const DecodeCase& c = GetParam();
  const Utf8Char got = DecodeUtf8(c.text, 0);
  EXPECT_EQ(got.code_point, c.expected.code_point);
  EXPECT_EQ(got.length, c.expected.length);
  EXPECT_EQ(got.valid, c.expected.valid);
}

constexpr Utf8Char kInvalid{};

INSTANTIATE_TEST_SUITE_P(
    Cases, DecodeUtf8Test,
    testing::ValuesIn(std::vector<DecodeCase>{
        {.name = "ascii", .text = "a", .expected = {'a', 1, true}},
        {.name = "nul", .text = std::string(1, '\0'), .expected = {0, 1, true}},
        {.name = "two_bytes", .text = "\xC3\xA9", .expected = {0xE9, 2, true}},
        {.name = "three_bytes", .text = "\xE2\x82\xAC", .expected = {0x20AC, 3, true}},
        {.name = "four_bytes", .text = "\xF0\x9F\x98\x80", .expected = {0x1F600, 4, true}},
        {.name = "max_scalar", .text = "\xF4\x8F\xBF\xBF", .expected = {0x10FFFF, 4, true}},
        {.name = "lone_continuation", .text = "\x80", .expected = kInvalid},
        {.name = "overlong_two", .text = "\xC0\x80", .expected = kInvalid},
        {.name = "overlong_three", .text = "\xE0\x80\x80", .expected = kInvalid},
        {.name = "overlong_four", .text = "\xF0\x80\x80\x80", .expected = kInvalid},
        {.name = "surrogate", .text = "\xED\xA0\x80", .expected = kInvalid},
        {.name = "above_max", .text = "\xF4\x90\x80\x80", .expected = kInvalid},
        {.name = "lead_f5", .text = "\xF5\x80\x80\x80", .expected = kInvalid},
        {.name = "truncated", .text = "\xE2\x82", .expected = kInvalid},
        {.name = "bad_continuation", .text = "\xE2(\xAC", .expected = kInvalid},
    }),
    [](const testing::TestParamInfo<DecodeCase>& param_info) { return param_info.param.name; });

TEST(DecodeUtf8Test, InvalidSequenceConsumesOneByteSoNextByteIsDecodedAgain) {
  const std::string text =
      "\xE2\x82"
      "a";
  EXPECT_FALSE(DecodeUtf8(text, 0).valid);
  EXPECT_FALSE(DecodeUtf8(text, 1).valid);
  EXPECT_EQ(DecodeUtf8(text, 2).code_point, U'a');
}

TEST(AppendUtf8Test, RoundTripsThroughDecode) {
  for (const char32_t code_point : {U'\0', U'a', U'\x7F', U'\x80', U'\x7FF', U'\x800', U'\xFFFD',
                                    U'\xFFFF', U'\x10000', U'\x10FFFF'}) {
    std::string text;
    AppendUtf8(text, code_point);
    const Utf8Char decoded = DecodeUtf8(text, 0);
    EXPECT_TRUE(decoded.valid) << static_cast<uint32_t>(code_point);
    EXPECT_EQ(decoded.code_point, code_point);
    EXPECT_EQ(decoded.length, text.size());
  }
}

TEST(Utf16LengthTest, AstralPlaneNeedsASurrogatePair) {
  EXPECT_EQ(Utf16Length(U'a'), 1u);
  EXPECT_EQ(Utf16Length(U'\xFFFF'), 1u);
  EXPECT_EQ(Utf16Length(U'\x10000'), 2u);
}

TEST(AppendUtf8DeathTest, SurrogateAborts) {
  std::string text;
  EXPECT_DEATH(AppendUtf8(text, 0xD800), "not a Unicode scalar value");
}

}  // namespace
}  // namespace squall::source
