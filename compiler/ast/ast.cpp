#include "compiler/ast/ast.h"

#include <cstdio>
#include <cstdlib>

namespace squall::ast {

std::string QualifiedName::ToString() const {
  std::string out;
  for (const Identifier& part : parts) {
    if (!out.empty()) out += '.';
    out += part.name;
  }
  return out;
}

bool StringLiteral::IsPlain() const {
  for (const StringPart& part : parts) {
    if (part.expr != nullptr) return false;
  }
  return true;
}

std::string StringLiteral::Text() const {
  std::string out;
  for (const StringPart& part : parts) out += part.text;
  return out;
}

std::string_view Spelling(BinaryOp op) {
  switch (op) {
    case BinaryOp::kOr:
      return "or";
    case BinaryOp::kAnd:
      return "and";
    case BinaryOp::kEq:
      return "==";
    case BinaryOp::kNe:
      return "!=";
    case BinaryOp::kLt:
      return "<";
    case BinaryOp::kLe:
      return "<=";
    case BinaryOp::kGt:
      return ">";
    case BinaryOp::kGe:
      return ">=";
    case BinaryOp::kIn:
      return "in";
    case BinaryOp::kNotIn:
      return "not in";
    case BinaryOp::kLike:
      return "like";
    case BinaryOp::kMatches:
      return "matches";
    case BinaryOp::kContains:
      return "contains";
    case BinaryOp::kStartsWith:
      return "startswith";
    case BinaryOp::kEndsWith:
      return "endswith";
    case BinaryOp::kCoalesce:
      return "??";
    case BinaryOp::kAdd:
      return "+";
    case BinaryOp::kSub:
      return "-";
    case BinaryOp::kMul:
      return "*";
    case BinaryOp::kDiv:
      return "/";
    case BinaryOp::kMod:
      return "%";
  }
  return "?";
}

std::string_view Spelling(UnaryOp op) { return op == UnaryOp::kNot ? "not" : "-"; }

bool IsComparison(BinaryOp op) {
  switch (op) {
    case BinaryOp::kEq:
    case BinaryOp::kNe:
    case BinaryOp::kLt:
    case BinaryOp::kLe:
    case BinaryOp::kGt:
    case BinaryOp::kGe:
    case BinaryOp::kIn:
    case BinaryOp::kNotIn:
    case BinaryOp::kLike:
    case BinaryOp::kMatches:
    case BinaryOp::kContains:
    case BinaryOp::kStartsWith:
    case BinaryOp::kEndsWith:
      return true;
    default:
      return false;
  }
}

std::optional<QualifiedName> CalleePath(const Expr& expr) {
  // Walk down the member chain iteratively (chains can be long), then reverse.
  std::vector<Identifier> reversed;
  const Expr* current = &expr;
  while (const auto* member = As<MemberExpr>(current)) {
    if (member->safe) return std::nullopt;
    reversed.push_back(member->member);
    current = member->object.get();
  }
  const auto* root = As<NameExpr>(current);
  if (root == nullptr) return std::nullopt;
  QualifiedName path;
  path.parts.push_back(root->name);
  path.parts.insert(path.parts.end(), reversed.rbegin(), reversed.rend());
  path.range = source::SourceRange{root->range.file, root->range.begin, expr.range.end};
  return path;
}

void AbortOnBadCast(const char* type_name) {
  std::fprintf(stderr, "squall: internal error: bad AST cast to %s\n", type_name);
  std::abort();
}

}  // namespace squall::ast
