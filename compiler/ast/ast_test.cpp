#include "compiler/ast/ast.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>

namespace squall::ast {
namespace {

Identifier Id(std::string name) { return Identifier{.name = std::move(name), .range = {}}; }

Ptr<Expr> NameOf(std::string name) {
  auto expr = std::make_unique<NameExpr>();
  expr->name = Id(std::move(name));
  return expr;
}

Ptr<Expr> MemberOf(Ptr<Expr> object, std::string member, bool safe = false) {
  auto expr = std::make_unique<MemberExpr>();
  expr->object = std::move(object);
  expr->member = Id(std::move(member));
  expr->safe = safe;
  return expr;
}

StringPart TextPart(std::string text) {
  StringPart part;
  part.spelling = text;
  part.text = std::move(text);
  return part;
}

TEST(QualifiedNameTest, JoinsPartsWithDots) {
  QualifiedName name;
  EXPECT_EQ(name.ToString(), "");
  name.parts.push_back(Id("core"));
  EXPECT_EQ(name.ToString(), "core");
  name.parts.push_back(Id("local"));
  name.parts.push_back(Id("if"));
  EXPECT_EQ(name.ToString(), "core.local.if");
}

TEST(StringLiteralTest, PlainTextConcatenatesParts) {
  StringLiteral literal;
  EXPECT_TRUE(literal.IsPlain());
  EXPECT_EQ(literal.Text(), "");
  literal.parts.push_back(TextPart("a\n"));
  literal.parts.push_back(TextPart("b"));
  EXPECT_TRUE(literal.IsPlain());
  EXPECT_EQ(literal.Text(), "a\nb");
}

TEST(StringLiteralTest, InterpolationIsNotPlain) {
  StringLiteral literal;
  literal.parts.push_back(TextPart("host "));
  StringPart interpolation;
  interpolation.expr = NameOf("host");
  literal.parts.push_back(std::move(interpolation));
  literal.parts.push_back(TextPart("!"));
  EXPECT_FALSE(literal.IsPlain());
  EXPECT_EQ(literal.Text(), "host !");  // interpolations contribute no text
}

struct OpCase {
  BinaryOp op;
  std::string spelling;
  bool comparison;
};

class BinaryOpTest : public testing::TestWithParam<OpCase> {};

TEST_P(BinaryOpTest, SpellingAndClass) {
  EXPECT_EQ(Spelling(GetParam().op), GetParam().spelling);
  EXPECT_EQ(IsComparison(GetParam().op), GetParam().comparison);
}

INSTANTIATE_TEST_SUITE_P(
    AllOperators, BinaryOpTest,
    testing::Values(OpCase{.op = BinaryOp::kOr, .spelling = "or", .comparison = false},
                    OpCase{.op = BinaryOp::kAnd, .spelling = "and", .comparison = false},
                    OpCase{.op = BinaryOp::kEq, .spelling = "==", .comparison = true},
                    OpCase{.op = BinaryOp::kNe, .spelling = "!=", .comparison = true},
                    OpCase{.op = BinaryOp::kLt, .spelling = "<", .comparison = true},
                    OpCase{.op = BinaryOp::kLe, .spelling = "<=", .comparison = true},
                    OpCase{.op = BinaryOp::kGt, .spelling = ">", .comparison = true},
                    OpCase{.op = BinaryOp::kGe, .spelling = ">=", .comparison = true},
                    OpCase{.op = BinaryOp::kIn, .spelling = "in", .comparison = true},
                    OpCase{.op = BinaryOp::kNotIn, .spelling = "not in", .comparison = true},
                    OpCase{.op = BinaryOp::kLike, .spelling = "like", .comparison = true},
                    OpCase{.op = BinaryOp::kMatches, .spelling = "matches", .comparison = true},
                    OpCase{.op = BinaryOp::kContains, .spelling = "contains", .comparison = true},
                    OpCase{
                        .op = BinaryOp::kStartsWith, .spelling = "startswith", .comparison = true},
                    OpCase{.op = BinaryOp::kEndsWith, .spelling = "endswith", .comparison = true},
                    OpCase{.op = BinaryOp::kCoalesce, .spelling = "??", .comparison = false},
                    OpCase{.op = BinaryOp::kAdd, .spelling = "+", .comparison = false},
                    OpCase{.op = BinaryOp::kSub, .spelling = "-", .comparison = false},
                    OpCase{.op = BinaryOp::kMul, .spelling = "*", .comparison = false},
                    OpCase{.op = BinaryOp::kDiv, .spelling = "/", .comparison = false},
                    OpCase{.op = BinaryOp::kMod, .spelling = "%", .comparison = false}));

TEST(UnaryOpTest, Spelling) {
  EXPECT_EQ(Spelling(UnaryOp::kNot), "not");
  EXPECT_EQ(Spelling(UnaryOp::kNegate), "-");
}

TEST(CalleePathTest, NameAndMemberChain) {
  const Ptr<Expr> name = NameOf("remediate");
  ASSERT_TRUE(CalleePath(*name).has_value());
  EXPECT_EQ(CalleePath(*name)->ToString(), "remediate");

  const Ptr<Expr> chain = MemberOf(MemberOf(NameOf("a"), "b"), "c");
  const auto path = CalleePath(*chain);
  ASSERT_TRUE(path.has_value());
  EXPECT_EQ(path->ToString(), "a.b.c");
  ASSERT_EQ(path->parts.size(), 3u);
  EXPECT_EQ(path->parts[0].name, "a");
}

TEST(CalleePathTest, RejectsSafeAccessAndNonNames) {
  const Ptr<Expr> safe = MemberOf(NameOf("a"), "b", /*safe=*/true);
  EXPECT_FALSE(CalleePath(*safe).has_value());

  auto index = std::make_unique<IndexExpr>();
  index->object = NameOf("a");
  index->index = NameOf("i");
  const Ptr<Expr> member = MemberOf(std::move(index), "b");
  EXPECT_FALSE(CalleePath(*member).has_value());

  const NullLiteral null;
  EXPECT_FALSE(CalleePath(null).has_value());
}

TEST(CalleePathTest, LongChainIsIterative) {
  Ptr<Expr> chain = NameOf("a");
  for (int i = 0; i < 1000; ++i) chain = MemberOf(std::move(chain), "b");
  const auto path = CalleePath(*chain);
  ASSERT_TRUE(path.has_value());
  EXPECT_EQ(path->parts.size(), 1001u);
}

TEST(CastTest, AsMatchesKindOnly) {
  const Ptr<Expr> name = NameOf("x");
  EXPECT_NE(As<NameExpr>(name.get()), nullptr);
  EXPECT_EQ(As<MemberExpr>(name.get()), nullptr);
  EXPECT_EQ(As<NameExpr>(static_cast<const Expr*>(nullptr)), nullptr);
  EXPECT_EQ(&Cast<NameExpr>(*name), name.get());
  EXPECT_EQ(Cast<NameExpr>(*name).name.name, "x");

  const BreakStmt stmt;
  EXPECT_NE(As<BreakStmt>(static_cast<const Stmt*>(&stmt)), nullptr);
  EXPECT_EQ(As<ContinueStmt>(static_cast<const Stmt*>(&stmt)), nullptr);
}

TEST(CastDeathTest, WrongKindAborts) {
  const Ptr<Expr> name = NameOf("x");
  EXPECT_DEATH((void)Cast<MemberExpr>(*name), "bad AST cast");
}

}  // namespace
}  // namespace squall::ast
