#include "compiler/parse/ast_builder.h"

#include <algorithm>
#include <utility>

#include "compiler/parse/literals.h"
#include "compiler/source/utf8.h"

namespace squall::parse::internal {
namespace {

using P = squall_antlr::SquallParser;
using antlr4::ParserRuleContext;
using antlr4::Token;
using antlr4::tree::TerminalNode;

template <typename T>
T* As(antlr4::tree::ParseTree* tree) {
  return dynamic_cast<T*>(tree);
}

bool IsRealTerminal(antlr4::tree::ParseTree* child, size_t type) {
  auto* terminal = As<TerminalNode>(child);
  return terminal != nullptr && As<antlr4::tree::ErrorNode>(child) == nullptr &&
         terminal->getSymbol()->getType() == type;
}

bool HasToken(ParserRuleContext* context, size_t type) {
  for (antlr4::tree::ParseTree* child : context->children) {
    if (IsRealTerminal(child, type)) return true;
  }
  return false;
}

// The child of type T right after the token `type`: the operand of `where`, `within`, `by`...
// Robust against the partial trees that recovery leaves behind.
template <typename T>
T* ChildAfter(ParserRuleContext* context, size_t type) {
  const auto& children = context->children;
  for (size_t i = 0; i + 1 < children.size(); ++i) {
    if (IsRealTerminal(children[i], type)) return As<T>(children[i + 1]);
  }
  return nullptr;
}

// Whether `context` extends the expression on its left (and so sits on a left-deep spine).
bool IsLeftRecursive(P::ExprContext* context) {
  return As<P::MemberExprContext>(context) != nullptr ||
         As<P::SafeMemberExprContext>(context) != nullptr ||
         As<P::IndexExprContext>(context) != nullptr ||
         As<P::CallExprContext>(context) != nullptr ||
         As<P::MultiplicativeExprContext>(context) != nullptr ||
         As<P::AdditiveExprContext>(context) != nullptr ||
         As<P::CoalesceExprContext>(context) != nullptr ||
         As<P::ComparisonExprContext>(context) != nullptr ||
         As<P::AndExprContext>(context) != nullptr || As<P::OrExprContext>(context) != nullptr;
}

P::ExprContext* LeftOperand(P::ExprContext* context) {
  for (antlr4::tree::ParseTree* child : context->children) {
    if (auto* expr = As<P::ExprContext>(child)) return expr;
    break;
  }
  return nullptr;
}

// The operand after the operator: the last ExprContext child that is not the left one.
P::ExprContext* RightOperand(P::ExprContext* context) {
  const auto& children = context->children;
  for (size_t i = children.size(); i-- > 1;) {
    if (auto* expr = As<P::ExprContext>(children[i])) return expr;
  }
  return nullptr;
}

std::optional<ast::BinaryOp> ComparisonOp(P::ComparisonOpContext* context) {
  if (context == nullptr || context->children.empty()) return std::nullopt;
  auto* first = As<TerminalNode>(context->children[0]);
  if (first == nullptr) return std::nullopt;
  switch (first->getSymbol()->getType()) {
    case P::EQ:
      return ast::BinaryOp::kEq;
    case P::NE:
      return ast::BinaryOp::kNe;
    case P::LT:
      return ast::BinaryOp::kLt;
    case P::LE:
      return ast::BinaryOp::kLe;
    case P::GT:
      return ast::BinaryOp::kGt;
    case P::GE:
      return ast::BinaryOp::kGe;
    case P::IN:
      return ast::BinaryOp::kIn;
    case P::NOT:
      return ast::BinaryOp::kNotIn;
    case P::LIKE:
      return ast::BinaryOp::kLike;
    case P::MATCHES:
      return ast::BinaryOp::kMatches;
    case P::CONTAINS:
      return ast::BinaryOp::kContains;
    case P::STARTSWITH:
      return ast::BinaryOp::kStartsWith;
    case P::ENDSWITH:
      return ast::BinaryOp::kEndsWith;
    default:
      return std::nullopt;
  }
}

std::optional<ast::BinaryOp> ArithmeticOp(const Token* op) {
  if (op == nullptr) return std::nullopt;
  switch (op->getType()) {
    case P::STAR:
      return ast::BinaryOp::kMul;
    case P::SLASH:
      return ast::BinaryOp::kDiv;
    case P::PERCENT:
      return ast::BinaryOp::kMod;
    case P::PLUS:
      return ast::BinaryOp::kAdd;
    case P::MINUS:
      return ast::BinaryOp::kSub;
    default:
      return std::nullopt;
  }
}

template <typename To, typename From>
ast::Ptr<To> Upcast(std::unique_ptr<From> node) {
  return ast::Ptr<To>(node.release());
}

}  // namespace

AstBuilder::AstBuilder(source::FileId file_id, std::string_view bytes, const DecodedText& text,
                       const ParseOptions& options)
    : file_id_(file_id), bytes_(bytes), text_(text), options_(options) {}

// ---- ranges ----

uint32_t AstBuilder::StartByte(const Token* token) const {
  return text_.ByteOffset(token->getStartIndex());
}

uint32_t AstBuilder::EndByte(const Token* token) const {
  if (token->getType() == Token::EOF) return StartByte(token);
  // A token ended by a line break (an unterminated string) ends before the break.
  if (token->getType() == P::STR_UNTERMINATED) return StartByte(token);
  return std::max(StartByte(token), text_.ByteOffset(token->getStopIndex() + 1));
}

source::SourceRange AstBuilder::Range(const Token* token) const {
  if (token == nullptr) return source::SourceRange{file_id_, 0, 0};
  return source::SourceRange{file_id_, StartByte(token), EndByte(token)};
}

source::SourceRange AstBuilder::Range(TerminalNode* node) const {
  return Range(node != nullptr ? node->getSymbol() : nullptr);
}

source::SourceRange AstBuilder::Range(ParserRuleContext* context) const {
  if (context == nullptr || context->getStart() == nullptr)
    return source::SourceRange{file_id_, 0, 0};
  const uint32_t begin = StartByte(context->getStart());
  const Token* stop = context->getStop();
  // An empty rule (recovery consumed nothing) has its stop before its start.
  if (stop == nullptr || stop->getTokenIndex() < context->getStart()->getTokenIndex()) {
    return source::SourceRange{file_id_, begin, begin};
  }
  return source::SourceRange{file_id_, begin, std::max(begin, EndByte(stop))};
}

source::SourceRange AstBuilder::Join(source::SourceRange a, source::SourceRange b) const {
  return source::SourceRange{file_id_, std::min(a.begin, b.begin), std::max(a.end, b.end)};
}

source::SourceRange AstBuilder::After(ParserRuleContext* context) const {
  const source::SourceRange range = Range(context);
  return source::SourceRange{file_id_, range.end, range.end};
}

std::string AstBuilder::Utf8(size_t begin, size_t end) const {
  if (text_.first_invalid_byte < 0) {
    const uint32_t begin_byte = text_.ByteOffset(begin);
    return std::string(bytes_.substr(begin_byte, text_.ByteOffset(end) - begin_byte));
  }
  std::string out;
  for (size_t i = begin; i < end && i < text_.code_points->size(); ++i) {
    source::AppendUtf8(out, (*text_.code_points)[i]);
  }
  return out;
}

std::string_view AstBuilder::Bytes(source::SourceRange range) const {
  return bytes_.substr(range.begin, range.end - range.begin);
}

void AstBuilder::Report(diag::Kind kind, source::SourceRange range, std::vector<std::string> args) {
  diagnostics_.push_back(BuildDiagnostic{kind, range, std::move(args), std::nullopt, {}});
}

ast::Ptr<ast::Expr> AstBuilder::Error(source::SourceRange range) {
  return Upcast<ast::Expr>(Make<ast::ErrorExpr>(range));
}

// ---- names ----

ast::Identifier AstBuilder::Ident(P::NameContext* context, ParserRuleContext* parent) {
  if (context == nullptr || context->getStart() == nullptr ||
      context->getStart()->getTokenIndex() == INVALID_INDEX || context->children.empty()) {
    return ast::Identifier{"", After(parent)};
  }
  const Token* token = context->getStart();
  const source::SourceRange range = Range(context);
  std::string name = Utf8(token->getStartIndex(), token->getStopIndex() + 1);
  if (context->QUOTED_IDENT() != nullptr) {
    // Strip the backquotes; an unterminated name (reported by the lexer) has only the first.
    name.erase(0, 1);
    if (!name.empty() && name.back() == '`') {
      name.pop_back();
      if (name.empty()) Report(diag::Kind::EmptyQuotedName, range);
    }
  }
  return ast::Identifier{std::move(name), range};
}

ast::Identifier AstBuilder::Ident(P::AnyNameContext* context, ParserRuleContext* parent) {
  if (context == nullptr) return ast::Identifier{"", After(parent)};
  if (context->name() != nullptr) return Ident(context->name(), parent);
  const Token* token = context->getStart();
  if (token == nullptr || context->children.empty()) return ast::Identifier{"", After(parent)};
  return ast::Identifier{Utf8(token->getStartIndex(), token->getStopIndex() + 1), Range(context)};
}

ast::QualifiedName AstBuilder::QualName(P::QualifiedNameContext* context,
                                        ParserRuleContext* parent) {
  ast::QualifiedName name;
  if (context == nullptr) {
    name.range = After(parent);
    name.parts.push_back(ast::Identifier{"", name.range});
    return name;
  }
  name.parts.push_back(Ident(context->name(), context));
  for (P::AnyNameContext* part : context->anyName()) name.parts.push_back(Ident(part, context));
  name.range = Range(context);
  return name;
}

// ---- file and declarations ----

std::unique_ptr<ast::File> AstBuilder::BuildFile(P::FileContext* context,
                                                 const std::vector<Token*>& comments) {
  auto file =
      Make<ast::File>(source::SourceRange{file_id_, 0, static_cast<uint32_t>(bytes_.size())});
  file->file = file_id_;
  if (context != nullptr) {
    for (P::AnnotatedDeclContext* decl : context->annotatedDecl()) {
      if (ast::Ptr<ast::Decl> built = BuildDecl(decl)) file->decls.push_back(std::move(built));
    }
  }
  for (const Token* comment : comments) file->comments.push_back(ast::Comment{Range(comment)});
  file->node_count = next_id_;
  return file;
}

ast::Ptr<ast::Annotation> AstBuilder::BuildAnnotation(P::AnnotationContext* context) {
  auto annotation = Make<ast::Annotation>(Range(context));
  annotation->name = Ident(context->name(), context);
  annotation->has_parens = HasToken(context, P::LPAREN);
  for (P::ExprContext* arg : context->expr()) annotation->args.push_back(BuildExpr(arg, context));
  return annotation;
}

ast::Ptr<ast::Decl> AstBuilder::BuildDecl(P::AnnotatedDeclContext* context) {
  P::DeclContext* decl = context->decl();
  std::vector<ast::Ptr<ast::Annotation>> annotations;
  for (P::AnnotationContext* annotation : context->annotation()) {
    annotations.push_back(BuildAnnotation(annotation));
  }
  // A declaration that could not even start (no alternative chosen) was reported already.
  std::unique_ptr<ast::Decl> result;
  const source::SourceRange range = Range(decl);
  if (auto* import = As<P::ImportDeclContext>(decl)) {
    auto node = Make<ast::ImportDecl>(range);
    node->pack = QualName(import->qualifiedName(), import);
    if (import->AS() != nullptr) node->alias = Ident(import->name(), import);
    result = std::move(node);
  } else if (auto* constant = As<P::ConstDeclContext>(decl)) {
    auto node = Make<ast::ConstDecl>(range);
    node->name = Ident(constant->name(), constant);
    if (constant->typeExpr() != nullptr) node->type = BuildType(constant->typeExpr(), constant);
    node->value = BuildExpr(constant->expr(), constant);
    result = std::move(node);
  } else if (auto* trigger = As<P::TriggerDeclContext>(decl)) {
    auto node = Make<ast::TriggerDecl>(range);
    node->name = QualName(trigger->qualifiedName(), trigger);
    for (P::FieldDeclContext* field : trigger->fieldDecl())
      node->fields.push_back(BuildField(field));
    result = std::move(node);
  } else if (auto* rule = As<P::RuleDeclContext>(decl)) {
    auto node = Make<ast::RuleDecl>(range);
    node->name = Ident(rule->name(), rule);
    P::RuleBodyContext* body = rule->ruleBody();
    ParserRuleContext* body_or_rule =
        body != nullptr ? static_cast<ParserRuleContext*>(body) : rule;
    node->trigger = BuildRuleTrigger(body != nullptr ? body->ruleTrigger() : nullptr, body_or_rule);
    node->action =
        BuildActionClause(body != nullptr ? body->actionClause() : nullptr, body_or_rule);
    if (body != nullptr) {
      const ast::OutcomeClause* seen[2] = {nullptr, nullptr};
      for (P::OutcomeClauseContext* outcome : body->outcomeClause()) {
        auto clause = Make<ast::OutcomeClause>(Range(outcome));
        clause->outcome =
            outcome->FAILURE() != nullptr ? ast::Outcome::kFailure : ast::Outcome::kSuccess;
        clause->action = BuildActionClause(outcome->actionClause(), outcome);
        const auto index = static_cast<size_t>(clause->outcome);
        if (seen[index] != nullptr) {
          const std::string word =
              clause->outcome == ast::Outcome::kFailure ? "failure" : "success";
          BuildDiagnostic diagnostic{
              diag::Kind::DuplicateOutcomeClause,
              clause->range,
              {word},
              std::make_pair(diag::Kind::FirstOutcomeClauseHere, seen[index]->range),
              word};
          diagnostics_.push_back(std::move(diagnostic));
        } else {
          seen[index] = clause.get();
        }
        node->outcomes.push_back(std::move(clause));
      }
    }
    result = std::move(node);
  } else if (auto* workflow = As<P::WorkflowDeclContext>(decl)) {
    auto node = Make<ast::WorkflowDecl>(range);
    node->name = Ident(workflow->name(), workflow);
    if (P::ParamListContext* params = workflow->paramList()) {
      for (P::ParamContext* param : params->param()) node->params.push_back(BuildParam(param));
    }
    if (workflow->ARROW() != nullptr) node->return_type = BuildType(workflow->typeExpr(), workflow);
    node->body = BuildBlock(workflow->block(), workflow);
    result = std::move(node);
  } else if (auto* test = As<P::TestDeclContext>(decl)) {
    auto node = Make<ast::TestDecl>(range);
    node->name = BuildString(test->stringLiteral(), test);
    for (P::TestStepContext* step : test->testStep()) {
      if (ast::Ptr<ast::TestStep> built = BuildTestStep(step))
        node->steps.push_back(std::move(built));
    }
    result = std::move(node);
  } else {
    return nullptr;
  }
  result->annotations = std::move(annotations);
  return Upcast<ast::Decl>(std::move(result));
}

ast::Ptr<ast::FieldDecl> AstBuilder::BuildField(P::FieldDeclContext* context) {
  auto field = Make<ast::FieldDecl>(Range(context));
  field->name = Ident(context->anyName(), context);
  field->type = BuildType(context->typeExpr(), context);
  if (context->ASSIGN() != nullptr) field->default_value = BuildExpr(context->expr(), context);
  return field;
}

ast::Ptr<ast::FieldDecl> AstBuilder::BuildParam(P::ParamContext* context) {
  auto field = Make<ast::FieldDecl>(Range(context));
  field->name = Ident(context->name(), context);
  field->type = BuildType(context->typeExpr(), context);
  if (context->ASSIGN() != nullptr) field->default_value = BuildExpr(context->expr(), context);
  return field;
}

ast::Ptr<ast::TypeExpr> AstBuilder::BuildType(P::TypeExprContext* context,
                                              ParserRuleContext* parent) {
  if (auto* record = As<P::RecordTypeContext>(context)) {
    auto node = Make<ast::RecordType>(Range(record));
    for (P::FieldDeclContext* field : record->fieldDecl())
      node->fields.push_back(BuildField(field));
    node->optional = record->QUESTION() != nullptr;
    return node;
  }
  // A missing type reads as a named type with an empty name; the error is already reported.
  auto* named = As<P::NamedTypeContext>(context);
  auto node = Make<ast::NamedType>(named != nullptr ? Range(named) : After(parent));
  if (named == nullptr) {
    node->name = QualName(nullptr, parent);
    return node;
  }
  node->name = QualName(named->qualifiedName(), named);
  for (P::TypeExprContext* arg : named->typeExpr()) node->args.push_back(BuildType(arg, named));
  node->optional = named->QUESTION() != nullptr;
  return node;
}

// ---- rules ----

ast::Ptr<ast::RuleTrigger> AstBuilder::BuildRuleTrigger(P::RuleTriggerContext* context,
                                                        ParserRuleContext* parent) {
  auto trigger = Make<ast::RuleTrigger>(context != nullptr ? Range(context) : After(parent));
  if (context == nullptr) return trigger;
  std::vector<P::TriggerAtomContext*> atoms;
  if (auto* simple = As<P::SimpleTriggerContext>(context)) {
    trigger->kind = ast::RuleTriggerKind::kSimple;
    atoms.push_back(simple->triggerAtom());
  } else if (auto* absence = As<P::AbsenceTriggerContext>(context)) {
    trigger->kind = ast::RuleTriggerKind::kAbsence;
    atoms = absence->triggerAtom();
  } else if (auto* sequence = As<P::SequenceTriggerContext>(context)) {
    trigger->kind = ast::RuleTriggerKind::kSequence;
    atoms = sequence->triggerAtom();
  } else if (auto* count = As<P::CountTriggerContext>(context)) {
    trigger->kind = ast::RuleTriggerKind::kCount;
    atoms.push_back(count->triggerAtom());
    P::CountExprContext* count_expr = count->countExpr();
    if (count_expr != nullptr && count_expr->INT() != nullptr) {
      auto literal = Make<ast::IntLiteral>(Range(count_expr));
      literal->spelling = std::string(Bytes(literal->range));
      const LiteralResult<int64_t> value = ReadInt(literal->spelling);
      if (value.problem.has_value())
        Report(value.problem->kind, literal->range, value.problem->args);
      literal->value = value.value;
      trigger->count = std::move(literal);
    } else if (count_expr != nullptr && count_expr->name() != nullptr) {
      auto name = Make<ast::NameExpr>(Range(count_expr));
      name->name = Ident(count_expr->name(), count_expr);
      trigger->count = std::move(name);
    } else {
      trigger->count = Error(Range(context));
    }
    if (P::ExprContext* by = ChildAfter<P::ExprContext>(count, P::BY))
      trigger->by = BuildExpr(by, count);
  } else {
    return trigger;
  }
  for (P::TriggerAtomContext* atom : atoms)
    trigger->atoms.push_back(BuildTriggerAtom(atom, context));
  if (HasToken(context, P::WHERE)) {
    trigger->where = BuildExpr(ChildAfter<P::ExprContext>(context, P::WHERE), context);
  }
  if (HasToken(context, P::WITHIN)) {
    trigger->within = BuildExpr(ChildAfter<P::ExprContext>(context, P::WITHIN), context);
  }
  return trigger;
}

std::unique_ptr<ast::TriggerAtom> AstBuilder::BuildTriggerAtom(P::TriggerAtomContext* context,
                                                               ParserRuleContext* parent) {
  if (auto* filtered = As<P::FilteredTriggerContext>(context)) {
    std::unique_ptr<ast::TriggerAtom> inner = BuildTriggerAtom(filtered->triggerAtom(), filtered);
    ast::Ptr<ast::Expr> filter = BuildExpr(filtered->expr(), filtered);
    if (inner->filter != nullptr) {
      // `((a where x) where y)`: both conditions must hold.
      auto both = Make<ast::BinaryExpr>(Join(inner->filter->range, filter->range));
      both->op = ast::BinaryOp::kAnd;
      both->op_range = Range(filtered->WHERE());
      both->lhs = std::move(inner->filter);
      both->rhs = std::move(filter);
      filter = std::move(both);
    }
    inner->filter = std::move(filter);
    inner->range = Range(filtered);  // the parentheses belong to the atom
    return inner;
  }
  auto atom = Make<ast::TriggerAtom>(context != nullptr ? Range(context) : After(parent));
  P::NameContext* alias = nullptr;
  if (auto* webhook = As<P::WebhookTriggerContext>(context)) {
    atom->kind = ast::TriggerAtomKind::kWebhook;
    atom->argument = BuildString(webhook->stringLiteral(), webhook);
    alias = webhook->name();
  } else if (auto* timer = As<P::TimerTriggerContext>(context)) {
    atom->kind = ast::TriggerAtomKind::kTimer;
    atom->argument = BuildExpr(timer->expr(), timer);
    alias = timer->name();
  } else if (auto* cron = As<P::CronTriggerContext>(context)) {
    atom->kind = ast::TriggerAtomKind::kCron;
    atom->argument = BuildString(cron->stringLiteral(0), cron);
    if (cron->TZ() != nullptr) atom->time_zone = BuildString(cron->stringLiteral(1), cron);
    alias = cron->name();
  } else if (auto* named = As<P::NamedTriggerContext>(context)) {
    atom->kind = ast::TriggerAtomKind::kNamed;
    atom->name = QualName(named->qualifiedName(), named);
    if (P::TriggerArgsContext* args = named->triggerArgs()) {
      atom->has_args = true;
      atom->args_range = Range(args);
      atom->args = BuildArgs(args->argList());
      // Trigger parameters are matched by name against the trigger type's parameters_schema.
      for (const ast::Argument& arg : atom->args) {
        if (!arg.name.has_value()) {
          Report(diag::Kind::PositionalTriggerArgument, arg.range, {atom->name.ToString()});
        }
      }
    }
    alias = named->name();
  } else {
    atom->name = QualName(nullptr, parent);
  }
  if (alias != nullptr) atom->alias = Ident(alias, context);
  return atom;
}

ast::Ptr<ast::CallExpr> AstBuilder::BuildActionCall(P::ActionCallContext* context,
                                                    ParserRuleContext* parent) {
  auto call = Make<ast::CallExpr>(context != nullptr ? Range(context) : After(parent));
  if (context == nullptr) {
    call->callee = Error(call->range);
    return call;
  }
  // The callee is the chain of names `core.local` as NameExpr and MemberExprs.
  const ast::QualifiedName path = QualName(context->qualifiedName(), context);
  auto root = Make<ast::NameExpr>(path.parts.front().range);
  root->name = path.parts.front();
  ast::Ptr<ast::Expr> callee = std::move(root);
  for (size_t i = 1; i < path.parts.size(); ++i) {
    auto member = Make<ast::MemberExpr>(Join(callee->range, path.parts[i].range));
    member->object = std::move(callee);
    member->member = path.parts[i];
    callee = std::move(member);
  }
  call->callee = std::move(callee);
  call->args = BuildArgs(context->argList());
  return call;
}

ast::Ptr<ast::ActionClause> AstBuilder::BuildActionClause(P::ActionClauseContext* context,
                                                          ParserRuleContext* parent) {
  auto clause = Make<ast::ActionClause>(context != nullptr ? Range(context) : After(parent));
  clause->call = BuildActionCall(context != nullptr ? context->actionCall() : nullptr,
                                 context != nullptr ? context : parent);
  if (context != nullptr) clause->policies = BuildPolicies(context->policy());
  return clause;
}

std::vector<ast::Ptr<ast::Policy>> AstBuilder::BuildPolicies(
    const std::vector<P::PolicyContext*>& policies) {
  std::vector<ast::Ptr<ast::Policy>> built;
  for (P::PolicyContext* policy : policies) {
    if (ast::Ptr<ast::Policy> node = BuildPolicy(policy)) built.push_back(std::move(node));
  }
  return built;
}

ast::Ptr<ast::Policy> AstBuilder::BuildPolicy(P::PolicyContext* context) {
  const source::SourceRange range = Range(context);
  const auto operand = [&](size_t keyword) -> ast::Ptr<ast::Expr> {
    if (!HasToken(context, keyword)) return nullptr;
    return BuildExpr(ChildAfter<P::ExprContext>(context, keyword), context);
  };
  if (As<P::RetryPolicyContext>(context) != nullptr) {
    auto node = Make<ast::RetryPolicy>(range);
    node->count = operand(P::RETRY);
    node->every = operand(P::EVERY);
    node->backoff = operand(P::BACKOFF);
    node->up_to = operand(P::TO);
    node->when = operand(P::WHEN);
    return node;
  }
  if (As<P::TimeoutPolicyContext>(context) != nullptr) {
    auto node = Make<ast::TimeoutPolicy>(range);
    node->duration = operand(P::TIMEOUT);
    return node;
  }
  if (As<P::ConcurrencyPolicyContext>(context) != nullptr) {
    auto node = Make<ast::ConcurrencyPolicy>(range);
    node->limit = operand(P::CONCURRENCY);
    node->by = operand(P::BY);
    return node;
  }
  if (As<P::ThrottlePolicyContext>(context) != nullptr) {
    auto node = Make<ast::ThrottlePolicy>(range);
    node->count = operand(P::THROTTLE);
    node->period = operand(P::PER);
    node->by = operand(P::BY);
    return node;
  }
  return nullptr;
}

// ---- workflows ----

ast::Ptr<ast::BlockStmt> AstBuilder::BuildBlock(P::BlockContext* context,
                                                ParserRuleContext* parent) {
  auto block = Make<ast::BlockStmt>(context != nullptr ? Range(context) : After(parent));
  if (context == nullptr) return block;
  for (P::StatementContext* statement : context->statement()) {
    if (ast::Ptr<ast::Stmt> built = BuildStatement(statement)) {
      block->statements.push_back(std::move(built));
    }
  }
  return block;
}

ast::Ptr<ast::Stmt> AstBuilder::BuildIf(P::IfStatementContext* context) {
  // `else if` chains can be long: collect them and build from the last one up.
  std::vector<P::IfStatementContext*> chain;
  for (P::IfStatementContext* current = context; current != nullptr;
       current = current->ifStatement()) {
    chain.push_back(current);
  }
  ast::Ptr<ast::Stmt> else_branch;
  for (size_t i = chain.size(); i-- > 0;) {
    P::IfStatementContext* current = chain[i];
    auto node = Make<ast::IfStmt>(Range(current));
    node->condition = BuildExpr(current->expr(), current);
    const std::vector<P::BlockContext*> blocks = current->block();
    node->then_block = BuildBlock(blocks.empty() ? nullptr : blocks[0], current);
    if (current->ifStatement() != nullptr) {
      node->else_branch = std::move(else_branch);
    } else if (blocks.size() > 1) {
      node->else_branch = BuildBlock(blocks[1], current);
    }
    else_branch = std::move(node);
  }
  return else_branch;
}

ast::Ptr<ast::Expr> AstBuilder::BuildFor(P::ForLoopContext* context) {
  auto node = Make<ast::ForExpr>(Range(context));
  node->variable = Ident(context->name(), context);
  node->iterable = BuildExpr(ChildAfter<P::ExprContext>(context, P::IN), context);
  if (HasToken(context, P::CONCURRENCY)) {
    node->concurrency = BuildExpr(ChildAfter<P::ExprContext>(context, P::CONCURRENCY), context);
  }
  node->body = BuildBlock(context->block(), context);
  return node;
}

ast::Ptr<ast::Expr> AstBuilder::BuildWait(P::WaitExprContext* context) {
  auto node = Make<ast::WaitExpr>(Range(context));
  node->trigger = BuildTriggerAtom(context->triggerAtom(), context);
  if (HasToken(context, P::WHERE))
    node->where = BuildExpr(ChildAfter<P::ExprContext>(context, P::WHERE), context);
  if (HasToken(context, P::TIMEOUT)) {
    node->timeout = BuildExpr(ChildAfter<P::ExprContext>(context, P::TIMEOUT), context);
  }
  return node;
}

ast::Ptr<ast::Expr> AstBuilder::BuildAsk(P::AskExprContext* context) {
  auto node = Make<ast::AskExpr>(Range(context));
  node->prompt = BuildExpr(ChildAfter<P::ExprContext>(context, P::ASK), context);
  node->answer_type = BuildType(context->typeExpr(), context);
  if (HasToken(context, P::TIMEOUT)) {
    node->timeout = BuildExpr(ChildAfter<P::ExprContext>(context, P::TIMEOUT), context);
  }
  return node;
}

ast::Ptr<ast::Stmt> AstBuilder::BuildStatement(P::StatementContext* context) {
  const source::SourceRange range = Range(context);
  const auto expr_statement = [&](ast::Ptr<ast::Expr> expr) {
    auto node = Make<ast::ExprStmt>(range);
    node->expr = std::move(expr);
    return node;
  };
  if (auto* let = As<P::LetStmtContext>(context)) {
    auto node = Make<ast::LetStmt>(range);
    node->name = Ident(let->name(), let);
    if (let->typeExpr() != nullptr) node->type = BuildType(let->typeExpr(), let);
    P::StepValueContext* value = let->stepValue();
    if (auto* for_value = As<P::ForValueContext>(value);
        for_value != nullptr && for_value->forLoop()) {
      node->value = BuildFor(for_value->forLoop());
    } else if (auto* wait = As<P::WaitValueContext>(value); wait != nullptr && wait->waitExpr()) {
      node->value = BuildWait(wait->waitExpr());
    } else if (auto* ask = As<P::AskValueContext>(value); ask != nullptr && ask->askExpr()) {
      node->value = BuildAsk(ask->askExpr());
    } else if (auto* expr = As<P::ExprValueContext>(value)) {
      node->value = BuildExpr(expr->expr(), expr);
      node->policies = BuildPolicies(expr->policy());
    } else {
      node->value = Error(After(let));
    }
    return node;
  }
  if (auto* assign = As<P::AssignStmtContext>(context)) {
    auto node = Make<ast::AssignStmt>(range);
    node->target = Ident(assign->name(), assign);
    node->value = BuildExpr(assign->expr(), assign);
    return node;
  }
  if (auto* if_statement = As<P::IfStmtContext>(context)) {
    if (if_statement->ifStatement() == nullptr) return nullptr;
    return BuildIf(if_statement->ifStatement());
  }
  if (auto* parallel = As<P::ParallelStmtContext>(context)) {
    auto node = Make<ast::ParallelStmt>(range);
    if (HasToken(parallel, P::FIRST)) node->first = BuildExpr(parallel->expr(), parallel);
    for (P::StatementContext* branch : parallel->statement()) {
      if (ast::Ptr<ast::Stmt> built = BuildStatement(branch))
        node->branches.push_back(std::move(built));
    }
    return node;
  }
  if (auto* for_statement = As<P::ForStmtContext>(context)) {
    if (for_statement->forLoop() == nullptr) return nullptr;
    return expr_statement(BuildFor(for_statement->forLoop()));
  }
  if (auto* while_statement = As<P::WhileStmtContext>(context)) {
    auto node = Make<ast::WhileStmt>(range);
    node->condition = BuildExpr(while_statement->expr(), while_statement);
    node->body = BuildBlock(while_statement->block(), while_statement);
    return node;
  }
  if (As<P::BreakStmtContext>(context) != nullptr) return Make<ast::BreakStmt>(range);
  if (As<P::ContinueStmtContext>(context) != nullptr) return Make<ast::ContinueStmt>(range);
  if (auto* try_statement = As<P::TryStmtContext>(context)) {
    auto node = Make<ast::TryStmt>(range);
    const std::vector<P::BlockContext*> blocks = try_statement->block();
    node->body = BuildBlock(blocks.empty() ? nullptr : blocks[0], try_statement);
    if (try_statement->name() != nullptr)
      node->error_name = Ident(try_statement->name(), try_statement);
    node->handler = BuildBlock(blocks.size() > 1 ? blocks[1] : nullptr, try_statement);
    return node;
  }
  if (auto* fail = As<P::FailStmtContext>(context)) {
    auto node = Make<ast::FailStmt>(range);
    node->message = BuildExpr(ChildAfter<P::ExprContext>(fail, P::FAIL), fail);
    if (HasToken(fail, P::WITH))
      node->details = BuildExpr(ChildAfter<P::ExprContext>(fail, P::WITH), fail);
    return node;
  }
  if (auto* return_statement = As<P::ReturnStmtContext>(context)) {
    auto node = Make<ast::ReturnStmt>(range);
    if (return_statement->expr() != nullptr) {
      node->value = BuildExpr(return_statement->expr(), return_statement);
    }
    return node;
  }
  if (auto* sleep = As<P::SleepStmtContext>(context)) {
    auto node = Make<ast::SleepStmt>(range);
    node->duration = BuildExpr(sleep->expr(), sleep);
    return node;
  }
  if (auto* yield = As<P::YieldStmtContext>(context)) {
    auto node = Make<ast::YieldStmt>(range);
    node->value = BuildExpr(yield->expr(), yield);
    return node;
  }
  if (auto* wait = As<P::WaitStmtContext>(context)) {
    if (wait->waitExpr() == nullptr) return nullptr;
    return expr_statement(BuildWait(wait->waitExpr()));
  }
  if (auto* ask = As<P::AskStmtContext>(context)) {
    if (ask->askExpr() == nullptr) return nullptr;
    return expr_statement(BuildAsk(ask->askExpr()));
  }
  if (auto* block = As<P::BlockStmtContext>(context)) {
    if (block->block() == nullptr) return nullptr;
    return BuildBlock(block->block(), block);
  }
  if (auto* expr = As<P::ExprStmtContext>(context)) {
    auto node = expr_statement(BuildExpr(expr->expr(), expr));
    node->policies = BuildPolicies(expr->policy());
    return node;
  }
  return nullptr;
}

// ---- tests ----

ast::Ptr<ast::TestStep> AstBuilder::BuildTestStep(P::TestStepContext* context) {
  const source::SourceRange range = Range(context);
  if (auto* given = As<P::GivenStepContext>(context)) {
    auto node = Make<ast::GivenStep>(range);
    node->trigger = BuildTriggerAtom(given->triggerAtom(), given);
    P::ExprContext* after = ChildAfter<P::ExprContext>(given, P::AFTER);
    for (P::ExprContext* expr : given->expr()) {
      if (expr != after) node->payload = BuildExpr(expr, given);
    }
    if (after != nullptr || HasToken(given, P::AFTER)) node->after = BuildExpr(after, given);
    return node;
  }
  if (auto* nothing = As<P::ExpectNothingStepContext>(context)) {
    auto node = Make<ast::ExpectNothingStep>(range);
    if (HasToken(nothing, P::AFTER)) node->after = BuildExpr(nothing->expr(), nothing);
    return node;
  }
  if (auto* expect = As<P::ExpectCallStepContext>(context)) {
    auto node = Make<ast::ExpectCallStep>(range);
    node->call = BuildActionCall(expect->actionCall(), expect);
    if (HasToken(expect, P::AFTER)) node->after = BuildExpr(expect->expr(), expect);
    return node;
  }
  if (auto* returns = As<P::WhenReturnsStepContext>(context)) {
    auto node = Make<ast::WhenReturnsStep>(range);
    node->action = QualName(returns->qualifiedName(), returns);
    node->value = BuildExpr(returns->expr(0), returns);
    if (HasToken(returns, P::AFTER)) node->after = BuildExpr(returns->expr(1), returns);
    return node;
  }
  if (auto* fails = As<P::WhenFailsStepContext>(context)) {
    auto node = Make<ast::WhenFailsStep>(range);
    node->action = QualName(fails->qualifiedName(), fails);
    node->message = BuildExpr(fails->expr(0), fails);
    if (HasToken(fails, P::AFTER)) node->after = BuildExpr(fails->expr(1), fails);
    return node;
  }
  return nullptr;
}

// ---- expressions ----

ast::Ptr<ast::Expr> AstBuilder::BuildExpression(P::ExprContext* context) {
  return BuildExpr(context, context);
}

ast::Ptr<ast::Expr> AstBuilder::BuildExpr(P::ExprContext* context, ParserRuleContext* parent) {
  if (context == nullptr) return Error(After(parent));
  // Walk the left spine without recursion, then build it bottom-up.
  std::vector<P::ExprContext*> spine;
  P::ExprContext* current = context;
  while (current != nullptr && IsLeftRecursive(current)) {
    spine.push_back(current);
    if (spine.size() > options_.max_chain_length) {
      Report(diag::Kind::ChainTooLong, Range(context), {std::to_string(options_.max_chain_length)});
      return Error(Range(context));
    }
    current = LeftOperand(current);
  }
  ast::Ptr<ast::Expr> result = current != nullptr
                                   ? BuildOperand(current)
                                   : Error(spine.empty() ? After(parent) : Range(spine.back()));
  for (size_t i = spine.size(); i-- > 0;) result = BuildSuffix(spine[i], std::move(result));
  return result;
}

ast::Ptr<ast::Expr> AstBuilder::BuildOperand(P::ExprContext* context) {
  if (auto* primary = As<P::PrimaryExprContext>(context)) {
    return BuildPrimary(primary->primary(), primary);
  }
  if (auto* negate = As<P::NegateExprContext>(context)) {
    auto node = Make<ast::UnaryExpr>(Range(negate));
    node->op = ast::UnaryOp::kNegate;
    node->operand = BuildExpr(negate->expr(), negate);
    return node;
  }
  if (auto* negation = As<P::NotExprContext>(context)) {
    auto node = Make<ast::UnaryExpr>(Range(negation));
    node->op = ast::UnaryOp::kNot;
    node->operand = BuildExpr(negation->expr(), negation);
    return node;
  }
  return Error(Range(context));
}

ast::Ptr<ast::Expr> AstBuilder::BuildSuffix(P::ExprContext* context, ast::Ptr<ast::Expr> left) {
  const source::SourceRange range = Join(left->range, Range(context));
  const auto member = [&](P::AnyNameContext* name, bool safe) -> ast::Ptr<ast::Expr> {
    auto node = Make<ast::MemberExpr>(range);
    node->object = std::move(left);
    node->member = Ident(name, context);
    node->safe = safe;
    return node;
  };
  if (auto* access = As<P::MemberExprContext>(context)) return member(access->anyName(), false);
  if (auto* access = As<P::SafeMemberExprContext>(context)) return member(access->anyName(), true);
  if (auto* index = As<P::IndexExprContext>(context)) {
    auto node = Make<ast::IndexExpr>(range);
    node->object = std::move(left);
    node->index = BuildExpr(RightOperand(index), index);
    return node;
  }
  if (auto* call = As<P::CallExprContext>(context)) {
    auto node = Make<ast::CallExpr>(range);
    node->callee = std::move(left);
    node->args = BuildArgs(call->argList());
    return node;
  }

  std::optional<ast::BinaryOp> op;
  source::SourceRange op_range{file_id_, range.end, range.end};
  if (auto* multiplicative = As<P::MultiplicativeExprContext>(context)) {
    op = ArithmeticOp(multiplicative->op);
    op_range = Range(multiplicative->op);
  } else if (auto* additive = As<P::AdditiveExprContext>(context)) {
    op = ArithmeticOp(additive->op);
    op_range = Range(additive->op);
  } else if (auto* coalesce = As<P::CoalesceExprContext>(context)) {
    op = ast::BinaryOp::kCoalesce;
    op_range = Range(coalesce->COALESCE());
  } else if (auto* comparison = As<P::ComparisonExprContext>(context)) {
    op = ComparisonOp(comparison->comparisonOp());
    op_range = Range(comparison->comparisonOp());
    // `a < b < c` parses as `(a < b) < c`, which is never what was meant.
    if (As<P::ComparisonExprContext>(LeftOperand(comparison)) != nullptr) {
      Report(diag::Kind::ChainedComparison, op_range);
    }
  } else if (auto* conjunction = As<P::AndExprContext>(context)) {
    op = ast::BinaryOp::kAnd;
    op_range = Range(conjunction->AND());
  } else if (auto* disjunction = As<P::OrExprContext>(context)) {
    op = ast::BinaryOp::kOr;
    op_range = Range(disjunction->OR());
  }
  if (!op.has_value()) return Error(range);
  auto node = Make<ast::BinaryExpr>(range);
  node->op = *op;
  node->op_range = op_range;
  node->lhs = std::move(left);
  P::ExprContext* right = RightOperand(context);
  node->rhs = right != nullptr && right != LeftOperand(context)
                  ? BuildExpr(right, context)
                  : Error(source::SourceRange{file_id_, op_range.end, op_range.end});
  return node;
}

std::vector<ast::Argument> AstBuilder::BuildArgs(P::ArgListContext* context) {
  std::vector<ast::Argument> args;
  if (context == nullptr) return args;
  for (P::ArgumentContext* argument : context->argument()) {
    ast::Argument arg;
    if (argument->anyName() != nullptr) arg.name = Ident(argument->anyName(), argument);
    arg.value = BuildExpr(argument->expr(), argument);
    arg.range = Range(argument);
    args.push_back(std::move(arg));
  }
  return args;
}

ast::Ptr<ast::Expr> AstBuilder::BuildPrimary(P::PrimaryContext* context,
                                             ParserRuleContext* parent) {
  if (context == nullptr) return Error(After(parent));
  const source::SourceRange range = Range(context);
  const auto report = [&](const std::optional<Problem>& problem) {
    if (problem.has_value()) Report(problem->kind, range, problem->args);
  };
  if (As<P::IntLiteralContext>(context) != nullptr) {
    auto node = Make<ast::IntLiteral>(range);
    node->spelling = std::string(Bytes(range));
    const LiteralResult<int64_t> value = ReadInt(node->spelling);
    report(value.problem);
    node->value = value.value;
    return node;
  }
  if (As<P::FloatLiteralContext>(context) != nullptr) {
    auto node = Make<ast::FloatLiteral>(range);
    node->spelling = std::string(Bytes(range));
    const LiteralResult<double> value = ReadFloat(node->spelling);
    report(value.problem);
    node->value = value.value;
    return node;
  }
  if (As<P::SuffixedLiteralContext>(context) != nullptr) {
    const std::string spelling(Bytes(range));
    const auto value = ReadSuffixedNumber(spelling);
    report(value.problem);
    if (const auto* factor = std::get_if<Factor>(&value.value)) {
      auto node = Make<ast::FactorLiteral>(range);
      node->value = factor->value;
      node->spelling = spelling;
      return node;
    }
    auto node = Make<ast::DurationLiteral>(range);
    node->milliseconds = std::get<Duration>(value.value).milliseconds;
    node->spelling = spelling;
    return node;
  }
  if (auto* boolean = As<P::BoolLiteralContext>(context)) {
    auto node = Make<ast::BoolLiteral>(range);
    node->value = boolean->TRUE() != nullptr;
    return node;
  }
  if (As<P::NullLiteralContext>(context) != nullptr) return Make<ast::NullLiteral>(range);
  if (auto* string = As<P::StringExprContext>(context)) {
    return BuildString(string->stringLiteral(), string);
  }
  if (auto* name = As<P::NameExprContext>(context)) {
    auto node = Make<ast::NameExpr>(range);
    node->name = Ident(name->name(), name);
    return node;
  }
  if (auto* paren = As<P::ParenExprContext>(context)) return BuildExpr(paren->expr(), paren);
  if (auto* list = As<P::ListLiteralContext>(context)) {
    auto node = Make<ast::ListExpr>(range);
    for (P::ExprContext* element : list->expr()) node->elements.push_back(BuildExpr(element, list));
    return node;
  }
  if (auto* map = As<P::MapLiteralContext>(context)) {
    auto node = Make<ast::MapExpr>(range);
    for (P::MapEntryContext* entry : map->mapEntry()) {
      ast::MapEntry built;
      if (entry->stringLiteral() != nullptr) {
        ast::Ptr<ast::StringLiteral> key = BuildString(entry->stringLiteral(), entry);
        built.quoted_key = true;
        built.key = key->Text();
        built.key_range = key->range;
        if (!key->IsPlain()) Report(diag::Kind::InterpolatedMapKey, key->range);
      } else {
        ast::Identifier key = Ident(entry->anyName(), entry);
        built.key = std::move(key.name);
        built.key_range = key.range;
      }
      built.value = BuildExpr(entry->expr(), entry);
      node->entries.push_back(std::move(built));
    }
    return node;
  }
  return Error(range);
}

ast::Ptr<ast::StringLiteral> AstBuilder::BuildString(P::StringLiteralContext* context,
                                                     ParserRuleContext* parent) {
  auto node = Make<ast::StringLiteral>(context != nullptr ? Range(context) : After(parent));
  if (auto* raw = As<P::RawStringContext>(context)) {
    node->style = ast::StringStyle::kRaw;
    const Token* token = raw->RAW_STRING()->getSymbol();
    const size_t begin = token->getStartIndex() + 2;  // after `r"`
    size_t end = token->getStopIndex() + 1;
    // An unterminated raw string (reported by the lexer) has no closing quote.
    if (end > begin && (*text_.code_points)[end - 1] == U'"') --end;
    if (end > begin) {
      ast::StringPart part;
      part.text = Utf8(begin, end);
      part.spelling = part.text;
      part.range = source::SourceRange{file_id_, text_.ByteOffset(begin), text_.ByteOffset(end)};
      node->parts.push_back(std::move(part));
    }
    return node;
  }
  auto* quoted = As<P::QuotedStringContext>(context);
  if (quoted == nullptr) return node;
  node->style =
      quoted->TRIPLE_QUOTE() != nullptr ? ast::StringStyle::kTriple : ast::StringStyle::kQuoted;
  const auto append_text = [&](const Token* token, std::string decoded) {
    const source::SourceRange range = Range(token);
    if (!node->parts.empty() && node->parts.back().expr == nullptr) {
      ast::StringPart& last = node->parts.back();
      last.text += decoded;
      last.spelling += Bytes(range);
      last.range.end = range.end;
      return;
    }
    ast::StringPart part;
    part.text = std::move(decoded);
    part.spelling = std::string(Bytes(range));
    part.range = range;
    node->parts.push_back(std::move(part));
  };
  for (P::StringPartContext* part : quoted->stringPart()) {
    if (auto* text = As<P::TextPartContext>(part)) {
      const Token* token = text->STR_TEXT()->getSymbol();
      append_text(token, Utf8(token->getStartIndex(), token->getStopIndex() + 1));
    } else if (auto* escape = As<P::EscapePartContext>(part)) {
      const Token* token = escape->STR_ESCAPE()->getSymbol();
      std::string decoded;
      const std::string spelling = Utf8(token->getStartIndex(), token->getStopIndex() + 1);
      if (std::optional<Problem> problem = DecodeEscape(spelling, decoded)) {
        Report(problem->kind, Range(token), problem->args);
      }
      append_text(token, std::move(decoded));
    } else if (auto* brace = As<P::BracePartContext>(part)) {
      // A `}` outside an interpolation is plain text.
      append_text(brace->STR_INTERP_END()->getSymbol(), "}");
    } else if (auto* interpolation = As<P::InterpolationPartContext>(part)) {
      ast::StringPart built;
      built.range = Range(interpolation);
      built.expr = BuildExpr(interpolation->expr(), interpolation);
      node->parts.push_back(std::move(built));
    }
  }
  return node;
}

}  // namespace squall::parse::internal
