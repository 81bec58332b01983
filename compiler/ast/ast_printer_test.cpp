#include "compiler/ast/ast_printer.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace squall::ast {
namespace {

// Trees are built by hand here so the printer is tested on its own; the parser's tests print
// trees parsed from source.
class AstPrinterTest : public testing::Test {
 protected:
  SourceRange At(uint32_t begin, uint32_t end) const { return SourceRange{file_id_, begin, end}; }

  Identifier Id(std::string name, uint32_t begin = 0, uint32_t end = 0) const {
    return Identifier{.name = std::move(name), .range = At(begin, end)};
  }

  void AddText(std::string text) { file_id_ = sources_.AddFile("test.rule", std::move(text)); }

  source::SourceManager sources_;
  source::FileId file_id_;
};

TEST_F(AstPrinterTest, ConstWithOperatorsAndComment) {
  //        0         1         2         3
  //        0123456789012345678901234567890123456
  AddText("const limit: int = -a.b + 1_000 # c\n");
  auto type = std::make_unique<NamedType>();
  type->name.parts.push_back(Id("int", 13, 16));
  type->range = At(13, 16);

  auto a = std::make_unique<NameExpr>();
  a->name = Id("a", 20, 21);
  a->range = At(20, 21);
  auto member = std::make_unique<MemberExpr>();
  member->member = Id("b", 22, 23);
  member->object = std::move(a);
  member->range = At(20, 23);
  auto negate = std::make_unique<UnaryExpr>();
  negate->op = UnaryOp::kNegate;
  negate->operand = std::move(member);
  negate->range = At(19, 23);
  auto number = std::make_unique<IntLiteral>();
  number->value = 1000;
  number->spelling = "1_000";
  number->range = At(26, 31);
  auto sum = std::make_unique<BinaryExpr>();
  sum->op = BinaryOp::kAdd;
  sum->lhs = std::move(negate);
  sum->rhs = std::move(number);
  sum->range = At(19, 31);

  auto decl = std::make_unique<ConstDecl>();
  decl->name = Id("limit", 6, 11);
  decl->type = std::move(type);
  decl->value = std::move(sum);
  decl->range = At(0, 31);

  File file;
  file.file = file_id_;
  file.range = At(0, 36);
  file.decls.push_back(std::move(decl));
  file.comments.push_back(Comment{.range = At(32, 35)});

  EXPECT_EQ(PrintAst(file, sources_),
            "File @1:1-2:1\n"
            "  ConstDecl limit @1:1-1:32\n"
            "    type: NamedType int @1:14-1:17\n"
            "    value: Binary + @1:20-1:32\n"
            "      Unary - @1:20-1:24\n"
            "        Member b @1:21-1:24\n"
            "          Name a @1:21-1:22\n"
            "      Int 1_000 = 1000 @1:27-1:32\n"
            "  Comment \"# c\" @1:33-1:36\n");
  EXPECT_EQ(PrintAst(file, sources_, {.locations = false}),
            "File\n"
            "  ConstDecl limit\n"
            "    type: NamedType int\n"
            "    value: Binary +\n"
            "      Unary -\n"
            "        Member b\n"
            "          Name a\n"
            "      Int 1_000 = 1000\n"
            "  Comment \"# c\"\n");
}

TEST_F(AstPrinterTest, StringsAreEscapedOnOneLine) {
  AddText("x");
  auto plain = std::make_unique<StringLiteral>();
  plain->parts.push_back(
      StringPart{.text = "a\"b\n", .spelling = "a\"b\n", .expr = nullptr, .range = {}});
  auto mixed = std::make_unique<StringLiteral>();
  mixed->style = StringStyle::kQuoted;
  mixed->parts.push_back(
      StringPart{.text = "tab\there", .spelling = "tab\\there", .expr = nullptr, .range = {}});
  auto host = std::make_unique<NameExpr>();
  host->name = Id("host");
  mixed->parts.push_back(
      StringPart{.text = "", .spelling = "", .expr = std::move(host), .range = {}});
  auto raw = std::make_unique<StringLiteral>();
  raw->style = StringStyle::kRaw;
  raw->parts.push_back(
      StringPart{.text = "\\d+", .spelling = "\\d+", .expr = nullptr, .range = {}});

  auto list = std::make_unique<ListExpr>();
  list->elements.push_back(std::move(plain));
  list->elements.push_back(std::move(mixed));
  list->elements.push_back(std::move(raw));
  auto decl = std::make_unique<ConstDecl>();
  decl->name = Id("texts");
  decl->value = std::move(list);
  File file;
  file.file = file_id_;
  file.decls.push_back(std::move(decl));

  EXPECT_EQ(PrintAst(file, sources_, {.locations = false}),
            "File\n"
            "  ConstDecl texts\n"
            "    value: List\n"
            "      String \"a\\\"b\\n\"\n"
            "      String\n"
            "        text \"tab\\there\" spelled \"tab\\\\there\"\n"
            "        interp: Name host\n"
            "      String raw \"\\\\d+\"\n");
}

TEST_F(AstPrinterTest, RuleWithRolesAndPolicies) {
  AddText("x");
  auto atom = std::make_unique<TriggerAtom>();
  atom->kind = TriggerAtomKind::kNamed;
  atom->name.parts = {Id("intf"), Id("down")};
  atom->alias = Id("d");
  auto within = std::make_unique<DurationLiteral>();
  within->milliseconds = 300000;
  within->spelling = "5m";
  auto by = std::make_unique<NameExpr>();
  by->name = Id("`odd name`");
  auto count = std::make_unique<IntLiteral>();
  count->value = 5;
  count->spelling = "5";
  auto trigger = std::make_unique<RuleTrigger>();
  trigger->kind = RuleTriggerKind::kCount;
  trigger->count = std::move(count);
  trigger->atoms.push_back(std::move(atom));
  trigger->within = std::move(within);
  trigger->by = std::move(by);

  auto callee = std::make_unique<NameExpr>();
  callee->name = Id("lock");
  auto value = std::make_unique<BoolLiteral>();
  value->value = true;
  auto call = std::make_unique<CallExpr>();
  call->callee = std::move(callee);
  call->args.push_back(Argument{.name = Id("force"), .value = std::move(value), .range = {}});
  call->args.push_back(
      Argument{.name = std::nullopt, .value = std::make_unique<NullLiteral>(), .range = {}});
  auto retry_count = std::make_unique<IntLiteral>();
  retry_count->value = 3;
  retry_count->spelling = "3";
  auto backoff = std::make_unique<FactorLiteral>();
  backoff->value = 1.5;
  backoff->spelling = "1.5x";
  auto retry = std::make_unique<RetryPolicy>();
  retry->count = std::move(retry_count);
  retry->backoff = std::move(backoff);
  auto action = std::make_unique<ActionClause>();
  action->call = std::move(call);
  action->policies.push_back(std::move(retry));

  auto rule = std::make_unique<RuleDecl>();
  rule->name = Id("r");
  rule->trigger = std::move(trigger);
  rule->action = std::move(action);
  auto annotation = std::make_unique<Annotation>();
  annotation->name = Id("disabled");
  rule->annotations.push_back(std::move(annotation));
  File file;
  file.file = file_id_;
  file.decls.push_back(std::move(rule));

  EXPECT_EQ(PrintAst(file, sources_, {.locations = false}),
            "File\n"
            "  RuleDecl r\n"
            "    Annotation disabled\n"
            "    RuleTrigger count\n"
            "      count: Int 5\n"
            "      TriggerAtom named intf.down as d\n"
            "      within: Duration 5m = 300000ms\n"
            "      by: Name ``odd name``\n"
            "    ActionClause\n"
            "      Call\n"
            "        callee: Name lock\n"
            "        arg force: Bool true\n"
            "        arg: Null\n"
            "      RetryPolicy\n"
            "        count: Int 3\n"
            "        backoff: Factor 1.5x = 1.5\n");
}

TEST_F(AstPrinterTest, TriggerParametersAndExpectNothingAfter) {
  AddText("x");
  const auto string = [](std::string text) {
    auto literal = std::make_unique<StringLiteral>();
    literal->parts.push_back(
        StringPart{.text = text, .spelling = text, .expr = nullptr, .range = {}});
    return literal;
  };
  auto watched = std::make_unique<TriggerAtom>();
  watched->name.parts = {Id("linux"), Id("file_watch"), Id("line")};
  watched->has_args = true;
  watched->args.push_back(
      Argument{.name = Id("file_path"), .value = string("/var/log/auth.log"), .range = {}});
  watched->alias = Id("l");
  auto given = std::make_unique<GivenStep>();
  given->trigger = std::move(watched);
  given->payload = std::make_unique<MapExpr>();

  auto empty = std::make_unique<TriggerAtom>();
  empty->name.parts = {Id("x")};
  empty->has_args = true;
  auto given_empty = std::make_unique<GivenStep>();
  given_empty->trigger = std::move(empty);

  auto five_minutes = std::make_unique<DurationLiteral>();
  five_minutes->milliseconds = 300000;
  five_minutes->spelling = "5m";
  auto nothing_after = std::make_unique<ExpectNothingStep>();
  nothing_after->after = std::move(five_minutes);

  auto test = std::make_unique<TestDecl>();
  test->name = string("t");
  test->steps.push_back(std::move(given));
  test->steps.push_back(std::move(given_empty));
  test->steps.push_back(std::move(nothing_after));
  test->steps.push_back(std::make_unique<ExpectNothingStep>());
  File file;
  file.file = file_id_;
  file.decls.push_back(std::move(test));

  EXPECT_EQ(PrintAst(file, sources_, {.locations = false}),
            "File\n"
            "  TestDecl\n"
            "    name: String \"t\"\n"
            "    Given\n"
            "      TriggerAtom named linux.file_watch.line () as l\n"
            "        arg file_path: String \"/var/log/auth.log\"\n"
            "      payload: Map\n"
            "    Given\n"
            "      TriggerAtom named x ()\n"
            "    ExpectNothing\n"
            "      after: Duration 5m = 300000ms\n"
            "    ExpectNothing\n");
}

// A 100k-term `a + a + ...` chain is left-deep: printing must not recurse per level, and
// indentation stops growing so the output stays linear in the number of nodes.
TEST_F(AstPrinterTest, DeepLeftChainIsIterative) {
  AddText("a");
  constexpr int kTerms = 100000;
  std::vector<BinaryExpr*> links;
  Ptr<Expr> chain = [] {
    auto name = std::make_unique<NameExpr>();
    name->name.name = "a";
    return name;
  }();
  for (int i = 1; i < kTerms; ++i) {
    auto rhs = std::make_unique<NameExpr>();
    rhs->name.name = "a";
    auto sum = std::make_unique<BinaryExpr>();
    sum->op = BinaryOp::kAdd;
    sum->lhs = std::move(chain);
    sum->rhs = std::move(rhs);
    links.push_back(sum.get());
    chain = std::move(sum);
  }
  auto decl = std::make_unique<ConstDecl>();
  decl->name.name = "x";
  decl->value = std::move(chain);
  File file;
  file.file = file_id_;
  file.decls.push_back(std::move(decl));

  const std::string out = PrintAst(file, sources_, {.locations = false});
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 2 + 2 * (kTerms - 1) + 1);
  EXPECT_NE(out.find("[depth 101] Binary +\n"), std::string::npos);
  EXPECT_LT(out.size(), 250u * 2 * kTerms);  // linear: at most ~250 bytes per line

  // Dismantle the chain bottom-up so the test itself does not recurse kTerms deep.
  for (BinaryExpr* link : links) link->lhs.reset();
}

}  // namespace
}  // namespace squall::ast
