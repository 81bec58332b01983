#include "compiler/ir/expr_lowerer.h"

#include <algorithm>
#include <filesystem>

#include "compiler/shell/shell_quote.h"
#include "compiler/source/check.h"

namespace squall::ir::internal {

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

std::optional<std::vector<std::string>> ExprLowerer::SlotPath(const ast::Expr& expr) const {
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
      if (file_.const_refs.count(name->id.value) != 0 || ContextName(name->name.name)) {
        return std::nullopt;
      }
      std::optional<std::vector<std::string>> path = roots_(*name);
      if (!path) return std::nullopt;
      path->insert(path->end(), reversed.rbegin(), reversed.rend());
      return path;
    } else {
      return std::nullopt;
    }
  }
}

NodeRef ExprLowerer::Lower(const ast::Expr& expr) {
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
      // Every other name is a slot root (the event, a workflow variable), handled by SlotPath.
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
      if (hoist_ && target != file_.calls.end() &&
          target->second.kind != check::CallTarget::Kind::kBuiltin) {
        return RootSlot(hoist_(expr), expr);  // a step of a workflow
      }
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
      if (hoist_) return RootSlot(hoist_(expr), expr);
      break;
    case ast::ExprKind::kError:
      break;
  }
  SQUALL_CHECK(false, "lowering an expression that cannot appear in a rule");
  return NodeRef{};
}

NodeRef ExprLowerer::LowerShellCommand(const ast::Expr& expr) {
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

std::vector<Conjunct> ExprLowerer::Conjuncts(NodeRef condition) const {
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

namespace {

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

}  // namespace

void LowerCall(const check::CheckedFile& file, const ast::CallExpr& call,
               const std::vector<ast::Ptr<ast::Policy>>& call_policies, ExprLowerer& lowerer,
               std::string& action_name, bool& is_workflow, std::vector<Argument>& arguments,
               Policies& policies, std::map<std::string, ActionSpec>& actions) {
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
  for (const auto& policy : call_policies) {
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

}  // namespace squall::ir::internal
