#include "compiler/ir/printer.h"

#include <algorithm>
#include <charconv>

#include "compiler/check/checked_program.h"
#include "compiler/check/constant.h"
#include "compiler/diag/json_escape.h"
#include "compiler/source/large_stack.h"

namespace squall::ir {

const char* OpName(Op op) {
  switch (op) {
    case Op::kConst:
      return "const";
    case Op::kSlot:
      return "slot";
    case Op::kPresent:
      return "present";
    case Op::kNot:
      return "not";
    case Op::kAnd:
      return "and";
    case Op::kOr:
      return "or";
    case Op::kEq:
      return "eq";
    case Op::kNe:
      return "ne";
    case Op::kLt:
      return "lt";
    case Op::kLe:
      return "le";
    case Op::kGt:
      return "gt";
    case Op::kGe:
      return "ge";
    case Op::kIn:
      return "in";
    case Op::kLike:
      return "like";
    case Op::kMatches:
      return "matches";
    case Op::kStartsWith:
      return "startswith";
    case Op::kEndsWith:
      return "endswith";
    case Op::kCoalesce:
      return "coalesce";
    case Op::kNeg:
      return "neg";
    case Op::kAdd:
      return "add";
    case Op::kSub:
      return "sub";
    case Op::kMul:
      return "mul";
    case Op::kDiv:
      return "div";
    case Op::kMod:
      return "mod";
    case Op::kConcat:
      return "concat";
    case Op::kList:
      return "list";
    case Op::kMap:
      return "map";
    case Op::kMember:
      return "member";
    case Op::kIndex:
      return "index";
    case Op::kCall:
      return "call";
    case Op::kContext:
      return "context";
    case Op::kShellQuote:
      return "shell_quote";
  }
  return "?";
}

const ActionSpec* FindAction(const Program& program, std::string_view ref) {
  auto it = std::lower_bound(program.actions.begin(), program.actions.end(), ref,
                             [](const ActionSpec& a, std::string_view r) { return a.ref < r; });
  return it != program.actions.end() && it->ref == ref ? &*it : nullptr;
}

const Workflow* FindWorkflow(const Program& program, std::string_view name) {
  auto it = std::lower_bound(program.workflows.begin(), program.workflows.end(), name,
                             [](const Workflow& w, std::string_view n) { return w.name < n; });
  return it != program.workflows.end() && it->name == name ? &*it : nullptr;
}

std::vector<uint32_t> ConditionNodes(const Workflow& workflow) {
  std::vector<uint32_t> nodes;
  for (const WorkflowState& state : workflow.states) {
    bool decides = state.kind == StateKind::kBranch || state.kind == StateKind::kWait;
    if (decides && state.value.IsValid()) nodes.push_back(state.value.index);
  }
  std::sort(nodes.begin(), nodes.end());
  nodes.erase(std::unique(nodes.begin(), nodes.end()), nodes.end());
  return nodes;
}

std::string WorkflowMatcherTrigger(std::string_view workflow) {
  // A space: no trigger ref has one, so no event ever reaches this matcher.
  return "workflow " + std::string(workflow);
}

const char* StateKindName(StateKind kind) {
  switch (kind) {
    case StateKind::kEval:
      return "eval";
    case StateKind::kBranch:
      return "branch";
    case StateKind::kJump:
      return "jump";
    case StateKind::kCall:
      return "call";
    case StateKind::kSleep:
      return "sleep";
    case StateKind::kWait:
      return "wait";
    case StateKind::kAsk:
      return "ask";
    case StateKind::kFork:
      return "fork";
    case StateKind::kForEach:
      return "foreach";
    case StateKind::kYield:
      return "yield";
    case StateKind::kEndStrand:
      return "end_strand";
    case StateKind::kTry:
      return "try";
    case StateKind::kEndTry:
      return "end_try";
    case StateKind::kFail:
      return "fail";
    case StateKind::kReturn:
      return "return";
  }
  return "?";
}

namespace {

std::string Quote(const std::string& text) {
  std::string out;
  diag::AppendJsonString(out, text);
  return out;
}

std::string Number(double value) {
  char buffer[64];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  (void)ec;  // 64 bytes hold any double's shortest form
  return std::string(buffer, end);
}

class Printer {
 public:
  explicit Printer(const Matcher& matcher) : m_(matcher) {}

  std::string Expr(NodeRef ref) {
    std::string out;
    Append(ref.index, out);
    return out;
  }

 private:
  void Append(uint32_t index, std::string& out) {
    const Node& node = m_.nodes[index];
    switch (node.op) {
      case Op::kConst:
        out += ConstantText(m_.constants[node.index]);
        return;
      case Op::kSlot:
        out += "$" + std::to_string(node.index);
        return;
      case Op::kContext:
        out += node.index == static_cast<uint32_t>(ContextValue::kResult) ? "result" : "error";
        return;
      default:
        break;
    }
    out += OpName(node.op);
    if (node.op == Op::kCall) {
      out += " " + std::string(check::BuiltinName(static_cast<check::Builtin>(node.index)));
    }
    if (node.op == Op::kMember) out += " " + Quote(m_.keys[node.first_key]);
    if (node.op == Op::kShellQuote) {
      static constexpr const char* kContexts[] = {"bare", "double", "single"};
      out += " " + std::string(node.index < 3 ? kContexts[node.index] : "?");
    }
    if (node.op == Op::kMatches && node.index != UINT32_MAX) {
      out += " /" + m_.regexes[node.index] + "/";
    }
    out += "(";
    for (uint32_t i = 0; i < node.operand_count; ++i) {
      if (i > 0) out += ", ";
      if (node.op == Op::kMap) out += Quote(m_.keys[node.first_key + i]) + ": ";
      Append(m_.operands[node.first_operand + i], out);
    }
    out += ")";
  }

  const Matcher& m_;
};

std::string PathText(const std::vector<std::string>& path) {
  if (path.empty()) return "<payload>";
  std::string out;
  for (const std::string& key : path) {
    if (!out.empty()) out += ".";
    bool plain = !key.empty();
    for (char c : key) {
      plain = plain && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
    }
    out += plain ? key : Quote(key);
  }
  return out;
}

std::string ConjunctText(const Matcher& m, const Conjunct& c) {
  std::string slot = "$" + std::to_string(c.slot);
  auto consts = [&] {
    std::string out;
    for (uint32_t k : c.consts) out += " " + ConstantText(m.constants[k]);
    return out;
  };
  switch (c.kind) {
    case Conjunct::Kind::kEquals:
      return "equals " + slot + consts();
    case Conjunct::Kind::kCompare:
      return "compare " + slot + " " + OpName(c.compare) + consts();
    case Conjunct::Kind::kContains:
      return "contains " + slot + consts();
    case Conjunct::Kind::kLike:
      return "like " + slot + consts();
    case Conjunct::Kind::kStartsWith:
      return "startswith " + slot + consts();
    case Conjunct::Kind::kEndsWith:
      return "endswith " + slot + consts();
    case Conjunct::Kind::kMatches:
      return "matches " + slot;
    case Conjunct::Kind::kOther:
      return "other";
  }
  return "?";
}

}  // namespace

std::string ConstantText(const Constant& c) {
  switch (c.kind) {
    case Constant::Kind::kNull:
      return "null";
    case Constant::Kind::kBool:
      return c.boolean ? "true" : "false";
    case Constant::Kind::kInt:
      return std::to_string(c.integer);
    case Constant::Kind::kFloat: {
      std::string text = Number(c.number);
      // Keep floats recognisable: `10.0`, not `10`.
      if (text.find_first_of(".eEn") == std::string::npos) text += ".0";
      return text;
    }
    case Constant::Kind::kString:
      return Quote(c.text);
    case Constant::Kind::kDuration:
      return check::DurationSpelling(c.integer);
    case Constant::Kind::kList:
    case Constant::Kind::kMap: {
      std::string out = c.kind == Constant::Kind::kList ? "[" : "{";
      for (size_t i = 0; i < c.elements.size(); ++i) {
        if (i > 0) out += ", ";
        if (c.kind == Constant::Kind::kMap) out += Quote(c.keys[i]) + ": ";
        out += ConstantText(c.elements[i]);
      }
      return out + (c.kind == Constant::Kind::kList ? "]" : "}");
    }
  }
  return "?";
}

// `core.local(cmd: ...) retry(...) timeout(...)`: one action call with its policies.
static std::string CallText(Printer& printer, const std::string& action, bool is_workflow,
                            const std::vector<Argument>& arguments, const Policies& policies) {
  std::string out = std::string(is_workflow ? "workflow " : "") + action + "(";
  for (size_t i = 0; i < arguments.size(); ++i) {
    if (i > 0) out += ", ";
    out += arguments[i].name + ": " + printer.Expr(arguments[i].value);
  }
  out += ")";
  auto policy = [&](const char* name,
                    std::initializer_list<std::pair<const char*, NodeRef>> parts) {
    out += std::string(" ") + name + "(";
    bool first = true;
    for (const auto& [label, ref] : parts) {
      if (!ref.IsValid()) continue;
      out += std::string(first ? "" : ", ") + label + ": " + printer.Expr(ref);
      first = false;
    }
    out += ")";
  };
  if (policies.retry) {
    policy("retry", {{"count", policies.retry_count},
                     {"every", policies.retry_every},
                     {"backoff", policies.retry_backoff},
                     {"up_to", policies.retry_up_to},
                     {"when", policies.retry_when}});
  }
  if (policies.timeout.IsValid()) policy("timeout", {{"after", policies.timeout}});
  if (policies.concurrency.IsValid()) {
    policy("concurrency", {{"limit", policies.concurrency}, {"by", policies.concurrency_by}});
  }
  if (policies.throttle.IsValid()) {
    policy("throttle", {{"count", policies.throttle},
                        {"per", policies.throttle_period},
                        {"by", policies.throttle_by}});
  }
  return out;
}

// `s3`, or `-` for no state.
static std::string StateName(uint32_t index) {
  return index == kNoState ? "-" : "s" + std::to_string(index);
}

// One workflow: its variables, the slots its expressions read, then one line per state.
static void PrintWorkflow(const Program& program, const Workflow& w, std::string& out) {
  const Matcher& m = program.matchers[w.matcher];
  auto var = [&](int32_t v) { return w.variables[static_cast<size_t>(v)].key; };
  out += "workflow " + w.name + "(";
  for (size_t i = 0; i < w.params.size(); ++i) {
    const Variable& p = w.variables[w.params[i].variable];
    out += (i > 0 ? ", " : "") + p.key + ": " + (p.type ? types::ToString(p.type) : "?");
    if (!w.params[i].default_json.empty()) out += " = " + w.params[i].default_json;
  }
  out += ")";
  if (w.result != nullptr) out += " -> " + types::ToString(w.result);
  out += "\n";
  for (size_t i = 0; i < m.slots.size(); ++i) {
    out += "  slot $" + std::to_string(i) + " " + PathText(m.slots[i].path) + " : " +
           types::ToString(m.slots[i].type) + "\n";
  }
  Printer printer(m);
  for (size_t i = 0; i < w.states.size(); ++i) {
    const WorkflowState& st = w.states[i];
    out += "  " + StateName(static_cast<uint32_t>(i)) + " " + StateKindName(st.kind);
    auto expr = [&](const char* label, NodeRef ref) {
      if (ref.IsValid()) out += std::string(" ") + label + printer.Expr(ref);
    };
    switch (st.kind) {
      case StateKind::kCall: {
        const StepCall& call = w.calls[st.call];
        out +=
            " " + CallText(printer, call.callee, call.is_workflow, call.arguments, call.policies);
        break;
      }
      case StateKind::kWait:
        out += " " + st.trigger;
        if (!st.trigger_parameters_json.empty()) out += " " + st.trigger_parameters_json;
        expr("where ", st.value);
        expr("timeout ", st.timeout);
        break;
      case StateKind::kAsk:
        expr("", st.value);
        if (st.answer != nullptr) out += " : " + types::ToString(st.answer);
        expr("timeout ", st.timeout);
        break;
      case StateKind::kFork:
      case StateKind::kForEach:
        expr(st.kind == StateKind::kFork ? "first " : "", st.value);
        if (st.loop_var >= 0) out += " as " + var(st.loop_var);
        expr(st.kind == StateKind::kFork ? "first " : "concurrency ", st.count);
        out += " bodies";
        for (uint32_t body : st.bodies) out += " " + StateName(body);
        break;
      case StateKind::kEndStrand:
        if (st.is_break) out += " break";
        break;
      case StateKind::kFail:
        expr("", st.value);
        expr("with ", st.details);
        break;
      default:
        expr("", st.value);
        break;
    }
    if (st.target >= 0) out += " -> " + var(st.target);
    if (st.kind == StateKind::kBranch) {
      out += " then " + StateName(st.next) + " else " + StateName(st.alt);
    } else if (st.kind == StateKind::kTry) {
      out += " next " + StateName(st.next) + " catch " + StateName(st.alt);
    } else if (st.kind != StateKind::kReturn && st.kind != StateKind::kFail &&
               st.kind != StateKind::kEndStrand) {
      out += " next " + StateName(st.next);
    }
    if (!st.live.empty() || st.kind == StateKind::kCall || st.kind == StateKind::kSleep ||
        st.kind == StateKind::kWait || st.kind == StateKind::kAsk || st.kind == StateKind::kFork ||
        st.kind == StateKind::kForEach) {
      out += " live [";
      for (size_t k = 0; k < st.live.size(); ++k) {
        out += (k > 0 ? " " : "") + w.variables[st.live[k]].key;
      }
      out += "]";
    }
    out += "\n";
  }
}

std::string WorkflowFingerprint(const Program& program, const Workflow& workflow) {
  std::string text;
  PrintWorkflow(program, workflow, text);
  uint64_t hash = 0xcbf29ce484222325ULL;  // FNV-1a: stable across processes and builds
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 0x100000001b3ULL;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, hash >>= 4) out[static_cast<size_t>(i)] = kHex[hash & 0xF];
  return out;
}

std::string PrintIr(const Program& program) {
  std::string out;
  // Expressions may nest as deep as the parser allows.
  source::RunWithLargeStack([&] {
    for (const Matcher& m : program.matchers) {
      if (m.trigger.starts_with("workflow ")) continue;  // printed with its workflow
      out += "matcher " + m.trigger;
      if (!m.parameters_json.empty()) out += " " + m.parameters_json;
      out += "\n";
      for (size_t i = 0; i < m.slots.size(); ++i) {
        out += "  slot $" + std::to_string(i) + " " + PathText(m.slots[i].path) + " : " +
               types::ToString(m.slots[i].type);
        if (!m.slots[i].default_json.empty()) out += " = " + m.slots[i].default_json;
        out += "\n";
      }
      Printer printer(m);
      for (const RuleMatch& rule : m.rules) {
        out += "  rule " + rule.name;
        if (rule.disabled) out += " @disabled";
        if (rule.backstop) out += " @backstop";
        out += "\n";
        out +=
            "    when " + (rule.condition.IsValid() ? printer.Expr(rule.condition) : "true") + "\n";
        if (!rule.conjuncts.empty()) {
          out += "    index";
          for (size_t i = 0; i < rule.conjuncts.size(); ++i) {
            out += (i == 0 ? " " : "; ") + ConjunctText(m, rule.conjuncts[i]);
          }
          out += "\n";
        }
        if (rule.feeds >= 0) {
          out += "    feeds " + program.correlations[rule.feeds].name + " step " +
                 std::to_string(rule.step);
          if (!rule.key.empty()) {
            out += " key (";
            for (size_t i = 0; i < rule.key.size(); ++i) {
              out += (i == 0 ? "" : ", ") + printer.Expr(rule.key[i]);
            }
            out += ")";
          }
          out += "\n";
          continue;
        }
        out +=
            "    then " +
            CallText(printer, rule.action, rule.action_is_workflow, rule.arguments, rule.policies) +
            "\n";
        for (const FollowUp& follow_up : rule.follow_ups) {
          out += std::string("    on ") + (follow_up.on_success ? "success" : "failure") +
                 " then " +
                 CallText(printer, follow_up.action, follow_up.action_is_workflow,
                          follow_up.arguments, follow_up.policies) +
                 "\n";
        }
      }
    }
    for (const Correlation& c : program.correlations) {
      static constexpr const char* kKinds[] = {"absence", "sequence", "count"};
      out += "correlation " + c.name + " " + kKinds[static_cast<int>(c.kind)] + " steps " +
             std::to_string(c.steps) + " within " + check::DurationSpelling(c.within_ms);
      if (c.kind == CorrelationKind::kCount) out += " count " + std::to_string(c.count);
      if (c.disabled) out += " @disabled";
      out += " fires " + c.trigger + " {";
      for (size_t i = 0; i < c.fields.size(); ++i) out += (i == 0 ? "" : ", ") + c.fields[i];
      out += "}\n";
      auto matcher = std::find_if(program.matchers.begin(), program.matchers.end(),
                                  [&](const Matcher& m) { return m.trigger == c.trigger; });
      if (matcher == program.matchers.end()) continue;
      Printer printer(*matcher);
      for (const CorrelationTest& test : c.tests) {
        out += "  test after step " + std::to_string(test.steps - 1) + ": " +
               printer.Expr(test.node) + "\n";
      }
    }
    for (const Workflow& workflow : program.workflows) PrintWorkflow(program, workflow, out);
    for (const SkippedRule& skipped : program.skipped) {
      out += "skipped rule " + skipped.name + ": " + skipped.reason + "\n";
    }
    for (const ActionSpec& action : program.actions) {
      // Not the entry point: pack directories are absolute paths, which would make dumps
      // depend on where the packs are.
      out += "action " + action.ref + " runner " + action.runner + "\n";
    }
  });
  return out;
}

}  // namespace squall::ir
