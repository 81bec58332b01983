// Inputs that must never crash the parser, each checked for the result it must produce:
// empty and comment-only files, binary data, invalid UTF-8, pathological nesting and chains,
// unterminated strings at end of line and file, stray braces, and a 10 MB file.
#include <gtest/gtest.h>

#include <chrono>
#include <random>

#include "compiler/parse/parse_test_util.h"
#include "compiler/parse/parser.h"

namespace squall::parse {
namespace {

using testing::DiagAt;
using testing::Parse;
using testing::Parsed;

std::string Repeat(std::string_view piece, size_t count) {
  std::string out;
  out.reserve(piece.size() * count);
  for (size_t i = 0; i < count; ++i) out += piece;
  return out;
}

TEST(ParserRobustnessTest, EmptyFile) {
  const Parsed parsed = Parse("");
  EXPECT_TRUE(parsed.diagnostics.empty());
  EXPECT_TRUE(parsed.file->decls.empty());
  EXPECT_EQ(parsed.file->node_count, 1u);  // the File itself
  EXPECT_EQ(parsed.file->file, parsed.file_id);
}

TEST(ParserRobustnessTest, OnlyComments) {
  const Parsed parsed = Parse("# one\n\n   # two\r\n#three");
  EXPECT_TRUE(parsed.diagnostics.empty()) << parsed.Messages();
  EXPECT_TRUE(parsed.file->decls.empty());
  EXPECT_EQ(parsed.file->comments.size(), 3u);
}

TEST(ParserRobustnessTest, BinaryData) {
  std::mt19937 random(42);
  for (int round = 0; round < 20; ++round) {
    std::string bytes(4096, '\0');
    for (char& byte : bytes) byte = static_cast<char>(random() & 0xFF);
    const Parsed parsed = Parse(bytes);
    // Binary data is never valid: the first bad byte, at least, is reported.
    EXPECT_FALSE(parsed.diagnostics.empty());
    for (const diag::Diagnostic& d : parsed.diagnostics) {
      EXPECT_LE(d.range.end, bytes.size());
    }
  }
  const Parsed nuls = Parse(std::string(100, '\0'));
  ASSERT_FALSE(nuls.diagnostics.empty());
  EXPECT_EQ(nuls.diagnostics[0].kind, diag::Kind::UnexpectedCharacter);
}

TEST(ParserRobustnessTest, InvalidUtf8ReportedOnceThenParsingGoesOn) {
  // Bad bytes in a comment, a string and between tokens; a real error after them still shows.
  const Parsed parsed =
      Parse("# caf\xE9\nconst a = \"\xC3\x28\"\nconst b = 1 \xFF\xFE\nconst c = (1 +\n");
  EXPECT_EQ(parsed.Located(),
            (std::vector<DiagAt>{{"InvalidUtf8", 1, 6}, {"UnclosedBracket", 5, 1}}))
      << parsed.Messages();
  ASSERT_EQ(parsed.file->decls.size(), 3u);
  // The bad byte reads as U+FFFD inside strings.
  const auto& a =
      ast::Cast<ast::StringLiteral>(*ast::Cast<ast::ConstDecl>(*parsed.file->decls[0]).value);
  EXPECT_EQ(a.Text(), "\xEF\xBF\xBD(");
}

TEST(ParserRobustnessTest, InvalidUtf8ColumnCountsCodePoints) {
  const Parsed parsed = Parse("const a = \"\xF0\x9F\x98\x80\x80\"\n");
  ASSERT_FALSE(parsed.diagnostics.empty());
  EXPECT_EQ(parsed.Located()[0], (DiagAt{"InvalidUtf8", 1, 13})) << parsed.Messages();
}

struct DeepCase {
  std::string name;
  std::string source;
};

class DeepNestingTest : public ::testing::TestWithParam<DeepCase> {};

TEST_P(DeepNestingTest, ReportsNestingTooDeepWithoutCrashing) {
  const Parsed parsed = Parse(GetParam().source);
  ASSERT_FALSE(parsed.diagnostics.empty());
  EXPECT_EQ(parsed.diagnostics[0].kind, diag::Kind::NestingTooDeep) << parsed.Messages();
}

INSTANTIATE_TEST_SUITE_P(
    TenThousandLevels, DeepNestingTest,
    ::testing::Values(
        DeepCase{"Parens", "const a = " + Repeat("(", 10'000) + "1" + Repeat(")", 10'000)},
        DeepCase{"Brackets", "const a = " + Repeat("[", 10'000) + Repeat("]", 10'000)},
        DeepCase{"Braces", "const a = " + Repeat("{a: ", 10'000) + "1" + Repeat("}", 10'000)},
        DeepCase{"Interpolations",
                 "const a = " + Repeat("\"{{", 10'000) + "1" + Repeat("}}\"", 10'000)},
        DeepCase{"Blocks", "workflow w() " + Repeat("{", 10'000) + Repeat("}", 10'000)},
        DeepCase{"Nots", "const a = " + Repeat("not ", 10'000) + "x"},
        DeepCase{"Negations", "const a = " + Repeat("- ", 10'000) + "x"},
        DeepCase{"NotsBetweenComparisons", "const a = x" + Repeat(" == not x", 10'000)},
        DeepCase{"ParenthesizedNots", "const a = x" + Repeat(" == (not x", 10'000)},
        DeepCase{"NotsEndedInsideParens", "const a = " + Repeat("(not a and ", 10'000) + "b"},
        DeepCase{"NegationsInParens", "const a = " + Repeat("(-", 10'000) + "1"},
        DeepCase{"UnclosedParens", "const a = " + Repeat("(", 10'000)}),
    [](const ::testing::TestParamInfo<DeepCase>& param_info) { return param_info.param.name; });

TEST(ParserRobustnessTest, NestingAtTheLimitParses) {
  const Parsed parsed = Parse("const a = " + Repeat("(", 150) + "1" + Repeat(")", 150) + "\n" +
                              "const b = " + Repeat("not ", 150) + "x\n");
  EXPECT_TRUE(parsed.diagnostics.empty()) << parsed.Messages();
  EXPECT_EQ(parsed.file->decls.size(), 2u);
}

// Found by fuzzing: `squall fmt` prints a `not` operand of a tighter operator in parentheses
// (`x == (not x == (not x ...))`). Counting the bracket and the `not` as two levels made a file
// with 101 such operands format into one the parser rejected as too deep.
TEST(ParserRobustnessTest, ParenthesizedNotOperandsCountOnce) {
  for (const std::string& source : {
           "const a = x" + Repeat(" == not x", 200) + "\n",
           "const a = x" + Repeat(" == (not x", 200) + Repeat(")", 200) + "\n",
           "const a = x" + Repeat(" * -not x", 200) + "\n",
           "const a = x" + Repeat(" * (-not x", 200) + Repeat(")", 200) + "\n",
       }) {
    const Parsed parsed = Parse(source);
    EXPECT_TRUE(parsed.diagnostics.empty()) << parsed.Messages().substr(0, 300);
  }
  // One more level is too deep either way.
  for (const std::string& source : {
           "const a = x" + Repeat(" == not x", 201) + "\n",
           "const a = x" + Repeat(" == (not x", 201) + Repeat(")", 201) + "\n",
       }) {
    const Parsed parsed = Parse(source);
    ASSERT_FALSE(parsed.diagnostics.empty());
    EXPECT_EQ(parsed.diagnostics[0].kind, diag::Kind::NestingTooDeep) << parsed.Messages();
  }
}

TEST(ParserRobustnessTest, ManyNotsInSeparateStatementsAreNotNesting) {
  const Parsed parsed =
      Parse("workflow w() {\n" + Repeat("  x = not y\n  if not z { a() }\n", 500) + "}\n");
  EXPECT_TRUE(parsed.diagnostics.empty()) << parsed.Messages().substr(0, 500);
}

TEST(ParserRobustnessTest, HundredThousandTermSum) {
  const Parsed parsed = Parse("const a = a" + Repeat(" + a", 99'999) + "\n");
  // Longer than max_chain_length: reported, not built; the tree stays shallow.
  ASSERT_EQ(parsed.Located(), (std::vector<DiagAt>{{"ChainTooLong", 1, 11}})) << parsed.Messages();
  EXPECT_EQ(ast::Cast<ast::ConstDecl>(*parsed.file->decls[0]).value->kind, ast::ExprKind::kError);
}

TEST(ParserRobustnessTest, ChainUpToTheLimitIsBuilt) {
  // 9,999 operators: within max_chain_length, so built (iteratively) and destroyed. The
  // limit exists because ast nodes free their children recursively, as later stages walk them.
  const Parsed parsed = Parse("const a = a" + Repeat(" + a", 9'999) + "\n");
  EXPECT_TRUE(parsed.diagnostics.empty()) << parsed.Messages();
  const ast::Expr* expr = ast::Cast<ast::ConstDecl>(*parsed.file->decls[0]).value.get();
  size_t depth = 0;
  while (const auto* binary = ast::As<ast::BinaryExpr>(expr)) {
    expr = binary->lhs.get();
    ++depth;
  }
  EXPECT_EQ(depth, 9'999u);
}

TEST(ParserRobustnessTest, HundredThousandDeepMemberChain) {
  const Parsed parsed = Parse("const a = a" + Repeat(".b", 100'000) + "\n");
  EXPECT_EQ(parsed.Located(), (std::vector<DiagAt>{{"ChainTooLong", 1, 11}})) << parsed.Messages();
}

TEST(ParserRobustnessTest, LongElseIfChain) {
  std::string source = "workflow w() {\n  if a { x() }";
  for (int i = 0; i < 3000; ++i) source += " else if a { x() }";
  source += " else { y() }\n}\n";
  const Parsed parsed = Parse(source);
  EXPECT_TRUE(parsed.diagnostics.empty()) << parsed.Messages();
}

TEST(ParserRobustnessTest, UnterminatedStringsAtEndOfLineAndFile) {
  EXPECT_EQ(Parse("const a = \"abc\nconst b = \"x").Located(),
            (std::vector<DiagAt>{{"UnterminatedString", 1, 11}, {"UnterminatedString", 2, 11}}));
  EXPECT_EQ(Parse("const a = \"{{ b").Located(),
            (std::vector<DiagAt>{{"UnterminatedInterpolation", 1, 12}}));
  EXPECT_EQ(Parse("const a = \"{{ {x: \"y").Located(),
            (std::vector<DiagAt>{{"UnterminatedString", 1, 19}}));
  EXPECT_EQ(Parse("const a = \"\"\"abc {{ x }}").Located(),
            (std::vector<DiagAt>{{"UnterminatedString", 1, 11}}));
  EXPECT_EQ(Parse("const a = \"abc\\").Located(),
            (std::vector<DiagAt>{{"UnterminatedString", 1, 11}}));
  EXPECT_EQ(Parse("const a = `abc").Located(),
            (std::vector<DiagAt>{{"UnterminatedQuotedName", 1, 11}}));
}

TEST(ParserRobustnessTest, LoneClosingBraces) {
  EXPECT_EQ(Parse("}").Located(), (std::vector<DiagAt>{{"UnexpectedToken", 1, 1}}));
  EXPECT_EQ(Parse("} } }\nconst a = 1\n}").Located(),
            (std::vector<DiagAt>{{"ExpectedDeclaration", 1, 1}, {"UnexpectedToken", 3, 1}}));
}

TEST(ParserRobustnessTest, TenMegabyteFile) {
  std::string source;
  source.reserve(11 << 20);
  const std::string body =
      " {\n"
      "  if disk.low as d where d.mount == \"/var/log\" and d.free_pct < 10 and d.host like "
      "\"web*\"\n"
      "  then core.local(cmd: \"logrotate -f /etc/logrotate.conf on {{d.host}}\", timeout: 60)\n"
      "    retry 3 times every 10s backoff 2x\n"
      "    timeout 2m\n"
      "  on failure then chat.post_message(channel: \"#ops\", message: \"failed: "
      "{{error.message}}\")\n"
      "}\n"
      "# a comment between rules, so comments are counted too\n";
  int count = 0;
  while (source.size() < (10u << 20)) {
    source += "rule r" + std::to_string(count++) + body;
  }
  const auto start = std::chrono::steady_clock::now();
  const Parsed parsed = Parse(source);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_TRUE(parsed.diagnostics.empty()) << parsed.Messages().substr(0, 2000);
  EXPECT_EQ(parsed.file->decls.size(), static_cast<size_t>(count));
  EXPECT_EQ(parsed.file->comments.size(), static_cast<size_t>(count));
  // Timing is reported, not asserted (bench/ owns performance); this only catches a
  // pathological slowdown.
  std::printf("parsed %zu bytes (%d rules) in %.2f s\n", source.size(), count, seconds);
  EXPECT_LT(seconds, 120.0);
}

}  // namespace
}  // namespace squall::parse
