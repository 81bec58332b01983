// Path-sensitive checks of a workflow body, run once its names and types are checked: a
// `let x = {}` variable read where some path has not assigned it (MaybeUnset), statements no
// path reaches (UnreachableCode), a typed workflow whose end can be reached (MissingReturn), a
// `while` loop nothing can end (LoopNeverEnds).
//
// One forward walk over the statements, carrying a FlowState. Where paths meet (after `if`,
// `try`, `parallel`, a loop) their states merge: reachable if any path is, unset if unset on
// any path. A loop body is walked once, from the state on entry: assignments only remove
// variables from `unset`, so the entry state is the most unset any iteration can see, which
// keeps the walk linear and MaybeUnset sound.
#include <algorithm>

#include "compiler/check/checker_internal.h"

namespace squall::check::internal {

using diag::Kind;

namespace {

// The first `length` bytes of `node`: its keyword, for carets that do not span a whole block.
SourceRange Head(const ast::Node& node, uint32_t length) {
  return SourceRange{node.range.file, node.range.begin,
                     std::min(node.range.end, node.range.begin + length)};
}

void EndPath(FlowState& state, SourceRange at, std::string how) {
  state.reachable = false;
  state.unset.clear();
  state.ended_at = at;
  state.ended_how = std::move(how);
}

// Where two paths meet.
void MergeInto(FlowState& into, const FlowState& other) {
  if (!other.reachable) return;
  if (!into.reachable) {
    into = other;
    return;
  }
  into.unset.insert(other.unset.begin(), other.unset.end());
}

// Calls `visit` on each direct subexpression of `expr`; the body of a `for` is statements
// and is not visited.
template <typename Visit>
void ForEachSubexpr(const ast::Expr& expr, Visit&& visit) {
  auto maybe = [&](const ast::Ptr<ast::Expr>& child) {
    if (child != nullptr) visit(*child);
  };
  switch (expr.kind) {
    case ast::ExprKind::kString:
      for (const ast::StringPart& part : ast::Cast<ast::StringLiteral>(expr).parts) {
        maybe(part.expr);
      }
      break;
    case ast::ExprKind::kMember:
      maybe(ast::Cast<ast::MemberExpr>(expr).object);
      break;
    case ast::ExprKind::kIndex: {
      const auto& index = ast::Cast<ast::IndexExpr>(expr);
      maybe(index.object);
      maybe(index.index);
      break;
    }
    case ast::ExprKind::kCall: {
      const auto& call = ast::Cast<ast::CallExpr>(expr);
      maybe(call.callee);
      for (const ast::Argument& arg : call.args) maybe(arg.value);
      break;
    }
    case ast::ExprKind::kUnary:
      maybe(ast::Cast<ast::UnaryExpr>(expr).operand);
      break;
    case ast::ExprKind::kBinary: {
      const auto& binary = ast::Cast<ast::BinaryExpr>(expr);
      maybe(binary.lhs);
      maybe(binary.rhs);
      break;
    }
    case ast::ExprKind::kList:
      for (const auto& element : ast::Cast<ast::ListExpr>(expr).elements) maybe(element);
      break;
    case ast::ExprKind::kMap:
      for (const ast::MapEntry& entry : ast::Cast<ast::MapExpr>(expr).entries) maybe(entry.value);
      break;
    case ast::ExprKind::kFor: {
      const auto& for_expr = ast::Cast<ast::ForExpr>(expr);
      maybe(for_expr.iterable);
      maybe(for_expr.concurrency);
      break;
    }
    case ast::ExprKind::kWait: {
      const auto& wait = ast::Cast<ast::WaitExpr>(expr);
      if (wait.trigger != nullptr) {
        for (const ast::Argument& arg : wait.trigger->args) maybe(arg.value);
        maybe(wait.trigger->argument);
        maybe(wait.trigger->time_zone);
        maybe(wait.trigger->filter);
      }
      maybe(wait.where);
      maybe(wait.timeout);
      break;
    }
    case ast::ExprKind::kAsk: {
      const auto& ask = ast::Cast<ast::AskExpr>(expr);
      maybe(ask.prompt);
      maybe(ask.timeout);
      break;
    }
    case ast::ExprKind::kInt:
    case ast::ExprKind::kFloat:
    case ast::ExprKind::kDuration:
    case ast::ExprKind::kFactor:
    case ast::ExprKind::kBool:
    case ast::ExprKind::kNull:
    case ast::ExprKind::kName:
    case ast::ExprKind::kError:
      break;
  }
}

}  // namespace

void Checker::CheckFlow(const CheckedWorkflow& workflow) {
  const ast::WorkflowDecl& decl = *workflow.decl;
  if (decl.body == nullptr) return;
  FlowState state;
  FlowContext fctx;
  FlowBlock(*decl.body, state, fctx);
  const Type* result = workflow.result;
  if (state.reachable && decl.return_type != nullptr && result != nullptr &&
      !result->IsOptional() && !result->IsError()) {
    // At the closing brace: that is where the path falls off the end.
    const SourceRange& body = decl.body->range;
    SourceRange closing{body.file, body.end > body.begin ? body.end - 1 : body.end, body.end};
    Emit(Kind::MissingReturn, closing, {decl.name.name, types::ToString(result)})
        .AddNote(Kind::DeclaredHere, decl.return_type->range,
                 {"the return type `" + types::ToString(result) + "` is"});
  }
}

void Checker::FlowBlock(const ast::BlockStmt& block, FlowState& state, FlowContext& fctx) {
  for (const auto& stmt : block.statements) {
    if (!state.reachable) {
      // One warning per run of dead statements; nothing inside them is checked further.
      Emit(Kind::UnreachableCode, stmt->range)
          .AddNote(Kind::PathEndsHere, state.ended_at, {state.ended_how});
      return;
    }
    FlowStmt(*stmt, state, fctx);
  }
}

void Checker::FlowStmt(const ast::Stmt& stmt, FlowState& state, FlowContext& fctx) {
  auto flow = [&](const ast::Ptr<ast::Expr>& expr) {
    if (expr != nullptr) FlowExpr(*expr, state, fctx);
  };
  switch (stmt.kind) {
    case ast::StmtKind::kLet: {
      const auto& let = ast::Cast<ast::LetStmt>(stmt);
      flow(let.value);
      FlowPolicies(let.policies, state, fctx);
      if (completed_maps_.count(let.name.range) != 0) state.unset.insert(let.name.range);
      break;
    }
    case ast::StmtKind::kAssign: {
      flow(ast::Cast<ast::AssignStmt>(stmt).value);
      if (auto it = assign_targets_.find(stmt.id.value); it != assign_targets_.end()) {
        state.unset.erase(it->second);
        fctx.assigned.push_back(it->second);
      }
      break;
    }
    case ast::StmtKind::kIf: {
      const auto& if_stmt = ast::Cast<ast::IfStmt>(stmt);
      flow(if_stmt.condition);
      FlowState then_state = state;
      if (if_stmt.then_block != nullptr) FlowBlock(*if_stmt.then_block, then_state, fctx);
      FlowState else_state = state;
      if (if_stmt.else_branch != nullptr) FlowStmt(*if_stmt.else_branch, else_state, fctx);
      state = std::move(then_state);
      MergeInto(state, else_state);
      if (!state.reachable) {
        EndPath(state, Head(stmt, 2), "no branch of this `if` continues after it");
      }
      break;
    }
    case ast::StmtKind::kParallel: {
      const auto& parallel = ast::Cast<ast::ParallelStmt>(stmt);
      flow(parallel.first);
      // Every branch starts from the state before the fork. Joining on all branches, the
      // join is reached only if every branch finishes, and then each branch's assignments
      // happened; after `first N` the losers were canceled midway, so none is certain.
      const FlowState fork = state;
      const FlowState* stuck = nullptr;
      std::vector<FlowState> ends;
      ends.reserve(parallel.branches.size());
      for (const auto& branch : parallel.branches) {
        FlowState& end = ends.emplace_back(fork);
        FlowStmt(*branch, end, fctx);
        if (!end.reachable && stuck == nullptr) stuck = &end;
      }
      if (parallel.first == nullptr) {
        if (stuck != nullptr) {
          EndPath(state, stuck->ended_at,
                  stuck->ended_how +
                      ", so this `parallel` branch never finishes and its join "
                      "is never reached");
          break;
        }
        for (const FlowState& end : ends) {
          std::erase_if(state.unset, [&](const SourceRange& r) { return !end.unset.contains(r); });
        }
        break;
      }
      FlowState joined{.reachable = false};
      for (const FlowState& end : ends) MergeInto(joined, end);
      if (!joined.reachable) {
        EndPath(state, Head(stmt, 8), "no branch of this `parallel first` finishes");
        break;
      }
      state.unset.insert(joined.unset.begin(), joined.unset.end());
      break;
    }
    case ast::StmtKind::kWhile:
      FlowWhile(ast::Cast<ast::WhileStmt>(stmt), state, fctx);
      break;
    case ast::StmtKind::kBreak:
      if (!fctx.loops.empty()) MergeInto(fctx.loops.back().at_break, state);
      EndPath(state, stmt.range, "`break` leaves the loop here");
      break;
    case ast::StmtKind::kContinue:
      EndPath(state, stmt.range, "`continue` goes back to the start of the loop here");
      break;
    case ast::StmtKind::kTry: {
      const auto& try_stmt = ast::Cast<ast::TryStmt>(stmt);
      // The handler may start after any step of the body, so from the state before it.
      FlowState handler = state;
      if (try_stmt.body != nullptr) FlowBlock(*try_stmt.body, state, fctx);
      if (try_stmt.handler != nullptr) FlowBlock(*try_stmt.handler, handler, fctx);
      MergeInto(state, handler);
      if (!state.reachable) {
        EndPath(state, Head(stmt, 3),
                "neither the `try` block nor its `catch` block continues after them");
      }
      break;
    }
    case ast::StmtKind::kFail: {
      const auto& fail = ast::Cast<ast::FailStmt>(stmt);
      flow(fail.message);
      flow(fail.details);
      ++fctx.exits;
      EndPath(state, Head(stmt, 4), "`fail` leaves the workflow (or its `try` block) here");
      break;
    }
    case ast::StmtKind::kReturn:
      flow(ast::Cast<ast::ReturnStmt>(stmt).value);
      ++fctx.exits;
      EndPath(state, Head(stmt, 6), "`return` leaves the workflow here");
      break;
    case ast::StmtKind::kSleep:
      flow(ast::Cast<ast::SleepStmt>(stmt).duration);
      break;
    case ast::StmtKind::kYield:
      flow(ast::Cast<ast::YieldStmt>(stmt).value);
      break;
    case ast::StmtKind::kBlock:
      FlowBlock(ast::Cast<ast::BlockStmt>(stmt), state, fctx);
      break;
    case ast::StmtKind::kExpr: {
      const auto& expr_stmt = ast::Cast<ast::ExprStmt>(stmt);
      flow(expr_stmt.expr);
      FlowPolicies(expr_stmt.policies, state, fctx);
      break;
    }
  }
}

void Checker::FlowWhile(const ast::WhileStmt& loop, FlowState& state, FlowContext& fctx) {
  if (loop.condition == nullptr) return;
  FlowExpr(*loop.condition, state, fctx);
  const size_t assigned_before = fctx.assigned.size();
  const size_t exits_before = fctx.exits;
  fctx.loops.emplace_back();
  FlowState body = state;
  if (loop.body != nullptr) FlowBlock(*loop.body, body, fctx);
  FlowState at_break = std::move(fctx.loops.back().at_break);
  fctx.loops.pop_back();

  std::optional<ConstValue> value = Evaluate(*loop.condition);
  const bool forever = value && value->kind == ConstValue::Kind::kBool && value->boolean;
  if (!at_break.reachable && fctx.exits == exits_before) {
    std::span<const SourceRange> assigned(fctx.assigned.begin() + assigned_before,
                                          fctx.assigned.end());
    if (forever) {
      Emit(Kind::LoopNeverEnds, loop.condition->range, {"its condition is always true"});
    } else if (!MayChange(*loop.condition, assigned)) {
      Emit(Kind::LoopNeverEnds, loop.condition->range,
           {"nothing in it changes what its condition reads"});
    }
  }
  if (!forever) {
    MergeInto(state, at_break);  // the condition was false, or a `break` left
  } else if (at_break.reachable) {
    state = std::move(at_break);  // only a `break` leaves `while true`
  } else {
    EndPath(state, Head(loop, 5),
            "this `while` loop never ends normally: its condition is always true and no "
            "`break` leaves it");
  }
}

void Checker::FlowExpr(const ast::Expr& expr, FlowState& state, FlowContext& fctx) {
  switch (expr.kind) {
    case ast::ExprKind::kName: {
      auto it = let_reads_.find(expr.id.value);
      if (it == let_reads_.end() || !state.unset.contains(it->second)) return;
      // A read checked before the first assignment saw the type `{}`, and any field read was
      // reported then.
      const Type* type = out_->TypeOf(expr);
      if (type == nullptr || type->kind() != types::TypeKind::kRecord || type->fields().empty()) {
        return;
      }
      if (!fctx.reported.insert(it->second).second) return;  // once per variable
      const std::string& name = ast::Cast<ast::NameExpr>(expr).name.name;
      Emit(Kind::MaybeUnset, expr.range, {name}).AddNote(Kind::StartsEmpty, it->second, {name});
      return;
    }
    case ast::ExprKind::kBinary: {
      // `x == {}` and `x != {}` test whether `x` was assigned: not a read of its fields.
      const auto& binary = ast::Cast<ast::BinaryExpr>(expr);
      const bool test = binary.op == ast::BinaryOp::kEq || binary.op == ast::BinaryOp::kNe;
      for (const auto* side : {binary.lhs.get(), binary.rhs.get()}) {
        if (side != nullptr && !(test && side->kind == ast::ExprKind::kName)) {
          FlowExpr(*side, state, fctx);
        }
      }
      return;
    }
    case ast::ExprKind::kFor: {
      const auto& for_expr = ast::Cast<ast::ForExpr>(expr);
      ForEachSubexpr(expr, [&](const ast::Expr& child) { FlowExpr(child, state, fctx); });
      // The body may run any number of times, zero included: the state after the loop is the
      // state before it (a `break` leaves from a state with fewer unset variables).
      fctx.loops.emplace_back();
      FlowState body = state;
      if (for_expr.body != nullptr) FlowBlock(*for_expr.body, body, fctx);
      fctx.loops.pop_back();
      return;
    }
    default:
      ForEachSubexpr(expr, [&](const ast::Expr& child) { FlowExpr(child, state, fctx); });
      return;
  }
}

void Checker::FlowPolicies(const std::vector<ast::Ptr<ast::Policy>>& policies, FlowState& state,
                           FlowContext& fctx) {
  auto flow = [&](const ast::Ptr<ast::Expr>& expr) {
    if (expr != nullptr) FlowExpr(*expr, state, fctx);
  };
  for (const auto& policy : policies) {
    switch (policy->kind) {
      case ast::PolicyKind::kRetry: {
        const auto& retry = ast::Cast<ast::RetryPolicy>(*policy);
        flow(retry.count);
        flow(retry.every);
        flow(retry.backoff);
        flow(retry.up_to);
        flow(retry.when);
        break;
      }
      case ast::PolicyKind::kTimeout:
        flow(ast::Cast<ast::TimeoutPolicy>(*policy).duration);
        break;
      case ast::PolicyKind::kConcurrency: {
        const auto& concurrency = ast::Cast<ast::ConcurrencyPolicy>(*policy);
        flow(concurrency.limit);
        flow(concurrency.by);
        break;
      }
      case ast::PolicyKind::kThrottle: {
        const auto& throttle = ast::Cast<ast::ThrottlePolicy>(*policy);
        flow(throttle.count);
        flow(throttle.period);
        flow(throttle.by);
        break;
      }
    }
  }
}

bool Checker::MayChange(const ast::Expr& condition, std::span<const SourceRange> assigned) const {
  switch (condition.kind) {
    case ast::ExprKind::kCall:  // an action's result, or `now()`, differs from call to call
    case ast::ExprKind::kWait:
    case ast::ExprKind::kAsk:
    case ast::ExprKind::kFor:
      return true;
    case ast::ExprKind::kName: {
      auto it = let_reads_.find(condition.id.value);
      return it != let_reads_.end() &&
             std::find(assigned.begin(), assigned.end(), it->second) != assigned.end();
    }
    default: {
      bool changes = false;
      ForEachSubexpr(condition, [&](const ast::Expr& child) {
        changes = changes || MayChange(child, assigned);
      });
      return changes;
    }
  }
}

void Checker::NoteClosedBinding(diag::Diagnostic& diagnostic, const std::string& name,
                                SourceRange use) const {
  if (current_workflow_ == nullptr) return;
  // The nearest binding of that name before the use whose scope has closed.
  const ClosedBinding* nearest = nullptr;
  for (const ClosedBinding& closed : closed_bindings_) {
    if (closed.name == name && closed.decl.file == use.file && closed.decl.end <= use.begin &&
        (nearest == nullptr || nearest->decl.begin < closed.decl.begin)) {
      nearest = &closed;
    }
  }
  if (nearest == nullptr) return;
  std::string where = nearest->kind == BindingKind::kCatch     ? "inside its `catch` block"
                      : nearest->kind == BindingKind::kLoopVar ? "inside the body of its `for`"
                                                               : "inside the block that ends "
                                                                 "before this use; declare it "
                                                                 "before that block and assign "
                                                                 "it inside";
  diagnostic.AddNote(Kind::OutOfScopeBinding, nearest->decl, {name, std::move(where)});
}

}  // namespace squall::check::internal
