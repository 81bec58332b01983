// Helpers shared by the compiler/parse unit tests: parse a string, list diagnostics by kind
// and position, and print expressions as compact S-expressions to check tree shapes.
#pragma once

#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "compiler/ast/ast.h"
#include "compiler/diag/diagnostic_engine.h"
#include "compiler/parse/parser.h"
#include "compiler/source/source_manager.h"

namespace squall::parse::testing {

// A diagnostic as tests match it: kind name and 1-based line and column of its start.
struct DiagAt {
  std::string kind;
  uint32_t line = 0;
  uint32_t column = 0;
  friend bool operator==(const DiagAt&, const DiagAt&) = default;
  friend std::ostream& operator<<(std::ostream& out, const DiagAt& d) {
    return out << d.kind << "@" << d.line << ":" << d.column;
  }
};

struct Parsed {
  std::unique_ptr<source::SourceManager> sources;
  source::FileId file_id;
  std::unique_ptr<const ast::File> file;
  std::vector<diag::Diagnostic> diagnostics;

  std::vector<DiagAt> Located() const {
    std::vector<DiagAt> out;
    for (const diag::Diagnostic& d : diagnostics) {
      const source::LineCol at = sources->GetLineCol(d.range.file, d.range.begin);
      out.push_back(DiagAt{std::string(diag::Info(d.kind).name), at.line, at.column});
    }
    return out;
  }
  std::string Messages() const {
    std::string out;
    for (const diag::Diagnostic& d : diagnostics) {
      const source::LineCol at = sources->GetLineCol(d.range.file, d.range.begin);
      out += std::to_string(at.line) + ":" + std::to_string(at.column) + ": " + d.message + " [" +
             std::string(diag::Info(d.kind).name) + "]\n";
      for (const diag::Note& note : d.notes) {
        const source::LineCol note_at = sources->GetLineCol(note.range.file, note.range.begin);
        out += "  " + std::to_string(note_at.line) + ":" + std::to_string(note_at.column) +
               ": note: " + note.message + "\n";
      }
    }
    return out;
  }
  std::string_view Text(source::SourceRange range) const {
    return sources->Text(file_id).substr(range.begin, range.end - range.begin);
  }
};

inline Parsed Parse(std::string text, const ParseOptions& options = {}) {
  Parsed parsed;
  parsed.sources = std::make_unique<source::SourceManager>();
  parsed.file_id = parsed.sources->AddFile("test.rule", std::move(text));
  diag::DiagnosticEngine engine(*parsed.sources, diag::EngineOptions{.error_limit = 0});
  parsed.file = ParseFile(*parsed.sources, parsed.file_id, engine, options);
  parsed.diagnostics = engine.Finish();
  return parsed;
}

// Compact prefix form of an expression: `(+ a (* b c))`, `(. event host)`, `(call f x k:y)`.
std::string Sexpr(const ast::Expr& expr);
inline std::string Sexpr(const ast::Expr* expr) {
  return expr == nullptr ? "<null>" : Sexpr(*expr);
}

inline std::string Sexpr(const ast::Expr& expr) {
  using namespace ast;
  switch (expr.kind) {
    case ExprKind::kInt:
      return Cast<IntLiteral>(expr).spelling;
    case ExprKind::kFloat:
      return Cast<FloatLiteral>(expr).spelling;
    case ExprKind::kDuration:
      return Cast<DurationLiteral>(expr).spelling;
    case ExprKind::kFactor:
      return Cast<FactorLiteral>(expr).spelling;
    case ExprKind::kBool:
      return Cast<BoolLiteral>(expr).value ? "true" : "false";
    case ExprKind::kNull:
      return "null";
    case ExprKind::kString: {
      std::string out = "\"";
      for (const StringPart& part : Cast<StringLiteral>(expr).parts) {
        out += part.expr != nullptr ? "{{" + Sexpr(*part.expr) + "}}" : part.text;
      }
      return out + "\"";
    }
    case ExprKind::kName:
      return Cast<NameExpr>(expr).name.name;
    case ExprKind::kMember: {
      const auto& member = Cast<MemberExpr>(expr);
      return std::string(member.safe ? "(?. " : "(. ") + Sexpr(*member.object) + " " +
             member.member.name + ")";
    }
    case ExprKind::kIndex: {
      const auto& index = Cast<IndexExpr>(expr);
      return "([] " + Sexpr(*index.object) + " " + Sexpr(*index.index) + ")";
    }
    case ExprKind::kCall: {
      const auto& call = Cast<CallExpr>(expr);
      std::string out = "(call " + Sexpr(*call.callee);
      for (const Argument& arg : call.args) {
        out += " ";
        if (arg.name.has_value()) out += arg.name->name + ":";
        out += Sexpr(*arg.value);
      }
      return out + ")";
    }
    case ExprKind::kUnary: {
      const auto& unary = Cast<UnaryExpr>(expr);
      return "(" + std::string(Spelling(unary.op)) + " " + Sexpr(*unary.operand) + ")";
    }
    case ExprKind::kBinary: {
      const auto& binary = Cast<BinaryExpr>(expr);
      return "(" + std::string(Spelling(binary.op)) + " " + Sexpr(*binary.lhs) + " " +
             Sexpr(*binary.rhs) + ")";
    }
    case ExprKind::kList: {
      std::string out = "[";
      for (const auto& element : Cast<ListExpr>(expr).elements) {
        if (out.size() > 1) out += " ";
        out += Sexpr(*element);
      }
      return out + "]";
    }
    case ExprKind::kMap: {
      std::string out = "{";
      for (const MapEntry& entry : Cast<MapExpr>(expr).entries) {
        if (out.size() > 1) out += " ";
        out += entry.key + ":" + Sexpr(*entry.value);
      }
      return out + "}";
    }
    case ExprKind::kFor: {
      const auto& loop = Cast<ForExpr>(expr);
      return "(for " + loop.variable.name + " " + Sexpr(*loop.iterable) + " " +
             std::to_string(loop.body->statements.size()) + ")";
    }
    case ExprKind::kWait: {
      const auto& wait = Cast<WaitExpr>(expr);
      return "(wait " + wait.trigger->name.ToString() + " " + Sexpr(wait.where.get()) + " " +
             Sexpr(wait.timeout.get()) + ")";
    }
    case ExprKind::kAsk: {
      const auto& ask = Cast<AskExpr>(expr);
      return "(ask " + Sexpr(*ask.prompt) + " " + Sexpr(ask.timeout.get()) + ")";
    }
    case ExprKind::kError:
      return "<error>";
  }
  return "?";
}

// Calls `visit` on every node of `file` (the File included), in no particular order.
template <typename Visit>
void ForEachNode(const ast::File& file, Visit&& visit) {
  using namespace ast;
  std::vector<const Node*> nodes;
  std::vector<const Expr*> exprs;
  std::vector<const Stmt*> stmts;
  std::vector<const TypeExpr*> types;
  const auto expr = [&](const Ptr<Expr>& e) {
    if (e != nullptr) exprs.push_back(e.get());
  };
  const auto type = [&](const Ptr<TypeExpr>& t) {
    if (t != nullptr) types.push_back(t.get());
  };
  const auto field = [&](const Ptr<FieldDecl>& f) {
    nodes.push_back(f.get());
    type(f->type);
    expr(f->default_value);
  };
  const auto atom = [&](const TriggerAtom& a) {
    nodes.push_back(&a);
    for (const auto& arg : a.args) expr(arg.value);
    expr(a.argument);
    expr(a.time_zone);
    expr(a.filter);
  };
  const auto policies = [&](const std::vector<Ptr<Policy>>& list) {
    for (const auto& p : list) {
      nodes.push_back(p.get());
      if (const auto* r = As<RetryPolicy>(p.get())) {
        expr(r->count), expr(r->every), expr(r->backoff), expr(r->up_to), expr(r->when);
      } else if (const auto* t = As<TimeoutPolicy>(p.get())) {
        expr(t->duration);
      } else if (const auto* c = As<ConcurrencyPolicy>(p.get())) {
        expr(c->limit), expr(c->by);
      } else if (const auto* h = As<ThrottlePolicy>(p.get())) {
        expr(h->count), expr(h->period), expr(h->by);
      }
    }
  };
  const auto action = [&](const ActionClause& a) {
    nodes.push_back(&a);
    exprs.push_back(a.call.get());
    policies(a.policies);
  };
  nodes.push_back(&file);
  for (const auto& d : file.decls) {
    nodes.push_back(d.get());
    for (const auto& a : d->annotations) {
      nodes.push_back(a.get());
      for (const auto& e : a->args) expr(e);
    }
    if (const auto* c = As<ConstDecl>(d.get())) {
      type(c->type), expr(c->value);
    } else if (const auto* t = As<TriggerDecl>(d.get())) {
      for (const auto& f : t->fields) field(f);
    } else if (const auto* r = As<RuleDecl>(d.get())) {
      nodes.push_back(r->trigger.get());
      for (const auto& a : r->trigger->atoms) atom(*a);
      expr(r->trigger->where), expr(r->trigger->within), expr(r->trigger->count),
          expr(r->trigger->by);
      action(*r->action);
      for (const auto& o : r->outcomes) nodes.push_back(o.get()), action(*o->action);
    } else if (const auto* w = As<WorkflowDecl>(d.get())) {
      for (const auto& f : w->params) field(f);
      type(w->return_type);
      stmts.push_back(w->body.get());
    } else if (const auto* test = As<TestDecl>(d.get())) {
      exprs.push_back(test->name.get());
      for (const auto& step : test->steps) {
        nodes.push_back(step.get());
        if (const auto* g = As<GivenStep>(step.get()))
          atom(*g->trigger), expr(g->payload), expr(g->after);
        if (const auto* e = As<ExpectCallStep>(step.get()))
          exprs.push_back(e->call.get()), expr(e->after);
        if (const auto* n = As<ExpectNothingStep>(step.get())) expr(n->after);
        if (const auto* returns = As<WhenReturnsStep>(step.get())) {
          expr(returns->value);
          expr(returns->after);
        }
        if (const auto* f = As<WhenFailsStep>(step.get())) {
          expr(f->message);
          expr(f->after);
        }
      }
    }
  }
  while (!exprs.empty() || !stmts.empty() || !types.empty()) {
    if (!types.empty()) {
      const TypeExpr* t = types.back();
      types.pop_back();
      nodes.push_back(t);
      if (const auto* n = As<NamedType>(t))
        for (const auto& a : n->args) type(a);
      if (const auto* r = As<RecordType>(t))
        for (const auto& f : r->fields) field(f);
      continue;
    }
    if (!stmts.empty()) {
      const Stmt* s = stmts.back();
      stmts.pop_back();
      nodes.push_back(s);
      const auto block = [&](const Ptr<BlockStmt>& b) {
        if (b != nullptr) stmts.push_back(b.get());
      };
      if (const auto* l = As<LetStmt>(s)) type(l->type), expr(l->value), policies(l->policies);
      if (const auto* a = As<AssignStmt>(s)) expr(a->value);
      if (const auto* i = As<IfStmt>(s)) {
        expr(i->condition), block(i->then_block);
        if (i->else_branch != nullptr) stmts.push_back(i->else_branch.get());
      }
      if (const auto* p = As<ParallelStmt>(s)) {
        expr(p->first);
        for (const auto& b : p->branches) stmts.push_back(b.get());
      }
      if (const auto* w = As<WhileStmt>(s)) expr(w->condition), block(w->body);
      if (const auto* t = As<TryStmt>(s)) block(t->body), block(t->handler);
      if (const auto* f = As<FailStmt>(s)) expr(f->message), expr(f->details);
      if (const auto* r = As<ReturnStmt>(s)) expr(r->value);
      if (const auto* z = As<SleepStmt>(s)) expr(z->duration);
      if (const auto* y = As<YieldStmt>(s)) expr(y->value);
      if (const auto* b = As<BlockStmt>(s))
        for (const auto& c : b->statements) stmts.push_back(c.get());
      if (const auto* e = As<ExprStmt>(s)) expr(e->expr), policies(e->policies);
      continue;
    }
    const Expr* e = exprs.back();
    exprs.pop_back();
    nodes.push_back(e);
    if (const auto* s = As<StringLiteral>(e))
      for (const auto& p : s->parts) expr(p.expr);
    if (const auto* m = As<MemberExpr>(e)) expr(m->object);
    if (const auto* i = As<IndexExpr>(e)) expr(i->object), expr(i->index);
    if (const auto* c = As<CallExpr>(e)) {
      expr(c->callee);
      for (const auto& a : c->args) expr(a.value);
    }
    if (const auto* u = As<UnaryExpr>(e)) expr(u->operand);
    if (const auto* b = As<BinaryExpr>(e)) expr(b->lhs), expr(b->rhs);
    if (const auto* l = As<ListExpr>(e))
      for (const auto& x : l->elements) expr(x);
    if (const auto* m = As<MapExpr>(e))
      for (const auto& x : m->entries) expr(x.value);
    if (const auto* f = As<ForExpr>(e))
      expr(f->iterable), expr(f->concurrency), stmts.push_back(f->body.get());
    if (const auto* w = As<WaitExpr>(e)) atom(*w->trigger), expr(w->where), expr(w->timeout);
    if (const auto* a = As<AskExpr>(e)) expr(a->prompt), type(a->answer_type), expr(a->timeout);
  }
  for (const Node* node : nodes) visit(*node);
}

}  // namespace squall::parse::testing
