// The lowering's shared parts (internal to compiler/ir): expressions into a matcher's node
// pool, action calls with their policies, and an action's runtime spec. Used by the lowering
// of rules (lower.cpp) and of workflows (workflow_lower.cpp).
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/check/checked_program.h"
#include "compiler/ir/ir.h"

namespace squall::ir::internal {

Constant FromConstValue(const check::ConstValue& value);

// Resolves a name to the payload path it stands for: {} for the event of a rule (its slots'
// paths start at the payload root), a field of a correlation's record for one of its names, a
// frame key for a workflow variable; nullopt when the name is not a slot root.
using SlotRoots = std::function<std::optional<std::vector<std::string>>(const ast::NameExpr& name)>;
// Lowers a workflow step met inside an expression (an action or workflow call, `for`, `wait`,
// `ask`) into states that run before the expression, and returns the frame key that holds its
// value.
using StepHoister = std::function<std::string(const ast::Expr& step)>;

// Builds expressions (of one rule, or of one workflow) into a matcher's node pool.
class ExprLowerer {
 public:
  ExprLowerer(const check::CheckedFile& file, Matcher& matcher, SlotRoots roots,
              StepHoister hoist = nullptr)
      : file_(file), matcher_(matcher), roots_(std::move(roots)), hoist_(std::move(hoist)) {
    for (uint32_t i = 0; i < matcher_.slots.size(); ++i) slot_index_[matcher_.slots[i].path] = i;
  }

  NodeRef Lower(const ast::Expr& expr);
  const check::CheckedFile& file() const { return file_; }
  Matcher& matcher() { return matcher_; }
  // `expr` as an argument of a shell command parameter: its interpolations quoted for the
  // shell context the literal text around them leaves (compiler/shell), `raw(...)` as is.
  NodeRef LowerShellCommand(const ast::Expr& expr);
  // While set, the names `result` and `error` read the finished action's values (outcome
  // clauses, `retry ... when`); they shadow an event alias of the same name.
  void SetContextNames(bool result, bool error) {
    result_bound_ = result;
    error_bound_ = error;
  }
  // Splits `condition` (already lowered) into conjuncts and classifies them.
  std::vector<Conjunct> Conjuncts(NodeRef condition) const;

  // A slot node for the whole value under `root` (a workflow variable) typed `type`.
  NodeRef RootSlot(const std::string& root, const ast::Expr& expr) {
    return Add(Op::kSlot, expr, {}, SlotFor({root}, file_.TypeOf(expr)));
  }

 private:
  NodeRef Add(Op op, const ast::Expr& expr, std::vector<NodeRef> operands, uint32_t index = 0,
              std::vector<std::string> keys = {}) {
    Node node;
    node.op = op;
    node.type = file_.TypeOf(expr);
    node.index = index;
    node.range = expr.range;
    node.first_operand = static_cast<uint32_t>(matcher_.operands.size());
    node.operand_count = static_cast<uint32_t>(operands.size());
    for (NodeRef operand : operands) matcher_.operands.push_back(operand.index);
    node.first_key = static_cast<uint32_t>(matcher_.keys.size());
    for (std::string& key : keys) matcher_.keys.push_back(std::move(key));
    matcher_.nodes.push_back(node);
    return NodeRef{static_cast<uint32_t>(matcher_.nodes.size() - 1)};
  }
  NodeRef AddConst(const ast::Expr& expr, Constant value) {
    matcher_.constants.push_back(std::move(value));
    return Add(Op::kConst, expr, {}, static_cast<uint32_t>(matcher_.constants.size() - 1));
  }
  // The slot path of `expr` when it is a chain of member accesses and constant string indexes
  // on a slot root (`event.labels["team"]`); nullopt otherwise.
  std::optional<std::vector<std::string>> SlotPath(const ast::Expr& expr) const;
  uint32_t SlotFor(std::vector<std::string> path, const types::Type* type) {
    auto [it, inserted] = slot_index_.emplace(path, static_cast<uint32_t>(matcher_.slots.size()));
    if (inserted) {
      std::string default_json = DefaultOf(path);
      matcher_.slots.push_back(
          Slot{.path = std::move(path), .type = type, .default_json = std::move(default_json)});
    }
    return it->second;
  }
  // The declared default of the record field at `path` in the payload type, if any.
  std::string DefaultOf(const std::vector<std::string>& path) const {
    const types::Type* record = matcher_.payload;
    const types::Field* field = nullptr;
    for (const std::string& key : path) {
      if (record == nullptr || record->NonOptional()->kind() != types::TypeKind::kRecord) {
        return {};
      }
      field = record->NonOptional()->FindField(key);
      if (field == nullptr) return {};
      record = field->type;
    }
    return field != nullptr ? field->default_json : std::string();
  }
  std::span<const uint32_t> OperandsOf(NodeRef ref) const {
    const Node& node = matcher_.nodes[ref.index];
    return {matcher_.operands.data() + node.first_operand, node.operand_count};
  }

  // The context value `name` reads when bound, else nullopt.
  std::optional<ContextValue> ContextName(const std::string& name) const {
    if (result_bound_ && name == "result") return ContextValue::kResult;
    if (error_bound_ && name == "error") return ContextValue::kError;
    return std::nullopt;
  }

  const check::CheckedFile& file_;
  Matcher& matcher_;
  SlotRoots roots_;
  StepHoister hoist_;
  std::map<std::vector<std::string>, uint32_t> slot_index_;
  bool result_bound_ = false;
  bool error_bound_ = false;
};

bool HasAnnotation(const ast::Decl& decl, std::string_view name);

// Lowers one action or workflow call with its policies; records the action's spec in
// `actions` (keyed by ref).
void LowerCall(const check::CheckedFile& file, const ast::CallExpr& call,
               const std::vector<ast::Ptr<ast::Policy>>& call_policies, ExprLowerer& lowerer,
               std::string& action_name, bool& is_workflow, std::vector<Argument>& arguments,
               Policies& policies, std::map<std::string, ActionSpec>& actions);

}  // namespace squall::ir::internal
