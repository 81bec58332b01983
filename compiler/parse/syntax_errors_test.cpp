// Every parse diagnostic kind, with the smallest input that triggers it (the golden
// `fail_*.rule` files are written from this table), plus recovery: several independent errors
// in one file are each reported once, without follow-on noise.
#include <gtest/gtest.h>

#include <set>

#include "compiler/parse/parse_test_util.h"
#include "compiler/parse/parser.h"

namespace squall::parse {
namespace {

using testing::DiagAt;
using testing::Parse;
using testing::Parsed;

struct ErrorCase {
  std::string name;
  std::string source;
  std::vector<DiagAt> expected;
  std::string message;  // the first diagnostic's message; empty = not checked
};

void PrintTo(const ErrorCase& c, std::ostream* out) { *out << c.name; }

class DiagnosticKindTest : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(DiagnosticKindTest, ReportsKindAtLocation) {
  const ErrorCase& c = GetParam();
  const Parsed parsed = Parse(c.source);
  EXPECT_EQ(parsed.Located(), c.expected) << c.source << "\n" << parsed.Messages();
  if (!c.message.empty() && !parsed.diagnostics.empty()) {
    EXPECT_EQ(parsed.diagnostics[0].message, c.message);
  }
}

std::string CaseName(const ::testing::TestParamInfo<ErrorCase>& info) { return info.param.name; }

const std::vector<ErrorCase> kLexicalCases = {

    ErrorCase{"InvalidUtf8",
              "const a = 1\nconst b = \"x\xFFy\"\n",
              {{"InvalidUtf8", 2, 13}},
              "invalid UTF-8 byte `0xFF`; save the file as UTF-8"},
    ErrorCase{"UnexpectedCharacter",
              "rule r { if !a.b then c.d() }\n",
              {{"UnexpectedCharacter", 1, 13}},
              "unexpected character `!`; use `not` to negate, or `!=` to compare"},
    ErrorCase{"UnexpectedControlCharacter",
              "const a = 1\x01\n",
              {{"UnexpectedCharacter", 1, 12}},
              "unexpected character U+0001"},
    ErrorCase{"UnterminatedString",
              "const a = \"abc\nconst b = 2\n",
              {{"UnterminatedString", 1, 11}},
              "unterminated string; add a closing `\"`"},
    ErrorCase{"UnterminatedStringAtEof", "const a = \"abc", {{"UnterminatedString", 1, 11}}, ""},
    ErrorCase{"UnterminatedTripleString",
              "const a = \"\"\"abc\n\n",
              {{"UnterminatedString", 1, 11}},
              "unterminated string; add a closing `\"\"\"`"},
    ErrorCase{"UnterminatedRawString",
              "const a = r\"abc\nconst b = 2\n",
              {{"UnterminatedString", 1, 11}},
              ""},
    ErrorCase{"UnterminatedInterpolation",
              "const a = \"x {{ y \nconst b = 2\n",
              {{"UnterminatedInterpolation", 1, 14}},
              "unterminated interpolation; close it with `}}`"},
    ErrorCase{"UnterminatedInterpolationAtEof",
              "const a = \"x {{ y",
              {{"UnterminatedInterpolation", 1, 14}},
              ""},
    ErrorCase{"UnterminatedInterpolationInTriple",
              "const a = \"\"\"x {{ y\n",
              {{"UnterminatedInterpolation", 1, 16}},
              ""},
    ErrorCase{"InterpolationClosedBySingleBrace",
              "const a = \"x {{ y }\"\nconst b = 1\n",
              {{"UnterminatedInterpolation", 1, 14}},
              ""},
    ErrorCase{
        "EmptyInterpolation", "const a = \"x {{}} y\"\n", {{"EmptyInterpolation", 1, 14}}, ""},
    ErrorCase{"UnterminatedQuotedName",
              "const `abc = 1\nconst b = 2\n",
              {{"UnterminatedQuotedName", 1, 7}},
              ""},
    ErrorCase{"EmptyQuotedName", "const `` = 1\n", {{"EmptyQuotedName", 1, 7}}, ""},
    ErrorCase{"InvalidEscape",
              "const a = \"a\\qb\"\n",
              {{"InvalidEscape", 1, 13}},
              "invalid escape `\\q`; use `\\n`, `\\t`, `\\r`, `\\0`, `\\\\`, `\\\"`, `\\{`, "
              "`\\}` or `\\u{hex}`"},
    ErrorCase{"InvalidUnicodeEscape",
              "const a = \"\\u{D800}\"\n",
              {{"InvalidUnicodeEscape", 1, 12}},
              ""}};
INSTANTIATE_TEST_SUITE_P(Lexical, DiagnosticKindTest, ::testing::ValuesIn(kLexicalCases), CaseName);

const std::vector<ErrorCase> kLiteralsCases = {

    ErrorCase{
        "IntegerOverflow", "const a = 9223372036854775808\n", {{"IntegerOverflow", 1, 11}}, ""},
    ErrorCase{"FloatOutOfRange", "const a = 1e999\n", {{"FloatOutOfRange", 1, 11}}, ""},
    ErrorCase{"UnknownDurationUnit",
              "const a = 5min\n",
              {{"UnknownDurationUnit", 1, 11}},
              "unknown duration unit `min` in `5min`; use ms, s, m, h or d"},
    ErrorCase{"MisorderedDurationUnits",
              "const a = 30m1h\n",
              {{"MisorderedDurationUnits", 1, 11}},
              "duration units in `30m1h` must go from largest to smallest without repeats; "
              "write `1h30m`"},
    ErrorCase{"FractionalDuration", "const a = 0.5ms\n", {{"FractionalDuration", 1, 11}}, ""},
    ErrorCase{
        "DurationOverflow", "const a = 9999999999999999d\n", {{"DurationOverflow", 1, 11}}, ""},
    ErrorCase{
        "InterpolatedMapKey", "const a = {\"k{{x}}\": 1}\n", {{"InterpolatedMapKey", 1, 12}}, ""}};
INSTANTIATE_TEST_SUITE_P(Literals, DiagnosticKindTest, ::testing::ValuesIn(kLiteralsCases),
                         CaseName);

const std::vector<ErrorCase> kSyntaxCases = {

    ErrorCase{"MissingRuleThen",
              "rule r {\n  if a.b where x == 1\n  else c.d()\n}\n",
              {{"MissingRuleThen", 3, 3}},
              "expected `then` after the rule condition, found `else`"},
    ErrorCase{"MissingRuleThenAfterTrigger",
              "rule r { if a.b c.d() }\n",
              {{"MissingRuleThen", 1, 17}},
              "expected `then` after the rule trigger, found identifier `c`"},
    ErrorCase{"ExpectedExpression",
              "const a = (b == )\n",
              {{"ExpectedExpression", 1, 17}},
              "expected an expression after `==`, found `)`"},
    ErrorCase{"ExpectedName",
              "rule { if a then b() }\n",
              {{"ExpectedName", 1, 6}},
              "expected a name after `rule`, found `{`"},
    ErrorCase{"ExpectedType", "const a: = 1\n", {{"ExpectedType", 1, 10}}, ""},
    ErrorCase{"ExpectedTrigger", "rule r { if then a.b() }\n", {{"ExpectedTrigger", 1, 13}}, ""},
    ErrorCase{
        "ExpectedActionCall", "rule r { if a then 5 }\n", {{"ExpectedActionCall", 1, 20}}, ""},
    ErrorCase{"ExpectedDeclaration", "let x = 1\n", {{"ExpectedDeclaration", 1, 1}}, ""},
    ErrorCase{"ExpectedStatement",
              "workflow w() {\n  let x = 1\n  ) )\n  let y = 2\n}\n",
              {{"ExpectedStatement", 3, 3}},
              "expected a statement, found `)`"},
    ErrorCase{"ExpectedToken",
              "workflow w {\n}\n",
              {{"ExpectedToken", 1, 12}},
              "expected `(` after identifier `w`, found `{`"},
    ErrorCase{"UnclosedRuleBody",
              "rule a {\n  if x then y()\n\nrule b { if x then y() }\n",
              {{"UnclosedBracket", 4, 1}},
              "expected `}` to close the rule body opened here, found `rule`"},
    ErrorCase{"UnclosedParenAtEof",
              "const a = (1 + 2\n",
              {{"UnclosedBracket", 2, 1}},
              "expected `)` to close the parentheses opened here, found end of file"},
    ErrorCase{"UnclosedArgumentList",
              "workflow w() {\n  f(a: 1\n  let y = 2\n}\n",
              {{"UnclosedBracket", 3, 3}},
              "expected `)` to close the argument list opened here, found `let`"},
    ErrorCase{"UnexpectedToken", "const a = f(1,, 2)\n", {{"UnexpectedToken", 1, 15}}, ""},
    ErrorCase{"StrayClosingBrace",
              "}\nconst a = 1\n",
              {{"UnexpectedToken", 1, 1}},
              "unexpected `}`; there is no open `{` to close"},
    ErrorCase{"AssignmentInCondition",
              "rule r { if a where b = 1 then c() }\n",
              {{"AssignmentInCondition", 1, 23}},
              "`=` is assignment; use `==` to compare"},
    ErrorCase{"AssignmentInIf",
              "workflow w() {\n  if x = 1 { y() }\n}\n",
              {{"AssignmentInCondition", 2, 8}},
              ""},
    ErrorCase{"ChainedComparison",
              "const a = 1 < b < 3\n",
              {{"ChainedComparison", 1, 17}},
              "comparison operators cannot be chained; use `and`, as in `a < b and b < c`"},
    ErrorCase{"DuplicateOutcomeClause",
              "rule r {\n  if a then b()\n  on failure then c()\n  on failure then d()\n}\n",
              {{"DuplicateOutcomeClause", 4, 3}},
              "duplicate `on failure` clause; a rule has at most one"},
    ErrorCase{"PositionalTriggerArgument",
              "rule r {\n  if linux.file_watch.line(\"/var/log/auth.log\") then c()\n}\n",
              {{"PositionalTriggerArgument", 2, 28}},
              "trigger `linux.file_watch.line` takes named parameters only, found an argument "
              "without a name; write `name: value`"},
    ErrorCase{"PositionalTriggerArgumentInGiven",
              "test \"t\" {\n  given a.b ({x: 1})\n}\n",
              {{"PositionalTriggerArgument", 2, 14}},
              ""},
    ErrorCase{"NestingTooDeep",
              "const a = " + std::string(300, '(') + "1" + std::string(300, ')') + "\n",
              {{"NestingTooDeep", 1, 211}},
              ""},
    ErrorCase{"ChainTooLong",
              [] {
                std::string s = "const a = x";
                for (int i = 0; i < 10'001; ++i) s += ".y";
                return s + "\n";
              }(),
              {{"ChainTooLong", 1, 11}},
              ""}};
INSTANTIATE_TEST_SUITE_P(Syntax, DiagnosticKindTest, ::testing::ValuesIn(kSyntaxCases), CaseName);

// Argument lists and trigger parameters: what is missing is said in terms of the list, also
// where ANTLR's prediction read past the `(` (a simple rule trigger) and no parse tree exists.
const std::vector<ErrorCase> kArgumentListCases = {

    ErrorCase{"MissingCommaAfterStringArgument",
              "rule r { if a then core.local(cmd: \"df\" timeout: 5) }\n",
              {{"ExpectedToken", 1, 41}},
              "expected `,` or `)` after the argument, found `timeout`"},
    ErrorCase{"MissingCommaOnNextLine",
              "rule r {\n  if a then chat.post(\n    channel: \"#x\"\n    message: \"y\",\n  )\n"
              "  on failure then x()\n}\n",
              {{"ExpectedToken", 4, 5}},
              "expected `,` or `)` after the argument, found identifier `message`"},
    ErrorCase{"MissingCommaInWorkflowCall",
              "workflow w() {\n  f(a: 1 b: 2)\n  g(x: [1, 2] y)\n}\n",
              {{"ExpectedToken", 2, 10}, {"ExpectedToken", 3, 15}},
              "expected `,` or `)` after the argument, found identifier `b`"},
    ErrorCase{"MissingCommaInAnnotation",
              "@x(\"a\" \"b\")\nrule r { if a then b() }\n",
              {{"ExpectedToken", 1, 8}},
              "expected `,` or `)` after the argument, found string"},
    ErrorCase{"StringBeforeErrorIsAString",
              "const a = {a: \"x\" b: 2}\n",
              {{"ExpectedToken", 1, 19}},
              "expected `,` or `}` after string, found identifier `b`"},
    ErrorCase{"MissingCommaInTriggerParameters",
              "rule r { if f.line(file_path: \"/x\" n: 1) then a() }\n",
              {{"ExpectedToken", 1, 36}},
              "expected `,` or `)` after the argument, found identifier `n`"},
    ErrorCase{"MissingCommaInTriggerParametersOfCount",
              "rule r { if 5 of f.line(file_path: \"/x\" n: 1) within 1m then a() }\n",
              {{"ExpectedToken", 1, 41}},
              "expected `,` or `)` after the argument, found identifier `n`"},
    ErrorCase{"MissingCommaInTriggerParametersOfGiven",
              "test \"t\" { given f.line(p: 1 q: 2) {x: 1} }\n",
              {{"ExpectedToken", 1, 30}},
              "expected `,` or `)` after the argument, found identifier `q`"},
    ErrorCase{"UnclosedTriggerParameters",
              "rule r { if f.line(file_path: \"/x\" then a() }\n",
              {{"UnclosedBracket", 1, 36}},
              "expected `)` to close the argument list opened here, found `then`"},
    ErrorCase{"MissingOperandInTriggerParameter",
              "rule r { if f.line(n: 1 +) then a() }\n",
              {{"ExpectedExpression", 1, 26}},
              "expected an expression after `+`, found `)`"},
    ErrorCase{"MissingTriggerParameter",
              "rule r { if f.line(: 1) then a() }\n",
              {{"ExpectedToken", 1, 20}},
              "expected an argument or `)` after `(`, found `:`"},
    ErrorCase{"ExtraCommaInTriggerParameters",
              "rule r { if f.line(a: 1,, b: 2) then c() }\n",
              {{"UnexpectedToken", 1, 25}},
              "unexpected `,`; remove the extra `,`"},
    ErrorCase{"MissingCommaInMapInTriggerParameter",
              "rule r { if f.line(m: {k: 1 j: 2}) then c() }\nrule s { if a then b() }\n",
              {{"ExpectedToken", 1, 29}},
              "expected `,` or `}` after number `1`, found identifier `j`"},
    ErrorCase{"UnclosedFilteredTrigger",
              "rule r { if (a.b where x then c() }\n",
              {{"UnclosedBracket", 1, 26}},
              "expected `)` to close the parentheses opened here, found `then`"},
    ErrorCase{"MissingNameAfterAs",
              "rule r { if a.b(x: 1) as then c() }\n",
              {{"ExpectedName", 1, 26}},
              "expected a name after `as`, found `then`"},
    ErrorCase{"MissingExpressionInFilteredTrigger",
              "rule r { if (a.b where ) then c() }\n",
              {{"ExpectedExpression", 1, 24}},
              "expected an expression after `where`, found `)`"}};
INSTANTIATE_TEST_SUITE_P(ArgumentLists, DiagnosticKindTest, ::testing::ValuesIn(kArgumentListCases),
                         CaseName);

TEST(SyntaxErrorsTest, MissingCommaIsOneErrorAndTheRestParses) {
  const Parsed parsed = Parse(R"(rule one {
  if f.line(file_path: "/x" n: {k: [1, 2]}) as l where l.ok
  then core.local(cmd: "df" timeout: 5)
    retry 3 times
}
rule two {
  if a then b(x: 1)
}
test "t" {
  given f.line(file_path: "/x" n: 1) {line: "a"}
  expect nothing after 1m
}
)");
  EXPECT_EQ(parsed.Located(),
            (std::vector<DiagAt>{
                {"ExpectedToken", 2, 29}, {"ExpectedToken", 3, 29}, {"ExpectedToken", 10, 32}}))
      << parsed.Messages();
  ASSERT_EQ(parsed.file->decls.size(), 3u);
  const auto& one = ast::Cast<ast::RuleDecl>(*parsed.file->decls[0]);
  EXPECT_EQ(one.action->policies.size(), 1u);  // `retry` is still read as a policy
  const auto& test = ast::Cast<ast::TestDecl>(*parsed.file->decls[2]);
  ASSERT_EQ(test.steps.size(), 2u);
  EXPECT_NE(ast::Cast<ast::ExpectNothingStep>(*test.steps[1]).after, nullptr);
}

TEST(SyntaxErrorsTest, UnclosedArgumentListDoesNotSwallowTheNextDeclaration) {
  const Parsed parsed = Parse("rule r { if a then c(\n}\nrule s { if a then b() }\n");
  EXPECT_EQ(parsed.Located(), (std::vector<DiagAt>{{"UnclosedBracket", 2, 1}}))
      << parsed.Messages();
  ASSERT_EQ(parsed.file->decls.size(), 2u);
  EXPECT_EQ(ast::Cast<ast::RuleDecl>(*parsed.file->decls[1]).name.name, "s");
}

TEST(SyntaxErrorsTest, UnclosedBracketHasNoteAtOpener) {
  const Parsed parsed = Parse("rule a {\n  if x then y()\n");
  ASSERT_EQ(parsed.diagnostics.size(), 1u) << parsed.Messages();
  ASSERT_EQ(parsed.diagnostics[0].notes.size(), 1u);
  EXPECT_EQ(parsed.diagnostics[0].notes[0].kind, diag::Kind::OpenedHere);
  EXPECT_EQ(parsed.diagnostics[0].notes[0].message, "`{` opened here");
  EXPECT_EQ(parsed.Text(parsed.diagnostics[0].notes[0].range), "{");
}

TEST(SyntaxErrorsTest, DuplicateOutcomeHasNoteAtFirst) {
  const Parsed parsed =
      Parse("rule r {\n  if a then b()\n  on success then c()\n  on success then d()\n}\n");
  ASSERT_EQ(parsed.diagnostics.size(), 1u) << parsed.Messages();
  ASSERT_EQ(parsed.diagnostics[0].notes.size(), 1u);
  EXPECT_EQ(parsed.diagnostics[0].notes[0].kind, diag::Kind::FirstOutcomeClauseHere);
  EXPECT_EQ(parsed.Text(parsed.diagnostics[0].notes[0].range), "on success then c()");
}

TEST(SyntaxErrorsTest, ThreeBrokenRulesGiveThreeErrors) {
  const Parsed parsed = Parse(R"(rule one {
  if a.b where x == then c.d()
}
rule two {
  if a.b where x == 1
  else c.d()
}
rule three {
  if a.b then c.d(x: 1
}
rule fine {
  if a.b then c.d()
}
)");
  EXPECT_EQ(parsed.Located(), (std::vector<DiagAt>{{"ExpectedExpression", 2, 21},
                                                   {"MissingRuleThen", 6, 3},
                                                   {"UnclosedBracket", 10, 1}}))
      << parsed.Messages();
  ASSERT_EQ(parsed.file->decls.size(), 4u);
  EXPECT_EQ(ast::Cast<ast::RuleDecl>(*parsed.file->decls[3]).name.name, "fine");
}

TEST(SyntaxErrorsTest, ErrorsInSeveralStatementsOfOneBlock) {
  const Parsed parsed = Parse(R"(workflow w() {
  let a = 1 +
  let b = (2
  let c = 3
  return c ==
}
workflow v() { return 1 }
)");
  EXPECT_EQ(parsed.Located(), (std::vector<DiagAt>{{"ExpectedExpression", 3, 3},
                                                   {"UnclosedBracket", 4, 3},
                                                   {"ExpectedExpression", 6, 1}}))
      << parsed.Messages();
  ASSERT_EQ(parsed.file->decls.size(), 2u);
}

TEST(SyntaxErrorsTest, GarbageBetweenDeclarationsIsSkipped) {
  const Parsed parsed =
      Parse("rule a { if x then y() }\n) ) ) foo bar\nrule b { if x then y() }\n");
  EXPECT_EQ(parsed.Located(), (std::vector<DiagAt>{{"ExpectedDeclaration", 2, 1}}))
      << parsed.Messages();
  EXPECT_EQ(parsed.file->decls.size(), 2u);
}

TEST(SyntaxErrorsTest, MissingExpressionsBecomeErrorExprs) {
  const Parsed parsed = Parse("const a = 1 +\n");
  ASSERT_EQ(parsed.file->decls.size(), 1u);
  const auto& sum =
      ast::Cast<ast::BinaryExpr>(*ast::Cast<ast::ConstDecl>(*parsed.file->decls[0]).value);
  EXPECT_EQ(sum.rhs->kind, ast::ExprKind::kError);
}

TEST(SyntaxErrorsTest, EveryParseKindHasACase) {
  // Keeps this table and the registry in step: the golden `fail_*.rule` files are written from
  // these cases, so a parse kind missing here would have no golden file either.
  std::set<std::string> covered;
  for (const auto* cases : {&kLexicalCases, &kLiteralsCases, &kSyntaxCases, &kArgumentListCases}) {
    for (const ErrorCase& c : *cases) {
      for (const DiagAt& d : c.expected) covered.insert(d.kind);
    }
  }
  bool in_parse_section = false;
  for (const diag::Kind kind : diag::AllKinds()) {
    const diag::KindInfo& info = diag::Info(kind);
    if (info.name == "InvalidUtf8") in_parse_section = true;
    if (!in_parse_section || info.severity == diag::Severity::Note) continue;
    EXPECT_TRUE(covered.contains(std::string(info.name))) << info.name;
    if (info.name == "PositionalTriggerArgument") break;  // the last parse kind
  }
}

}  // namespace
}  // namespace squall::parse
