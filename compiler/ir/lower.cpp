#include "compiler/ir/lower.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <tuple>

#include "compiler/ir/expr_lowerer.h"
#include "compiler/ir/workflow_lower.h"
#include "compiler/source/check.h"
#include "compiler/source/large_stack.h"

namespace squall::ir {
namespace {

using internal::ExprLowerer;
using internal::HasAnnotation;
using internal::LowerCall;

// The names that denote (parts of) the event, with the payload path each stands for (a
// simple rule's `event` or alias: the root; a correlation's names: a field of its record).
using Bindings = std::map<std::string, std::vector<std::string>>;

ExprLowerer LowererFor(const check::CheckedFile& file, Matcher& matcher, Bindings bindings) {
  return ExprLowerer(file, matcher,
                     [bindings = std::move(bindings)](
                         const ast::NameExpr& name) -> std::optional<std::vector<std::string>> {
                       auto it = bindings.find(name.name.name);
                       if (it == bindings.end()) return std::nullopt;
                       return it->second;
                     });
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
void LowerActions(const check::CheckedFile& file, const ast::RuleDecl& rule, ExprLowerer& lowerer,
                  RuleMatch& match, std::map<std::string, ActionSpec>& actions) {
  LowerCall(file, *rule.action->call, rule.action->policies, lowerer, match.action,
            match.action_is_workflow, match.arguments, match.policies, actions);
  for (const auto& outcome : rule.outcomes) {
    if (outcome->action == nullptr || outcome->action->call == nullptr) continue;
    FollowUp follow_up;
    follow_up.on_success = outcome->outcome == ast::Outcome::kSuccess;
    lowerer.SetContextNames(follow_up.on_success, !follow_up.on_success);
    LowerCall(file, *outcome->action->call, outcome->action->policies, lowerer, follow_up.action,
              follow_up.action_is_workflow, follow_up.arguments, follow_up.policies, actions);
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
    Bindings bindings;
    bindings[atom.alias ? atom.alias->name : "event"] = {};
    const auto& names =
        correlation.kind == CorrelationKind::kCount ? c.action_names : c.condition_names;
    for (const auto& [name, named_step] : names) {
      if (named_step == step) bindings[name] = {};
    }
    ExprLowerer lowerer = LowererFor(file, matcher, std::move(bindings));
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
    Bindings bindings;
    for (const auto& [name, step] : names) bindings[name] = {c.fields[step]};
    return bindings;
  };
  if (correlation.kind != CorrelationKind::kCount) {
    ExprLowerer tests = LowererFor(file, matcher, bindings_of(c.condition_names));
    for (size_t i = 0; i < conjuncts.size(); ++i) {
      if (decided[i]) continue;
      NodeRef node = tests.Lower(*conjuncts[i]);
      int last = LastStep(matcher, c.fields, node);
      correlation.tests.push_back(
          CorrelationTest{.node = node, .steps = static_cast<uint32_t>(std::max(last, 0) + 1)});
    }
  }
  ExprLowerer lowerer = LowererFor(file, matcher, bindings_of(c.action_names));
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
  ExprLowerer lowerer = LowererFor(file, matcher, {{atom.alias ? atom.alias->name : "event", {}}});
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
        } else if (const auto* workflow = ast::As<ast::WorkflowDecl>(decl.get())) {
          std::string trigger = WorkflowMatcherTrigger(workflow->name.name);
          Matcher& matcher = matchers[{trigger, ""}];
          matcher.trigger = trigger;
          program.workflows.push_back(internal::LowerWorkflow(file, *workflow, matcher, actions));
        }
      }
    }
    for (auto& [key, matcher] : matchers) program.matchers.push_back(std::move(matcher));
    for (auto& [ref, spec] : actions) program.actions.push_back(std::move(spec));
    std::sort(program.workflows.begin(), program.workflows.end(),
              [](const Workflow& a, const Workflow& b) { return a.name < b.name; });
    for (Workflow& workflow : program.workflows) {
      std::string trigger = WorkflowMatcherTrigger(workflow.name);
      auto it = std::find_if(program.matchers.begin(), program.matchers.end(),
                             [&](const Matcher& m) { return m.trigger == trigger; });
      workflow.matcher = static_cast<uint32_t>(it - program.matchers.begin());
    }
  });
  return program;
}

}  // namespace squall::ir
