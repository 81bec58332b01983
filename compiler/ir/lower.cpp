#include "compiler/ir/lower.h"

#include <algorithm>
#include <map>
#include <optional>

#include "compiler/ir/expr_lowerer.h"
#include "compiler/ir/workflow_lower.h"
#include "compiler/source/check.h"
#include "compiler/source/large_stack.h"

namespace squall::ir {
namespace {

using internal::ExprLowerer;
using internal::HasAnnotation;
using internal::LowerCall;

void LowerRule(const check::CheckedFile& file, const ast::RuleDecl& rule,
               std::map<std::pair<std::string, std::string>, Matcher>& matchers, Program& program,
               std::map<std::string, ActionSpec>& actions) {
  if (rule.trigger == nullptr || rule.action == nullptr || rule.action->call == nullptr) return;
  const ast::RuleTrigger& trigger = *rule.trigger;
  if (trigger.kind != ast::RuleTriggerKind::kSimple) {
    const char* kind = trigger.kind == ast::RuleTriggerKind::kAbsence    ? "absence"
                       : trigger.kind == ast::RuleTriggerKind::kSequence ? "sequence"
                                                                         : "count";
    program.skipped.push_back(SkippedRule{
        .name = rule.name.name,
        .range = rule.name.range,
        .reason = std::string(kind) + " correlations run as state machines, not matchers"});
    return;
  }
  const ast::TriggerAtom& atom = *trigger.atoms[0];
  auto target = file.trigger_atoms.find(atom.id.value);
  SQUALL_CHECK(target != file.trigger_atoms.end(), "lowering an unresolved trigger");
  std::string parameters = TriggerParametersJson(file, atom);
  Matcher& matcher = matchers[{target->second.ref, parameters}];
  matcher.trigger = target->second.ref;
  matcher.parameters_json = parameters;
  matcher.payload = target->second.payload;

  std::string binding = atom.alias ? atom.alias->name : "event";
  ExprLowerer lowerer(file, matcher, [&](const ast::NameExpr& name) -> std::optional<std::string> {
    if (name.name.name == binding) return std::string();
    return std::nullopt;
  });
  RuleMatch match;
  match.name = rule.name.name;
  match.range = rule.name.range;
  match.disabled = HasAnnotation(rule, "disabled");
  match.backstop = HasAnnotation(rule, "backstop");
  // The atom's own filter and the rule's condition are one conjunction.
  std::vector<NodeRef> parts;
  if (atom.filter != nullptr) parts.push_back(lowerer.Lower(*atom.filter));
  if (trigger.where != nullptr) parts.push_back(lowerer.Lower(*trigger.where));
  if (parts.size() == 1) {
    match.condition = parts[0];
  } else if (parts.size() == 2) {
    // Merge two conjunctions into one n-ary `and` so that conjuncts classify uniformly.
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
    and_node.type = matcher.nodes[parts[1].index].type;
    and_node.range = trigger.where->range;
    and_node.first_operand = static_cast<uint32_t>(matcher.operands.size());
    and_node.operand_count = static_cast<uint32_t>(operands.size());
    matcher.operands.insert(matcher.operands.end(), operands.begin(), operands.end());
    matcher.nodes.push_back(and_node);
    match.condition = NodeRef{static_cast<uint32_t>(matcher.nodes.size() - 1)};
  }
  match.conjuncts = lowerer.Conjuncts(match.condition);

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
