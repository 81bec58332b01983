// Calls: actions (against pack schemas), workflows (against their signatures) and built-in
// functions (stdlib/functions.def).
#include <algorithm>

#include "compiler/check/checker_internal.h"
#include "compiler/diag/suggest.h"
#include "compiler/shell/shell_quote.h"

namespace squall::check::internal {

using diag::Kind;
using types::TypeKind;

namespace {

struct BuiltinInfo {
  Builtin id;
  const char* name;
  const char* signature;
};

constexpr BuiltinInfo kBuiltins[] = {
#define SQUALL_BUILTIN(Id, Name, Signature, Description) {Builtin::k##Id, Name, Signature},
#include "stdlib/functions.def"
};

const BuiltinInfo* FindBuiltin(std::string_view name) {
  for (const BuiltinInfo& info : kBuiltins) {
    if (name == info.name) return &info;
  }
  return nullptr;
}

const BuiltinInfo& InfoOf(Builtin id) {
  for (const BuiltinInfo& info : kBuiltins) {
    if (info.id == id) return info;
  }
  return kBuiltins[0];
}

}  // namespace

}  // namespace squall::check::internal

namespace squall::check {
std::string_view BuiltinName(Builtin builtin) { return internal::InfoOf(builtin).name; }
}  // namespace squall::check

namespace squall::check::internal {

const Type* Checker::ErrorType() {
  if (error_type_ == nullptr) {
    auto field = [](std::string name, const Type* type) {
      types::Field f;
      f.name = std::move(name);
      f.type = type;
      return f;
    };
    error_type_ =
        types_.Record({field("message", types_.String()), field("action", types_.String()),
                       field("status", types_.String()), field("result", types_.Json()),
                       // `fail "..." with X`: X; absent (null) for a failed action.
                       field("details", types_.Json())},
                      nullptr, "error");
  }
  return error_type_;
}

const Type* Checker::ExecutionType(const std::string& owner, const Type* result) {
  auto it = execution_types_.find(owner);
  if (it != execution_types_.end()) return it->second;
  auto field = [](std::string name, const Type* type) {
    types::Field f;
    f.name = std::move(name);
    f.type = type;
    f.required = !type->IsOptional();
    return f;
  };
  const Type* type =
      types_.Record({field("id", types_.String()), field("action", types_.String()),
                     field("status", types_.String()), field("result", result),
                     field("started_at", types_.Time()), field("finished_at", types_.Time())},
                    nullptr, "execution<" + owner + ">");
  execution_types_.emplace(owner, type);
  return type;
}

const Type* Checker::ResultTypeOf(const CallTarget& target) {
  switch (target.kind) {
    case CallTarget::Kind::kAction:
      return target.action->output != nullptr ? target.action->output : types_.Json();
    case CallTarget::Kind::kWorkflow:
      return out_->workflows[target.workflow->name.name].result;
    case CallTarget::Kind::kBuiltin:
      return types_.Json();
  }
  return types_.Json();
}

std::string Checker::TargetName(const CallTarget& target) {
  switch (target.kind) {
    case CallTarget::Kind::kAction:
      return target.action->ref;
    case CallTarget::Kind::kWorkflow:
      return target.workflow->name.name;
    case CallTarget::Kind::kBuiltin:
      return InfoOf(target.builtin).name;
  }
  return {};
}

std::vector<ParamSpec> Checker::ActionParams(const schema::Action& action) {
  std::vector<ParamSpec> params;
  for (const schema::Parameter& p : action.parameters) {
    ParamSpec spec;
    spec.name = p.name;
    spec.type = p.type != nullptr ? p.type : types_.Json();
    spec.required = p.required;
    spec.has_default = p.default_json.has_value() && *p.default_json != "null";
    spec.default_json = p.default_json.value_or("");
    spec.enum_json = p.enum_json;
    spec.secret = p.secret;
    spec.immutable = p.immutable;
    spec.seconds_from_duration = true;
    spec.shell_command = shell::IsShellCommandParameter(action.runner_type, p.name);
    spec.decl = p.decl;
    params.push_back(std::move(spec));
  }
  return params;
}

std::vector<ParamSpec> Checker::WorkflowParams(const CheckedWorkflow& workflow) {
  std::vector<ParamSpec> params;
  for (const types::Field& field : workflow.params) {
    ParamSpec spec;
    spec.name = field.name;
    spec.type = field.type;
    spec.required = field.required;
    spec.has_default = !field.default_json.empty();
    spec.default_json = field.default_json;
    spec.decl = field.decl;
    params.push_back(std::move(spec));
  }
  return params;
}

std::optional<CallTarget> Checker::ResolveCallee(const ast::CallExpr& call, Scope& scope) {
  std::optional<ast::QualifiedName> path = ast::CalleePath(*call.callee);
  if (!path) {
    Emit(Kind::NotCallable, call.callee->range);
    return std::nullopt;
  }
  const std::string& head = path->parts[0].name;
  // A value (`event.host()`, `x()`) is never callable, whatever a pack or workflow is named.
  if (Binding* binding = scope.Find(head)) {
    binding->used = true;
    Emit(Kind::NotCallable, call.callee->range);
    return std::nullopt;
  }
  if (consts_.count(head) != 0) {
    Emit(Kind::NotCallable, call.callee->range);
    return std::nullopt;
  }
  if (path->parts.size() == 1) {
    if (auto it = out_->workflows.find(head); it != out_->workflows.end()) {
      return CallTarget{.kind = CallTarget::Kind::kWorkflow, .workflow = it->second.decl};
    }
    if (const BuiltinInfo* builtin = FindBuiltin(head)) {
      return CallTarget{.kind = CallTarget::Kind::kBuiltin, .builtin = builtin->id};
    }
    std::vector<std::string> candidates;
    for (const auto& [name, workflow] : out_->workflows) candidates.push_back(name);
    for (const BuiltinInfo& info : kBuiltins) candidates.push_back(info.name);
    Emit(Kind::UnknownFunction, path->range, {head, diag::DidYouMean(head, candidates)});
    return std::nullopt;
  }
  std::string rest = path->ToString().substr(head.size() + 1);
  if (imports_.count(head) != 0) {
    const schema::Pack* pack = ImportedPack(head);
    if (pack == nullptr) return std::nullopt;  // UnknownPack already reported
    if (const schema::Action* action = pack->FindAction(rest)) {
      return CallTarget{.kind = CallTarget::Kind::kAction, .action = action};
    }
    std::vector<std::string> names;
    for (const schema::Action& action : pack->actions) names.push_back(action.name);
    SourceRange name_range = source::Join(path->parts[1].range, path->parts.back().range);
    Emit(Kind::UnknownAction, name_range, {head, rest, diag::DidYouMean(rest, names)});
    return std::nullopt;
  }
  if (ReportPackUnderAlias(head, path->parts[0].range)) return std::nullopt;
  if (IsAvailablePack(head)) {
    Emit(Kind::PackNotImported, path->parts[0].range, {head});
    return std::nullopt;
  }
  std::vector<std::string> aliases = ImportAliases();
  Emit(Kind::UnknownName, path->parts[0].range, {head, diag::DidYouMean(head, aliases)});
  return std::nullopt;
}

const Type* Checker::CheckCall(const ast::CallExpr& call, Scope& scope, const ExprContext& ctx) {
  std::optional<CallTarget> target = ResolveCallee(call, scope);
  if (!target) {
    for (const ast::Argument& arg : call.args) CheckExpr(*arg.value, scope, ctx);
    return types_.Error();
  }
  out_->calls[call.id.value] = *target;
  if (target->kind == CallTarget::Kind::kBuiltin) {
    return CheckBuiltinCall(target->builtin, call, scope, ctx);
  }
  std::string name = TargetName(*target);
  if (!ctx.actions_allowed) {
    Emit(Kind::ActionCallNotAllowed, call.range, {name, ctx.place});
  }
  if (target->kind == CallTarget::Kind::kAction) {
    const schema::Action& action = *target->action;
    std::vector<ParamSpec> params = ActionParams(action);
    CheckNamedArgs(call, "action", action.ref, params, action.decl, ctx.wildcard_allowed, scope,
                   ctx);
  } else {
    const CheckedWorkflow& workflow = out_->workflows[target->workflow->name.name];
    std::vector<ParamSpec> params = WorkflowParams(workflow);
    CheckNamedArgs(call, "workflow", name, params, target->workflow->name.range,
                   ctx.wildcard_allowed, scope, ctx);
  }
  return ExecutionType(name, ResultTypeOf(*target));
}

void Checker::CheckNamedArgs(const ast::CallExpr& call, std::string_view owner_kind,
                             const std::string& owner, std::span<const ParamSpec> params,
                             SourceRange owner_decl, bool partial, Scope& scope,
                             const ExprContext& ctx) {
  std::map<std::string, SourceRange> given;
  // One action call is one execution: its arguments are values, not more executions, except
  // in a workflow, where a call in an argument is one more step.
  ExprContext args_ctx = ctx;
  args_ctx.actions_allowed = ctx.nested_actions_allowed;
  args_ctx.place = ctx.nested_actions_allowed ? ctx.place : "the arguments of an action call";
  for (const ast::Argument& arg : call.args) {
    const Type* value_type = CheckExpr(*arg.value, scope, args_ctx);
    if (!arg.name) {
      Emit(Kind::PositionalArgument, arg.range, {owner_kind, owner});
      continue;
    }
    const std::string& name = arg.name->name;
    if (auto [it, inserted] = given.emplace(name, arg.name->range); !inserted) {
      Emit(Kind::DuplicateArgument, arg.name->range, {name})
          .AddNote(Kind::PreviousDefinition, it->second, {name});
      continue;
    }
    auto param = std::find_if(params.begin(), params.end(),
                              [&](const ParamSpec& p) { return p.name == name; });
    if (param == params.end()) {
      std::vector<std::string> names;
      for (const ParamSpec& p : params) names.push_back(p.name);
      auto& d = Emit(Kind::UnknownParameter, arg.name->range,
                     {owner_kind, owner, name, diag::DidYouMean(name, names)});
      if (owner_decl.IsValid()) {
        d.AddNote(Kind::DeclaredHere, owner_decl, {std::string(owner_kind) + " `" + owner + "`"});
      }
      continue;
    }
    if (param->immutable) {
      auto& d =
          Emit(Kind::ImmutableParameter, arg.name->range,
               {name, owner,
                param->default_json.empty() ? "its default" : "`" + param->default_json + "`"});
      if (param->decl.IsValid()) {
        d.AddNote(Kind::DeclaredHere, param->decl, {"parameter `" + name + "`"});
      }
      continue;
    }
    if (value_type->kind() == TypeKind::kNothing) continue;  // `_` in `expect`
    CheckArgumentValue(*param, owner_kind, owner, *arg.value, value_type);
  }
  if (partial) return;
  for (const ParamSpec& param : params) {
    if (!param.required || param.has_default || given.count(param.name) != 0) continue;
    auto& d = Emit(Kind::MissingParameter, call.callee->range,
                   {owner_kind, owner, param.name, types::ToString(param.type)});
    if (param.decl.IsValid()) {
      d.AddNote(Kind::DeclaredHere, param.decl, {"parameter `" + param.name + "`"});
    }
  }
}

void Checker::WarnRawShellInterpolation(const ParamSpec& param, const ast::Expr& value) {
  const auto* literal = ast::As<ast::StringLiteral>(&value);
  if (literal == nullptr) return;
  for (const ast::StringPart& part : literal->parts) {
    const auto* call = part.expr != nullptr ? ast::As<ast::CallExpr>(part.expr.get()) : nullptr;
    if (call == nullptr) continue;
    auto target = out_->calls.find(call->id.value);
    if (target != out_->calls.end() && target->second.kind == CallTarget::Kind::kBuiltin &&
        target->second.builtin == Builtin::kRaw) {
      Emit(Kind::RawShellInterpolation, call->range, {param.name});
    }
  }
}

void Checker::CheckArgumentValue(const ParamSpec& param, std::string_view owner_kind,
                                 const std::string& owner, const ast::Expr& value,
                                 const Type* value_type) {
  auto note = [&](diag::Diagnostic& d) {
    if (param.decl.IsValid()) {
      d.AddNote(Kind::DeclaredHere, param.decl, {"parameter `" + param.name + "`"});
    }
  };
  if (param.shell_command) WarnRawShellInterpolation(param, value);
  const Type* expected = param.type;
  std::optional<ConstValue> constant = Evaluate(value);
  // A duration where StackStorm expects a number of seconds (`timeout: 2m`).
  if (param.seconds_from_duration && value_type->kind() == TypeKind::kDuration &&
      expected->NonOptional()->IsNumeric()) {
    if (constant && constant->integer < 0) {
      note(
          Emit(Kind::PolicyOutOfRange, value.range,
               {"parameter `" + param.name + "` of " + std::string(owner_kind) + " `" + owner + "`",
                "zero or longer", constant->ToSource()}));
    } else if (expected->NonOptional()->kind() == TypeKind::kInt && constant &&
               constant->integer % 1000 != 0) {
      note(Emit(Kind::DurationNotWholeSeconds, value.range,
                {param.name, owner_kind, owner, constant->ToSource()}));
    }
    return;
  }
  switch (types::CheckAssignable(value_type, expected)) {
    case types::Assignability::kNo:
      note(Emit(
          Kind::ArgumentTypeMismatch, value.range,
          {param.name, owner_kind, owner, types::ToString(expected), types::ToString(value_type)}));
      return;
    case types::Assignability::kMayBeNull:
      // An optional parameter takes an absent value as "not given".
      if (param.required && !param.has_default) {
        note(Emit(Kind::ArgumentMayBeNull, value.range,
                  {param.name, owner_kind, owner, types::ToString(value_type)}));
        return;
      }
      break;
    case types::Assignability::kYes:
    case types::Assignability::kRuntimeChecked:
      break;
  }
  // An optional parameter given null is "not given": its enum does not apply.
  bool absent = constant && constant->kind == ConstValue::Kind::kNull && !param.required;
  if (!param.enum_json.empty() && constant && !absent) {
    bool allowed =
        std::any_of(param.enum_json.begin(), param.enum_json.end(),
                    [&](const std::string& json) { return JsonEquals(json, *constant); });
    if (!allowed) {
      std::vector<std::string> values(param.enum_json.begin(), param.enum_json.end());
      note(Emit(Kind::ValueNotInEnum, value.range,
                {param.name, owner_kind, owner, JoinAlternatives(values), constant->ToSource()}));
    }
  }
  if (param.secret) {
    const auto* literal = ast::As<ast::StringLiteral>(&value);
    if (literal != nullptr && literal->IsPlain() && !literal->Text().empty()) {
      note(Emit(Kind::SecretLiteral, value.range, {param.name, owner}));
    }
  }
}

const Type* Checker::CheckBuiltinCall(Builtin builtin, const ast::CallExpr& call, Scope& scope,
                                      const ExprContext& ctx) {
  const BuiltinInfo& info = InfoOf(builtin);
  std::vector<const Type*> args;
  for (const ast::Argument& arg : call.args) {
    if (arg.name) {
      Emit(Kind::NamedFunctionArgument, arg.name->range, {info.name, arg.name->name});
    }
    args.push_back(CheckExpr(*arg.value, scope, ctx));
  }
  for (const Type* arg : args) {
    if (arg->IsError()) return types_.Error();
  }
  auto arity = [&](size_t count) {
    if (args.size() == count) return true;
    Emit(Kind::FunctionArguments, call.range,
         {info.name,
          count == 0   ? std::string("no arguments")
          : count == 1 ? std::string("1 argument")
                       : std::to_string(count) + " arguments",
          std::to_string(args.size()) + " (" + info.signature + ")"});
    return false;
  };
  auto expect = [&](size_t i, const Type* type) {
    ExpectType(*call.args[i].value, args[i], type,
               "argument " + std::to_string(i + 1) + " of `" + info.name + "`");
  };
  // Whether argument i is one of `kinds` (optional or json allowed when `loose`).
  auto expect_one_of = [&](size_t i, std::initializer_list<TypeKind> kinds,
                           const char* description) {
    const Type* t = args[i];
    if (t->kind() == TypeKind::kJson || t->kind() == TypeKind::kNothing) return true;
    if (t->IsOptional() &&
        std::find(kinds.begin(), kinds.end(), t->NonOptional()->kind()) != kinds.end()) {
      Emit(Kind::MaybeNull, call.args[i].value->range,
           {"argument " + std::to_string(i + 1) + " of `" + std::string(info.name) + "`",
            types::ToString(t)});
      return false;
    }
    if (std::find(kinds.begin(), kinds.end(), t->kind()) != kinds.end()) return true;
    Emit(Kind::TypeMismatch, call.args[i].value->range,
         {"argument " + std::to_string(i + 1) + " of `" + std::string(info.name) + "`", description,
          types::ToString(t)});
    return false;
  };
  switch (builtin) {
    case Builtin::kKv:
      if (arity(1)) expect(0, types_.String());
      return types_.Json();
    case Builtin::kSecret:
      if (arity(1)) expect(0, types_.String());
      return types_.String();
    case Builtin::kExists:
      arity(1);
      return types_.Bool();
    case Builtin::kNow:
      arity(0);
      return types_.Time();
    case Builtin::kRaw:
      arity(1);
      return types_.String();
    case Builtin::kUuid:
      arity(0);
      return types_.String();
    case Builtin::kLen:
      if (arity(1)) {
        expect_one_of(0, {TypeKind::kString, TypeKind::kList, TypeKind::kMap, TypeKind::kRecord},
                      "string | list<T> | map<T>");
      }
      return types_.Int();
    case Builtin::kLower:
    case Builtin::kUpper:
    case Builtin::kTrim:
      if (arity(1)) expect(0, types_.String());
      return types_.String();
    case Builtin::kSplit:
      if (arity(2)) {
        expect(0, types_.String());
        expect(1, types_.String());
      }
      return types_.List(types_.String());
    case Builtin::kJoin:
      if (arity(2)) {
        expect_one_of(0, {TypeKind::kList}, "list<T>");
        expect(1, types_.String());
      }
      return types_.String();
    case Builtin::kReplace:
      if (arity(3)) {
        for (size_t i = 0; i < 3; ++i) expect(i, types_.String());
      }
      return types_.String();
    case Builtin::kInt:
      if (arity(1)) {
        expect_one_of(0, {TypeKind::kString, TypeKind::kInt, TypeKind::kFloat},
                      "string | int | float");
      }
      return types_.Int();
    case Builtin::kFloat:
      if (arity(1)) {
        expect_one_of(0, {TypeKind::kString, TypeKind::kInt, TypeKind::kFloat},
                      "string | int | float");
      }
      return types_.Float();
    case Builtin::kString:
    case Builtin::kToJson:
      arity(1);
      return types_.String();
    case Builtin::kFromJson:
      if (arity(1)) expect(0, types_.String());
      return types_.Json();
    case Builtin::kParseTime:
      if (arity(1)) expect(0, types_.String());
      return types_.Time();
    case Builtin::kFormatTime:
      if (arity(2)) {
        expect(0, types_.Time());
        expect(1, types_.String());
      }
      return types_.String();
    case Builtin::kSeconds:
      if (arity(1)) expect(0, types_.Duration());
      return types_.Float();
    case Builtin::kAbs:
      if (arity(1) && expect_one_of(0, {TypeKind::kInt, TypeKind::kFloat, TypeKind::kDuration},
                                    "int | float | duration")) {
        return args[0];
      }
      return types_.Error();
    case Builtin::kMin:
    case Builtin::kMax:
      if (arity(2)) {
        const std::initializer_list<TypeKind> ordered = {TypeKind::kInt, TypeKind::kFloat,
                                                         TypeKind::kDuration, TypeKind::kTime,
                                                         TypeKind::kString};
        const char* description = "int | float | duration | time | string";
        if (expect_one_of(0, ordered, description) && expect_one_of(1, ordered, description)) {
          const Type* joined = types_.Join(args[0], args[1]);
          if (joined->kind() == TypeKind::kJson && args[0]->kind() != TypeKind::kJson &&
              args[1]->kind() != TypeKind::kJson) {
            Emit(Kind::TypeMismatch, call.args[1].value->range,
                 {"argument 2 of `" + std::string(info.name) + "`", types::ToString(args[0]),
                  types::ToString(args[1])});
            return types_.Error();
          }
          return joined;
        }
      }
      return types_.Error();
    case Builtin::kKeys:
      if (arity(1)) {
        expect_one_of(0, {TypeKind::kMap, TypeKind::kRecord}, "map<T> | record");
      }
      return types_.List(types_.String());
    case Builtin::kValues:
      if (arity(1) && expect_one_of(0, {TypeKind::kMap}, "map<T>")) {
        return args[0]->kind() == TypeKind::kMap ? types_.List(args[0]->element())
                                                 : types_.List(types_.Json());
      }
      return types_.Error();
    // StackStorm's criteria operators take any values, as Python does (json, optional and
    // typed values alike): a type that StackStorm would reject at run time gives false there.
    case Builtin::kSt2Equals:
    case Builtin::kSt2Nequals:
    case Builtin::kSt2Iequals:
    case Builtin::kSt2Contains:
    case Builtin::kSt2Icontains:
    case Builtin::kSt2Ncontains:
    case Builtin::kSt2Incontains:
    case Builtin::kSt2Startswith:
    case Builtin::kSt2Istartswith:
    case Builtin::kSt2Endswith:
    case Builtin::kSt2Iendswith:
    case Builtin::kSt2Lessthan:
    case Builtin::kSt2Greaterthan:
    case Builtin::kSt2Matchwildcard:
    case Builtin::kSt2Matchregex:
    case Builtin::kSt2Regex:
    case Builtin::kSt2Iregex:
    case Builtin::kSt2TimediffLt:
    case Builtin::kSt2TimediffGt:
    case Builtin::kSt2Inside:
    case Builtin::kSt2Ninside:
      arity(2);
      return types_.Bool();
    case Builtin::kSt2Exists:
    case Builtin::kSt2Nexists:
      arity(1);
      return types_.Bool();
    case Builtin::kSt2Search:
      if (arity(3)) {
        expect_one_of(1, {TypeKind::kString}, "string");
        expect_one_of(2, {TypeKind::kMap, TypeKind::kRecord}, "map of `item.` criteria");
      }
      return types_.Bool();
  }
  return types_.Error();
}

}  // namespace squall::check::internal
