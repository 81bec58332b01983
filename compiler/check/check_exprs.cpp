// Expressions: names, member access, operators, literals, and compile-time evaluation.
#include <re2/re2.h>

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "compiler/check/checker_internal.h"
#include "compiler/check/glob.h"
#include "compiler/diag/suggest.h"

namespace squall::check::internal {

using diag::Kind;
using types::TypeKind;

const Type* Checker::Record(const ast::Expr& expr, const Type* type) {
  if (expr.id.value < out_->expr_types.size()) out_->expr_types[expr.id.value] = type;
  return type;
}

void Checker::ExpectType(const ast::Expr& expr, const Type* actual, const Type* expected,
                         std::string_view what) {
  switch (types::CheckAssignable(actual, expected)) {
    case types::Assignability::kYes:
    case types::Assignability::kRuntimeChecked:
      return;
    case types::Assignability::kMayBeNull:
      Emit(Kind::MaybeNull, expr.range, {what, types::ToString(actual)});
      return;
    case types::Assignability::kNo:
      Emit(Kind::TypeMismatch, expr.range,
           {what, types::ToString(expected), types::ToString(actual)});
      return;
  }
}

void Checker::ExpectCondition(const ast::Expr& expr, const Type* type, std::string_view what) {
  const Type* plain = type->NonOptional();
  if (plain->kind() == TypeKind::kBool || plain->kind() == TypeKind::kJson || plain->IsError()) {
    return;
  }
  Emit(Kind::TypeMismatch, expr.range, {what, "bool", types::ToString(type)});
}

const Type* Checker::CheckExpr(const ast::Expr& expr, Scope& scope, const ExprContext& ctx) {
  switch (expr.kind) {
    case ast::ExprKind::kInt:
      return Record(expr, types_.Int());
    case ast::ExprKind::kFloat:
      return Record(expr, types_.Float());
    case ast::ExprKind::kDuration:
      return Record(expr, types_.Duration());
    case ast::ExprKind::kFactor:
      // Only `backoff` takes a factor; CheckPolicies records it there without coming here.
      Emit(Kind::FactorOutsideBackoff, expr.range, {ast::Cast<ast::FactorLiteral>(expr).spelling});
      return Record(expr, types_.Error());
    case ast::ExprKind::kBool:
      return Record(expr, types_.Bool());
    case ast::ExprKind::kNull:
      return Record(expr, types_.Null());
    case ast::ExprKind::kString:
      return Record(expr, CheckString(ast::Cast<ast::StringLiteral>(expr), scope, ctx));
    case ast::ExprKind::kName:
      return Record(expr, CheckName(ast::Cast<ast::NameExpr>(expr), scope, ctx));
    case ast::ExprKind::kMember:
      return Record(expr, CheckMember(ast::Cast<ast::MemberExpr>(expr), scope, ctx));
    case ast::ExprKind::kIndex:
      return Record(expr, CheckIndex(ast::Cast<ast::IndexExpr>(expr), scope, ctx));
    case ast::ExprKind::kCall:
      return Record(expr, CheckCall(ast::Cast<ast::CallExpr>(expr), scope, ctx));
    case ast::ExprKind::kUnary:
      return Record(expr, CheckUnary(ast::Cast<ast::UnaryExpr>(expr), scope, ctx));
    case ast::ExprKind::kBinary:
      return Record(expr, CheckBinary(ast::Cast<ast::BinaryExpr>(expr), scope, ctx));
    case ast::ExprKind::kList:
      return Record(expr, CheckList(ast::Cast<ast::ListExpr>(expr), scope, ctx));
    case ast::ExprKind::kMap:
      return Record(expr, CheckMap(ast::Cast<ast::MapExpr>(expr), scope, ctx));
    case ast::ExprKind::kFor:
      return Record(expr, CheckFor(ast::Cast<ast::ForExpr>(expr), scope, ctx, true));
    case ast::ExprKind::kWait:
      return Record(expr, CheckWait(ast::Cast<ast::WaitExpr>(expr), scope, ctx));
    case ast::ExprKind::kAsk:
      return Record(expr, CheckAsk(ast::Cast<ast::AskExpr>(expr), scope, ctx));
    case ast::ExprKind::kError:
      return Record(expr, types_.Error());
  }
  return Record(expr, types_.Error());
}

const Type* Checker::CheckName(const ast::NameExpr& expr, Scope& scope, const ExprContext& ctx) {
  const std::string& name = expr.name.name;
  if (name == "_" && ctx.wildcard_allowed) return types_.Nothing();
  if (Binding* binding = scope.Find(name)) {
    binding->used = true;
    if (current_workflow_ != nullptr && binding->kind == BindingKind::kLet) {
      let_reads_[expr.id.value] = binding->decl;
    }
    return binding->type;
  }
  if (consts_.count(name) != 0) {
    const_refs_.insert(expr.id.value);
    out_->const_refs[expr.id.value] = name;
    return ConstType(name, expr.range);
  }
  if (name == "event") {
    // With `as x`, the event is named `x`: say so rather than explain where `event` exists.
    for (Scope* s = &scope; s != nullptr; s = s->parent()) {
      for (Binding& binding : s->bindings()) {
        if (binding.kind == BindingKind::kAlias) {
          Emit(
              Kind::NameNotAvailable, expr.range,
              {name, "the event is named `" + binding.name + "` here (`as " + binding.name + "`)"});
          return types_.Error();
        }
      }
    }
    Emit(Kind::NameNotAvailable, expr.range,
         {name,
          "`event` is the triggering event in a rule (or `wait ... where`); pass what a "
          "workflow needs as parameters"});
    return types_.Error();
  }
  if (name == "result") {
    Emit(Kind::NameNotAvailable, expr.range,
         {name, "`result` is bound in `on success` and in `retry ... when`"});
    return types_.Error();
  }
  if (name == "error") {
    Emit(Kind::NameNotAvailable, expr.range,
         {name, "`error` is bound in `on failure`, in `retry ... when` and by `catch`"});
    return types_.Error();
  }
  if (imports_.count(name) != 0) {
    ImportedPack(name);
    Emit(Kind::NotCallable, expr.range);
    return types_.Error();
  }
  std::vector<std::string> candidates;
  scope.CollectNames(candidates);
  for (const auto& [const_name, state] : consts_) candidates.push_back(const_name);
  NoteClosedBinding(Emit(Kind::UnknownName, expr.range, {name, diag::DidYouMean(name, candidates)}),
                    name, expr.range);
  return types_.Error();
}

const Type* Checker::CheckMember(const ast::MemberExpr& expr, Scope& scope,
                                 const ExprContext& ctx) {
  const Type* object = CheckExpr(*expr.object, scope, ctx);
  if (object->IsError()) return object;
  const std::string& field_name = expr.member.name;
  bool may_be_absent = false;
  if (object->IsOptional() || object->kind() == TypeKind::kNull) {
    if (!expr.safe) {
      diag::Diagnostic& diagnostic =
          Emit(Kind::OptionalMemberAccess, expr.range,
               {std::string(sources_.Text(file_->file)
                                .substr(expr.object->range.begin,
                                        expr.object->range.end - expr.object->range.begin)),
                types::ToString(object), field_name});
      // Say why a name hoisted out of `parallel first N` is optional: its type never was.
      if (auto it = let_reads_.find(expr.object->id.value);
          it != let_reads_.end() && first_branch_names_.contains(it->second)) {
        diagnostic.AddNote(Kind::CanceledBranchUnset, it->second,
                           {ast::Cast<ast::NameExpr>(*expr.object).name.name});
      }
      return types_.Error();
    }
    may_be_absent = true;
    object = object->NonOptional();
  }
  const Type* result = nullptr;
  switch (object->kind()) {
    case TypeKind::kJson:
      return types_.Json();
    case TypeKind::kNothing:
    case TypeKind::kNull:
      return types_.Null();
    case TypeKind::kMap:
      // A key that may be missing.
      return types_.Optional(object->element());
    case TypeKind::kRecord: {
      if (const types::Field* field = object->FindField(field_name)) {
        result = field->type;
        break;
      }
      if (object->extra_fields() != nullptr) {
        result = types_.Optional(object->extra_fields());
        break;
      }
      std::vector<std::string> names;
      for (const types::Field& field : object->fields()) names.push_back(field.name);
      Emit(Kind::UnknownField, expr.member.range,
           {types::ToString(object), field_name, diag::DidYouMean(field_name, names)});
      return types_.Error();
    }
    default:
      Emit(Kind::NotARecord, expr.member.range, {types::ToString(object), field_name});
      return types_.Error();
  }
  return may_be_absent ? types_.Optional(result) : result;
}

const Type* Checker::CheckIndex(const ast::IndexExpr& expr, Scope& scope, const ExprContext& ctx) {
  const Type* object = CheckExpr(*expr.object, scope, ctx);
  const Type* index = CheckExpr(*expr.index, scope, ctx);
  if (object->IsError() || index->IsError()) return types_.Error();
  // Indexing an absent value gives an absent value, as `?.` does for members.
  bool may_be_absent = object->IsOptional();
  object = object->NonOptional();
  auto result = [&](const Type* type) { return may_be_absent ? types_.Optional(type) : type; };
  switch (object->kind()) {
    case TypeKind::kNull:
      return types_.Null();
    case TypeKind::kJson:
      return types_.Json();
    case TypeKind::kList:
      ExpectType(*expr.index, index, types_.Int(), "a list index");
      return types_.Optional(object->element());  // may be out of range
    case TypeKind::kMap:
      ExpectType(*expr.index, index, types_.String(), "a map key");
      return types_.Optional(object->element());  // may be missing
    case TypeKind::kRecord: {
      ExpectType(*expr.index, index, types_.String(), "a record key");
      std::optional<ConstValue> key = Evaluate(*expr.index);
      if (key && key->kind == ConstValue::Kind::kString) {
        if (const types::Field* field = object->FindField(key->text)) return result(field->type);
        if (object->extra_fields() != nullptr) return types_.Optional(object->extra_fields());
        std::vector<std::string> names;
        for (const types::Field& field : object->fields()) names.push_back(field.name);
        Emit(Kind::UnknownField, expr.index->range,
             {types::ToString(object), key->text, diag::DidYouMean(key->text, names)});
        return types_.Error();
      }
      return types_.Json();
    }
    default:
      Emit(Kind::NotIndexable, expr.object->range, {types::ToString(object)});
      return types_.Error();
  }
}

const Type* Checker::CheckUnary(const ast::UnaryExpr& expr, Scope& scope, const ExprContext& ctx) {
  const Type* operand = CheckExpr(*expr.operand, scope, ctx);
  if (operand->IsError()) return operand;
  if (expr.op == ast::UnaryOp::kNot) {
    const Type* plain = operand->NonOptional();
    if (plain->kind() != TypeKind::kBool && plain->kind() != TypeKind::kJson) {
      Emit(Kind::OperandType, expr.range, {"not", types::ToString(operand)});
      return types_.Error();
    }
    return types_.Bool();
  }
  if (operand->IsOptional() || operand->kind() == TypeKind::kNull) {
    Emit(Kind::MaybeNull, expr.operand->range, {"the operand of `-`", types::ToString(operand)});
    return types_.Error();
  }
  switch (operand->kind()) {
    case TypeKind::kInt:
    case TypeKind::kFloat:
    case TypeKind::kDuration:
    case TypeKind::kJson:
      return operand;
    default:
      Emit(Kind::OperandType, expr.range, {"-", types::ToString(operand)});
      return types_.Error();
  }
}

namespace {

bool IsKind(const Type* type, TypeKind kind) { return type->kind() == kind; }

// Types that `==` can compare: the same kind of value, numbers with numbers, anything with
// json or null.
bool Comparable(const Type* a, const Type* b) {
  a = a->NonOptional();
  b = b->NonOptional();
  if (IsKind(a, TypeKind::kJson) || IsKind(b, TypeKind::kJson) || IsKind(a, TypeKind::kNull) ||
      IsKind(b, TypeKind::kNull) || IsKind(a, TypeKind::kNothing) ||
      IsKind(b, TypeKind::kNothing)) {
    return true;
  }
  if (a->IsNumeric() && b->IsNumeric()) return true;
  if (a->kind() != b->kind()) return false;
  switch (a->kind()) {
    case TypeKind::kList:
    case TypeKind::kMap:
    case TypeKind::kRecord:
      return types::CheckAssignable(a, b) != types::Assignability::kNo ||
             types::CheckAssignable(b, a) != types::Assignability::kNo;
    default:
      return true;
  }
}

bool Orderable(const Type* a, const Type* b) {
  a = a->NonOptional();
  b = b->NonOptional();
  auto scalar = [](const Type* t) {
    return t->IsNumeric() || IsKind(t, TypeKind::kString) || IsKind(t, TypeKind::kDuration) ||
           IsKind(t, TypeKind::kTime);
  };
  if (IsKind(a, TypeKind::kJson)) return scalar(b) || IsKind(b, TypeKind::kJson);
  if (IsKind(b, TypeKind::kJson)) return scalar(a);
  if (a->IsNumeric() && b->IsNumeric()) return true;
  return scalar(a) && a->kind() == b->kind();
}

bool Textual(const Type* t) {
  t = t->NonOptional();
  return IsKind(t, TypeKind::kString) || IsKind(t, TypeKind::kJson);
}

}  // namespace

const Type* Checker::CheckBinary(const ast::BinaryExpr& expr, Scope& scope,
                                 const ExprContext& ctx) {
  const Type* lhs = CheckExpr(*expr.lhs, scope, ctx);
  const Type* rhs = CheckExpr(*expr.rhs, scope, ctx);
  if (lhs->IsError() || rhs->IsError()) return types_.Error();
  std::string_view op = ast::Spelling(expr.op);
  auto mismatch = [&](std::string hint = {}) {
    Emit(Kind::OperandTypes, expr.op_range,
         {op, types::ToString(lhs), types::ToString(rhs), std::move(hint)});
    return types_.Error();
  };
  const Type* l = lhs->NonOptional();
  const Type* r = rhs->NonOptional();
  bool json = IsKind(l, TypeKind::kJson) || IsKind(r, TypeKind::kJson);
  switch (expr.op) {
    case ast::BinaryOp::kOr:
    case ast::BinaryOp::kAnd:
      ExpectCondition(*expr.lhs, lhs, std::string("the left side of `") + std::string(op) + "`");
      ExpectCondition(*expr.rhs, rhs, std::string("the right side of `") + std::string(op) + "`");
      return types_.Bool();
    case ast::BinaryOp::kEq:
    case ast::BinaryOp::kNe:
      if (!Comparable(lhs, rhs)) return mismatch();
      return types_.Bool();
    case ast::BinaryOp::kLt:
    case ast::BinaryOp::kLe:
    case ast::BinaryOp::kGt:
    case ast::BinaryOp::kGe:
      if (!Orderable(lhs, rhs)) return mismatch();
      return types_.Bool();
    case ast::BinaryOp::kIn:
    case ast::BinaryOp::kNotIn:
    case ast::BinaryOp::kContains: {
      // `x in c` and `c contains x`.
      bool contains = expr.op == ast::BinaryOp::kContains;
      const Type* item = contains ? rhs : lhs;
      const Type* collection = contains ? l : r;
      switch (collection->kind()) {
        case TypeKind::kJson:
          return types_.Bool();
        case TypeKind::kList:
          if (!Comparable(item, collection->element())) return mismatch();
          return types_.Bool();
        case TypeKind::kMap:
        case TypeKind::kString:
          if (!Textual(item)) return mismatch();
          return types_.Bool();
        default:
          return mismatch("; the collection must be a list, a map or a string");
      }
    }
    case ast::BinaryOp::kLike:
    case ast::BinaryOp::kStartsWith:
    case ast::BinaryOp::kEndsWith:
      if (!Textual(lhs) || !Textual(rhs)) return mismatch("; both sides must be strings");
      return types_.Bool();
    case ast::BinaryOp::kMatches: {
      if (!Textual(lhs) || !Textual(rhs)) return mismatch("; both sides must be strings");
      if (std::optional<ConstValue> pattern = Evaluate(*expr.rhs);
          pattern && pattern->kind == ConstValue::Kind::kString) {
        RE2::Options options;
        options.set_log_errors(false);
        RE2 re(pattern->text, options);
        if (!re.ok()) Emit(Kind::InvalidRegex, expr.rhs->range, {re.error()});
      }
      return types_.Bool();
    }
    case ast::BinaryOp::kCoalesce: {
      if (IsKind(lhs, TypeKind::kJson)) return lhs;
      // `a ?? b` needs a default of the same kind as `a`; unrelated types would only join
      // as `json` and switch checking off.
      const Type* joined = types_.Join(lhs->NonOptional(), rhs);
      if (IsKind(joined->NonOptional(), TypeKind::kJson) && !IsKind(r, TypeKind::kJson) &&
          !IsKind(l, TypeKind::kNull)) {
        return mismatch("; the default must have the type of the left side");
      }
      return joined;
    }
    case ast::BinaryOp::kAdd:
    case ast::BinaryOp::kSub:
    case ast::BinaryOp::kMul:
    case ast::BinaryOp::kDiv:
    case ast::BinaryOp::kMod:
      break;
  }
  // Arithmetic: both sides must be present.
  if (lhs->IsOptional() || IsKind(lhs, TypeKind::kNull)) {
    Emit(Kind::MaybeNull, expr.lhs->range,
         {std::string("the left side of `") + std::string(op) + "`", types::ToString(lhs)});
    return types_.Error();
  }
  if (rhs->IsOptional() || IsKind(rhs, TypeKind::kNull)) {
    Emit(Kind::MaybeNull, expr.rhs->range,
         {std::string("the right side of `") + std::string(op) + "`", types::ToString(rhs)});
    return types_.Error();
  }
  if (json) return types_.Json();
  TypeKind lk = l->kind();
  TypeKind rk = r->kind();
  bool numbers = l->IsNumeric() && r->IsNumeric();
  const Type* number = lk == TypeKind::kInt && rk == TypeKind::kInt ? types_.Int() : types_.Float();
  switch (expr.op) {
    case ast::BinaryOp::kAdd:
      if (numbers) return number;
      if (lk == TypeKind::kString && rk == TypeKind::kString) return types_.String();
      if (lk == TypeKind::kDuration && rk == TypeKind::kDuration) return types_.Duration();
      if ((lk == TypeKind::kTime && rk == TypeKind::kDuration) ||
          (lk == TypeKind::kDuration && rk == TypeKind::kTime)) {
        return types_.Time();
      }
      if (lk == TypeKind::kList && rk == TypeKind::kList) return types_.Join(l, r);
      if (lk == TypeKind::kString || rk == TypeKind::kString) {
        return mismatch("; to put a value in a string, write \"...{{value}}...\"");
      }
      return mismatch();
    case ast::BinaryOp::kSub:
      if (numbers) return number;
      if (lk == TypeKind::kDuration && rk == TypeKind::kDuration) return types_.Duration();
      if (lk == TypeKind::kTime && rk == TypeKind::kDuration) return types_.Time();
      if (lk == TypeKind::kTime && rk == TypeKind::kTime) return types_.Duration();
      return mismatch();
    case ast::BinaryOp::kMul:
      if (numbers) return number;
      if ((lk == TypeKind::kDuration && r->IsNumeric()) ||
          (l->IsNumeric() && rk == TypeKind::kDuration)) {
        return types_.Duration();
      }
      return mismatch();
    case ast::BinaryOp::kDiv:
      if (numbers) return types_.Float();
      if (lk == TypeKind::kDuration && r->IsNumeric()) return types_.Duration();
      if (lk == TypeKind::kDuration && rk == TypeKind::kDuration) return types_.Float();
      return mismatch();
    case ast::BinaryOp::kMod:
      if (numbers) return number;
      if (lk == TypeKind::kDuration && rk == TypeKind::kDuration) return types_.Duration();
      return mismatch();
    default:
      return mismatch();
  }
}

const Type* Checker::CheckString(const ast::StringLiteral& expr, Scope& scope,
                                 const ExprContext& ctx) {
  // Any value can be interpolated: text as is, other scalars in their literal form, lists,
  // maps and records as JSON, an absent optional as the empty string.
  for (const ast::StringPart& part : expr.parts) {
    if (part.expr != nullptr) CheckExpr(*part.expr, scope, ctx);
  }
  return types_.String();
}

const Type* Checker::CheckList(const ast::ListExpr& expr, Scope& scope, const ExprContext& ctx) {
  const Type* element = types_.Nothing();
  for (const auto& item : expr.elements) {
    element = types_.Join(element, CheckExpr(*item, scope, ctx));
  }
  return types_.List(element);
}

const Type* Checker::CheckMap(const ast::MapExpr& expr, Scope& scope, const ExprContext& ctx) {
  std::vector<types::Field> fields;
  std::map<std::string, SourceRange> seen;
  for (const ast::MapEntry& entry : expr.entries) {
    const Type* value = CheckExpr(*entry.value, scope, ctx);
    if (auto [it, inserted] = seen.emplace(entry.key, entry.key_range); !inserted) {
      Emit(Kind::DuplicateMapKey, entry.key_range, {entry.key})
          .AddNote(Kind::PreviousDefinition, it->second, {entry.key});
      continue;
    }
    types::Field field;
    field.name = entry.key;
    field.type = value;
    field.required = !value->IsOptional();
    field.decl = entry.key_range;
    fields.push_back(std::move(field));
  }
  return types_.Record(std::move(fields));
}

const Type* Checker::CheckWait(const ast::WaitExpr& expr, Scope& scope, const ExprContext&) {
  // Trigger parameters of a `wait` are evaluated when the wait starts: any expression.
  const Type* payload = CheckAtom(*expr.trigger, /*constant_args=*/false, scope);
  if (expr.where != nullptr) {
    Scope where_scope(&scope);
    BindAtom(*expr.trigger, payload, where_scope, /*bind_event=*/true);
    const Type* condition =
        CheckExpr(*expr.where, where_scope, ExprContext{.place = "the condition of `wait`"});
    ExpectCondition(*expr.where, condition, "the condition of `wait`");
    CloseScope(where_scope);
  }
  if (expr.timeout != nullptr) CheckPositiveDuration(*expr.timeout, scope, "the `wait` timeout");
  return payload;
}

const Type* Checker::CheckAsk(const ast::AskExpr& expr, Scope& scope, const ExprContext& ctx) {
  const Type* prompt = CheckExpr(*expr.prompt, scope, ctx);
  ExpectType(*expr.prompt, prompt, types_.String(), "the question of `ask`");
  const Type* answer = expr.answer_type ? ResolveType(*expr.answer_type) : types_.Json();
  if (expr.timeout != nullptr) CheckPositiveDuration(*expr.timeout, scope, "the `ask` timeout");
  return answer;
}

// ---------------------------------------------------------------------------------------------
// Compile-time evaluation

namespace {

// `d * factor` in whole milliseconds; nullopt when it does not fit.
std::optional<ConstValue> ScaleDuration(int64_t milliseconds, double factor) {
  double ms = static_cast<double>(milliseconds) * factor;
  if (!std::isfinite(ms) || std::fabs(ms) > 9e18) return std::nullopt;
  return ConstValue::Duration(static_cast<int64_t>(ms));
}

}  // namespace

std::optional<ConstValue> Checker::Evaluate(const ast::Expr& expr) {
  switch (expr.kind) {
    case ast::ExprKind::kInt:
      return ConstValue::Int(ast::Cast<ast::IntLiteral>(expr).value);
    case ast::ExprKind::kFloat:
      return ConstValue::Float(ast::Cast<ast::FloatLiteral>(expr).value);
    case ast::ExprKind::kDuration:
      return ConstValue::Duration(ast::Cast<ast::DurationLiteral>(expr).milliseconds);
    case ast::ExprKind::kFactor:
      return ConstValue::Float(ast::Cast<ast::FactorLiteral>(expr).value);
    case ast::ExprKind::kBool:
      return ConstValue::Bool(ast::Cast<ast::BoolLiteral>(expr).value);
    case ast::ExprKind::kNull:
      return ConstValue::Null();
    case ast::ExprKind::kString: {
      const auto& literal = ast::Cast<ast::StringLiteral>(expr);
      std::string text;
      for (const ast::StringPart& part : literal.parts) {
        if (part.expr == nullptr) {
          text += part.text;
          continue;
        }
        std::optional<ConstValue> value = Evaluate(*part.expr);
        if (!value) return std::nullopt;
        text += value->kind == ConstValue::Kind::kString ? value->text : value->ToSource();
      }
      return ConstValue::String(std::move(text));
    }
    case ast::ExprKind::kName: {
      const auto& name = ast::Cast<ast::NameExpr>(expr);
      if (const_refs_.count(expr.id.value) == 0) return std::nullopt;
      return ConstValueOf(name.name.name);
    }
    case ast::ExprKind::kList: {
      ConstValue list;
      list.kind = ConstValue::Kind::kList;
      for (const auto& element : ast::Cast<ast::ListExpr>(expr).elements) {
        std::optional<ConstValue> value = Evaluate(*element);
        if (!value) return std::nullopt;
        list.elements.push_back(std::move(*value));
      }
      return list;
    }
    case ast::ExprKind::kMap: {
      ConstValue map;
      map.kind = ConstValue::Kind::kMap;
      for (const ast::MapEntry& entry : ast::Cast<ast::MapExpr>(expr).entries) {
        std::optional<ConstValue> value = Evaluate(*entry.value);
        if (!value) return std::nullopt;
        map.entries.push_back(ConstValue::Entry{entry.key, std::move(*value)});
      }
      return map;
    }
    case ast::ExprKind::kUnary: {
      const auto& unary = ast::Cast<ast::UnaryExpr>(expr);
      std::optional<ConstValue> operand = Evaluate(*unary.operand);
      if (!operand) return std::nullopt;
      if (unary.op == ast::UnaryOp::kNot) {
        if (operand->kind != ConstValue::Kind::kBool) return std::nullopt;
        return ConstValue::Bool(!operand->boolean);
      }
      if (operand->integer == INT64_MIN) return std::nullopt;  // -x would overflow
      switch (operand->kind) {
        case ConstValue::Kind::kInt:
          return ConstValue::Int(-operand->integer);
        case ConstValue::Kind::kFloat:
          return ConstValue::Float(-operand->number);
        case ConstValue::Kind::kDuration:
          return ConstValue::Duration(-operand->integer);
        default:
          return std::nullopt;
      }
    }
    case ast::ExprKind::kBinary: {
      const auto& binary = ast::Cast<ast::BinaryExpr>(expr);
      std::optional<ConstValue> lhs = Evaluate(*binary.lhs);
      // `false and x` and `x and false` are false whatever `x` is; likewise `true or x`.
      if (binary.op == ast::BinaryOp::kAnd || binary.op == ast::BinaryOp::kOr) {
        bool absorbing = binary.op == ast::BinaryOp::kOr;
        std::optional<ConstValue> rhs = Evaluate(*binary.rhs);
        auto is = [&](const std::optional<ConstValue>& v, bool b) {
          return v && v->kind == ConstValue::Kind::kBool && v->boolean == b;
        };
        if (is(lhs, absorbing) || is(rhs, absorbing)) return ConstValue::Bool(absorbing);
        if (is(lhs, !absorbing) && is(rhs, !absorbing)) return ConstValue::Bool(!absorbing);
        return std::nullopt;
      }
      if (binary.op == ast::BinaryOp::kCoalesce) {
        if (!lhs) return std::nullopt;
        return lhs->kind == ConstValue::Kind::kNull ? Evaluate(*binary.rhs) : lhs;
      }
      std::optional<ConstValue> rhs = Evaluate(*binary.rhs);
      if (!lhs || !rhs) return std::nullopt;
      using K = ConstValue::Kind;
      auto number = [](const ConstValue& v) {
        return v.kind == K::kInt ? static_cast<double>(v.integer) : v.number;
      };
      bool numeric = (lhs->kind == K::kInt || lhs->kind == K::kFloat) &&
                     (rhs->kind == K::kInt || rhs->kind == K::kFloat);
      bool ints = lhs->kind == K::kInt && rhs->kind == K::kInt;
      bool same_scalar =
          lhs->kind == rhs->kind && (lhs->kind == K::kString || lhs->kind == K::kDuration ||
                                     lhs->kind == K::kBool || lhs->kind == K::kNull);
      auto compare = [&]() -> std::optional<int> {
        if (numeric) {
          double a = number(*lhs), b = number(*rhs);
          return a < b ? -1 : a > b ? 1 : 0;
        }
        if (!same_scalar) return std::nullopt;
        if (lhs->kind == K::kString)
          return lhs->text.compare(rhs->text) < 0 ? -1 : lhs->text == rhs->text ? 0 : 1;
        if (lhs->kind == K::kDuration || lhs->kind == K::kBool) {
          int64_t a = lhs->kind == K::kBool ? lhs->boolean : lhs->integer;
          int64_t b = rhs->kind == K::kBool ? rhs->boolean : rhs->integer;
          return a < b ? -1 : a > b ? 1 : 0;
        }
        return 0;  // null == null
      };
      switch (binary.op) {
        case ast::BinaryOp::kEq:
        case ast::BinaryOp::kNe: {
          std::optional<int> order = compare();
          if (!order) {
            if (lhs->kind == K::kNull || rhs->kind == K::kNull) {
              return ConstValue::Bool((binary.op == ast::BinaryOp::kNe));
            }
            return std::nullopt;
          }
          return ConstValue::Bool((*order == 0) == (binary.op == ast::BinaryOp::kEq));
        }
        case ast::BinaryOp::kLt:
        case ast::BinaryOp::kLe:
        case ast::BinaryOp::kGt:
        case ast::BinaryOp::kGe: {
          std::optional<int> order = compare();
          if (!order || lhs->kind == K::kBool || lhs->kind == K::kNull) return std::nullopt;
          bool result = binary.op == ast::BinaryOp::kLt   ? *order < 0
                        : binary.op == ast::BinaryOp::kLe ? *order <= 0
                        : binary.op == ast::BinaryOp::kGt ? *order > 0
                                                          : *order >= 0;
          return ConstValue::Bool(result);
        }
        case ast::BinaryOp::kAdd:
          if (ints) {
            int64_t out = 0;
            if (__builtin_add_overflow(lhs->integer, rhs->integer, &out)) return std::nullopt;
            return ConstValue::Int(out);
          }
          if (numeric) return ConstValue::Float(number(*lhs) + number(*rhs));
          if (lhs->kind == K::kString && rhs->kind == K::kString) {
            return ConstValue::String(lhs->text + rhs->text);
          }
          if (lhs->kind == K::kDuration && rhs->kind == K::kDuration) {
            int64_t out = 0;
            if (__builtin_add_overflow(lhs->integer, rhs->integer, &out)) return std::nullopt;
            return ConstValue::Duration(out);
          }
          return std::nullopt;
        case ast::BinaryOp::kSub:
          if (ints) {
            int64_t out = 0;
            if (__builtin_sub_overflow(lhs->integer, rhs->integer, &out)) return std::nullopt;
            return ConstValue::Int(out);
          }
          if (numeric) return ConstValue::Float(number(*lhs) - number(*rhs));
          if (lhs->kind == K::kDuration && rhs->kind == K::kDuration) {
            int64_t out = 0;
            if (__builtin_sub_overflow(lhs->integer, rhs->integer, &out)) return std::nullopt;
            return ConstValue::Duration(out);
          }
          return std::nullopt;
        case ast::BinaryOp::kMul:
          if (ints) {
            int64_t out = 0;
            if (__builtin_mul_overflow(lhs->integer, rhs->integer, &out)) return std::nullopt;
            return ConstValue::Int(out);
          }
          if (numeric) return ConstValue::Float(number(*lhs) * number(*rhs));
          if (lhs->kind == K::kDuration && (rhs->kind == K::kInt || rhs->kind == K::kFloat)) {
            return ScaleDuration(lhs->integer, number(*rhs));
          }
          if (rhs->kind == K::kDuration && (lhs->kind == K::kInt || lhs->kind == K::kFloat)) {
            return ScaleDuration(rhs->integer, number(*lhs));
          }
          return std::nullopt;
        case ast::BinaryOp::kDiv:
          if (numeric) {
            if (number(*rhs) == 0) return std::nullopt;  // a run-time error, not a constant
            return ConstValue::Float(number(*lhs) / number(*rhs));
          }
          if (lhs->kind == K::kDuration && (rhs->kind == K::kInt || rhs->kind == K::kFloat)) {
            if (number(*rhs) == 0) return std::nullopt;
            return ScaleDuration(lhs->integer, 1 / number(*rhs));
          }
          if (lhs->kind == K::kDuration && rhs->kind == K::kDuration && rhs->integer != 0) {
            return ConstValue::Float(static_cast<double>(lhs->integer) /
                                     static_cast<double>(rhs->integer));
          }
          return std::nullopt;
        case ast::BinaryOp::kMod:
          if ((ints || (lhs->kind == K::kDuration && rhs->kind == K::kDuration)) &&
              rhs->integer != 0 && !(lhs->integer == INT64_MIN && rhs->integer == -1)) {
            int64_t out = lhs->integer % rhs->integer;
            return ints ? ConstValue::Int(out) : ConstValue::Duration(out);
          }
          if (numeric && number(*rhs) != 0) {
            return ConstValue::Float(std::fmod(number(*lhs), number(*rhs)));
          }
          return std::nullopt;
        case ast::BinaryOp::kIn:
        case ast::BinaryOp::kNotIn:
        case ast::BinaryOp::kContains: {
          const ConstValue& item = binary.op == ast::BinaryOp::kContains ? *rhs : *lhs;
          const ConstValue& collection = binary.op == ast::BinaryOp::kContains ? *lhs : *rhs;
          std::optional<bool> found;
          if (collection.kind == K::kString && item.kind == K::kString) {
            found = collection.text.find(item.text) != std::string::npos;
          } else if (collection.kind == K::kList) {
            found = false;
            for (const ConstValue& element : collection.elements) {
              if (SameValue(element, item)) found = true;
            }
          } else if (collection.kind == K::kMap && item.kind == K::kString) {
            found = false;
            for (const ConstValue::Entry& entry : collection.entries) {
              if (entry.key == item.text) found = true;
            }
          }
          if (!found) return std::nullopt;
          return ConstValue::Bool(binary.op == ast::BinaryOp::kNotIn ? !*found : *found);
        }
        case ast::BinaryOp::kLike:
        case ast::BinaryOp::kStartsWith:
        case ast::BinaryOp::kEndsWith:
        case ast::BinaryOp::kMatches: {
          if (lhs->kind != K::kString || rhs->kind != K::kString) return std::nullopt;
          const std::string& text = lhs->text;
          const std::string& pattern = rhs->text;
          switch (binary.op) {
            case ast::BinaryOp::kLike:
              return ConstValue::Bool(GlobMatch(pattern, text));
            case ast::BinaryOp::kStartsWith:
              return ConstValue::Bool(text.starts_with(pattern));
            case ast::BinaryOp::kEndsWith:
              return ConstValue::Bool(text.ends_with(pattern));
            default: {
              RE2::Options options;
              options.set_log_errors(false);
              RE2 re(pattern, options);
              if (!re.ok()) return std::nullopt;
              return ConstValue::Bool(RE2::PartialMatch(text, re));
            }
          }
        }
        default:
          return std::nullopt;
      }
    }
    default:
      return std::nullopt;
  }
}

}  // namespace squall::check::internal
