#include "cli/compile.h"

#include <cstdlib>
#include <ostream>
#include <set>

#include "compiler/check/checker.h"

namespace squall::cli {
namespace {

std::string SourceText(const source::SourceManager& sources, source::SourceRange range) {
  if (!range.IsValid()) return "?";
  std::string text(sources.Text(range.file).substr(range.begin, range.end - range.begin));
  // One line per condition: fold line breaks and runs of spaces.
  std::string out;
  for (char c : text) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
    if (c == ' ' && !out.empty() && out.back() == ' ') continue;
    out += c;
  }
  return out;
}

// The slot nodes under `root`, first occurrence of each slot, in source order.
std::vector<uint32_t> SlotNodes(const ir::Matcher& m, uint32_t root) {
  std::vector<uint32_t> found, stack = {root};
  std::set<uint32_t> seen_slots;
  while (!stack.empty()) {
    uint32_t index = stack.back();
    stack.pop_back();
    const ir::Node& node = m.nodes[index];
    if (node.op == ir::Op::kSlot) {
      if (seen_slots.insert(node.index).second) found.push_back(index);
      continue;
    }
    for (uint32_t i = node.operand_count; i-- > 0;) {
      stack.push_back(m.operands[node.first_operand + i]);
    }
  }
  return found;
}

}  // namespace

void CompileFiles(Session& session, const std::vector<std::string>& paths, std::istream& in,
                  const CompileOptions& options, CompiledProgram& out) {
  for (const std::string& path : paths) {
    std::optional<source::FileId> file_id = session.Load(path, in);
    if (!file_id) continue;
    out.files.push_back(&session.Parse(*file_id));
    out.paths.push_back(path);
  }
  CheckParsedFiles(session, paths, options, out);
}

void CheckParsedFiles(Session& session, std::span<const std::string> pack_base_paths,
                      const CompileOptions& options, CompiledProgram& out) {
  // Names and types only make sense in a tree without syntax errors.
  if (!options.check || session.diags().HasErrors()) return;
  // Pack YAML warnings (often upstream oddities in packs the user does not maintain) would
  // drown the rule file's own diagnostics; `--pack-warnings` or `squall packs show` shows them.
  schema::LoaderOptions loader_options;
  if (options.packs != nullptr) {
    loader_options.search_path =
        options.packs->SearchPath(pack_base_paths, std::getenv("SQUALL_PACKS"));
  }
  loader_options.report_warnings = options.pack_warnings;
  out.packs = std::make_unique<schema::PackLoader>(std::move(loader_options), session.sources(),
                                                   session.diags(), out.types);
  out.program = check::Check(out.files, *out.packs, out.types, session.sources(), session.diags());
  out.checked = true;
}

void ExplainEvent(const ir::Program& program, interp::Interpreter& interpreter,
                  const source::SourceManager& sources, const events::DecodedEvent& event,
                  std::ostream& out) {
  std::vector<match::RuleRef> firings;
  interpreter.Match(event, firings);
  std::set<std::pair<uint32_t, uint32_t>> fired;
  for (match::RuleRef f : firings) fired.emplace(f.matcher, f.rule);
  out << "event " << event.id << " (" << event.trigger << ")\n";
  bool any_rule = false;
  for (uint32_t m = 0; m < program.matchers.size(); ++m) {
    const ir::Matcher& matcher = program.matchers[m];
    if (matcher.trigger != event.trigger) continue;
    for (uint32_t r = 0; r < matcher.rules.size(); ++r) {
      const ir::RuleMatch& rule = matcher.rules[r];
      any_rule = true;
      bool fires = fired.count({m, r}) != 0;
      if (rule.feeds >= 0) {
        out << "rule " << rule.name << ": " << (fires ? "feeds" : "does not feed") << " step "
            << rule.step << " of "
            << (program.correlations[rule.feeds].kind == ir::CorrelationKind::kAbsence ? "absence"
                : program.correlations[rule.feeds].kind == ir::CorrelationKind::kSequence
                    ? "sequence"
                    : "count")
            << " correlation " << rule.name << " (it fires later, as "
            << program.correlations[rule.feeds].trigger << ")\n";
      } else {
        out << "rule " << rule.name << ": "
            << (fires           ? "fires"
                : rule.disabled ? "does not fire (@disabled)"
                : rule.backstop ? "does not fire (@backstop: fires only when no other "
                                  "rule does)"
                                : "does not fire")
            << "\n";
      }
      if (!matcher.parameters_json.empty()) {
        out << "  trigger parameters " << matcher.parameters_json << "\n";
      }
      for (const ir::Conjunct& conjunct : rule.conjuncts) {
        interp::Value value = interpreter.Evaluate(m, conjunct.node, event);
        bool held = value.kind == interp::Value::Kind::kBool && value.boolean;
        out << "  " << (held ? "held  " : "failed") << "  "
            << SourceText(sources, matcher.nodes[conjunct.node.index].range);
        std::string values;
        for (uint32_t slot_node : SlotNodes(matcher, conjunct.node.index)) {
          interp::Value slot_value = interpreter.Evaluate(m, ir::NodeRef{slot_node}, event);
          if (!values.empty()) values += ", ";
          values += SourceText(sources, matcher.nodes[slot_node].range) + " = " +
                    (slot_value.present() ? interp::ToJson(slot_value) : "absent");
        }
        if (!values.empty()) out << "   (" << values << ")";
        out << "\n";
      }
      if (fires) {
        std::vector<interp::Value> arguments =
            interpreter.Arguments(match::RuleRef{.matcher = m, .rule = r}, event);
        out << "  then " << rule.action << "(";
        for (size_t i = 0; i < rule.arguments.size(); ++i) {
          if (i > 0) out << ", ";
          out << rule.arguments[i].name << ": " << interp::ToJson(arguments[i]);
        }
        out << ")\n";
      }
    }
  }
  if (!any_rule) out << "no rule listens to trigger `" << event.trigger << "`\n";
}

}  // namespace squall::cli
