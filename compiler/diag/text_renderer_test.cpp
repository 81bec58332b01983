#include "compiler/diag/text_renderer.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace squall::diag {
namespace {

using source::FileId;
using source::SourceRange;

// Files of a case are added in order, so the first is FileId{0}, the second FileId{1}.
struct File {
  std::string path;
  std::string text;
};

struct TextCase {
  std::string name;
  std::vector<File> files;
  Diagnostic diagnostic;
  TextOptions options;
  std::string expected;

  friend void PrintTo(const TextCase& c, std::ostream* os) { *os << c.name; }
};

// The range of the first occurrence of `needle` in `text` (file `file_index`); with
// `length` given, only that many bytes of it.
SourceRange Find(uint32_t file_index, std::string_view text, std::string_view needle,
                 std::optional<uint32_t> length = std::nullopt) {
  const size_t begin = text.find(needle);
  EXPECT_NE(begin, std::string_view::npos) << needle;
  return SourceRange{.file = FileId{file_index},
                     .begin = static_cast<uint32_t>(begin),
                     .end = static_cast<uint32_t>(begin + length.value_or(needle.size()))};
}

Diagnostic Error(SourceRange range, std::string message, std::vector<Note> notes = {}) {
  return Diagnostic{.kind = Kind::TestError,
                    .severity = Severity::Error,
                    .range = range,
                    .message = std::move(message),
                    .notes = std::move(notes)};
}

class RenderTextTest : public testing::TestWithParam<TextCase> {};

TEST_P(RenderTextTest, MatchesGolden) {
  const TextCase& c = GetParam();
  source::SourceManager sources;
  for (const File& file : c.files) sources.AddFile(file.path, file.text);
  EXPECT_EQ(RenderText(c.diagnostic, sources, c.options), c.expected);
}

const std::string kOps =
    "# ops.rule\n\n\n\n\n\n\n\n\n\nrule restart_on_oom\n"
    "  then core.local(cmd: \"x\", timeout: \"60\")\n";
const std::string kLocalYaml =
    "name: local\nrunner: local-shell-cmd\nparameters:\n  cmd:\n    type: string\n"
    "    required: true\n    description: command\n  # seconds\n    timeout:\n      type: int\n";
const std::string kLet = "let x = 1\nlet y = oops\n";
const std::string kMultiLine = "when event.kind == \"oom\" and\n     event.host in hosts\nthen x\n";
const std::string kTabs = "\tx = \tbad\n";
const std::string kTabInRange = "a\tb\n";
const std::string kUtf8 = "say \"h\xC3\xA9llo \xE2\x82\xAC\xF0\x9F\x98\x80\" + bad\n";
const std::string kControl =
    "a\x01"
    "b\xFF"
    "c\x7F bad\n";
const std::string kBidi =
    "x = \"\xE2\x80\xAE"
    "abc\" + bad\n";
const std::string kCrlf = "x\r\nbad\r\n";
const std::string kNoNewline = "rule r {";
const std::string kNewline = "rule r {\n";

// Line 12345 of a file, to widen the gutter.
std::string ManyLines() {
  std::string text(12344, '\n');
  return text + "deep = bad\n";
}

// A 1 MB line with `needle` in its middle.
std::string LongLine() {
  return std::string(500'000, 'a') + "needle" + std::string(500'000, 'b') + "\n";
}

INSTANTIATE_TEST_SUITE_P(
    Cases, RenderTextTest,
    testing::ValuesIn(std::vector<TextCase>{
        {.name = "simple",
         .files = {{"let.rule", kLet}},
         .diagnostic = Error(Find(0, kLet, "oops"), "unknown name `oops`"),
         .options = {},
         .expected = "let.rule:2:9: error: unknown name `oops` [TestError]\n"
                     "    2 | let y = oops\n"
                     "      |         ^~~~\n"},
        {.name = "note_in_another_file",
         .files = {{"ops.rule", kOps}, {"packs/core/actions/local.yaml", kLocalYaml}},
         .diagnostic = Error(Find(0, kOps, "\"60\""),
                             "parameter `timeout` of action `core.local` expects `int`, found "
                             "`string`",
                             {Note{.kind = Kind::DeclaredHere,
                                   .range = Find(1, kLocalYaml, "timeout:", 7),
                                   .message = "parameter `timeout` declared here"}}),
         .options = {},
         .expected = "ops.rule:12:38: error: parameter `timeout` of action `core.local` expects "
                     "`int`, found `string` [TestError]\n"
                     "   12 |   then core.local(cmd: \"x\", timeout: \"60\")\n"
                     "      |                                      ^~~~\n"
                     "packs/core/actions/local.yaml:9:5: note: parameter `timeout` declared "
                     "here [DeclaredHere]\n"
                     "    9 |     timeout:\n"
                     "      |     ^~~~~~~\n"},
        {.name = "note_without_location",
         .files = {{"let.rule", kLet}},
         .diagnostic = Error(Find(0, kLet, "x"), "`x` is unused",
                             {Note{.kind = Kind::PreviousDefinition,
                                   .range = SourceRange::Invalid(),
                                   .message = "previous definition of `x` is here"}}),
         .options = {},
         .expected = "let.rule:1:5: error: `x` is unused [TestError]\n"
                     "    1 | let x = 1\n"
                     "      |     ^\n"
                     "note: previous definition of `x` is here [PreviousDefinition]\n"},
        {.name = "multi_line_range_underlines_first_line",
         .files = {{"m.rule", kMultiLine}},
         .diagnostic = Error(Find(0, kMultiLine, "event.kind == \"oom\" and\n     event.host"),
                             "condition is always false"),
         .options = {},
         .expected = "m.rule:1:6: error: condition is always false [TestError]\n"
                     "    1 | when event.kind == \"oom\" and\n"
                     "      |      ^~~~~~~~~~~~~~~~~~~~~~~\n"},
        {.name = "tab_before_range",
         .files = {{"t.rule", kTabs}},
         .diagnostic = Error(Find(0, kTabs, "bad"), "bad"),
         .options = {},
         .expected = "t.rule:1:7: error: bad [TestError]\n"
                     "    1 |     x =     bad\n"
                     "      |             ^~~\n"},
        {.name = "range_over_tab",
         .files = {{"t.rule", kTabInRange}},
         .diagnostic = Error(Find(0, kTabInRange, "\tb"), "bad"),
         .options = {},
         .expected = "t.rule:1:2: error: bad [TestError]\n"
                     "    1 | a   b\n"
                     "      |  ^~~~\n"},
        {.name = "utf8_before_range",
         .files = {{"u.rule", kUtf8}},
         .diagnostic = Error(Find(0, kUtf8, "bad"), "bad"),
         .options = {},
         .expected = "u.rule:1:18: error: bad [TestError]\n"
                     "    1 | say \"h\xC3\xA9llo \xE2\x82\xAC\xF0\x9F\x98\x80\" + bad\n"
                     "      |                  ^~~\n"},
        {.name = "utf8_in_range",
         .files = {{"u.rule", kUtf8}},
         .diagnostic = Error(Find(0, kUtf8, "\xE2\x82\xAC\xF0\x9F\x98\x80"), "emoji"),
         .options = {},
         .expected = "u.rule:1:12: error: emoji [TestError]\n"
                     "    1 | say \"h\xC3\xA9llo \xE2\x82\xAC\xF0\x9F\x98\x80\" + bad\n"
                     "      |            ^~\n"},
        {.name = "control_and_invalid_bytes_are_replaced",
         .files = {{"c.rule", kControl}},
         .diagnostic = Error(Find(0, kControl, "bad"), "bad"),
         .options = {},
         .expected = "c.rule:1:8: error: bad [TestError]\n"
                     "    1 | a\xE2\x90\x81"
                     "b\xEF\xBF\xBD"
                     "c\xE2\x90\xA1 bad\n"
                     "      |        ^~~\n"},
        {.name = "bidi_override_is_replaced",
         .files = {{"b.rule", kBidi}},
         .diagnostic = Error(Find(0, kBidi, "bad"), "bad"),
         .options = {},
         .expected = "b.rule:1:14: error: bad [TestError]\n"
                     "    1 | x = \"\xEF\xBF\xBD"
                     "abc\" + bad\n"
                     "      |              ^~~\n"},
        {.name = "crlf_line",
         .files = {{"w.rule", kCrlf}},
         .diagnostic = Error(Find(0, kCrlf, "bad\r\n"), "bad"),
         .options = {},
         .expected = "w.rule:2:1: error: bad [TestError]\n"
                     "    2 | bad\n"
                     "      | ^~~\n"},
        {.name = "zero_length",
         .files = {{"let.rule", kLet}},
         .diagnostic = Error(Find(0, kLet, "= 1", 0), "expected `:`"),
         .options = {},
         .expected = "let.rule:1:7: error: expected `:` [TestError]\n"
                     "    1 | let x = 1\n"
                     "      |       ^\n"},
        {.name = "end_of_file_without_newline",
         .files = {{"r.rule", kNoNewline}},
         .diagnostic = Error({.file = FileId{0}, .begin = 8, .end = 8}, "expected `}`"),
         .options = {},
         .expected = "r.rule:1:9: error: expected `}` [TestError]\n"
                     "    1 | rule r {\n"
                     "      |         ^\n"},
        {.name = "end_of_file_after_newline",
         .files = {{"r.rule", kNewline}},
         .diagnostic = Error({.file = FileId{0}, .begin = 9, .end = 9}, "expected `}`"),
         .options = {},
         .expected = "r.rule:2:1: error: expected `}` [TestError]\n"
                     "    2 |\n"
                     "      | ^\n"},
        {.name = "range_at_end_of_line_then_newline",
         .files = {{"r.rule", kNewline}},
         .diagnostic = Error({.file = FileId{0}, .begin = 8, .end = 9}, "newline"),
         .options = {},
         .expected = "r.rule:1:9: error: newline [TestError]\n"
                     "    1 | rule r {\n"
                     "      |         ^\n"},
        {.name = "gutter_widens_for_all_entries",
         .files = {{"deep.rule", ManyLines()}, {"let.rule", kLet}},
         .diagnostic = Error(Find(0, ManyLines(), "bad"), "bad",
                             {Note{.kind = Kind::DeclaredHere,
                                   .range = Find(1, kLet, "y"),
                                   .message = "`y` declared here"}}),
         .options = {},
         .expected = "deep.rule:12345:8: error: bad [TestError]\n"
                     " 12345 | deep = bad\n"
                     "       |        ^~~\n"
                     "let.rule:2:5: note: `y` declared here [DeclaredHere]\n"
                     "     2 | let y = oops\n"
                     "       |     ^\n"},
        {.name = "long_line_is_windowed",
         .files = {{"long.rule", LongLine()}},
         .diagnostic = Error(Find(0, LongLine(), "needle"), "found it"),
         .options = {},
         .expected = "long.rule:1:500001: error: found it [TestError]\n"
                     "    1 | ..." +
                     std::string(40, 'a') + "needle" + std::string(74, 'b') +
                     "...\n"
                     "      | " +
                     std::string(43, ' ') + "^~~~~~\n"},
        {.name = "long_line_near_start_cuts_only_the_end",
         .files = {{"long.rule", LongLine()}},
         .diagnostic = Error(Find(0, LongLine(), "a", 3), "start"),
         .options = {},
         .expected = "long.rule:1:1: error: start [TestError]\n"
                     "    1 | " +
                     std::string(120, 'a') +
                     "...\n"
                     "      | ^~~\n"},
        {.name = "long_line_at_end_cuts_only_the_start",
         .files = {{"long.rule", LongLine()}},
         .diagnostic = Error({.file = FileId{0}, .begin = 1'000'006, .end = 1'000'006}, "end"),
         .options = {},
         .expected = "long.rule:1:1000007: error: end [TestError]\n"
                     "    1 | ..." +
                     std::string(120, 'b') +
                     "\n"
                     "      | " +
                     std::string(123, ' ') + "^\n"},
        {.name = "invalid_range",
         .files = {},
         .diagnostic = Diagnostic{.kind = Kind::CannotReadFile,
                                  .severity = Severity::Error,
                                  .range = SourceRange::Invalid(),
                                  .message = "cannot read `x.rule`: No such file or directory",
                                  .notes = {}},
         .options = {},
         .expected = "error: cannot read `x.rule`: No such file or directory [CannotReadFile]\n"},
        {.name = "warning",
         .files = {{"let.rule", kLet}},
         .diagnostic = Diagnostic{.kind = Kind::TestWarning,
                                  .severity = Severity::Warning,
                                  .range = Find(0, kLet, "y"),
                                  .message = "`y` is unused",
                                  .notes = {}},
         .options = {},
         .expected = "let.rule:2:5: warning: `y` is unused [TestWarning]\n"
                     "    2 | let y = oops\n"
                     "      |     ^\n"},
        {.name = "control_characters_in_message_are_replaced",
         .files = {},
         .diagnostic = Error(SourceRange::Invalid(), "bad \x1b[31m\tname\n"),
         .options = {},
         .expected = "error: bad \xE2\x90\x9B[31m\xE2\x90\x89name\xE2\x90\x8A [TestError]\n"},
        {.name = "color",
         .files = {{"let.rule", kLet}},
         .diagnostic = Error(Find(0, kLet, "oops"), "unknown name `oops`",
                             {Note{.kind = Kind::DeclaredHere,
                                   .range = Find(0, kLet, "x"),
                                   .message = "`x` declared here"}}),
         .options = {.color = true},
         .expected = "\x1b[1mlet.rule:2:9:\x1b[0m \x1b[1;31merror:\x1b[0m unknown name `oops` "
                     "[TestError]\n"
                     "    2 | let y = oops\n"
                     "      |         \x1b[1;32m^~~~\x1b[0m\n"
                     "\x1b[1mlet.rule:1:5:\x1b[0m \x1b[1;36mnote:\x1b[0m `x` declared here "
                     "[DeclaredHere]\n"
                     "    1 | let x = 1\n"
                     "      |     \x1b[1;32m^\x1b[0m\n"},
        {.name = "color_without_location",
         .files = {},
         .diagnostic = Diagnostic{.kind = Kind::TestWarning,
                                  .severity = Severity::Warning,
                                  .range = SourceRange::Invalid(),
                                  .message = "w",
                                  .notes = {}},
         .options = {.color = true},
         .expected = "\x1b[1;33mwarning:\x1b[0m w [TestWarning]\n"},
    }),
    [](const testing::TestParamInfo<TextCase>& param_info) { return param_info.param.name; });

struct SummaryCase {
  uint32_t errors;
  uint32_t warnings;
  std::string expected;

  friend void PrintTo(const SummaryCase& c, std::ostream* os) {
    *os << c.errors << "_errors_" << c.warnings << "_warnings";
  }
};

class RenderSummaryTest : public testing::TestWithParam<SummaryCase> {};

TEST_P(RenderSummaryTest, PluralizesAndJoins) {
  EXPECT_EQ(RenderSummary(GetParam().errors, GetParam().warnings), GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, RenderSummaryTest,
    testing::ValuesIn(std::vector<SummaryCase>{
        {.errors = 0, .warnings = 0, .expected = ""},
        {.errors = 1, .warnings = 0, .expected = "1 error generated"},
        {.errors = 2, .warnings = 0, .expected = "2 errors generated"},
        {.errors = 0, .warnings = 1, .expected = "1 warning generated"},
        {.errors = 0, .warnings = 3, .expected = "3 warnings generated"},
        {.errors = 2, .warnings = 1, .expected = "2 errors, 1 warning generated"},
        {.errors = 1, .warnings = 2, .expected = "1 error, 2 warnings generated"},
    }),
    [](const testing::TestParamInfo<SummaryCase>& param_info) {
      return std::to_string(param_info.param.errors) + "_errors_" +
             std::to_string(param_info.param.warnings) + "_warnings";
    });

}  // namespace
}  // namespace squall::diag
