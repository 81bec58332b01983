// Internal to compiler/parse: builds the AST from an ANTLR parse tree.
//
// Typed builder functions, one per grammar rule, each returning the node it owns (no
// antlrcpp::Any, no visitor return values). The parse tree may be incomplete after syntax
// errors: a missing expression becomes an ErrorExpr, a missing name an empty Identifier, and
// the syntax error has already been reported.
//
// Depth: left-deep chains (`a + a + ...`, `a.b.b...`, `f()()()`) are built iteratively. Chains
// longer than ParseOptions::max_chain_length are reported (ChainTooLong) and replaced by an
// ErrorExpr, because every later stage walks the tree recursively. Other nesting is bounded
// before parsing (see nesting_scan.h), so the remaining recursion is shallow.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "SquallParser.h"
#include "compiler/ast/ast.h"
#include "compiler/diag/kind.h"
#include "compiler/parse/lexer.h"
#include "compiler/parse/parser.h"

namespace squall::parse::internal {

// A diagnostic found while building, located in bytes.
struct BuildDiagnostic {
  diag::Kind kind;
  source::SourceRange range;
  std::vector<std::string> args;
  std::optional<std::pair<diag::Kind, source::SourceRange>> note;  // note with args[0]
  std::string note_arg;
};

class AstBuilder {
 public:
  // `bytes` is the file's text and `text` its decoding; both must outlive the builder.
  AstBuilder(source::FileId file_id, std::string_view bytes, const DecodedText& text,
             const ParseOptions& options);

  std::unique_ptr<ast::File> BuildFile(squall_antlr::SquallParser::FileContext* context,
                                       const std::vector<antlr4::Token*>& comments);
  ast::Ptr<ast::Expr> BuildExpression(squall_antlr::SquallParser::ExprContext* context);

  const std::vector<BuildDiagnostic>& diagnostics() const { return diagnostics_; }
  uint32_t node_count() const { return next_id_; }

 private:
  using P = squall_antlr::SquallParser;

  template <typename T>
  std::unique_ptr<T> Make(source::SourceRange range) {
    auto node = std::make_unique<T>();
    node->id = ast::NodeId{next_id_++};
    node->range = range;
    return node;
  }

  // Ranges.
  uint32_t StartByte(const antlr4::Token* token) const;
  uint32_t EndByte(const antlr4::Token* token) const;
  source::SourceRange Range(const antlr4::Token* token) const;
  source::SourceRange Range(antlr4::tree::TerminalNode* node) const;
  source::SourceRange Range(antlr4::ParserRuleContext* context) const;
  source::SourceRange Join(source::SourceRange a, source::SourceRange b) const;
  // Zero-width range at the end of `context`: where something missing would have been.
  source::SourceRange After(antlr4::ParserRuleContext* context) const;
  // The code points of [begin, end) as UTF-8 (bad bytes as U+FFFD).
  std::string Utf8(size_t begin, size_t end) const;
  std::string_view Bytes(source::SourceRange range) const;

  void Report(diag::Kind kind, source::SourceRange range, std::vector<std::string> args = {});

  // Names.
  ast::Identifier Ident(P::NameContext* context, antlr4::ParserRuleContext* parent);
  ast::Identifier Ident(P::AnyNameContext* context, antlr4::ParserRuleContext* parent);
  ast::QualifiedName QualName(P::QualifiedNameContext* context, antlr4::ParserRuleContext* parent);

  // Declarations.
  ast::Ptr<ast::Decl> BuildDecl(P::AnnotatedDeclContext* context);
  ast::Ptr<ast::Annotation> BuildAnnotation(P::AnnotationContext* context);
  ast::Ptr<ast::FieldDecl> BuildField(P::FieldDeclContext* context);
  ast::Ptr<ast::FieldDecl> BuildParam(P::ParamContext* context);
  ast::Ptr<ast::TypeExpr> BuildType(P::TypeExprContext* context, antlr4::ParserRuleContext* parent);

  // Rules.
  ast::Ptr<ast::RuleTrigger> BuildRuleTrigger(P::RuleTriggerContext* context,
                                              antlr4::ParserRuleContext* parent);
  std::unique_ptr<ast::TriggerAtom> BuildTriggerAtom(P::TriggerAtomContext* context,
                                                     antlr4::ParserRuleContext* parent);
  ast::Ptr<ast::ActionClause> BuildActionClause(P::ActionClauseContext* context,
                                                antlr4::ParserRuleContext* parent);
  ast::Ptr<ast::CallExpr> BuildActionCall(P::ActionCallContext* context,
                                          antlr4::ParserRuleContext* parent);
  ast::Ptr<ast::Policy> BuildPolicy(P::PolicyContext* context);
  std::vector<ast::Ptr<ast::Policy>> BuildPolicies(const std::vector<P::PolicyContext*>& policies);

  // Workflows.
  ast::Ptr<ast::BlockStmt> BuildBlock(P::BlockContext* context, antlr4::ParserRuleContext* parent);
  ast::Ptr<ast::Stmt> BuildStatement(P::StatementContext* context);
  ast::Ptr<ast::Stmt> BuildIf(P::IfStatementContext* context);
  ast::Ptr<ast::Expr> BuildFor(P::ForLoopContext* context);
  ast::Ptr<ast::Expr> BuildWait(P::WaitExprContext* context);
  ast::Ptr<ast::Expr> BuildAsk(P::AskExprContext* context);
  ast::Ptr<ast::TestStep> BuildTestStep(P::TestStepContext* context);

  // Expressions.
  ast::Ptr<ast::Expr> BuildExpr(P::ExprContext* context, antlr4::ParserRuleContext* parent);
  ast::Ptr<ast::Expr> BuildOperand(P::ExprContext* context);
  ast::Ptr<ast::Expr> BuildSuffix(P::ExprContext* context, ast::Ptr<ast::Expr> left);
  ast::Ptr<ast::Expr> BuildPrimary(P::PrimaryContext* context, antlr4::ParserRuleContext* parent);
  std::vector<ast::Argument> BuildArgs(P::ArgListContext* context);
  ast::Ptr<ast::StringLiteral> BuildString(P::StringLiteralContext* context,
                                           antlr4::ParserRuleContext* parent);
  ast::Ptr<ast::Expr> Error(source::SourceRange range);

  source::FileId file_id_;
  std::string_view bytes_;
  const DecodedText& text_;
  const ParseOptions& options_;
  uint32_t next_id_ = 0;
  std::vector<BuildDiagnostic> diagnostics_;
};

}  // namespace squall::parse::internal
