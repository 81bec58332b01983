#include "compiler/diag/json_escape.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace squall::diag {
namespace {

struct EscapeCase {
  std::string name;
  std::string text;
  std::string expected;

  friend void PrintTo(const EscapeCase& c, std::ostream* os) { *os << c.name; }
};

class JsonEscapeTest : public testing::TestWithParam<EscapeCase> {};

TEST_P(JsonEscapeTest, Escapes) {
  std::string out = "prefix:";
  AppendJsonString(out, GetParam().text);
  EXPECT_EQ(out, "prefix:" + GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, JsonEscapeTest,
    testing::ValuesIn(std::vector<EscapeCase>{
        {.name = "empty", .text = "", .expected = R"("")"},
        {.name = "plain", .text = "core.local", .expected = R"("core.local")"},
        {.name = "quote_and_backslash", .text = R"(a"b\c)", .expected = R"("a\"b\\c")"},
        {.name = "slash_unescaped", .text = "a/b", .expected = R"("a/b")"},
        {.name = "newline_tab_cr", .text = "a\nb\tc\r", .expected = R"("a\u000ab\u0009c\u000d")"},
        {.name = "nul", .text = std::string("a\0b", 3), .expected = R"("a\u0000b")"},
        {.name = "escape_and_unit_separator", .text = "\x1b\x1f", .expected = R"("\u001b\u001f")"},
        {.name = "del_is_legal", .text = "\x7f", .expected = "\"\x7f\""},
        {.name = "utf8_passes_through",
         .text = "h\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80",
         .expected = "\"h\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80\""},
        {.name = "invalid_byte_becomes_replacement",
         .text = "a\xFF"
                 "b",
         .expected = "\"a\xEF\xBF\xBD"
                     "b\""},
        {.name = "truncated_sequence_one_replacement_per_byte",
         .text = "\xE2\x82",
         .expected = "\"\xEF\xBF\xBD\xEF\xBF\xBD\""},
        {.name = "surrogate_encoding_is_invalid",
         .text = "\xED\xA0\x80",
         .expected = "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\""},
        {.name = "plain_runs_between_escapes",
         .text = "host-1\"x\\y\nz h\xC3\xA9 end",
         .expected = R"("host-1\"x\\y\u000az h)"
                     "\xC3\xA9"
                     R"( end")"},
        {.name = "line_and_paragraph_separators",
         .text = "\xE2\x80\xA8\xE2\x80\xA9",
         .expected = R"("\u2028\u2029")"},
    }),
    [](const testing::TestParamInfo<EscapeCase>& param_info) { return param_info.param.name; });

}  // namespace
}  // namespace squall::diag
