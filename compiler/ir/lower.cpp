#include "compiler/ir/lower.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <tuple>

#include "compiler/shell/shell_quote.h"
#include "compiler/source/check.h"
#include "compiler/source/large_stack.h"

namespace squall::ir {
namespace {

Constant FromConstValue(const check::ConstValue& value) {
  using K = check::ConstValue::Kind;
  Constant c;
  switch (value.kind) {
    case K::kNull:
      c.kind = Constant::Kind::kNull;
      break;
    case K::kBool:
      c.kind = Constant::Kind::kBool;
      c.boolean = value.boolean;
      break;
    case K::kInt:
      c.kind = Constant::Kind::kInt;
      c.integer = value.integer;
      break;
    case K::kFloat:
      c.kind = Constant::Kind::kFloat;
      c.number = value.number;
      break;
    case K::kString:
      c.kind = Constant::Kind::kString;
      c.text = value.text;
      break;
    case K::kDuration:
      c.kind = Constant::Kind::kDuration;
      c.integer = value.integer;
      break;
    case K::kList:
      c.kind = Constant::Kind::kList;
      for (const check::ConstValue& element : value.elements) {
        c.elements.push_back(FromConstValue(element));
      }
      break;
    case K::kMap:
      c.kind = Constant::Kind::kMap;
      for (const check::ConstValue::Entry& entry : value.entries) {
        c.keys.push_back(entry.key);
        c.elements.push_back(FromConstValue(entry.value));
      }
      break;
  }
  return c;
}

// Builds one rule's expressions into a matcher.
class RuleLowerer {
 public:
  // `bindings`: the names that denote (part of) the event, with the payload path each stands
  // for (a simple rule's `event` or alias: the root; a correlation's names: a field of its
  // record).
  using Bindings = std::map<std::string, std::vector<std::string>>;
  RuleLowerer(const check::CheckedFile& file, Matcher& matcher, Bindings bindings)
      : file_(file), matcher_(matcher), bindings_(std::move(bindings)) {
    for (uint32_t i = 0; i < matcher_.slots.size(); ++i) slot_index_[matcher_.slots[i].path] = i;
  }

  NodeRef Lower(const ast::Expr& expr);
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
  // The payload path of `expr` when it is a chain of member accesses and constant string
  // indexes on the event binding (`event.labels["team"]`); nullopt otherwise.
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
  Bindings bindings_;
  std::map<std::vector<std::string>, uint32_t> slot_index_;
  bool result_bound_ = false;
  bool error_bound_ = false;
};

std::optional<std::vector<std::string>> RuleLowerer::SlotPath(const ast::Expr& expr) const {
  std::vector<std::string> reversed;
  const ast::Expr* current = &expr;
  while (true) {
    if (const auto* member = ast::As<ast::MemberExpr>(current)) {
      reversed.push_back(member->member.name);
      current = member->object.get();
    } else if (const auto* index = ast::As<ast::IndexExpr>(current)) {
      const auto* key = ast::As<ast::StringLiteral>(index->index.get());
      if (key == nullptr || !key->IsPlain()) return std::nullopt;
      reversed.push_back(key->Text());
      current = index->object.get();
    } else if (const auto* name = ast::As<ast::NameExpr>(current)) {
      auto binding = bindings_.find(name->name.name);
      if (binding == bindings_.end() || file_.const_refs.count(name->id.value) != 0 ||
          ContextName(name->name.name)) {
        return std::nullopt;
      }
      std::vector<std::string> path = binding->second;
      path.insert(path.end(), reversed.rbegin(), reversed.rend());
      return path;
    } else {
      return std::nullopt;
    }
  }
}

NodeRef RuleLowerer::Lower(const ast::Expr& expr) {
  if (std::optional<std::vector<std::string>> path = SlotPath(expr)) {
    uint32_t slot = SlotFor(std::move(*path), file_.TypeOf(expr));
    return Add(Op::kSlot, expr, {}, slot);
  }
  switch (expr.kind) {
    case ast::ExprKind::kInt: {
      Constant c;
      c.kind = Constant::Kind::kInt;
      c.integer = ast::Cast<ast::IntLiteral>(expr).value;
      return AddConst(expr, std::move(c));
    }
    case ast::ExprKind::kFloat:
    case ast::ExprKind::kFactor: {
      Constant c;
      c.kind = Constant::Kind::kFloat;
      c.number = expr.kind == ast::ExprKind::kFloat ? ast::Cast<ast::FloatLiteral>(expr).value
                                                    : ast::Cast<ast::FactorLiteral>(expr).value;
      return AddConst(expr, std::move(c));
    }
    case ast::ExprKind::kDuration: {
      Constant c;
      c.kind = Constant::Kind::kDuration;
      c.integer = ast::Cast<ast::DurationLiteral>(expr).milliseconds;
      return AddConst(expr, std::move(c));
    }
    case ast::ExprKind::kBool: {
      Constant c;
      c.kind = Constant::Kind::kBool;
      c.boolean = ast::Cast<ast::BoolLiteral>(expr).value;
      return AddConst(expr, std::move(c));
    }
    case ast::ExprKind::kNull:
      return AddConst(expr, Constant{});
    case ast::ExprKind::kString: {
      const auto& literal = ast::Cast<ast::StringLiteral>(expr);
      if (literal.IsPlain()) {
        Constant c;
        c.kind = Constant::Kind::kString;
        c.text = literal.Text();
        return AddConst(expr, std::move(c));
      }
      std::vector<NodeRef> parts;
      for (const ast::StringPart& part : literal.parts) {
        if (part.expr != nullptr) {
          parts.push_back(Lower(*part.expr));
          continue;
        }
        matcher_.constants.push_back(Constant{.kind = Constant::Kind::kString, .text = part.text});
        parts.push_back(
            Add(Op::kConst, expr, {}, static_cast<uint32_t>(matcher_.constants.size() - 1)));
      }
      return Add(Op::kConcat, expr, std::move(parts));
    }
    case ast::ExprKind::kName: {
      const auto& name = ast::Cast<ast::NameExpr>(expr);
      if (auto it = file_.const_refs.find(name.id.value); it != file_.const_refs.end()) {
        auto value = file_.const_values.find(it->second);
        SQUALL_CHECK(value != file_.const_values.end(), "lowering a constant without a value");
        return AddConst(expr, FromConstValue(value->second));
      }
      if (std::optional<ContextValue> context = ContextName(name.name.name)) {
        return Add(Op::kContext, expr, {}, static_cast<uint32_t>(*context));
      }
      // The only other name a matcher sees is the event itself, handled by SlotPath.
      SQUALL_CHECK(false, "lowering an unresolved name `" + name.name.name + "`");
      return NodeRef{};
    }
    case ast::ExprKind::kMember: {
      const auto& member = ast::Cast<ast::MemberExpr>(expr);
      return Add(Op::kMember, expr, {Lower(*member.object)}, 0, {member.member.name});
    }
    case ast::ExprKind::kIndex: {
      const auto& index = ast::Cast<ast::IndexExpr>(expr);
      return Add(Op::kIndex, expr, {Lower(*index.object), Lower(*index.index)});
    }
    case ast::ExprKind::kCall: {
      const auto& call = ast::Cast<ast::CallExpr>(expr);
      auto target = file_.calls.find(call.id.value);
      SQUALL_CHECK(
          target != file_.calls.end() && target->second.kind == check::CallTarget::Kind::kBuiltin,
          "lowering a call that is not a built-in function");
      std::vector<NodeRef> args;
      for (const ast::Argument& arg : call.args) args.push_back(Lower(*arg.value));
      if (target->second.builtin == check::Builtin::kExists) {
        return Add(Op::kPresent, expr, std::move(args));
      }
      return Add(Op::kCall, expr, std::move(args), static_cast<uint32_t>(target->second.builtin));
    }
    case ast::ExprKind::kUnary: {
      const auto& unary = ast::Cast<ast::UnaryExpr>(expr);
      return Add(unary.op == ast::UnaryOp::kNot ? Op::kNot : Op::kNeg, expr,
                 {Lower(*unary.operand)});
    }
    case ast::ExprKind::kBinary: {
      const auto& binary = ast::Cast<ast::BinaryExpr>(expr);
      // `x == null` / `x != null` test presence: with "absent makes a comparison false" they
      // would otherwise never hold.
      bool lhs_null = ast::As<ast::NullLiteral>(binary.lhs.get()) != nullptr;
      bool rhs_null = ast::As<ast::NullLiteral>(binary.rhs.get()) != nullptr;
      if ((binary.op == ast::BinaryOp::kEq || binary.op == ast::BinaryOp::kNe) &&
          lhs_null != rhs_null) {
        NodeRef present = Add(Op::kPresent, expr, {Lower(lhs_null ? *binary.rhs : *binary.lhs)});
        return binary.op == ast::BinaryOp::kNe ? present : Add(Op::kNot, expr, {present});
      }
      if (binary.op == ast::BinaryOp::kAnd || binary.op == ast::BinaryOp::kOr) {
        Op op = binary.op == ast::BinaryOp::kAnd ? Op::kAnd : Op::kOr;
        // Flatten left-deep chains iteratively: `a and b and c` is one n-ary node.
        std::vector<const ast::Expr*> terms;
        const ast::Expr* left = &expr;
        while (const auto* inner = ast::As<ast::BinaryExpr>(left)) {
          if (inner->op != binary.op) break;
          terms.push_back(inner->rhs.get());
          left = inner->lhs.get();
        }
        terms.push_back(left);
        std::vector<NodeRef> operands;
        for (auto it = terms.rbegin(); it != terms.rend(); ++it) operands.push_back(Lower(**it));
        return Add(op, expr, std::move(operands));
      }
      if (binary.op == ast::BinaryOp::kMatches) {
        if (const auto* pattern = ast::As<ast::StringLiteral>(binary.rhs.get());
            pattern != nullptr && pattern->IsPlain()) {
          matcher_.regexes.push_back(pattern->Text());
          return Add(Op::kMatches, expr, {Lower(*binary.lhs)},
                     static_cast<uint32_t>(matcher_.regexes.size() - 1));
        }
        return Add(Op::kMatches, expr, {Lower(*binary.lhs), Lower(*binary.rhs)}, UINT32_MAX);
      }
      NodeRef lhs = Lower(*binary.lhs);
      NodeRef rhs = Lower(*binary.rhs);
      switch (binary.op) {
        case ast::BinaryOp::kEq:
          return Add(Op::kEq, expr, {lhs, rhs});
        case ast::BinaryOp::kNe:
          return Add(Op::kNe, expr, {lhs, rhs});
        case ast::BinaryOp::kLt:
          return Add(Op::kLt, expr, {lhs, rhs});
        case ast::BinaryOp::kLe:
          return Add(Op::kLe, expr, {lhs, rhs});
        case ast::BinaryOp::kGt:
          return Add(Op::kGt, expr, {lhs, rhs});
        case ast::BinaryOp::kGe:
          return Add(Op::kGe, expr, {lhs, rhs});
        case ast::BinaryOp::kIn:
          return Add(Op::kIn, expr, {lhs, rhs});
        case ast::BinaryOp::kNotIn:
          return Add(Op::kNot, expr, {Add(Op::kIn, expr, {lhs, rhs})});
        case ast::BinaryOp::kContains:
          return Add(Op::kIn, expr, {rhs, lhs});
        case ast::BinaryOp::kLike:
          return Add(Op::kLike, expr, {lhs, rhs});
        case ast::BinaryOp::kStartsWith:
          return Add(Op::kStartsWith, expr, {lhs, rhs});
        case ast::BinaryOp::kEndsWith:
          return Add(Op::kEndsWith, expr, {lhs, rhs});
        case ast::BinaryOp::kCoalesce:
          return Add(Op::kCoalesce, expr, {lhs, rhs});
        case ast::BinaryOp::kAdd:
          return Add(Op::kAdd, expr, {lhs, rhs});
        case ast::BinaryOp::kSub:
          return Add(Op::kSub, expr, {lhs, rhs});
        case ast::BinaryOp::kMul:
          return Add(Op::kMul, expr, {lhs, rhs});
        case ast::BinaryOp::kDiv:
          return Add(Op::kDiv, expr, {lhs, rhs});
        case ast::BinaryOp::kMod:
          return Add(Op::kMod, expr, {lhs, rhs});
        default:
          break;
      }
      SQUALL_CHECK(false, "lowering an unexpected binary operator");
      return NodeRef{};
    }
    case ast::ExprKind::kList: {
      std::vector<NodeRef> elements;
      for (const auto& element : ast::Cast<ast::ListExpr>(expr).elements) {
        elements.push_back(Lower(*element));
      }
      // A list of constants is one constant (`x in ["a", "b"]` is then an indexable equality).
      bool constant = std::all_of(elements.begin(), elements.end(), [&](NodeRef e) {
        return matcher_.nodes[e.index].op == Op::kConst;
      });
      if (constant) {
        Constant list;
        list.kind = Constant::Kind::kList;
        for (NodeRef e : elements) {
          list.elements.push_back(matcher_.constants[matcher_.nodes[e.index].index]);
        }
        return AddConst(expr, std::move(list));
      }
      return Add(Op::kList, expr, std::move(elements));
    }
    case ast::ExprKind::kMap: {
      std::vector<NodeRef> values;
      std::vector<std::string> keys;
      for (const ast::MapEntry& entry : ast::Cast<ast::MapExpr>(expr).entries) {
        values.push_back(Lower(*entry.value));
        keys.push_back(entry.key);
      }
      return Add(Op::kMap, expr, std::move(values), 0, std::move(keys));
    }
    case ast::ExprKind::kFor:
    case ast::ExprKind::kWait:
    case ast::ExprKind::kAsk:
    case ast::ExprKind::kError:
      break;
  }
  SQUALL_CHECK(false, "lowering an expression that cannot appear in a rule");
  return NodeRef{};
}

NodeRef RuleLowerer::LowerShellCommand(const ast::Expr& expr) {
  const auto* literal = ast::As<ast::StringLiteral>(&expr);
  if (literal == nullptr || literal->IsPlain()) return Lower(expr);
  std::vector<NodeRef> parts;
  shell::QuoteContext context = shell::QuoteContext::kBare;
  for (const ast::StringPart& part : literal->parts) {
    if (part.expr == nullptr) {
      context = shell::ContextAfter(part.text, context);
      matcher_.constants.push_back(Constant{.kind = Constant::Kind::kString, .text = part.text});
      parts.push_back(
          Add(Op::kConst, expr, {}, static_cast<uint32_t>(matcher_.constants.size() - 1)));
      continue;
    }
    const auto* call = ast::As<ast::CallExpr>(part.expr.get());
    auto target = call != nullptr ? file_.calls.find(call->id.value) : file_.calls.end();
    if (target != file_.calls.end() && target->second.kind == check::CallTarget::Kind::kBuiltin &&
        target->second.builtin == check::Builtin::kRaw) {
      parts.push_back(Lower(*part.expr));  // the author opted out (RawShellInterpolation)
      continue;
    }
    parts.push_back(
        Add(Op::kShellQuote, *part.expr, {Lower(*part.expr)}, static_cast<uint32_t>(context)));
  }
  return Add(Op::kConcat, expr, std::move(parts));
}

std::vector<Conjunct> RuleLowerer::Conjuncts(NodeRef condition) const {
  std::vector<Conjunct> out;
  if (!condition.IsValid()) return out;
  std::vector<NodeRef> terms;
  if (matcher_.nodes[condition.index].op == Op::kAnd) {
    for (uint32_t operand : OperandsOf(condition)) terms.push_back(NodeRef{operand});
  } else {
    terms.push_back(condition);
  }
  auto node = [&](uint32_t i) -> const Node& { return matcher_.nodes[i]; };
  auto is_slot = [&](uint32_t i) { return node(i).op == Op::kSlot; };
  auto is_const = [&](uint32_t i) { return node(i).op == Op::kConst; };
  for (NodeRef term : terms) {
    Conjunct c;
    c.node = term;
    const Node& n = node(term.index);
    std::span<const uint32_t> ops = OperandsOf(term);
    auto classify = [&](Conjunct::Kind kind, uint32_t slot, std::vector<uint32_t> consts) {
      c.kind = kind;
      c.slot = node(slot).index;
      for (uint32_t k : consts) c.consts.push_back(node(k).index);
    };
    switch (n.op) {
      case Op::kEq:
        if (is_slot(ops[0]) && is_const(ops[1]))
          classify(Conjunct::Kind::kEquals, ops[0], {ops[1]});
        if (is_const(ops[0]) && is_slot(ops[1]))
          classify(Conjunct::Kind::kEquals, ops[1], {ops[0]});
        break;
      case Op::kLt:
      case Op::kLe:
      case Op::kGt:
      case Op::kGe: {
        if (is_slot(ops[0]) && is_const(ops[1])) {
          classify(Conjunct::Kind::kCompare, ops[0], {ops[1]});
          c.compare = n.op;
        } else if (is_const(ops[0]) && is_slot(ops[1])) {
          // `3 < x` is `x > 3`.
          classify(Conjunct::Kind::kCompare, ops[1], {ops[0]});
          c.compare = n.op == Op::kLt   ? Op::kGt
                      : n.op == Op::kLe ? Op::kGe
                      : n.op == Op::kGt ? Op::kLt
                                        : Op::kLe;
        }
        break;
      }
      case Op::kIn:
        // `x in ["a", "b"]` (a constant list): equality with any of them.
        if (is_slot(ops[0]) && is_const(ops[1]) &&
            matcher_.constants[node(ops[1]).index].kind == Constant::Kind::kList) {
          c.kind = Conjunct::Kind::kEquals;
          c.slot = node(ops[0]).index;
          // The list's elements become constants of their own so the index can hash them.
          c.consts.push_back(node(ops[1]).index);
        } else if (is_const(ops[0]) && is_slot(ops[1]) &&
                   matcher_.constants[node(ops[0]).index].kind == Constant::Kind::kString) {
          // `x contains "disk"` is `"disk" in x`.
          classify(Conjunct::Kind::kContains, ops[1], {ops[0]});
        }
        break;
      case Op::kLike:
      case Op::kStartsWith:
      case Op::kEndsWith:
        if (is_slot(ops[0]) && is_const(ops[1])) {
          classify(n.op == Op::kLike         ? Conjunct::Kind::kLike
                   : n.op == Op::kStartsWith ? Conjunct::Kind::kStartsWith
                                             : Conjunct::Kind::kEndsWith,
                   ops[0], {ops[1]});
        }
        break;
      case Op::kMatches:
        if (n.operand_count == 1 && is_slot(ops[0])) {
          c.kind = Conjunct::Kind::kMatches;
          c.slot = node(ops[0]).index;
        }
        break;
      default:
        break;
    }
    out.push_back(std::move(c));
  }
  return out;
}

bool HasAnnotation(const ast::Decl& decl, std::string_view name) {
  return std::any_of(decl.annotations.begin(), decl.annotations.end(),
                     [&](const auto& a) { return a->name.name == name; });
}

// The runtime's view of a pack action (ir::ActionSpec).
ActionSpec SpecOf(const schema::Action& action, const schema::Pack* pack) {
  ActionSpec spec;
  spec.ref = action.ref;
  spec.runner = action.runner_type;
  if (!action.entry_point.empty()) {
    if (pack != nullptr && pack->builtin) {
      spec.entry_point = "stdlib:packs/" + action.pack + "/actions/" + action.entry_point;
    } else if (pack != nullptr) {
      spec.entry_point =
          std::filesystem::absolute(pack->dir / "actions" / action.entry_point).lexically_normal();
    } else {
      spec.entry_point = action.entry_point;
    }
  }
  for (const schema::Parameter& p : action.parameters) {
    spec.parameters.push_back(ActionParameter{
        .name = p.name,
        .default_json = p.default_json.value_or(""),
        .required = p.required,
        .secret = p.secret,
        .immutable = p.immutable,
        .position = p.position.value_or(-1),
        .from_runner = p.from_runner,
        .shell_command = shell::IsShellCommandParameter(action.runner_type, p.name)});
  }
  return spec;
}

// Lowers one action call with its policies; records the action's spec in `actions`.
void LowerCall(const check::CheckedFile& file, const ast::ActionClause& clause,
               RuleLowerer& lowerer, std::string& action_name, bool& is_workflow,
               std::vector<Argument>& arguments, Policies& policies,
               std::map<std::string, ActionSpec>& actions) {
  const ast::CallExpr& call = *clause.call;
  auto callee = file.calls.find(call.id.value);
  SQUALL_CHECK(callee != file.calls.end(), "lowering an unresolved action");
  is_workflow = callee->second.kind == check::CallTarget::Kind::kWorkflow;
  const schema::Action* action = is_workflow ? nullptr : callee->second.action;
  action_name = is_workflow ? callee->second.workflow->name.name : action->ref;
  if (action != nullptr && actions.count(action->ref) == 0) {
    // The pack is one the file imports (an action is only reachable through an import).
    const schema::Pack* pack = nullptr;
    for (const auto& [alias, imported] : file.imports) {
      if (imported != nullptr && imported->name == action->pack) pack = imported;
    }
    actions.emplace(action->ref, SpecOf(*action, pack));
  }
  for (const ast::Argument& arg : call.args) {
    std::string name = arg.name ? arg.name->name : std::string();
    const schema::Parameter* param =
        action != nullptr ? schema::FindParameter(action->parameters, name) : nullptr;
    bool shell_command =
        param != nullptr && shell::IsShellCommandParameter(action->runner_type, name);
    Argument argument{
        .name = name,
        .value = shell_command ? lowerer.LowerShellCommand(*arg.value) : lowerer.Lower(*arg.value)};
    const types::Type* value_type = file.TypeOf(*arg.value);
    if (param != nullptr && value_type != nullptr &&
        value_type->kind() == types::TypeKind::kDuration) {
      argument.duration_as_seconds =
          param->type != nullptr && param->type->NonOptional()->IsNumeric();
    }
    arguments.push_back(std::move(argument));
  }
  for (const auto& policy : clause.policies) {
    auto lower = [&](const ast::Expr* e) { return e != nullptr ? lowerer.Lower(*e) : NodeRef{}; };
    switch (policy->kind) {
      case ast::PolicyKind::kRetry: {
        const auto& retry = static_cast<const ast::RetryPolicy&>(*policy);
        policies.retry = true;
        policies.retry_count = lower(retry.count.get());
        policies.retry_every = lower(retry.every.get());
        policies.retry_backoff = lower(retry.backoff.get());
        policies.retry_up_to = lower(retry.up_to.get());
        if (retry.when != nullptr) {
          // `retry ... when` sees both the failed attempt's `error` and its `result`.
          lowerer.SetContextNames(true, true);
          policies.retry_when = lowerer.Lower(*retry.when);
          lowerer.SetContextNames(false, false);
        }
        break;
      }
      case ast::PolicyKind::kTimeout:
        policies.timeout = lower(static_cast<const ast::TimeoutPolicy&>(*policy).duration.get());
        break;
      case ast::PolicyKind::kConcurrency: {
        const auto& concurrency = static_cast<const ast::ConcurrencyPolicy&>(*policy);
        policies.concurrency = lower(concurrency.limit.get());
        policies.concurrency_by = lower(concurrency.by.get());
        break;
      }
      case ast::PolicyKind::kThrottle: {
        const auto& throttle = static_cast<const ast::ThrottlePolicy&>(*policy);
        policies.throttle = lower(throttle.count.get());
        policies.throttle_period = lower(throttle.period.get());
        policies.throttle_by = lower(throttle.by.get());
        break;
      }
    }
  }
}

// One `and` of `parts` (each already lowered; `and` nodes among them are flattened) so that
// conjuncts classify uniformly; invalid when there are none.
NodeRef Conjoin(Matcher& matcher, const std::vector<NodeRef>& parts, source::SourceRange range) {
  if (parts.empty()) return NodeRef{};
  if (parts.size() == 1) return parts[0];
  std::vector<uint32_t> operands;
  for (NodeRef part : parts) {
    const Node& n = matcher.nodes[part.index];
    if (n.op == Op::kAnd) {
      for (uint32_t i = 0; i < n.operand_count; ++i) {
        operands.push_back(matcher.operands[n.first_operand + i]);
      }
    } else {
      operands.push_back(part.index);
    }
  }
  Node and_node;
  and_node.op = Op::kAnd;
  and_node.type = matcher.nodes[parts.back().index].type;
  and_node.range = range;
  and_node.first_operand = static_cast<uint32_t>(matcher.operands.size());
  and_node.operand_count = static_cast<uint32_t>(operands.size());
  matcher.operands.insert(matcher.operands.end(), operands.begin(), operands.end());
  matcher.nodes.push_back(and_node);
  return NodeRef{static_cast<uint32_t>(matcher.nodes.size() - 1)};
}

// The matcher of one trigger instance, created empty on first use.
Matcher& MatcherFor(std::map<std::pair<std::string, std::string>, Matcher>& matchers,
                    const std::string& trigger, const std::string& parameters,
                    const types::Type* payload) {
  Matcher& matcher = matchers[{trigger, parameters}];
  matcher.trigger = trigger;
  matcher.parameters_json = parameters;
  matcher.payload = payload;
  return matcher;
}

// The rule's action and follow-ups, lowered with `lowerer` into `match`.
void LowerActions(const check::CheckedFile& file, const ast::RuleDecl& rule, RuleLowerer& lowerer,
                  RuleMatch& match, std::map<std::string, ActionSpec>& actions) {
  LowerCall(file, *rule.action, lowerer, match.action, match.action_is_workflow, match.arguments,
            match.policies, actions);
  for (const auto& outcome : rule.outcomes) {
    if (outcome->action == nullptr || outcome->action->call == nullptr) continue;
    FollowUp follow_up;
    follow_up.on_success = outcome->outcome == ast::Outcome::kSuccess;
    lowerer.SetContextNames(follow_up.on_success, !follow_up.on_success);
    LowerCall(file, *outcome->action, lowerer, follow_up.action, follow_up.action_is_workflow,
              follow_up.arguments, follow_up.policies, actions);
    lowerer.SetContextNames(false, false);
    match.follow_ups.push_back(std::move(follow_up));
  }
}

// The top-level `and`s of `expr`, left to right.
std::vector<const ast::Expr*> AstConjuncts(const ast::Expr* expr) {
  std::vector<const ast::Expr*> out;
  std::vector<const ast::Expr*> stack = {expr};
  while (!stack.empty()) {
    const ast::Expr* e = stack.back();
    stack.pop_back();
    const auto* binary = ast::As<ast::BinaryExpr>(e);
    if (binary != nullptr && binary->op == ast::BinaryOp::kAnd) {
      stack.push_back(binary->rhs.get());
      stack.push_back(binary->lhs.get());
    } else {
      out.push_back(e);
    }
  }
  return out;
}

// A member/constant-index chain on a name of a correlation (`b.intf`, `d.labels["x"]`): the
// step it reads and the path below it, as text ("intf", "labels.x"); nullopt for anything else.
std::optional<std::pair<int, std::string>> StepPath(const check::CheckedFile& file,
                                                    const std::map<std::string, int>& names,
                                                    const ast::Expr& expr) {
  std::string path;
  const ast::Expr* current = &expr;
  while (true) {
    if (const auto* member = ast::As<ast::MemberExpr>(current)) {
      path = "." + member->member.name + path;
      current = member->object.get();
    } else if (const auto* index = ast::As<ast::IndexExpr>(current)) {
      const auto* key = ast::As<ast::StringLiteral>(index->index.get());
      if (key == nullptr || !key->IsPlain()) return std::nullopt;
      path = "[" + key->Text() + "]" + path;
      current = index->object.get();
    } else if (const auto* name = ast::As<ast::NameExpr>(current)) {
      auto it = names.find(name->name.name);
      if (it == names.end() || file.const_refs.count(name->id.value) != 0) return std::nullopt;
      return std::make_pair(it->second, path);
    } else {
      return std::nullopt;
    }
  }
}

// The highest step a node of a correlation's matcher reads (-1: none): its slots' paths start
// with the field of their step.
int LastStep(const Matcher& matcher, const std::vector<std::string>& fields, NodeRef root) {
  int last = -1;
  std::vector<uint32_t> stack = {root.index};
  while (!stack.empty()) {
    const Node& node = matcher.nodes[stack.back()];
    stack.pop_back();
    if (node.op == Op::kSlot && !matcher.slots[node.index].path.empty()) {
      auto field = std::find(fields.begin(), fields.end(), matcher.slots[node.index].path[0]);
      last = std::max(last, static_cast<int>(field - fields.begin()));
    }
    for (uint32_t i = 0; i < node.operand_count; ++i) {
      stack.push_back(matcher.operands[node.first_operand + i]);
    }
  }
  return last;
}

// The join keys of an absence or sequence: equalities `x.p == y.q` between the steps of the
// `where`. Each key part is a group of step paths the equalities make equal that has a path
// for every step; the equality conjuncts between the chosen paths are then decided by the key
// and need no test. Returns, per step, its key expressions, and marks the decided conjuncts.
std::vector<std::vector<const ast::Expr*>> JoinKeys(const check::CheckedFile& file,
                                                    const std::map<std::string, int>& names,
                                                    int steps,
                                                    const std::vector<const ast::Expr*>& conjuncts,
                                                    std::vector<bool>& decided) {
  // Union-find over the (step, path) sides of the equalities.
  std::map<std::pair<int, std::string>, int> ids;
  std::vector<int> parent;
  std::vector<const ast::Expr*> exprs;
  auto id_of = [&](const std::pair<int, std::string>& side, const ast::Expr* e) {
    auto [it, inserted] = ids.emplace(side, static_cast<int>(parent.size()));
    if (inserted) {
      parent.push_back(it->second);
      exprs.push_back(e);
    }
    return it->second;
  };
  auto find = [&](int x) {
    while (parent[x] != x) x = parent[x] = parent[parent[x]];
    return x;
  };
  std::vector<std::pair<int, int>> equalities(conjuncts.size(), {-1, -1});
  for (size_t i = 0; i < conjuncts.size(); ++i) {
    const auto* eq = ast::As<ast::BinaryExpr>(conjuncts[i]);
    if (eq == nullptr || eq->op != ast::BinaryOp::kEq) continue;
    auto lhs = StepPath(file, names, *eq->lhs);
    auto rhs = StepPath(file, names, *eq->rhs);
    if (!lhs || !rhs || lhs->first == rhs->first) continue;
    int a = id_of(*lhs, eq->lhs.get());
    int b = id_of(*rhs, eq->rhs.get());
    equalities[i] = {a, b};
    parent[find(a)] = find(b);
  }
  // The groups, with the first path of each step (in order of appearance).
  std::map<int, std::vector<int>> chosen;  // root -> id per step (-1: none)
  for (const auto& [side, id] : ids) {
    std::vector<int>& per_step = chosen.try_emplace(find(id), steps, -1).first->second;
    if (per_step[side.first] == -1 || id < per_step[side.first]) per_step[side.first] = id;
  }
  std::vector<std::vector<const ast::Expr*>> keys(steps);
  std::set<int> used;
  for (const auto& [root, per_step] : chosen) {
    if (std::find(per_step.begin(), per_step.end(), -1) != per_step.end()) continue;
    for (int step = 0; step < steps; ++step) {
      keys[step].push_back(exprs[per_step[step]]);
      used.insert(per_step[step]);
    }
  }
  for (size_t i = 0; i < conjuncts.size(); ++i) {
    auto [a, b] = equalities[i];
    decided[i] = a >= 0 && used.count(a) != 0 && used.count(b) != 0;
  }
  return keys;
}

// A correlation rule: a feeder per atom in the atom's matcher, the Correlation, and the action
// as a rule of the synthetic trigger `correlation.<rule>`.
void LowerCorrelation(const check::CheckedFile& file, const ast::RuleDecl& rule,
                      std::map<std::pair<std::string, std::string>, Matcher>& matchers,
                      Program& program, std::map<std::string, ActionSpec>& actions) {
  const ast::RuleTrigger& trigger = *rule.trigger;
  auto bound = file.correlations.find(trigger.id.value);
  SQUALL_CHECK(bound != file.correlations.end(), "lowering an unchecked correlation");
  const check::CheckedCorrelation& c = bound->second;
  Correlation correlation;
  correlation.name = rule.name.name;
  correlation.range = rule.name.range;
  correlation.kind = trigger.kind == ast::RuleTriggerKind::kAbsence    ? CorrelationKind::kAbsence
                     : trigger.kind == ast::RuleTriggerKind::kSequence ? CorrelationKind::kSequence
                                                                       : CorrelationKind::kCount;
  correlation.steps = static_cast<uint32_t>(trigger.atoms.size());
  correlation.within_ms = c.within_ms;
  correlation.count = c.count;
  correlation.disabled = HasAnnotation(rule, "disabled");
  correlation.trigger = CorrelationTrigger(rule.name.name);
  correlation.fields = c.fields;
  int steps = static_cast<int>(trigger.atoms.size());
  auto feeds = static_cast<int32_t>(program.correlations.size());

  std::vector<const ast::Expr*> conjuncts;
  if (trigger.where != nullptr) conjuncts = AstConjuncts(trigger.where.get());
  std::vector<bool> decided(conjuncts.size(), false);
  std::vector<std::vector<const ast::Expr*>> keys(steps);
  if (correlation.kind == CorrelationKind::kCount) {
    if (trigger.by != nullptr) keys[0].push_back(trigger.by.get());
  } else {
    keys = JoinKeys(file, c.condition_names, steps, conjuncts, decided);
  }

  // The feeders.
  for (int step = 0; step < steps; ++step) {
    const ast::TriggerAtom& atom = *trigger.atoms[step];
    auto target = file.trigger_atoms.find(atom.id.value);
    SQUALL_CHECK(target != file.trigger_atoms.end(), "lowering an unresolved trigger");
    Matcher& matcher = MatcherFor(matchers, target->second.ref, TriggerParametersJson(file, atom),
                                  target->second.payload);
    // In the atom's filter the atom is `event` or its alias; the keys read the step through
    // the condition's names (or, for a count's `by`, the action's), all of them the event here.
    RuleLowerer::Bindings bindings;
    bindings[atom.alias ? atom.alias->name : "event"] = {};
    const auto& names =
        correlation.kind == CorrelationKind::kCount ? c.action_names : c.condition_names;
    for (const auto& [name, named_step] : names) {
      if (named_step == step) bindings[name] = {};
    }
    RuleLowerer lowerer(file, matcher, std::move(bindings));
    RuleMatch feeder;
    feeder.name = rule.name.name;
    feeder.range = rule.name.range;
    feeder.disabled = correlation.disabled;
    feeder.feeds = feeds;
    feeder.step = static_cast<uint32_t>(step);
    std::vector<NodeRef> parts;
    if (atom.filter != nullptr) parts.push_back(lowerer.Lower(*atom.filter));
    if (correlation.kind == CorrelationKind::kCount && trigger.where != nullptr) {
      parts.push_back(lowerer.Lower(*trigger.where));  // over the one event: a filter
    }
    feeder.condition =
        Conjoin(matcher, parts, trigger.where != nullptr ? trigger.where->range : atom.range);
    feeder.conjuncts = lowerer.Conjuncts(feeder.condition);
    for (const ast::Expr* key : keys[step]) feeder.key.push_back(lowerer.Lower(*key));
    matcher.rules.push_back(std::move(feeder));
  }

  // The action, and the tests the keys do not decide, over the record of the steps.
  Matcher& matcher = MatcherFor(matchers, correlation.trigger, "", c.payload);
  auto bindings_of = [&](const std::map<std::string, int>& names) {
    RuleLowerer::Bindings bindings;
    for (const auto& [name, step] : names) bindings[name] = {c.fields[step]};
    return bindings;
  };
  if (correlation.kind != CorrelationKind::kCount) {
    RuleLowerer tests(file, matcher, bindings_of(c.condition_names));
    for (size_t i = 0; i < conjuncts.size(); ++i) {
      if (decided[i]) continue;
      NodeRef node = tests.Lower(*conjuncts[i]);
      int last = LastStep(matcher, c.fields, node);
      correlation.tests.push_back(
          CorrelationTest{.node = node, .steps = static_cast<uint32_t>(std::max(last, 0) + 1)});
    }
  }
  RuleLowerer lowerer(file, matcher, bindings_of(c.action_names));
  RuleMatch match;
  match.name = rule.name.name;
  match.range = rule.name.range;
  match.disabled = correlation.disabled;
  match.backstop = HasAnnotation(rule, "backstop");
  LowerActions(file, rule, lowerer, match, actions);
  matcher.rules.push_back(std::move(match));
  program.correlations.push_back(std::move(correlation));
}

void LowerRule(const check::CheckedFile& file, const ast::RuleDecl& rule,
               std::map<std::pair<std::string, std::string>, Matcher>& matchers, Program& program,
               std::map<std::string, ActionSpec>& actions) {
  if (rule.trigger == nullptr || rule.action == nullptr || rule.action->call == nullptr) return;
  const ast::RuleTrigger& trigger = *rule.trigger;
  if (trigger.kind != ast::RuleTriggerKind::kSimple) {
    LowerCorrelation(file, rule, matchers, program, actions);
    return;
  }
  const ast::TriggerAtom& atom = *trigger.atoms[0];
  auto target = file.trigger_atoms.find(atom.id.value);
  SQUALL_CHECK(target != file.trigger_atoms.end(), "lowering an unresolved trigger");
  Matcher& matcher = MatcherFor(matchers, target->second.ref, TriggerParametersJson(file, atom),
                                target->second.payload);
  RuleLowerer lowerer(file, matcher, {{atom.alias ? atom.alias->name : "event", {}}});
  RuleMatch match;
  match.name = rule.name.name;
  match.range = rule.name.range;
  match.disabled = HasAnnotation(rule, "disabled");
  match.backstop = HasAnnotation(rule, "backstop");
  // The atom's own filter and the rule's condition are one conjunction.
  std::vector<NodeRef> parts;
  if (atom.filter != nullptr) parts.push_back(lowerer.Lower(*atom.filter));
  if (trigger.where != nullptr) parts.push_back(lowerer.Lower(*trigger.where));
  match.condition =
      Conjoin(matcher, parts, trigger.where != nullptr ? trigger.where->range : atom.range);
  match.conjuncts = lowerer.Conjuncts(match.condition);
  LowerActions(file, rule, lowerer, match, actions);
  matcher.rules.push_back(std::move(match));
}

}  // namespace

std::string TriggerParametersJson(const check::CheckedFile& file, const ast::TriggerAtom& atom) {
  auto it = file.trigger_parameters.find(atom.id.value);
  if (it == file.trigger_parameters.end() || it->second.empty()) return {};
  // Sorted by name, so equal parameter sets compare equal.
  std::vector<std::pair<std::string, check::ConstValue>> parameters = it->second;
  std::sort(parameters.begin(), parameters.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  check::ConstValue map;
  map.kind = check::ConstValue::Kind::kMap;
  for (auto& [name, value] : parameters) {
    map.entries.push_back(check::ConstValue::Entry{name, std::move(value)});
  }
  return map.ToJson();
}

std::string CorrelationTrigger(std::string_view rule) { return "correlation." + std::string(rule); }

Program Lower(const check::CheckedProgram& checked) {
  Program program;
  source::RunWithLargeStack([&] {
    std::map<std::pair<std::string, std::string>, Matcher> matchers;
    std::map<std::string, ActionSpec> actions;
    for (const check::CheckedFile& file : checked.files) {
      for (const auto& decl : file.file->decls) {
        if (const auto* rule = ast::As<ast::RuleDecl>(decl.get())) {
          LowerRule(file, *rule, matchers, program, actions);
        }
      }
    }
    for (auto& [key, matcher] : matchers) program.matchers.push_back(std::move(matcher));
    for (auto& [ref, spec] : actions) program.actions.push_back(std::move(spec));
  });
  return program;
}

}  // namespace squall::ir
