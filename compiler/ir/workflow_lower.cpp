#include "compiler/ir/workflow_lower.h"

#include <algorithm>
#include <optional>
#include <set>
#include <utility>

#include "compiler/ir/expr_lowerer.h"
#include "compiler/ir/lower.h"
#include "compiler/source/check.h"

namespace squall::ir::internal {
namespace {

// Where a state's `next` (or `alt`) is to point once the following state exists.
struct Exit {
  uint32_t state;
  bool alt;
};

// The loop a `break` or `continue` refers to.
struct Loop {
  bool is_for_body = false;  // a `for` body is a child strand: both end the iteration
  uint32_t head = kNoState;  // `while`: the condition's first state
  size_t try_depth = 0;      // handlers open when the loop started (popped by a jump out)
  std::vector<Exit> breaks;  // `while`: the jumps to the statement after the loop
};

class WorkflowLowerer {
 public:
  WorkflowLowerer(const check::CheckedFile& file, Matcher& matcher,
                  std::map<std::string, ActionSpec>& actions)
      : file_(file),
        actions_(actions),
        exprs_(
            file, matcher,
            [this](const ast::NameExpr& name) -> std::optional<std::vector<std::string>> {
              std::optional<uint32_t> variable = Resolve(name.name.name);
              if (!variable) return std::nullopt;
              return std::vector<std::string>{workflow_.variables[*variable].key};
            },
            [this](const ast::Expr& step) { return Hoist(step); }) {}

  Workflow Lower(const ast::WorkflowDecl& decl, const check::CheckedWorkflow& checked);

 private:
  // Scopes: name -> variable, innermost last.
  std::optional<uint32_t> Resolve(const std::string& name) const {
    for (auto it = scopes_.rbegin(); it != scopes_.rend(); ++it) {
      if (auto found = it->find(name); found != it->end()) return found->second;
    }
    return std::nullopt;
  }
  uint32_t NewVariable(const std::string& name, const types::Type* type,
                       source::SourceRange range) {
    int& uses = name_uses_[name];
    std::string key = uses == 0 ? name : name + "#" + std::to_string(uses + 1);
    ++uses;
    workflow_.variables.push_back(Variable{.key = key, .name = name, .type = type, .range = range});
    return static_cast<uint32_t>(workflow_.variables.size() - 1);
  }
  void Bind(const std::string& name, uint32_t variable) { scopes_.back()[name] = variable; }

  // Appends `state`; every open exit now leads to it.
  uint32_t Emit(WorkflowState state) {
    uint32_t index = static_cast<uint32_t>(workflow_.states.size());
    for (const Exit& exit : open_) {
      (exit.alt ? workflow_.states[exit.state].alt : workflow_.states[exit.state].next) = index;
    }
    open_.clear();
    state.range = state.range.IsValid() ? state.range : current_range_;
    workflow_.states.push_back(std::move(state));
    handler_of_.push_back(tries_.empty() ? kNoState : tries_.back());
    strand_of_.push_back(strands_.empty() ? kNoState : strands_.back());
    return index;
  }
  // Emits `state` and leaves its `next` open (the common case).
  uint32_t EmitThrough(WorkflowState state) {
    uint32_t index = Emit(std::move(state));
    open_.push_back(Exit{index, false});
    return index;
  }
  static WorkflowState Make(StateKind kind, source::SourceRange range) {
    WorkflowState state;
    state.kind = kind;
    state.range = range;
    return state;
  }

  void LowerBlock(const ast::BlockStmt& block);
  void LowerStmt(const ast::Stmt& stmt);
  // A step (call, for, wait, ask) whose value goes to `target` (-1: dropped).
  void LowerStep(const ast::Expr& expr, const std::vector<ast::Ptr<ast::Policy>>& policies,
                 int32_t target);
  bool IsStep(const ast::Expr& expr) const;
  std::string Hoist(const ast::Expr& step);
  NodeRef Value(const ast::Expr& expr) { return exprs_.Lower(expr); }
  NodeRef Optional(const ast::Expr* expr) { return expr != nullptr ? Value(*expr) : NodeRef{}; }
  // Pops the handlers opened since `depth` (a jump out of `try` bodies).
  void PopHandlers(size_t depth) {
    for (size_t i = tries_.size(); i > depth; --i) {
      EmitThrough(Make(StateKind::kEndTry, current_range_));
    }
  }
  void ComputeLiveness();

  const check::CheckedFile& file_;
  std::map<std::string, ActionSpec>& actions_;
  Workflow workflow_;
  ExprLowerer exprs_;
  std::vector<std::map<std::string, uint32_t>> scopes_;
  std::map<std::string, int> name_uses_;
  int temporaries_ = 0;
  std::vector<Exit> open_;
  std::vector<uint32_t> tries_;    // the kTry states whose body is being lowered
  std::vector<uint32_t> strands_;  // the kFork/kForEach states whose children are lowered
  std::vector<Loop> loops_;
  // Per state: the innermost kTry whose body holds it, the fork whose child strand runs it.
  std::vector<uint32_t> handler_of_;
  std::vector<uint32_t> strand_of_;
  source::SourceRange current_range_;
};

Workflow WorkflowLowerer::Lower(const ast::WorkflowDecl& decl,
                                const check::CheckedWorkflow& checked) {
  workflow_.name = decl.name.name;
  workflow_.range = decl.name.range;
  workflow_.result = decl.return_type != nullptr ? checked.result : nullptr;
  scopes_.emplace_back();
  for (const types::Field& param : checked.params) {
    uint32_t variable = NewVariable(param.name, param.type, param.decl);
    Bind(param.name, variable);
    workflow_.params.push_back(
        WorkflowParam{.variable = variable, .default_json = param.default_json});
  }
  current_range_ = decl.name.range;
  if (decl.body != nullptr) LowerBlock(*decl.body);
  // Falling off the end returns nothing (when the end can be reached).
  if (!open_.empty() || workflow_.states.empty()) {
    Emit(Make(StateKind::kReturn, decl.body != nullptr ? decl.body->range : decl.range));
  }
  ComputeLiveness();
  return std::move(workflow_);
}

void WorkflowLowerer::LowerBlock(const ast::BlockStmt& block) {
  scopes_.emplace_back();
  for (const auto& stmt : block.statements) LowerStmt(*stmt);
  scopes_.pop_back();
}

bool WorkflowLowerer::IsStep(const ast::Expr& expr) const {
  switch (expr.kind) {
    case ast::ExprKind::kFor:
    case ast::ExprKind::kWait:
    case ast::ExprKind::kAsk:
      return true;
    case ast::ExprKind::kCall: {
      auto target = file_.calls.find(expr.id.value);
      return target != file_.calls.end() &&
             target->second.kind != check::CallTarget::Kind::kBuiltin;
    }
    default:
      return false;
  }
}

std::string WorkflowLowerer::Hoist(const ast::Expr& step) {
  uint32_t variable =
      NewVariable("#" + std::to_string(++temporaries_), file_.TypeOf(step), step.range);
  static const std::vector<ast::Ptr<ast::Policy>> kNoPolicies;
  LowerStep(step, kNoPolicies, static_cast<int32_t>(variable));
  return workflow_.variables[variable].key;
}

void WorkflowLowerer::LowerStep(const ast::Expr& expr,
                                const std::vector<ast::Ptr<ast::Policy>>& policies,
                                int32_t target) {
  source::SourceRange saved_range = current_range_;
  current_range_ = expr.range;
  switch (expr.kind) {
    case ast::ExprKind::kCall: {
      StepCall call;
      // Arguments first: the steps nested in them run before this one.
      LowerCall(file_, ast::Cast<ast::CallExpr>(expr), policies, exprs_, call.callee,
                call.is_workflow, call.arguments, call.policies, actions_);
      WorkflowState state = Make(StateKind::kCall, expr.range);
      state.call = static_cast<uint32_t>(workflow_.calls.size());
      state.target = target;
      workflow_.calls.push_back(std::move(call));
      EmitThrough(std::move(state));
      break;
    }
    case ast::ExprKind::kFor: {
      const auto& loop = ast::Cast<ast::ForExpr>(expr);
      WorkflowState state = Make(StateKind::kForEach, expr.range);
      state.value = Value(*loop.iterable);
      state.count = Optional(loop.concurrency.get());
      state.target = target;
      const types::Type* list = file_.TypeOf(*loop.iterable);
      const types::Type* element =
          list != nullptr && list->kind() == types::TypeKind::kList ? list->element() : nullptr;
      uint32_t variable = NewVariable(loop.variable.name, element, loop.variable.range);
      state.loop_var = static_cast<int32_t>(variable);
      uint32_t index = Emit(std::move(state));
      workflow_.states[index].bodies.push_back(static_cast<uint32_t>(workflow_.states.size()));
      // The body is a child strand: its own handlers and loops.
      std::vector<uint32_t> saved_tries = std::exchange(tries_, {});
      std::vector<Loop> saved_loops = std::exchange(loops_, {});
      strands_.push_back(index);
      loops_.push_back(Loop{.is_for_body = true});
      scopes_.emplace_back();
      Bind(loop.variable.name, variable);
      if (loop.body != nullptr) LowerBlock(*loop.body);
      scopes_.pop_back();
      Emit(Make(StateKind::kEndStrand, expr.range));
      strands_.pop_back();
      tries_ = std::move(saved_tries);
      loops_ = std::move(saved_loops);
      open_.push_back(Exit{index, false});
      break;
    }
    case ast::ExprKind::kWait: {
      const auto& wait = ast::Cast<ast::WaitExpr>(expr);
      WorkflowState state = Make(StateKind::kWait, expr.range);
      auto trigger = file_.trigger_atoms.find(wait.trigger->id.value);
      SQUALL_CHECK(trigger != file_.trigger_atoms.end(), "lowering an unresolved wait trigger");
      state.trigger = trigger->second.ref;
      state.trigger_parameters_json = TriggerParametersJson(file_, *wait.trigger);
      state.timeout = Optional(wait.timeout.get());
      if (wait.where != nullptr) {
        // The candidate event, under its alias or `event`, is the frame's kEventKey.
        scopes_.emplace_back();
        std::string alias = wait.trigger->alias ? wait.trigger->alias->name : "event";
        uint32_t event = NewVariable(alias, trigger->second.payload, wait.trigger->range);
        workflow_.variables[event].key = kEventKey;
        Bind(alias, event);
        state.value = Value(*wait.where);
        scopes_.pop_back();
      }
      state.target = target;
      EmitThrough(std::move(state));
      break;
    }
    case ast::ExprKind::kAsk: {
      const auto& ask = ast::Cast<ast::AskExpr>(expr);
      WorkflowState state = Make(StateKind::kAsk, expr.range);
      state.value = Value(*ask.prompt);
      state.timeout = Optional(ask.timeout.get());
      state.answer = file_.TypeOf(expr);
      state.target = target;
      EmitThrough(std::move(state));
      break;
    }
    default:
      SQUALL_CHECK(false, "lowering a workflow step that is not one");
  }
  current_range_ = saved_range;
}

void WorkflowLowerer::LowerStmt(const ast::Stmt& stmt) {
  current_range_ = stmt.range;
  switch (stmt.kind) {
    case ast::StmtKind::kLet: {
      const auto& let = ast::Cast<ast::LetStmt>(stmt);
      if (let.value == nullptr) break;
      const types::Type* type = file_.TypeOf(*let.value);
      uint32_t variable = NewVariable(let.name.name, type, let.name.range);
      // The value is computed before the name is bound: `let n = n + 1` reads the outer `n`.
      if (IsStep(*let.value)) {
        LowerStep(*let.value, let.policies, static_cast<int32_t>(variable));
      } else {
        WorkflowState state = Make(StateKind::kEval, stmt.range);
        state.value = Value(*let.value);
        state.target = static_cast<int32_t>(variable);
        EmitThrough(std::move(state));
      }
      Bind(let.name.name, variable);
      break;
    }
    case ast::StmtKind::kAssign: {
      const auto& assign = ast::Cast<ast::AssignStmt>(stmt);
      std::optional<uint32_t> variable = Resolve(assign.target.name);
      SQUALL_CHECK(variable.has_value(), "lowering an assignment to an unknown name");
      WorkflowState state = Make(StateKind::kEval, stmt.range);
      state.value = Value(*assign.value);
      state.target = static_cast<int32_t>(*variable);
      EmitThrough(std::move(state));
      break;
    }
    case ast::StmtKind::kIf: {
      const auto& branch = ast::Cast<ast::IfStmt>(stmt);
      WorkflowState state = Make(StateKind::kBranch, branch.condition->range);
      state.value = Value(*branch.condition);
      uint32_t index = Emit(std::move(state));
      open_ = {Exit{index, false}};
      if (branch.then_block != nullptr) LowerBlock(*branch.then_block);
      std::vector<Exit> after_then = std::exchange(open_, {Exit{index, true}});
      if (branch.else_branch != nullptr) LowerStmt(*branch.else_branch);
      open_.insert(open_.end(), after_then.begin(), after_then.end());
      break;
    }
    case ast::StmtKind::kParallel: {
      const auto& parallel = ast::Cast<ast::ParallelStmt>(stmt);
      WorkflowState state = Make(StateKind::kFork, stmt.range);
      state.count = Optional(parallel.first.get());
      uint32_t index = Emit(std::move(state));
      std::vector<uint32_t> saved_tries = std::exchange(tries_, {});
      std::vector<Loop> saved_loops = std::exchange(loops_, {});
      strands_.push_back(index);
      std::map<std::string, uint32_t> hoisted;  // a branch's `let`s are visible after the join
      for (const auto& branch : parallel.branches) {
        workflow_.states[index].bodies.push_back(static_cast<uint32_t>(workflow_.states.size()));
        scopes_.emplace_back();
        LowerStmt(*branch);
        for (const auto& [name, variable] : scopes_.back()) hoisted[name] = variable;
        scopes_.pop_back();
        Emit(Make(StateKind::kEndStrand, branch->range));
      }
      strands_.pop_back();
      tries_ = std::move(saved_tries);
      loops_ = std::move(saved_loops);
      for (const auto& [name, variable] : hoisted) Bind(name, variable);
      open_ = {Exit{index, false}};
      break;
    }
    case ast::StmtKind::kWhile: {
      const auto& loop = ast::Cast<ast::WhileStmt>(stmt);
      uint32_t head = static_cast<uint32_t>(workflow_.states.size());
      WorkflowState state = Make(StateKind::kBranch, loop.condition->range);
      state.value = Value(*loop.condition);  // may emit the condition's steps first
      uint32_t index = Emit(std::move(state));
      open_ = {Exit{index, false}};
      loops_.push_back(Loop{.head = head, .try_depth = tries_.size()});
      if (loop.body != nullptr) LowerBlock(*loop.body);
      WorkflowState back = Make(StateKind::kJump, stmt.range);
      back.next = head;
      Emit(std::move(back));
      open_ = std::move(loops_.back().breaks);
      loops_.pop_back();
      open_.push_back(Exit{index, true});
      break;
    }
    case ast::StmtKind::kBreak:
    case ast::StmtKind::kContinue: {
      SQUALL_CHECK(!loops_.empty(), "lowering `break` outside a loop");
      Loop& loop = loops_.back();
      bool is_break = stmt.kind == ast::StmtKind::kBreak;
      if (loop.is_for_body) {
        WorkflowState end = Make(StateKind::kEndStrand, stmt.range);
        end.is_break = is_break;
        Emit(std::move(end));
        break;
      }
      PopHandlers(loop.try_depth);
      WorkflowState jump = Make(StateKind::kJump, stmt.range);
      if (!is_break) jump.next = loop.head;
      uint32_t index = Emit(std::move(jump));
      if (is_break) loop.breaks.push_back(Exit{index, false});
      break;
    }
    case ast::StmtKind::kTry: {
      const auto& attempt = ast::Cast<ast::TryStmt>(stmt);
      WorkflowState state = Make(StateKind::kTry, stmt.range);
      std::optional<uint32_t> error;
      if (attempt.error_name) {
        const types::Type* type = nullptr;
        error = NewVariable(attempt.error_name->name, type, attempt.error_name->range);
        state.target = static_cast<int32_t>(*error);
      }
      uint32_t index = EmitThrough(std::move(state));
      tries_.push_back(index);
      if (attempt.body != nullptr) LowerBlock(*attempt.body);
      tries_.pop_back();
      EmitThrough(Make(StateKind::kEndTry, stmt.range));
      std::vector<Exit> after_body = std::exchange(open_, {Exit{index, true}});
      scopes_.emplace_back();
      if (error) Bind(attempt.error_name->name, *error);
      if (attempt.handler != nullptr) LowerBlock(*attempt.handler);
      scopes_.pop_back();
      open_.insert(open_.end(), after_body.begin(), after_body.end());
      break;
    }
    case ast::StmtKind::kFail: {
      const auto& fail = ast::Cast<ast::FailStmt>(stmt);
      WorkflowState state = Make(StateKind::kFail, stmt.range);
      state.value = Value(*fail.message);
      state.details = Optional(fail.details.get());
      Emit(std::move(state));
      break;
    }
    case ast::StmtKind::kReturn: {
      const auto& ret = ast::Cast<ast::ReturnStmt>(stmt);
      WorkflowState state = Make(StateKind::kReturn, stmt.range);
      state.value = Optional(ret.value.get());
      Emit(std::move(state));
      break;
    }
    case ast::StmtKind::kSleep: {
      WorkflowState state = Make(StateKind::kSleep, stmt.range);
      state.value = Value(*ast::Cast<ast::SleepStmt>(stmt).duration);
      EmitThrough(std::move(state));
      break;
    }
    case ast::StmtKind::kYield: {
      WorkflowState state = Make(StateKind::kYield, stmt.range);
      state.value = Value(*ast::Cast<ast::YieldStmt>(stmt).value);
      EmitThrough(std::move(state));
      break;
    }
    case ast::StmtKind::kBlock:
      LowerBlock(ast::Cast<ast::BlockStmt>(stmt));
      break;
    case ast::StmtKind::kExpr: {
      const auto& expr_stmt = ast::Cast<ast::ExprStmt>(stmt);
      if (expr_stmt.expr == nullptr) break;
      if (IsStep(*expr_stmt.expr)) {
        LowerStep(*expr_stmt.expr, expr_stmt.policies, -1);
      } else {
        Value(*expr_stmt.expr);  // only the steps nested in it do anything
      }
      break;
    }
  }
}

// Backward data flow: a variable is live at a state when some path from it reads the
// variable before assigning it. Successors include the handler of an enclosing `try` (an
// error may jump there from any state of its body) and, for a child strand's end, the join's
// continuation (the parent takes over the strand's writes).
void WorkflowLowerer::ComputeLiveness() {
  const std::vector<WorkflowState>& states = workflow_.states;
  const Matcher& m = exprs_.matcher();
  std::map<std::string, uint32_t> by_key;
  for (uint32_t v = 0; v < workflow_.variables.size(); ++v) by_key[workflow_.variables[v].key] = v;
  size_t n = states.size();
  std::vector<std::set<uint32_t>> uses(n);
  auto collect = [&](NodeRef root, std::set<uint32_t>& out) {
    if (!root.IsValid()) return;
    std::vector<uint32_t> stack{root.index};
    while (!stack.empty()) {
      const Node& node = m.nodes[stack.back()];
      stack.pop_back();
      if (node.op == Op::kSlot) {
        const std::vector<std::string>& path = m.slots[node.index].path;
        if (auto it = by_key.find(path.empty() ? std::string() : path[0]); it != by_key.end()) {
          out.insert(it->second);
        }
      }
      for (uint32_t i = 0; i < node.operand_count; ++i) {
        stack.push_back(m.operands[node.first_operand + i]);
      }
    }
  };
  // Successor edges; entering a handler sets its error variable (`kill`).
  struct Edge {
    uint32_t to;
    int32_t kill = -1;
  };
  std::vector<std::vector<Edge>> successors(n);
  for (uint32_t s = 0; s < n; ++s) {
    const WorkflowState& state = states[s];
    for (NodeRef ref : {state.value, state.details, state.timeout, state.count}) {
      collect(ref, uses[s]);
    }
    if (state.kind == StateKind::kCall) {
      const StepCall& call = workflow_.calls[state.call];
      for (const Argument& argument : call.arguments) collect(argument.value, uses[s]);
      const Policies& p = call.policies;
      for (NodeRef ref :
           {p.retry_count, p.retry_every, p.retry_backoff, p.retry_up_to, p.retry_when, p.timeout,
            p.concurrency, p.concurrency_by, p.throttle, p.throttle_period, p.throttle_by}) {
        collect(ref, uses[s]);
      }
    }
    if (state.kind == StateKind::kForEach && state.loop_var >= 0) {
      // The loop variable is set in each child frame, not read from the parent.
      uses[s].erase(static_cast<uint32_t>(state.loop_var));
    }
    auto add = [&](uint32_t target, int32_t kill = -1) {
      if (target != kNoState) successors[s].push_back(Edge{target, kill});
    };
    if (state.kind == StateKind::kEndStrand) {
      if (strand_of_[s] != kNoState) add(states[strand_of_[s]].next);
    } else if (state.kind != StateKind::kReturn && state.kind != StateKind::kFail) {
      add(state.next);
    }
    add(state.alt, state.kind == StateKind::kTry ? state.target : -1);
    for (uint32_t body : state.bodies) add(body);
    if (handler_of_[s] != kNoState) {
      const WorkflowState& handler = states[handler_of_[s]];
      add(handler.alt, handler.target);
    }
  }
  std::vector<std::set<uint32_t>> live(n);
  bool changed = true;
  while (changed) {
    changed = false;
    for (size_t i = n; i-- > 0;) {
      std::set<uint32_t> in = uses[i];
      for (const Edge& edge : successors[i]) {
        for (uint32_t v : live[edge.to]) {
          int32_t variable = static_cast<int32_t>(v);
          bool assigned_here = variable == states[i].target && states[i].kind != StateKind::kTry;
          if (!assigned_here && variable != edge.kill) in.insert(v);
        }
      }
      if (in != live[i]) {
        live[i] = std::move(in);
        changed = true;
      }
    }
  }
  // Forward: the variables assigned on some path to each state (a suspended strand holds
  // only those). A step's target is set on its way on; a `for`'s loop variable on the way into
  // its body; a handler's error on the way into the handler.
  std::vector<std::set<uint32_t>> defined(n);
  for (const WorkflowParam& param : workflow_.params) defined[0].insert(param.variable);
  changed = true;
  while (changed) {
    changed = false;
    for (uint32_t i = 0; i < n; ++i) {
      const WorkflowState& state = states[i];
      for (const Edge& edge : successors[i]) {
        std::set<uint32_t> out = defined[i];
        bool into_body =
            std::find(state.bodies.begin(), state.bodies.end(), edge.to) != state.bodies.end();
        if (edge.kill >= 0) {
          out.insert(static_cast<uint32_t>(edge.kill));
        } else if (into_body && state.loop_var >= 0) {
          out.insert(static_cast<uint32_t>(state.loop_var));
        } else if (!into_body && state.target >= 0 && state.kind != StateKind::kTry) {
          out.insert(static_cast<uint32_t>(state.target));
        }
        size_t before = defined[edge.to].size();
        defined[edge.to].insert(out.begin(), out.end());
        changed = changed || defined[edge.to].size() != before;
      }
    }
  }
  for (size_t i = 0; i < n; ++i) {
    WorkflowState& state = workflow_.states[i];
    switch (state.kind) {
      case StateKind::kCall:
      case StateKind::kSleep:
      case StateKind::kWait:
      case StateKind::kAsk:
      case StateKind::kFork:
      case StateKind::kForEach: {
        // What the suspended strand keeps: live after the step, besides the step's result.
        std::set<uint32_t> kept;
        for (const Edge& edge : successors[i]) {
          for (uint32_t v : live[edge.to]) {
            if (static_cast<int32_t>(v) != edge.kill) kept.insert(v);
          }
        }
        kept.insert(uses[i].begin(), uses[i].end());
        if (state.target >= 0) kept.erase(static_cast<uint32_t>(state.target));
        if (state.loop_var >= 0) kept.erase(static_cast<uint32_t>(state.loop_var));
        kept.erase(by_key.count(kEventKey) != 0 ? by_key[kEventKey] : UINT32_MAX);
        for (uint32_t v : kept) {
          if (defined[i].count(v) != 0) state.live.push_back(v);
        }
        break;
      }
      default:
        break;
    }
  }
}

}  // namespace

Workflow LowerWorkflow(const check::CheckedFile& file, const ast::WorkflowDecl& decl,
                       Matcher& matcher, std::map<std::string, ActionSpec>& actions) {
  auto checked = file.workflows.find(decl.name.name);
  SQUALL_CHECK(checked != file.workflows.end(), "lowering an unchecked workflow");
  WorkflowLowerer lowerer(file, matcher, actions);
  return lowerer.Lower(decl, checked->second);
}

}  // namespace squall::ir::internal
