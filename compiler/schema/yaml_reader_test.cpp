#include "compiler/schema/yaml_reader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>
#include <string>
#include <vector>

#include "compiler/schema/schema_test_util.h"

namespace squall::schema {
namespace {

using ::testing::ElementsAre;
using testing::Snippet;

std::string Text(Snippet& snippet, source::SourceRange range) {
  std::string_view text = snippet.sources().Text(range.file);
  return std::string(text.substr(range.begin, range.Length()));
}

// Where each diagnostic lands: kind and line:col, for broken YAML.
struct SyntaxCase {
  std::string name;
  std::string yaml;
  std::vector<std::string> expected;
  bool ok;  // parsed at all
};

class YamlProblemsTest : public ::testing::TestWithParam<SyntaxCase> {};

TEST_P(YamlProblemsTest, ReportsAtLineAndColumn) {
  Snippet snippet(GetParam().yaml);
  EXPECT_EQ(snippet.file().ok(), GetParam().ok);
  EXPECT_EQ(snippet.Diagnostics(), GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(
    Yaml, YamlProblemsTest,
    ::testing::Values(SyntaxCase{.name = "unclosed_flow",
                                 .yaml = "a: [1, 2\nb: 3\n",
                                 .expected = {"YamlSyntax test.yaml:2:2"},
                                 .ok = false},
                      SyntaxCase{.name = "bad_indentation",
                                 .yaml = "a:\n  b: 1\n c: 2\n",
                                 .expected = {"YamlSyntax test.yaml:3:2"},
                                 .ok = false},
                      SyntaxCase{.name = "tab_indentation",
                                 .yaml = "a:\n\tb: 1\n",
                                 .expected = {"YamlSyntax test.yaml:2:3"},
                                 .ok = false},
                      SyntaxCase{.name = "duplicate_key",
                                 .yaml = "a: 1\nb:\n  c: 1\n  c: 2\na: 3\n",
                                 .expected = {"DuplicateYamlKey test.yaml:4:3",
                                              "DuplicateYamlKey test.yaml:5:1"},
                                 .ok = true},
                      SyntaxCase{.name = "unknown_tag",
                                 .yaml = "a: !python/name:os.system x\n",
                                 .expected = {"YamlSyntax test.yaml:1:4"},
                                 .ok = true},
                      SyntaxCase{.name = "bad_tagged_int",
                                 .yaml = "a:\n  - !!int ten\n",
                                 .expected = {"YamlSyntax test.yaml:2:5"},
                                 .ok = true},
                      SyntaxCase{.name = "fine_tags",
                                 .yaml = "a: !!str 1\nb: !!map {c: !!seq [1]}\n",
                                 .expected = {},
                                 .ok = true},
                      SyntaxCase{.name = "indented_under_document_start",
                                 .yaml = "---\n  name: x\n  enabled: true\n",
                                 .expected = {},
                                 .ok = true}),
    [](const ::testing::TestParamInfo<SyntaxCase>& p) { return p.param.name; });

TEST(YamlReaderTest, SyntaxErrorMessageComesFromYamlCpp) {
  Snippet snippet("a: b: c\n");
  EXPECT_THAT(snippet.Messages(), ElementsAre("invalid YAML: illegal map value"));
}

TEST(YamlReaderTest, RangesCoverTheNodeText) {
  Snippet snippet(
      "---\n"
      "  double: \"x \\\" y\"  # comment\n"
      "  single: 'it''s'\n"
      "  plain: plain text # comment\n"
      "  flow: [1, [2, \"]\"]] \n"
      "  block:\n"
      "    k: v  # c\n"
      "  folded: >\n"
      "    long\n"
      "  tagged: !!str 5\n"
      "  empty:\n"
      "  tilde: ~\n");
  EXPECT_EQ(Text(snippet, snippet.Entry("double").value_range), "\"x \\\" y\"");
  EXPECT_EQ(Text(snippet, snippet.Entry("single").value_range), "'it''s'");
  EXPECT_EQ(Text(snippet, snippet.Entry("plain").value_range), "plain text");
  EXPECT_EQ(Text(snippet, snippet.Entry("flow").value_range), "[1, [2, \"]\"]]");
  EXPECT_EQ(Text(snippet, snippet.Entry("block").value_range), "k: v");
  EXPECT_EQ(Text(snippet, snippet.Entry("folded").value_range), ">");
  EXPECT_EQ(Text(snippet, snippet.Entry("tagged").value_range), "!!str 5");
  EXPECT_EQ(Text(snippet, snippet.Entry("empty").value_range), "empty");  // the key
  EXPECT_EQ(Text(snippet, snippet.Entry("tilde").value_range), "~");
  EXPECT_EQ(Text(snippet, snippet.Entry("plain").key_range), "plain");
  source::LineCol at = snippet.sources().GetLineCol(snippet.file().file_id(),
                                                    snippet.Entry("single").value_range.begin);
  EXPECT_EQ(at, (source::LineCol{.line = 3, .column = 11}));
}

TEST(YamlReaderTest, ByteOrderMarkAndCrlfKeepOffsetsRight) {
  Snippet bom(
      "\xEF\xBB\xBF"
      "a: 1\nname: first\n");
  EXPECT_EQ(Text(bom, bom.Entry("name").value_range), "first");
  Snippet crlf("a: 1\r\nname: \"first\"\r\nb: plain\r\n");
  EXPECT_EQ(Text(crlf, crlf.Entry("name").value_range), "\"first\"");
  EXPECT_EQ(Text(crlf, crlf.Entry("b").value_range), "plain");
}

TEST(YamlReaderTest, AliasBombIsRejectedNotExpanded) {
  std::string yaml = "l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int level = 1; level <= 6; ++level) {
    std::string previous = "*l" + std::to_string(level - 1);
    yaml += "l" + std::to_string(level) + ": &l" + std::to_string(level) + " [";
    for (int i = 0; i < 10; ++i) yaml += (i == 0 ? "" : ", ") + previous;
    yaml += "]\n";
  }
  Snippet snippet(yaml);
  EXPECT_FALSE(snippet.file().ok());
  EXPECT_THAT(snippet.Kinds(), ElementsAre("YamlSyntax"));
}

TEST(YamlReaderTest, EmptyFileIsANullDocument) {
  Snippet snippet("");
  EXPECT_TRUE(snippet.file().ok());
  EXPECT_EQ(KindOf(snippet.file().root()), ValueKind::kNull);
  EXPECT_EQ(snippet.file().Range(snippet.file().root()), snippet.file().Start());
}

TEST(YamlReaderTest, FieldReadersReportTheKindFound) {
  Snippet snippet(
      "name: 60\ntext: 1.0\nflag: \"yes\"\nposition: -1\nmap: [1]\nlist: {a: 1}\nok: x\n");
  EXPECT_EQ(ReadString(snippet.file(), snippet.Entry("name")), std::nullopt);
  EXPECT_EQ(ReadText(snippet.file(), snippet.Entry("text")), "1.0");
  EXPECT_EQ(ReadBool(snippet.file(), snippet.Entry("flag")), std::nullopt);
  EXPECT_EQ(ReadIndex(snippet.file(), snippet.Entry("position")), std::nullopt);
  EXPECT_FALSE(ExpectMap(snippet.file(), snippet.Entry("map")));
  EXPECT_FALSE(ExpectList(snippet.file(), snippet.Entry("list")));
  EXPECT_EQ(ReadString(snippet.file(), snippet.Entry("ok")), "x");
  EXPECT_THAT(snippet.Messages(),
              ElementsAre("field `name` must be a string, found an integer",
                          "field `flag` must be a boolean, found a string",
                          "field `position` must be an integer >= 0, found `-1`",
                          "field `map` must be a map, found a list",
                          "field `list` must be a list, found a map"));
}

TEST(YamlReaderTest, UnknownFieldsGetDidYouMean) {
  Snippet snippet("name: x\nrunner-type: local\nfrobnicate: 1\n");
  static constexpr std::array<std::string_view, 2> kKnown = {"name", "runner_type"};
  MapView(snippet.file(), snippet.file().root()).CheckKnownFields(kKnown, "action metadata");
  EXPECT_THAT(snippet.Messages(),
              ElementsAre("unknown field `runner-type` in action metadata; did you mean "
                          "`runner_type`?",
                          "unknown field `frobnicate` in action metadata; StackStorm does not "
                          "accept it"));
}

}  // namespace
}  // namespace squall::schema
