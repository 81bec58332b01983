// Rules: trigger atoms and their parameters, conditions, correlations, action clauses,
// policies, outcomes; and `test` blocks.
#include <re2/re2.h>

#include <algorithm>
#include <cmath>

#include "compiler/check/checker_internal.h"
#include "compiler/cron/cron.h"
#include "compiler/diag/suggest.h"

namespace squall::check::internal {

using diag::Kind;
using types::TypeKind;

namespace {

constexpr int64_t kOneDayMs = 86'400'000;

bool IsTimestamp(std::string_view text);  // defined with the test checks below

}  // namespace

// ---------------------------------------------------------------------------------------------
// Trigger atoms

bool Checker::ReportPackUnderAlias(const std::string& head, SourceRange range) {
  for (auto& [alias, state] : imports_) {
    if (alias != head && state.decl->pack.ToString() == head) {
      state.used = true;
      Emit(Kind::NameNotAvailable, range,
           {head, "pack `" + head + "` is imported as `" + alias + "`; write `" + alias + ".`"});
      return true;
    }
  }
  return false;
}

std::optional<TriggerTarget> Checker::ResolveTriggerName(const ast::QualifiedName& name) {
  std::string full = name.ToString();
  if (auto it = out_->triggers.find(full); it != out_->triggers.end()) {
    return TriggerTarget{.ref = full,
                         .payload = it->second.payload,
                         .pack_trigger = nullptr,
                         .declared = it->second.decl};
  }
  const std::string& head = name.parts[0].name;
  if (name.parts.size() >= 2 && imports_.count(head) != 0) {
    const schema::Pack* pack = ImportedPack(head);
    if (pack == nullptr) return std::nullopt;  // UnknownPack already reported
    std::string rest = full.substr(head.size() + 1);
    if (const schema::TriggerType* trigger = pack->FindTrigger(rest)) {
      return TriggerTarget{
          .ref = trigger->ref,
          .payload = trigger->payload != nullptr ? trigger->payload : types_.Json(),
          .pack_trigger = trigger,
          .declared = nullptr};
    }
    std::vector<std::string> names;
    for (const schema::TriggerType& trigger : pack->triggers) {
      names.push_back(head + "." + trigger.name);
    }
    for (const auto& [declared, state] : out_->triggers) names.push_back(declared);
    Emit(Kind::UnknownTrigger, name.range, {full, diag::DidYouMean(full, names)});
    return std::nullopt;
  }
  if (name.parts.size() >= 2 && ReportPackUnderAlias(head, name.parts[0].range)) {
    return std::nullopt;
  }
  if (name.parts.size() >= 2 && IsAvailablePack(head)) {
    if (const schema::Pack* pack = packs_.Load(head);
        pack != nullptr && pack->FindTrigger(full.substr(head.size() + 1)) != nullptr) {
      Emit(Kind::PackNotImported, name.parts[0].range, {head});
      return std::nullopt;
    }
  }
  std::vector<std::string> names;
  for (const auto& [declared, state] : out_->triggers) names.push_back(declared);
  for (const auto& [alias, state] : imports_) {
    if (state.pack == nullptr) continue;
    for (const schema::TriggerType& trigger : state.pack->triggers) {
      names.push_back(alias + "." + trigger.name);
    }
  }
  Emit(Kind::UnknownTrigger, name.range, {full, diag::DidYouMean(full, names)});
  return std::nullopt;
}

void Checker::CheckTriggerArgs(const ast::TriggerAtom& atom, const schema::TriggerType& trigger,
                               bool constant_args, Scope& scope) {
  std::string ref = atom.name.ToString();
  std::map<std::string, SourceRange> given;
  for (const ast::Argument& arg : atom.args) {
    const Type* value_type =
        CheckExpr(*arg.value, scope, ExprContext{.place = "a trigger parameter"});
    if (!arg.name) continue;  // PositionalTriggerArgument was reported by the parser
    const std::string& name = arg.name->name;
    if (auto [it, inserted] = given.emplace(name, arg.name->range); !inserted) {
      Emit(Kind::DuplicateArgument, arg.name->range, {name})
          .AddNote(Kind::PreviousDefinition, it->second, {name});
      continue;
    }
    const schema::Parameter* param = schema::FindParameter(trigger.parameters, name);
    if (param == nullptr) {
      std::vector<std::string> names;
      for (const schema::Parameter& p : trigger.parameters) names.push_back(p.name);
      Emit(Kind::UnknownTriggerParameter, arg.name->range,
           {ref, name, diag::DidYouMean(name, names)})
          .AddNote(Kind::DeclaredHere, trigger.decl, {"trigger `" + trigger.ref + "`"});
      continue;
    }
    if (constant_args && !value_type->IsError() && !Evaluate(*arg.value)) {
      Emit(Kind::NotConstant, arg.value->range,
           {"a trigger parameter in a rule", "a value known only at run time"});
      continue;
    }
    ParamSpec spec;
    spec.name = param->name;
    spec.type = param->type != nullptr ? param->type : types_.Json();
    spec.required = param->required;
    spec.has_default = param->default_json.has_value();
    spec.enum_json = param->enum_json;
    spec.decl = param->decl;
    // A `date-time` parameter (core.st2.DateTimer's `date`) is written as its text, which is
    // what the trigger source reads.
    if (!CheckTimestampText(*arg.value, spec.type,
                            "parameter `" + name + "` of trigger `" + ref + "`", param->decl)) {
      CheckArgumentValue(spec, "trigger", ref, *arg.value, value_type);
    }
    if (constant_args) {
      if (std::optional<ConstValue> value = Evaluate(*arg.value)) {
        out_->trigger_parameters[atom.id.value].emplace_back(name, std::move(*value));
      }
    }
  }
  for (const schema::Parameter& param : trigger.parameters) {
    if (!param.required || param.default_json || given.count(param.name) != 0) continue;
    Emit(Kind::MissingTriggerParameter, atom.name.range,
         {ref, param.name, types::ToString(param.type != nullptr ? param.type : types_.Json())})
        .AddNote(Kind::DeclaredHere, param.decl, {"parameter `" + param.name + "`"});
  }
}

bool Checker::CheckTimestampText(const ast::Expr& value, const Type* expected,
                                 const std::string& what, SourceRange decl) {
  if (expected->NonOptional()->kind() != TypeKind::kTime) return false;
  const auto* text = ast::As<ast::StringLiteral>(&value);
  if (text == nullptr || !text->IsPlain()) return false;
  if (!IsTimestamp(text->Text())) {
    auto& d = Emit(Kind::TypeMismatch, value.range,
                   {what, "time (an RFC 3339 timestamp such as \"2024-05-02T10:00:00Z\")",
                    "\"" + text->Text() + "\""});
    if (decl.IsValid()) d.AddNote(Kind::DeclaredHere, decl, {what});
  }
  return true;
}

const Type* Checker::CheckAtom(const ast::TriggerAtom& atom, bool constant_args, Scope& scope) {
  const schema::Pack* core = BuiltinCore();
  auto builtin_payload = [&](std::string_view name, std::string ref) {
    const schema::TriggerType* trigger = core != nullptr ? core->FindTrigger(name) : nullptr;
    const Type* payload = trigger != nullptr ? trigger->payload : types_.Json();
    out_->trigger_atoms[atom.id.value] =
        TriggerTarget{.ref = std::move(ref), .payload = payload, .pack_trigger = trigger};
    return payload;
  };
  auto constant_string = [&](const ast::Expr& expr,
                             std::string_view what) -> std::optional<std::string> {
    const Type* type = CheckExpr(expr, file_scope_, ExprContext{.place = what});
    ExpectType(expr, type, types_.String(), what);
    std::optional<ConstValue> value = Evaluate(expr);
    if (!value) {
      if (!type->IsError()) {
        Emit(Kind::NotConstant, expr.range, {what, "a value known only at run time"});
      }
      return std::nullopt;
    }
    return value->kind == ConstValue::Kind::kString ? std::optional(value->text) : std::nullopt;
  };
  switch (atom.kind) {
    // The short forms are the built-in triggers with their parameters written out; the
    // parameters are recorded as the trigger instance's (see CheckedFile).
    case ast::TriggerAtomKind::kWebhook: {
      if (std::optional<std::string> hook = constant_string(*atom.argument, "the webhook name")) {
        out_->trigger_parameters[atom.id.value] = {{"url", ConstValue::String(*hook)}};
      }
      return builtin_payload("webhook", "core.webhook");
    }
    case ast::TriggerAtomKind::kTimer: {
      CheckPositiveDuration(*atom.argument, scope, "the interval of `every`");
      std::optional<ConstValue> interval = Evaluate(*atom.argument);
      if (!interval && !out_->TypeOf(*atom.argument)->IsError()) {
        Emit(Kind::NotConstant, atom.argument->range,
             {"the interval of `every`", "a value known only at run time"});
      }
      if (interval && interval->kind == ConstValue::Kind::kDuration) {
        bool seconds = interval->integer % 1000 == 0;
        out_->trigger_parameters[atom.id.value] = {
            {"delta", ConstValue::Int(seconds ? interval->integer / 1000 : interval->integer)},
            {"unit", ConstValue::String(seconds ? "seconds" : "milliseconds")}};
      }
      return builtin_payload("timer", "core.timer");
    }
    case ast::TriggerAtomKind::kCron: {
      std::optional<std::string> schedule = constant_string(*atom.argument, "the cron schedule");
      if (schedule) {
        if (std::string error; !cron::Parse(*schedule, &error)) {
          Emit(Kind::InvalidCron, atom.argument->range, {*schedule, error});
        }
      }
      std::optional<std::string> zone;
      if (atom.time_zone != nullptr) zone = constant_string(*atom.time_zone, "the cron time zone");
      if (schedule) {
        auto& parameters = out_->trigger_parameters[atom.id.value];
        parameters = {{"schedule", ConstValue::String(*schedule)}};
        if (zone) parameters.emplace_back("timezone", ConstValue::String(*zone));
      }
      return builtin_payload("cron", "core.cron");
    }
    case ast::TriggerAtomKind::kNamed:
      break;
  }
  std::optional<TriggerTarget> target = ResolveTriggerName(atom.name);
  if (!target) {
    for (const ast::Argument& arg : atom.args) {
      CheckExpr(*arg.value, scope, ExprContext{.place = "a trigger parameter"});
    }
    return types_.Error();
  }
  if (target->pack_trigger != nullptr) {
    if (atom.has_args && target->pack_trigger->parameters.empty()) {
      Emit(Kind::TriggerTakesNoParameters, atom.args_range, {target->ref});
    } else {
      CheckTriggerArgs(atom, *target->pack_trigger, constant_args, scope);
    }
  } else if (atom.has_args) {
    Emit(Kind::TriggerTakesNoParameters, atom.args_range, {target->ref})
        .AddNote(Kind::DeclaredHere, target->declared->name.range,
                 {"trigger `" + target->ref + "`"});
  }
  const Type* payload = target->payload;
  out_->trigger_atoms[atom.id.value] = std::move(*target);
  return payload;
}

void Checker::BindAtom(const ast::TriggerAtom& atom, const Type* payload, Scope& scope,
                       bool bind_event) {
  if (atom.alias) {
    if (Binding* existing = scope.FindLocal(atom.alias->name)) {
      Emit(Kind::DuplicateBinding, atom.alias->range, {atom.alias->name})
          .AddNote(Kind::PreviousDefinition, existing->decl, {atom.alias->name});
      return;
    }
    scope.Add(Binding{.name = atom.alias->name,
                      .type = payload,
                      .kind = BindingKind::kAlias,
                      .decl = atom.alias->range});
  } else if (bind_event) {
    if (Binding* existing = scope.FindLocal("event")) {
      existing->type = payload;  // the later atom wins (sequences)
      return;
    }
    scope.Add(Binding{.name = "event", .type = payload, .kind = BindingKind::kEvent});
  }
}

void Checker::CheckCondition(const ast::Expr& expr, Scope& scope, std::string_view place,
                             std::string_view fires) {
  const Type* type = CheckExpr(expr, scope, ExprContext{.place = place});
  ExpectCondition(expr, type, place);
  if (std::optional<ConstValue> value = Evaluate(expr);
      !fires.empty() && value && value->kind == ConstValue::Kind::kBool && !value->boolean) {
    Emit(Kind::ConditionAlwaysFalse, expr.range, {fires});
  }
}

// ---------------------------------------------------------------------------------------------
// Rules

void Checker::CheckRule(const ast::RuleDecl& rule) {
  if (rule.trigger == nullptr) return;
  const ast::RuleTrigger& trigger = *rule.trigger;
  std::vector<const Type*> payloads;
  for (size_t i = 0; i < trigger.atoms.size(); ++i) {
    const ast::TriggerAtom& atom = *trigger.atoms[i];
    const Type* payload = CheckAtom(atom, /*constant_args=*/true, file_scope_);
    payloads.push_back(payload);
    if (atom.filter != nullptr) {
      Scope filter_scope(&file_scope_);
      BindAtom(atom, payload, filter_scope, /*bind_event=*/true);
      // The `and not` atom of an absence rule with a filter that is always false makes the
      // rule fire every time, which is not the mistake ConditionAlwaysFalse is about.
      bool negated = trigger.kind == ast::RuleTriggerKind::kAbsence && i == 1;
      CheckCondition(*atom.filter, filter_scope, "a trigger filter", negated ? "" : "rule");
      // An alias its own filter uses is not unused, even if the rest of the rule ignores it.
      for (const Binding& binding : filter_scope.bindings()) {
        if (binding.kind == BindingKind::kAlias && binding.used) {
          filter_aliases_.insert(binding.name);
        }
      }
    }
  }
  // The scope of the rule's condition and actions. See docs/language.md, "Correlation over
  // time", for which atom `event` names.
  Scope rule_scope(&file_scope_);
  Scope where_scope(&rule_scope);
  switch (trigger.kind) {
    case ast::RuleTriggerKind::kSimple:
    case ast::RuleTriggerKind::kCount:
      BindAtom(*trigger.atoms[0], payloads[0], rule_scope, true);
      break;
    case ast::RuleTriggerKind::kAbsence:
      // In the condition `event` is the candidate second event; in the actions it is the
      // first (the second never came).
      BindAtom(*trigger.atoms[0], payloads[0], rule_scope, true);
      if (trigger.atoms.size() > 1) {
        if (!trigger.atoms[0]->alias) {
          // `event` in the condition means the second atom: hide the first's `event`.
          where_scope.Add(
              Binding{.name = "event", .type = payloads[1], .kind = BindingKind::kEvent});
        }
        BindAtom(*trigger.atoms[1], payloads[1], where_scope, true);
      }
      break;
    case ast::RuleTriggerKind::kSequence:
      for (size_t i = 0; i < trigger.atoms.size(); ++i) {
        BindAtom(*trigger.atoms[i], payloads[i], rule_scope, true);
      }
      break;
  }
  // A correlation's shape is fixed when the rule loads: its count and window are constants.
  auto require_constant = [&](const ast::Expr& expr, std::string_view what) {
    if (!Evaluate(expr) && !out_->TypeOf(expr)->IsError()) {
      Emit(Kind::NotConstant, expr.range, {what, "a value known only at run time"});
    }
  };
  if (trigger.count != nullptr) {
    CheckPositiveInt(*trigger.count, rule_scope, "the count");
    require_constant(*trigger.count, "the count of a correlation");
  }
  for (Scope* s : {&rule_scope, &where_scope}) {
    for (Binding& binding : s->bindings()) {
      if (binding.kind == BindingKind::kAlias && filter_aliases_.count(binding.name) != 0) {
        binding.used = true;
      }
    }
  }
  if (trigger.where != nullptr) {
    // In an absence rule the condition is about the event that must not come: always false
    // means the rule always fires, a different (and unlikely) mistake.
    CheckCondition(*trigger.where, where_scope, "a rule condition",
                   trigger.kind == ast::RuleTriggerKind::kAbsence ? "" : "rule");
  }
  if (trigger.within != nullptr) {
    CheckPositiveDuration(*trigger.within, rule_scope, "the `within` window");
    require_constant(*trigger.within, "the `within` window");
  }
  if (trigger.by != nullptr) CheckPolicyKey(*trigger.by, rule_scope);
  // After the count and window are checked: their names are resolved then.
  if (trigger.kind != ast::RuleTriggerKind::kSimple) RecordCorrelation(rule, payloads);
  const Type* result = types_.Json();
  if (rule.action != nullptr) {
    result = CheckActionClause(*rule.action, rule_scope, "a rule action");
  }
  for (const auto& outcome : rule.outcomes) {
    if (outcome->action == nullptr) continue;
    Scope outcome_scope(&rule_scope);
    if (outcome->outcome == ast::Outcome::kSuccess) {
      outcome_scope.Add(Binding{.name = "result", .type = result, .kind = BindingKind::kResult});
    } else {
      outcome_scope.Add(Binding{.name = "error", .type = ErrorType(), .kind = BindingKind::kError});
    }
    CheckActionClause(*outcome->action, outcome_scope, "an outcome action");
  }
  CloseScope(where_scope);
  CloseScope(rule_scope);
}

void Checker::RecordCorrelation(const ast::RuleDecl& rule,
                                const std::vector<const Type*>& payloads) {
  const ast::RuleTrigger& trigger = *rule.trigger;
  if (std::any_of(payloads.begin(), payloads.end(), [](const Type* t) { return t == nullptr; })) {
    return;
  }
  auto alias = [&](size_t i) -> const std::optional<ast::Identifier>& {
    return trigger.atoms[i]->alias;
  };
  CheckedCorrelation c;
  // The same bindings as CheckRule's scopes (BindAtom), as step numbers.
  for (size_t i = 0; i < trigger.atoms.size(); ++i) {
    int step = static_cast<int>(i);
    if (alias(i)) {
      c.condition_names.emplace(alias(i)->name, step);
      if (trigger.kind != ast::RuleTriggerKind::kAbsence || i == 0) {
        c.action_names.emplace(alias(i)->name, step);
      }
    } else if (trigger.kind != ast::RuleTriggerKind::kAbsence || i == 0) {
      c.condition_names["event"] = step;  // sequences: the later atom wins
      c.action_names["event"] = step;
    }
  }
  if (trigger.kind == ast::RuleTriggerKind::kAbsence && trigger.atoms.size() == 2 &&
      (!alias(0) || !alias(1))) {
    c.condition_names["event"] = 1;  // the event that must not come
  }
  std::vector<types::Field> fields;
  for (size_t i = 0; i < trigger.atoms.size(); ++i) {
    std::string name = alias(i) ? alias(i)->name : "#" + std::to_string(i);
    auto event = c.action_names.find("event");
    if (!alias(i) && event != c.action_names.end() && event->second == static_cast<int>(i)) {
      name = "event";
    }
    c.fields.push_back(name);
    types::Field field;
    field.name = name;
    field.type = payloads[i];
    fields.push_back(std::move(field));
  }
  c.payload = types_.Record(std::move(fields), nullptr, "correlation." + rule.name.name);
  if (trigger.within != nullptr) {
    if (std::optional<ConstValue> v = Evaluate(*trigger.within);
        v && v->kind == ConstValue::Kind::kDuration) {
      c.within_ms = v->integer;
    }
  }
  if (trigger.count != nullptr) {
    if (std::optional<ConstValue> v = Evaluate(*trigger.count);
        v && v->kind == ConstValue::Kind::kInt) {
      c.count = v->integer;
    }
  }
  out_->correlations[trigger.id.value] = std::move(c);
}

const Type* Checker::CheckActionClause(const ast::ActionClause& clause, Scope& scope,
                                       std::string_view place) {
  if (clause.call == nullptr) return types_.Json();
  const ast::CallExpr& call = *clause.call;
  std::optional<CallTarget> target;
  if (RejectBuiltinAsAction(call, "a rule's action")) {
    for (const ast::Argument& arg : call.args) {
      CheckExpr(*arg.value, scope, ExprContext{.place = place});
    }
    CheckPolicies(clause.policies, scope, types_.Json());
    return types_.Json();
  }
  const Type* execution =
      CheckExpr(call, scope, ExprContext{.place = place, .actions_allowed = true});
  auto it = out_->calls.find(call.id.value);
  const Type* result = types_.Json();
  if (it != out_->calls.end()) {
    target = it->second;
    result = ResultTypeOf(*target);
  }
  (void)execution;
  CheckPolicies(clause.policies, scope, result);
  return result;
}

bool Checker::RejectBuiltinAsAction(const ast::CallExpr& call, std::string_view place) {
  std::optional<ast::QualifiedName> path = ast::CalleePath(*call.callee);
  if (!path || path->parts.size() != 1 || out_->workflows.count(path->parts[0].name) != 0) {
    return false;
  }
  const std::string& name = path->parts[0].name;
  bool builtin = false;
#define SQUALL_BUILTIN(Id, Name, Signature, Description) builtin = builtin || name == Name;
#include "stdlib/functions.def"
  if (builtin) Emit(Kind::RuleActionIsFunction, call.callee->range, {name, place});
  return builtin;
}

// ---------------------------------------------------------------------------------------------
// Policies

void Checker::CheckPositiveDuration(const ast::Expr& expr, Scope& scope, std::string_view what) {
  const Type* type = CheckExpr(expr, scope, ExprContext{.place = what});
  ExpectType(expr, type, types_.Duration(), what);
  if (std::optional<ConstValue> value = Evaluate(expr);
      value && value->kind == ConstValue::Kind::kDuration && value->integer <= 0) {
    Emit(Kind::PolicyOutOfRange, expr.range, {what, "longer than zero", value->ToSource()});
  }
}

void Checker::CheckPositiveInt(const ast::Expr& expr, Scope& scope, std::string_view what) {
  const Type* type = CheckExpr(expr, scope, ExprContext{.place = what});
  ExpectType(expr, type, types_.Int(), what);
  if (std::optional<ConstValue> value = Evaluate(expr);
      value && value->kind == ConstValue::Kind::kInt && value->integer < 1) {
    Emit(Kind::PolicyOutOfRange, expr.range, {what, "at least 1", value->ToSource()});
  }
}

void Checker::CheckPolicyKey(const ast::Expr& key, Scope& scope) {
  const Type* type = CheckExpr(key, scope, ExprContext{.place = "a `by` key"});
  switch (type->NonOptional()->kind()) {
    case TypeKind::kString:
    case TypeKind::kInt:
    case TypeKind::kFloat:
    case TypeKind::kBool:
    case TypeKind::kTime:
    case TypeKind::kJson:
    case TypeKind::kError:
      return;
    default:
      Emit(Kind::InvalidPolicyKey, key.range, {types::ToString(type)});
  }
}

void Checker::CheckPolicies(const std::vector<ast::Ptr<ast::Policy>>& policies, Scope& scope,
                            const Type* result) {
  for (const auto& policy : policies) {
    switch (policy->kind) {
      case ast::PolicyKind::kRetry: {
        const auto& retry = ast::Cast<ast::RetryPolicy>(*policy);
        CheckPositiveInt(*retry.count, scope, "the retry count");
        std::optional<ConstValue> every;
        if (retry.every != nullptr) {
          CheckPositiveDuration(*retry.every, scope, "the retry delay");
          every = Evaluate(*retry.every);
        }
        if (retry.backoff != nullptr) {
          // `2x`, or a number.
          const Type* type =
              ast::As<ast::FactorLiteral>(retry.backoff.get()) != nullptr
                  ? Record(*retry.backoff, types_.Float())
                  : CheckExpr(*retry.backoff, scope, ExprContext{.place = "the backoff factor"});
          ExpectType(*retry.backoff, type, types_.Float(), "the backoff factor");
          if (std::optional<ConstValue> value = Evaluate(*retry.backoff)) {
            double factor = value->kind == ConstValue::Kind::kInt
                                ? static_cast<double>(value->integer)
                                : value->number;
            if ((value->kind == ConstValue::Kind::kInt ||
                 value->kind == ConstValue::Kind::kFloat) &&
                factor < 1) {
              Emit(Kind::PolicyOutOfRange, retry.backoff->range,
                   {"the backoff factor", "at least 1", value->ToSource()});
            }
          }
        }
        if (retry.up_to != nullptr) {
          CheckPositiveDuration(*retry.up_to, scope, "the retry cap");
          std::optional<ConstValue> cap = Evaluate(*retry.up_to);
          if (every && cap && every->kind == ConstValue::Kind::kDuration &&
              cap->kind == ConstValue::Kind::kDuration && cap->integer > 0 &&
              cap->integer < every->integer) {
            Emit(Kind::RetryCapBelowDelay, retry.up_to->range,
                 {cap->ToSource(), every->ToSource()});
          }
        }
        if (retry.when != nullptr) {
          Scope when_scope(&scope);
          when_scope.Add(
              Binding{.name = "error", .type = ErrorType(), .kind = BindingKind::kError});
          when_scope.Add(Binding{.name = "result", .type = result, .kind = BindingKind::kResult});
          const Type* type =
              CheckExpr(*retry.when, when_scope, ExprContext{.place = "a retry condition"});
          ExpectCondition(*retry.when, type, "a retry condition");
        }
        break;
      }
      case ast::PolicyKind::kTimeout: {
        const auto& timeout = ast::Cast<ast::TimeoutPolicy>(*policy);
        CheckPositiveDuration(*timeout.duration, scope, "the timeout");
        if (std::optional<ConstValue> value = Evaluate(*timeout.duration);
            value && value->kind == ConstValue::Kind::kDuration && value->integer > kOneDayMs) {
          Emit(Kind::LongTimeout, timeout.duration->range, {value->ToSource()});
        }
        break;
      }
      case ast::PolicyKind::kConcurrency: {
        const auto& concurrency = ast::Cast<ast::ConcurrencyPolicy>(*policy);
        CheckPositiveInt(*concurrency.limit, scope, "the concurrency limit");
        if (concurrency.by != nullptr) CheckPolicyKey(*concurrency.by, scope);
        break;
      }
      case ast::PolicyKind::kThrottle: {
        const auto& throttle = ast::Cast<ast::ThrottlePolicy>(*policy);
        CheckPositiveInt(*throttle.count, scope, "the throttle count");
        CheckPositiveDuration(*throttle.period, scope, "the throttle period");
        if (throttle.by != nullptr) CheckPolicyKey(*throttle.by, scope);
        break;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Tests

namespace {

// `2024-05-02T10:00:00Z`, `2024-05-02 10:00:00.5+02:00`: an RFC 3339 timestamp (a space may
// replace the `T`, as StackStorm writes them).
bool IsTimestamp(std::string_view text) {
  static const RE2 kTimestamp(
      R"(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?)");
  return RE2::FullMatch(text, kTimestamp);
}

// MissingPayloadField at `at` for each required field of `record` without a default that
// `given` lacks; `emit(at, args)` emits one (the checker's Emit of that kind).
template <typename EmitFn>
void EmitMissingFields(const Type* record, const std::set<std::string>& given, SourceRange at,
                       std::string_view what, EmitFn&& emit) {
  for (const types::Field& field : record->fields()) {
    if (!field.required || !field.default_json.empty() || given.count(field.name) != 0) continue;
    diag::Diagnostic& d = emit(at, {std::string(what), field.name, types::ToString(field.type)});
    if (field.decl.IsValid()) {
      d.AddNote(Kind::DeclaredHere, field.decl, {"field `" + field.name + "`"});
    }
  }
}

}  // namespace

void Checker::CheckDataLiteral(const ast::Expr& data, const Type* type, std::string_view what,
                               bool partial, Scope& scope) {
  const ExprContext ctx{.place = "test data"};
  const Type* expected = type->NonOptional();
  if (ast::As<ast::NullLiteral>(&data) != nullptr && type->IsOptional()) {
    Record(data, types_.Null());
    return;
  }
  // A timestamp written as text where a `time` is expected.
  if (CheckTimestampText(data, expected, std::string(what), SourceRange{})) {
    Record(data, types_.String());
    return;
  }
  const auto* list = ast::As<ast::ListExpr>(&data);
  if (list != nullptr && expected->kind() == TypeKind::kList) {
    Record(data, expected);
    for (const auto& element : list->elements) {
      CheckDataLiteral(*element, expected->element(), what, partial, scope);
    }
    return;
  }
  const auto* map = ast::As<ast::MapExpr>(&data);
  if (map != nullptr && expected->kind() == TypeKind::kMap) {
    Record(data, expected);
    for (const ast::MapEntry& entry : map->entries) {
      CheckDataLiteral(*entry.value, expected->element(), what, partial, scope);
    }
    return;
  }
  if (map == nullptr || expected->kind() != TypeKind::kRecord) {
    const Type* actual = CheckExpr(data, scope, ctx);
    ExpectType(data, actual, type, what);
    return;
  }
  Record(data, expected);
  std::set<std::string> given;
  for (const ast::MapEntry& entry : map->entries) {
    if (!given.insert(entry.key).second) {
      CheckExpr(*entry.value, scope, ctx);
      Emit(Kind::DuplicateMapKey, entry.key_range, {entry.key});
      continue;
    }
    const types::Field* field = expected->FindField(entry.key);
    if (field == nullptr) {
      if (expected->extra_fields() != nullptr) {
        CheckDataLiteral(*entry.value, expected->extra_fields(), what, partial, scope);
        continue;
      }
      CheckExpr(*entry.value, scope, ctx);
      std::vector<std::string> names;
      for (const types::Field& f : expected->fields()) names.push_back(f.name);
      Emit(Kind::UnknownField, entry.key_range,
           {types::ToString(expected), entry.key, diag::DidYouMean(entry.key, names)});
      continue;
    }
    CheckDataLiteral(*entry.value, field->type, "field `" + entry.key + "`", partial, scope);
  }
  if (partial) return;
  EmitMissingFields(
      expected, given, data.range,
      what, [&](SourceRange at, std::initializer_list<diag::Arg> args) -> auto& {
        return Emit(Kind::MissingPayloadField, at, args);
      });
}

namespace {

// NaN and infinities have no JSON form.
bool IsFinite(const ConstValue& value) {
  if (value.kind == ConstValue::Kind::kFloat) return std::isfinite(value.number);
  for (const ConstValue& element : value.elements) {
    if (!IsFinite(element)) return false;
  }
  for (const ConstValue::Entry& entry : value.entries) {
    if (!IsFinite(entry.value)) return false;
  }
  return true;
}

}  // namespace

void Checker::RecordTestValue(const ast::Expr& expr) {
  const auto* name = ast::As<ast::NameExpr>(&expr);
  if (name != nullptr && name->name.name == "_") return;  // a wildcard (only `expect` allows it)
  const auto* list = ast::As<ast::ListExpr>(&expr);
  const auto* map = ast::As<ast::MapExpr>(&expr);
  std::optional<ConstValue> value = Evaluate(expr);
  if (value && IsFinite(*value)) {
    out_->test_values[expr.id.value] = std::move(*value);
    if (list == nullptr && map == nullptr) return;
  }
  // Literals are recorded part by part too: an expectation compares them structurally, and
  // their parts may hold wildcards.
  if (list != nullptr) {
    for (const auto& element : list->elements) RecordTestValue(*element);
  } else if (map != nullptr) {
    for (const ast::MapEntry& entry : map->entries) RecordTestValue(*entry.value);
  } else if (!out_->TypeOf(expr)->IsError()) {
    // `squall test` runs tests from values known when the file is compiled.
    Emit(Kind::NotConstant, expr.range,
         {"test data", value ? "a number that is not finite" : "a value known only at run time"});
  }
}

void Checker::CheckTest(const ast::TestDecl& test) {
  Scope scope(&file_scope_);
  for (const auto& step : test.steps) {
    switch (step->kind) {
      case ast::TestStepKind::kGiven: {
        const auto& given = ast::Cast<ast::GivenStep>(*step);
        const Type* payload = CheckAtom(*given.trigger, /*constant_args=*/true, scope);
        if (given.payload != nullptr) {
          // Webhook headers and timer schedules come from the atom and the HTTP layer, so a
          // test of a built-in atom gives only the fields it cares about.
          bool builtin_atom = given.trigger->kind != ast::TriggerAtomKind::kNamed;
          std::string name =
              given.trigger->kind == ast::TriggerAtomKind::kNamed ? given.trigger->name.ToString()
              : given.trigger->kind == ast::TriggerAtomKind::kWebhook ? "core.webhook"
              : given.trigger->kind == ast::TriggerAtomKind::kTimer   ? "core.timer"
                                                                      : "core.cron";
          CheckDataLiteral(*given.payload, payload, "the `" + name + "` event",
                           /*partial=*/builtin_atom, scope);
          RecordTestValue(*given.payload);
        } else if (given.trigger->kind == ast::TriggerAtomKind::kNamed && payload != nullptr &&
                   payload->NonOptional()->kind() == TypeKind::kRecord) {
          // No payload is the event `{}`: its required fields are missing.
          EmitMissingFields(
              payload->NonOptional(), {}, given.trigger->range,
              "the `" + given.trigger->name.ToString() + "` event",
              [&](SourceRange at, std::initializer_list<diag::Arg> args) -> auto& {
                return Emit(Kind::MissingPayloadField, at, args);
              });
        }
        if (given.after != nullptr) {
          CheckPositiveDuration(*given.after, scope, "`after`");
          RecordTestValue(*given.after);
        }
        break;
      }
      case ast::TestStepKind::kExpectNothing: {
        const auto& nothing = ast::Cast<ast::ExpectNothingStep>(*step);
        if (nothing.after != nullptr) {
          CheckPositiveDuration(*nothing.after, scope, "`after`");
          RecordTestValue(*nothing.after);
        }
        break;
      }
      case ast::TestStepKind::kExpectCall: {
        const auto& expect = ast::Cast<ast::ExpectCallStep>(*step);
        if (expect.call != nullptr && !RejectBuiltinAsAction(*expect.call, "an expectation")) {
          CheckExpr(
              *expect.call, scope,
              ExprContext{
                  .place = "an expectation", .actions_allowed = true, .wildcard_allowed = true});
          for (const ast::Argument& arg : expect.call->args) RecordTestValue(*arg.value);
        }
        if (expect.after != nullptr) {
          CheckPositiveDuration(*expect.after, scope, "`after`");
          RecordTestValue(*expect.after);
        }
        break;
      }
      case ast::TestStepKind::kWhenReturns:
      case ast::TestStepKind::kWhenFails: {
        const ast::QualifiedName& action = step->kind == ast::TestStepKind::kWhenReturns
                                               ? ast::Cast<ast::WhenReturnsStep>(*step).action
                                               : ast::Cast<ast::WhenFailsStep>(*step).action;
        const Type* result = types_.Json();
        std::string name = action.ToString();
        if (action.parts.size() >= 2 && imports_.count(action.parts[0].name) != 0) {
          if (const schema::Pack* pack = ImportedPack(action.parts[0].name)) {
            std::string rest = name.substr(action.parts[0].name.size() + 1);
            if (const schema::Action* found = pack->FindAction(rest)) {
              result = found->output != nullptr ? found->output : types_.Json();
            } else {
              std::vector<std::string> names;
              for (const schema::Action& a : pack->actions) names.push_back(a.name);
              Emit(Kind::UnknownAction, action.range,
                   {action.parts[0].name, rest, diag::DidYouMean(rest, names)});
            }
          }
        } else if (auto it = out_->workflows.find(name); it != out_->workflows.end()) {
          result = it->second.result;
        } else if (action.parts.size() >= 2 && IsAvailablePack(action.parts[0].name)) {
          Emit(Kind::PackNotImported, action.parts[0].range, {action.parts[0].name});
        } else {
          std::vector<std::string> candidates = ImportAliases();
          for (const auto& [workflow, state] : out_->workflows) candidates.push_back(workflow);
          Emit(Kind::UnknownFunction, action.range, {name, diag::DidYouMean(name, candidates)});
        }
        if (step->kind == ast::TestStepKind::kWhenReturns) {
          const auto& returns = ast::Cast<ast::WhenReturnsStep>(*step);
          CheckDataLiteral(*returns.value, result, "the scripted result of `" + name + "`",
                           /*partial=*/true, scope);
          RecordTestValue(*returns.value);
          if (returns.after != nullptr) {
            CheckPositiveDuration(*returns.after, scope, "`after`");
            RecordTestValue(*returns.after);
          }
        } else {
          const auto& fails = ast::Cast<ast::WhenFailsStep>(*step);
          const Type* message =
              CheckExpr(*fails.message, scope, ExprContext{.place = "a scripted failure"});
          ExpectType(*fails.message, message, types_.String(), "the failure message");
          RecordTestValue(*fails.message);
          if (fails.after != nullptr) {
            CheckPositiveDuration(*fails.after, scope, "`after`");
            RecordTestValue(*fails.after);
          }
        }
        break;
      }
    }
  }
}

}  // namespace squall::check::internal
