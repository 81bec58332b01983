// Workflow bodies: scopes of `let`, assignment, control flow, steps with policies, `for`,
// `try`/`catch`, `return`. The path-sensitive checks that follow (check_flow.cpp) read the
// name resolution this walk records.
#include "compiler/check/checker_internal.h"
#include "compiler/diag/suggest.h"

namespace squall::check::internal {

using diag::Kind;
using types::TypeKind;

void Checker::CheckWorkflow(const ast::WorkflowDecl& decl) {
  auto it = out_->workflows.find(decl.name.name);
  if (it == out_->workflows.end() || it->second.decl != &decl) return;  // a duplicate
  const CheckedWorkflow& workflow = it->second;
  Scope params(&file_scope_);
  for (const types::Field& field : workflow.params) {
    params.Add(Binding{
        .name = field.name, .type = field.type, .kind = BindingKind::kParam, .decl = field.decl});
  }
  WorkflowContext wctx{.workflow = &workflow};
  let_reads_.clear();
  assign_targets_.clear();
  completed_maps_.clear();
  first_branch_names_.clear();
  closed_bindings_.clear();
  current_workflow_ = &workflow;
  if (decl.body != nullptr) CheckBlock(*decl.body, params, wctx);
  current_workflow_ = nullptr;
  CloseScope(params);
  CheckFlow(workflow);
}

void Checker::CheckBlock(const ast::BlockStmt& block, Scope& scope, WorkflowContext& wctx) {
  Scope inner(&scope);
  for (const auto& stmt : block.statements) CheckStmt(*stmt, inner, wctx);
  CloseScope(inner);
}

const Type* Checker::CheckStep(const ast::Expr& expr,
                               const std::vector<ast::Ptr<ast::Policy>>& policies, bool as_value,
                               Scope& scope, WorkflowContext& wctx) {
  const Type* type = nullptr;
  if (const auto* for_expr = ast::As<ast::ForExpr>(&expr); for_expr != nullptr && !as_value) {
    type = Record(expr, CheckFor(*for_expr, scope,
                                 ExprContext{.place = "a workflow",
                                             .actions_allowed = true,
                                             .nested_actions_allowed = true},
                                 /*as_value=*/false));
  } else {
    type = CheckExpr(
        expr, scope,
        ExprContext{
            .place = "a workflow", .actions_allowed = true, .nested_actions_allowed = true});
  }
  (void)wctx;
  if (!policies.empty()) {
    const Type* result = types_.Json();
    const auto* call = ast::As<ast::CallExpr>(&expr);
    if (auto it = out_->calls.find(expr.id.value);
        it != out_->calls.end() && it->second.kind != CallTarget::Kind::kBuiltin) {
      result = ResultTypeOf(it->second);
    } else if (call != nullptr) {
      RejectBuiltinAsAction(*call, "a step with policies");
    } else {
      Emit(Kind::TypeMismatch, expr.range,
           {"a step with policies", "an action or workflow call", types::ToString(type)});
    }
    CheckPolicies(policies, scope, result);
  }
  return type;
}

const Type* Checker::CheckFor(const ast::ForExpr& expr, Scope& scope, const ExprContext& ctx,
                              bool as_value) {
  const Type* iterable = CheckExpr(*expr.iterable, scope, ctx);
  const Type* element = types_.Error();
  switch (iterable->kind()) {
    case TypeKind::kList:
      element = iterable->element();
      break;
    case TypeKind::kJson:
      element = types_.Json();
      break;
    case TypeKind::kError:
      break;
    default:
      if (iterable->IsOptional()) {
        Emit(Kind::MaybeNull, expr.iterable->range,
             {"the list of `for`", types::ToString(iterable)});
      } else {
        Emit(Kind::TypeMismatch, expr.iterable->range,
             {"the list of `for`", "list<T>", types::ToString(iterable)});
      }
      break;
  }
  if (expr.concurrency != nullptr) {
    CheckPositiveInt(*expr.concurrency, scope, "the `for` concurrency");
  }
  std::vector<const Type*> yields;
  Scope loop(&scope);
  loop.Add(Binding{.name = expr.variable.name,
                   .type = element,
                   .kind = BindingKind::kLoopVar,
                   .decl = expr.variable.range});
  // A `for` appears in a workflow only; its body is checked like any workflow block.
  // A `yield` in a statement `for` nested in a value `for` adds to the outer list.
  std::vector<const Type*>* saved_target = yield_target_;
  yield_target_ = as_value ? &yields : saved_target;
  WorkflowContext body_ctx;
  body_ctx.workflow = current_workflow_;
  body_ctx.loop_depth = 1;
  body_ctx.yields = yield_target_;
  if (expr.body != nullptr) CheckBlock(*expr.body, loop, body_ctx);
  yield_target_ = saved_target;
  CloseScope(loop);
  if (!as_value) return types_.Null();
  const Type* joined = types_.Nothing();
  for (const Type* y : yields) joined = types_.Join(joined, y);
  return types_.List(joined);
}

void Checker::CheckStmt(const ast::Stmt& stmt, Scope& scope, WorkflowContext& wctx) {
  const ExprContext ctx{
      .place = "a workflow", .actions_allowed = true, .nested_actions_allowed = true};
  switch (stmt.kind) {
    case ast::StmtKind::kLet: {
      const auto& let = ast::Cast<ast::LetStmt>(stmt);
      const Type* value = let.value
                              ? CheckStep(*let.value, let.policies, /*as_value=*/true, scope, wctx)
                              : types_.Error();
      const Type* type = value;
      if (let.type != nullptr) {
        type = ResolveType(*let.type);
        if (let.value) ExpectType(*let.value, value, type, "the value of `" + let.name.name + "`");
      }
      if (Binding* existing = scope.FindLocal(let.name.name)) {
        Emit(Kind::DuplicateBinding, let.name.range, {let.name.name})
            .AddNote(Kind::PreviousDefinition, existing->decl, {let.name.name});
        break;
      }
      scope.Add(Binding{
          .name = let.name.name, .type = type, .kind = BindingKind::kLet, .decl = let.name.range});
      break;
    }
    case ast::StmtKind::kAssign: {
      const auto& assign = ast::Cast<ast::AssignStmt>(stmt);
      const Type* value = CheckExpr(*assign.value, scope, ctx);
      Binding* binding = scope.Find(assign.target.name);
      if (binding == nullptr) {
        std::vector<std::string> names;
        scope.CollectNames(names);
        if (consts_.count(assign.target.name) != 0) {
          Emit(Kind::AssignToConstant, assign.target.range, {"constant", assign.target.name});
        } else {
          NoteClosedBinding(Emit(Kind::UnknownName, assign.target.range,
                                 {assign.target.name, diag::DidYouMean(assign.target.name, names)}),
                            assign.target.name, assign.target.range);
        }
        break;
      }
      if (binding->kind != BindingKind::kLet) {
        const char* what = binding->kind == BindingKind::kParam     ? "parameter"
                           : binding->kind == BindingKind::kLoopVar ? "loop variable"
                                                                    : "binding";
        Emit(Kind::AssignToConstant, assign.target.range, {what, assign.target.name});
        break;
      }
      assign_targets_[stmt.id.value] = binding->decl;
      // `let xs = []`, `let best = null`, `let m = {}` start a variable whose type the first
      // assignment completes (the accumulate pattern).
      const Type* current = binding->type;
      bool underspecified = current->kind() == types::TypeKind::kNull ||
                            (current->kind() == types::TypeKind::kList &&
                             current->element()->kind() == types::TypeKind::kNothing) ||
                            (current->kind() == types::TypeKind::kRecord &&
                             current->fields().empty() && current->extra_fields() == nullptr);
      if (underspecified && !value->IsError()) {
        binding->type = current->kind() == types::TypeKind::kRecord
                            ? (value->kind() == types::TypeKind::kRecord ? value : types_.Json())
                            : types_.Join(current, value);
        // `{}` now has the fields of a record it may not hold yet: reads on a path that skips
        // every assignment are MaybeUnset. (`[]` is a valid empty list and `null` makes the
        // type optional, so those two need no flow check.)
        if (binding->type->kind() == types::TypeKind::kRecord)
          completed_maps_.insert(binding->decl);
        break;
      }
      ExpectType(*assign.value, value, binding->type,
                 "the value assigned to `" + assign.target.name + "`");
      break;
    }
    case ast::StmtKind::kIf: {
      const auto& if_stmt = ast::Cast<ast::IfStmt>(stmt);
      const Type* condition = CheckExpr(*if_stmt.condition, scope, ctx);
      ExpectCondition(*if_stmt.condition, condition, "the condition of `if`");
      if (if_stmt.then_block) CheckBlock(*if_stmt.then_block, scope, wctx);
      if (if_stmt.else_branch) CheckStmt(*if_stmt.else_branch, scope, wctx);
      break;
    }
    case ast::StmtKind::kParallel: {
      const auto& parallel = ast::Cast<ast::ParallelStmt>(stmt);
      if (parallel.first != nullptr) {
        CheckPositiveInt(*parallel.first, scope, "the count of `parallel first`");
      }
      // Each branch runs on its own: it does not see its siblings' bindings. A `let` branch
      // binds its name for the steps after the join; after `parallel first N` the branches
      // that lost were canceled, so their names may be unset there (optional).
      std::vector<Binding> joined;
      for (const auto& branch : parallel.branches) {
        Scope branch_scope(&scope);
        CheckStmt(*branch, branch_scope, wctx);
        for (Binding& binding : branch_scope.bindings()) {
          if (binding.kind != BindingKind::kLet) continue;
          Binding hoisted = binding;
          if (parallel.first != nullptr) {
            hoisted.type = types_.Optional(hoisted.type);
            first_branch_names_.insert(hoisted.decl);
          }
          joined.push_back(std::move(hoisted));
          binding.used = true;  // reported (if unused) where it is hoisted to
        }
      }
      for (Binding& binding : joined) {
        if (Binding* existing = scope.FindLocal(binding.name)) {
          Emit(Kind::DuplicateBinding, binding.decl, {binding.name})
              .AddNote(Kind::PreviousDefinition, existing->decl, {binding.name});
          continue;
        }
        scope.Add(std::move(binding));
      }
      break;
    }
    case ast::StmtKind::kWhile: {
      const auto& loop = ast::Cast<ast::WhileStmt>(stmt);
      const Type* condition = CheckExpr(*loop.condition, scope, ctx);
      ExpectCondition(*loop.condition, condition, "the condition of `while`");
      ++wctx.loop_depth;
      if (loop.body) CheckBlock(*loop.body, scope, wctx);
      --wctx.loop_depth;
      break;
    }
    case ast::StmtKind::kBreak:
    case ast::StmtKind::kContinue:
      if (wctx.loop_depth == 0) {
        Emit(Kind::OutsideLoop, stmt.range,
             {stmt.kind == ast::StmtKind::kBreak ? "break" : "continue"});
      }
      break;
    case ast::StmtKind::kTry: {
      const auto& try_stmt = ast::Cast<ast::TryStmt>(stmt);
      if (try_stmt.body) CheckBlock(*try_stmt.body, scope, wctx);
      Scope handler(&scope);
      if (try_stmt.error_name) {
        handler.Add(Binding{.name = try_stmt.error_name->name,
                            .type = ErrorType(),
                            .kind = BindingKind::kCatch,
                            .decl = try_stmt.error_name->range});
      }
      if (try_stmt.handler) CheckBlock(*try_stmt.handler, handler, wctx);
      CloseScope(handler);
      break;
    }
    case ast::StmtKind::kFail: {
      const auto& fail = ast::Cast<ast::FailStmt>(stmt);
      const Type* message = CheckExpr(*fail.message, scope, ctx);
      ExpectType(*fail.message, message, types_.String(), "the message of `fail`");
      if (fail.details != nullptr) CheckExpr(*fail.details, scope, ctx);
      break;
    }
    case ast::StmtKind::kReturn: {
      const auto& ret = ast::Cast<ast::ReturnStmt>(stmt);
      if (wctx.workflow == nullptr) break;
      const ast::WorkflowDecl& decl = *wctx.workflow->decl;
      if (ret.value == nullptr) {
        if (decl.return_type != nullptr && !wctx.workflow->result->IsOptional()) {
          Emit(Kind::MissingReturnValue, stmt.range,
               {decl.name.name, types::ToString(wctx.workflow->result)});
        }
        break;
      }
      const Type* value = CheckExpr(*ret.value, scope, ctx);
      if (decl.return_type != nullptr &&
          types::CheckAssignable(value, wctx.workflow->result) == types::Assignability::kNo) {
        Emit(Kind::ReturnTypeMismatch, ret.value->range,
             {decl.name.name, types::ToString(wctx.workflow->result), types::ToString(value)});
      } else if (decl.return_type != nullptr) {
        ExpectType(*ret.value, value, wctx.workflow->result, "the returned value");
      }
      break;
    }
    case ast::StmtKind::kSleep:
      CheckPositiveDuration(*ast::Cast<ast::SleepStmt>(stmt).duration, scope, "`sleep`");
      break;
    case ast::StmtKind::kYield: {
      const auto& yield = ast::Cast<ast::YieldStmt>(stmt);
      const Type* value = CheckExpr(*yield.value, scope, ctx);
      if (wctx.yields == nullptr) {
        Emit(Kind::YieldOutsideFor, stmt.range);
      } else {
        wctx.yields->push_back(value);
      }
      break;
    }
    case ast::StmtKind::kBlock:
      CheckBlock(ast::Cast<ast::BlockStmt>(stmt), scope, wctx);
      break;
    case ast::StmtKind::kExpr: {
      const auto& expr_stmt = ast::Cast<ast::ExprStmt>(stmt);
      if (expr_stmt.expr)
        CheckStep(*expr_stmt.expr, expr_stmt.policies, /*as_value=*/false, scope, wctx);
      break;
    }
  }
}

}  // namespace squall::check::internal
