// Internal to squall_check: the Checker class shared by the check_*.cpp files. Each file
// implements one part: declarations (checker.cpp), rules/triggers/policies/tests
// (check_rules.cpp), expressions and constants (check_exprs.cpp), calls (check_calls.cpp),
// workflow statements (check_workflows.cpp).
#pragma once

#include <deque>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "compiler/ast/ast.h"
#include "compiler/check/checked_program.h"
#include "compiler/check/constant.h"
#include "compiler/diag/diagnostic_engine.h"
#include "compiler/schema/loader.h"
#include "compiler/source/source_manager.h"
#include "compiler/types/type.h"

namespace squall::check::internal {

using source::SourceRange;
using types::Type;

enum class BindingKind : uint8_t {
  kEvent,    // `event`: the payload of an atom without `as`
  kAlias,    // `as x`
  kLet,      // `let x = ...`: the only kind that can be assigned
  kParam,    // a workflow parameter
  kLoopVar,  // `for x in ...`
  kCatch,    // `catch err`
  kResult,   // `result` in `on success` and `retry ... when`
  kError,    // `error` in `on failure` and `retry ... when`
};

struct Binding {
  std::string name;
  const Type* type = nullptr;
  BindingKind kind = BindingKind::kLet;
  SourceRange decl;  // invalid for implicit bindings (`event`, `result`, `error`)
  bool used = false;
};

// A lexical scope. Bindings live in a deque so pointers to them stay valid.
class Scope {
 public:
  explicit Scope(Scope* parent = nullptr) : parent_(parent) {}
  Scope(const Scope&) = delete;
  Scope& operator=(const Scope&) = delete;

  Binding* Find(std::string_view name);
  Binding* FindLocal(std::string_view name);
  Binding& Add(Binding binding);
  std::deque<Binding>& bindings() { return bindings_; }
  Scope* parent() const { return parent_; }
  // Every name visible from this scope (for did-you-mean).
  void CollectNames(std::vector<std::string>& names) const;

 private:
  Scope* parent_;
  std::deque<Binding> bindings_;
  // Name -> binding, so a block of thousands of `let`s resolves names in constant time.
  std::unordered_map<std::string, Binding*> index_;
};

// Where an expression is checked.
struct ExprContext {
  std::string_view place;  // "a rule condition", used in messages
  bool actions_allowed = false;
  // Whether the arguments of an action call may call actions too: in a workflow body a call in
  // an argument is one more step; a rule's action, an outcome or an expectation is one call.
  bool nested_actions_allowed = false;
  bool wildcard_allowed = false;  // `_` in `expect` arguments
};

// Workflow body state.
struct WorkflowContext {
  const CheckedWorkflow* workflow = nullptr;
  int loop_depth = 0;
  // Innermost `for` used as a value: the types of its `yield`s; null outside one.
  std::vector<const Type*>* yields = nullptr;
};

// Path-sensitive state at one point of a workflow body (check_flow.cpp).
struct FlowState {
  bool reachable = true;
  // Variables started with `let x = {}` (their type comes from their first assignment) that
  // some path to this point has not assigned yet, by declaration range.
  std::set<SourceRange> unset;
  // When unreachable: where the last path ended and how, for the note of UnreachableCode.
  SourceRange ended_at;
  std::string ended_how;
};

// The walk over one workflow body (check_flow.cpp).
struct FlowContext {
  struct Loop {
    // The paths that leave the loop through `break`, merged; unreachable when none does.
    FlowState at_break{.reachable = false};
  };
  std::vector<Loop> loops;            // enclosing loops, innermost last
  std::vector<SourceRange> assigned;  // variables assigned so far on reachable paths, in order
  size_t exits = 0;                   // reachable `return`s and `fail`s seen so far
  std::set<SourceRange> reported;     // variables already reported as MaybeUnset
};

// A workflow binding whose scope has closed, kept to explain a later UnknownName.
struct ClosedBinding {
  std::string name;
  SourceRange decl;
  BindingKind kind = BindingKind::kLet;
};

// A call's parameters, from an action schema or a workflow signature.
struct ParamSpec {
  std::string name;
  const Type* type = nullptr;
  bool required = false;
  bool has_default = false;
  std::string default_json;
  std::span<const std::string> enum_json;
  bool secret = false;
  bool immutable = false;
  // A StackStorm action's integer/number parameter takes a `duration` as seconds
  // (`timeout: 2m`); workflow and trigger parameters do not.
  bool seconds_from_duration = false;
  // A command line the action's runner hands to a shell (shell::IsShellCommandParameter):
  // interpolations in it are quoted, `raw(...)` draws RawShellInterpolation.
  bool shell_command = false;
  SourceRange decl;
};

class Checker {
 public:
  Checker(schema::PackLoader& packs, types::TypeContext& types,
          const source::SourceManager& sources, diag::DiagnosticEngine& diags)
      : packs_(packs), types_(types), sources_(sources), diags_(diags) {}

  CheckedProgram Run(std::span<const ast::File* const> files);

 private:
  // --- checker.cpp: files and declarations
  void CheckFile(const ast::File& file, CheckedFile& out);
  void CollectDeclarations();
  void CheckImports();
  void CheckAnnotations(const ast::Decl& decl);
  void DeclareTrigger(const ast::TriggerDecl& decl);
  void DeclareWorkflow(const ast::WorkflowDecl& decl);
  const Type* ConstType(const std::string& name, SourceRange use);
  std::optional<ConstValue> ConstValueOf(const std::string& name);
  void ReportUnusedImports();
  void CloseScope(Scope& scope);
  const Type* ResolveType(const ast::TypeExpr& type);
  std::vector<types::Field> ResolveFields(const std::vector<ast::Ptr<ast::FieldDecl>>& fields,
                                          std::string_view owner);

  // --- check_rules.cpp: rules, trigger atoms, policies, outcomes, tests
  void CheckRule(const ast::RuleDecl& rule);
  // Records how a correlation rule's steps are bound (CheckedFile::correlations).
  void RecordCorrelation(const ast::RuleDecl& rule, const std::vector<const Type*>& payloads);
  // Resolves an atom and binds its payload in `scope` (as its alias or `event`).
  // `constant_args`: trigger parameters must be constants (rules and tests).
  // `scope` is where non-constant trigger parameters (in `wait`) are resolved.
  const Type* CheckAtom(const ast::TriggerAtom& atom, bool constant_args, Scope& scope);
  std::optional<TriggerTarget> ResolveTriggerName(const ast::QualifiedName& name);
  void CheckTriggerArgs(const ast::TriggerAtom& atom, const schema::TriggerType& trigger,
                        bool constant_args, Scope& scope);
  // When `head` names a pack that is imported under another name, says so and returns true.
  bool ReportPackUnderAlias(const std::string& head, SourceRange range);
  void BindAtom(const ast::TriggerAtom& atom, const Type* payload, Scope& scope, bool bind_event);
  // `fires`: what never fires when the condition is constant false ("rule"); empty when a
  // false condition is not a mistake (the `and not` atom of an absence rule).
  void CheckCondition(const ast::Expr& expr, Scope& scope, std::string_view place,
                      std::string_view fires);
  // Checks an action clause; returns the type of its `result`.
  const Type* CheckActionClause(const ast::ActionClause& clause, Scope& scope,
                                std::string_view place);
  void CheckPolicies(const std::vector<ast::Ptr<ast::Policy>>& policies, Scope& scope,
                     const Type* result);
  void CheckPolicyKey(const ast::Expr& key, Scope& scope);
  void CheckPositiveDuration(const ast::Expr& expr, Scope& scope, std::string_view what);
  void CheckPositiveInt(const ast::Expr& expr, Scope& scope, std::string_view what);
  void CheckTest(const ast::TestDecl& test);
  // Test data: a `given` event (`partial` false: required fields must be there) or a scripted
  // `when ... returns` result (`partial` true), checked through nested map and list literals.
  // A `time` also takes a constant RFC 3339 string, since the language has no time literal.
  void CheckDataLiteral(const ast::Expr& data, const Type* type, std::string_view what,
                        bool partial, Scope& scope);
  // Reports a built-in function where an action or workflow call is required (`place`);
  // true when `call` is one.
  bool RejectBuiltinAsAction(const ast::CallExpr& call, std::string_view place);

  // --- check_exprs.cpp: expressions
  const Type* CheckExpr(const ast::Expr& expr, Scope& scope, const ExprContext& ctx);
  const Type* CheckName(const ast::NameExpr& expr, Scope& scope, const ExprContext& ctx);
  const Type* CheckMember(const ast::MemberExpr& expr, Scope& scope, const ExprContext& ctx);
  const Type* CheckIndex(const ast::IndexExpr& expr, Scope& scope, const ExprContext& ctx);
  const Type* CheckUnary(const ast::UnaryExpr& expr, Scope& scope, const ExprContext& ctx);
  const Type* CheckBinary(const ast::BinaryExpr& expr, Scope& scope, const ExprContext& ctx);
  const Type* CheckString(const ast::StringLiteral& expr, Scope& scope, const ExprContext& ctx);
  const Type* CheckList(const ast::ListExpr& expr, Scope& scope, const ExprContext& ctx);
  const Type* CheckMap(const ast::MapExpr& expr, Scope& scope, const ExprContext& ctx);
  const Type* CheckFor(const ast::ForExpr& expr, Scope& scope, const ExprContext& ctx,
                       bool as_value);
  const Type* CheckWait(const ast::WaitExpr& expr, Scope& scope, const ExprContext& ctx);
  const Type* CheckAsk(const ast::AskExpr& expr, Scope& scope, const ExprContext& ctx);
  // Reports unless `type` is usable as a condition (bool, bool?, json).
  void ExpectCondition(const ast::Expr& expr, const Type* type, std::string_view what);
  // Reports unless `actual` is assignable to `expected`; `what` names the value.
  void ExpectType(const ast::Expr& expr, const Type* actual, const Type* expected,
                  std::string_view what);
  // The value of an expression made only of literals and consts; nullopt otherwise.
  std::optional<ConstValue> Evaluate(const ast::Expr& expr);
  // Records the value of test data `expr` in CheckedFile::test_values; for a list or map
  // literal holding a wildcard, the values of its parts instead.
  void RecordTestValue(const ast::Expr& expr);
  const Type* Record(const ast::Expr& expr, const Type* type);

  // --- check_calls.cpp: calls
  const Type* CheckCall(const ast::CallExpr& call, Scope& scope, const ExprContext& ctx);
  // Resolves the callee; emits and returns nullopt when it names nothing callable.
  std::optional<CallTarget> ResolveCallee(const ast::CallExpr& call, Scope& scope);
  void CheckNamedArgs(const ast::CallExpr& call, std::string_view owner_kind,
                      const std::string& owner, std::span<const ParamSpec> params,
                      SourceRange owner_decl, bool partial, Scope& scope, const ExprContext& ctx);
  // When `expected` is `time` and `value` a plain string literal: checks that the text is
  // an RFC 3339 timestamp (TypeMismatch naming `what`, with a note at `decl` when valid) and
  // returns true, the value being taken as that text; false otherwise (nothing checked).
  bool CheckTimestampText(const ast::Expr& value, const Type* expected, const std::string& what,
                          SourceRange decl);
  void CheckArgumentValue(const ParamSpec& param, std::string_view owner_kind,
                          const std::string& owner, const ast::Expr& value, const Type* value_type);
  // RawShellInterpolation for each `{{raw(...)}}` in a shell command argument.
  void WarnRawShellInterpolation(const ParamSpec& param, const ast::Expr& value);
  const Type* CheckBuiltinCall(Builtin builtin, const ast::CallExpr& call, Scope& scope,
                               const ExprContext& ctx);
  std::vector<ParamSpec> ActionParams(const schema::Action& action);
  std::vector<ParamSpec> WorkflowParams(const CheckedWorkflow& workflow);
  const Type* ExecutionType(const std::string& owner, const Type* result);
  const Type* ErrorType();
  // The `result` type of a call target (an action's output, a workflow's return type).
  const Type* ResultTypeOf(const CallTarget& target);
  std::string TargetName(const CallTarget& target);

  // --- check_workflows.cpp: workflow bodies
  void CheckWorkflow(const ast::WorkflowDecl& decl);
  void CheckBlock(const ast::BlockStmt& block, Scope& scope, WorkflowContext& wctx);
  void CheckStmt(const ast::Stmt& stmt, Scope& scope, WorkflowContext& wctx);
  // A call (or other expression) as a workflow step, with its policies. `as_value`: the step's
  // value is used (`let x = ...`), which makes a `for` collect its yields.
  const Type* CheckStep(const ast::Expr& expr, const std::vector<ast::Ptr<ast::Policy>>& policies,
                        bool as_value, Scope& scope, WorkflowContext& wctx);

  // --- check_flow.cpp: path-sensitive checks of a checked workflow body: MaybeUnset,
  // UnreachableCode, MissingReturn, LoopNeverEnds. Reads the name resolution recorded by the
  // scope walk (let_reads_, assign_targets_, completed_maps_).
  void CheckFlow(const CheckedWorkflow& workflow);
  // `state` must be reachable on entry to FlowStmt; FlowBlock reports the first statement
  // that no path reaches and skips the rest of the block.
  void FlowBlock(const ast::BlockStmt& block, FlowState& state, FlowContext& fctx);
  void FlowStmt(const ast::Stmt& stmt, FlowState& state, FlowContext& fctx);
  void FlowWhile(const ast::WhileStmt& loop, FlowState& state, FlowContext& fctx);
  void FlowExpr(const ast::Expr& expr, FlowState& state, FlowContext& fctx);
  void FlowPolicies(const std::vector<ast::Ptr<ast::Policy>>& policies, FlowState& state,
                    FlowContext& fctx);
  // Whether the value of a `while` condition can differ between iterations: it calls, waits or
  // asks, or reads a variable among `assigned` (those the loop body assigns).
  bool MayChange(const ast::Expr& condition, std::span<const SourceRange> assigned) const;
  // Adds a note to an UnknownName at `use` when `name` was bound in a workflow block that
  // closed before it (a `let` in a `try` body, a `catch` binding, a `for` variable).
  void NoteClosedBinding(diag::Diagnostic& diagnostic, const std::string& name,
                         SourceRange use) const;

  // Helpers.
  diag::Diagnostic& Emit(diag::Kind kind, SourceRange range,
                         std::initializer_list<diag::Arg> args = {}) {
    return diags_.Emit(kind, range, args);
  }
  const schema::Pack* ImportedPack(std::string_view alias);  // marks the import used
  std::vector<std::string> ImportAliases() const;
  bool IsAvailablePack(std::string_view name);
  const schema::Pack* BuiltinCore();

  schema::PackLoader& packs_;
  types::TypeContext& types_;
  const source::SourceManager& sources_;
  diag::DiagnosticEngine& diags_;

  // Program-wide.
  std::map<std::string, SourceRange> rule_names_;
  std::map<std::string, const Type*> execution_types_;
  const Type* error_type_ = nullptr;
  std::optional<std::vector<std::string>> available_packs_;

  // Per file.
  const ast::File* file_ = nullptr;
  CheckedFile* out_ = nullptr;
  struct ImportState {
    const ast::ImportDecl* decl = nullptr;
    const schema::Pack* pack = nullptr;
    bool used = false;
  };
  std::map<std::string, ImportState> imports_;
  struct ConstState {
    const ast::ConstDecl* decl = nullptr;
    enum class State : uint8_t { kUnvisited, kVisiting, kDone } state = State::kUnvisited;
    const Type* type = nullptr;
    std::optional<ConstValue> value;
  };
  std::map<std::string, ConstState> consts_;
  std::unordered_set<uint32_t> const_refs_;   // NameExpr ids that name a const
  int const_depth_ = 0;                       // constants being checked, nested
  std::set<std::string> declaring_triggers_;  // trigger payload types being built
  std::set<std::string> filter_aliases_;      // aliases used by their atom's own filter
  Scope file_scope_;
  // The workflow whose body is being checked (for `return` inside `for` bodies); else null.
  const CheckedWorkflow* current_workflow_ = nullptr;
  // Where a `yield` goes: the innermost `for` used as a value; null outside one.
  std::vector<const Type*>* yield_target_ = nullptr;
  // For the flow checks of the workflow being checked (reset per workflow): NameExpr id ->
  // declaration of the `let` it reads; AssignStmt id -> declaration of its target; `let x = {}`
  // variables whose first assignment made them a record; names hoisted (optional) out of
  // `parallel first N`; workflow bindings whose scope closed.
  std::unordered_map<uint32_t, SourceRange> let_reads_;
  std::unordered_map<uint32_t, SourceRange> assign_targets_;
  std::set<SourceRange> completed_maps_;
  std::set<SourceRange> first_branch_names_;  // bound by a `let` branch of `parallel first N`
  std::vector<ClosedBinding> closed_bindings_;
};

// "`a`, `b` or `c`" for messages.
std::string JoinAlternatives(std::span<const std::string> items, size_t max_items = 8);

}  // namespace squall::check::internal
