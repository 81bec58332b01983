// `squall explain FILES --event JSON`: for one event, every rule of its trigger, whether it
// fires, and for each condition (conjunct) whether it held, with the event values it read.
#include <iostream>
#include <set>
#include <sstream>

#include "cli/commands.h"
#include "cli/compile.h"
#include "compiler/ir/lower.h"
#include "compiler/source/large_stack.h"
#include "runtime/events/decoder.h"
#include "runtime/interp/interpreter.h"

namespace squall::cli {
namespace {

namespace po = boost::program_options;

struct ExplainArgs {
  std::vector<std::string> files;
  std::string event;
  std::string trigger;
  PackFlags packs;
  DiagnosticFlags diagnostics;
  bool help = false;
};

po::options_description Describe(ExplainArgs& args) {
  po::options_description desc("Options");
  desc.add_options()                                                       //
      ("help,h", po::bool_switch(&args.help), "print this help and exit")  //
      ("event", po::value(&args.event)->value_name("JSON"),
       "the event, as one JSON line: {\"trigger\": ..., \"payload\": {...}} (`-`: the first "
       "line of standard input)")  //
      ("trigger", po::value(&args.trigger)->value_name("REF"),
       "the event is the bare payload of trigger REF");
  args.packs.AddTo(desc);
  args.diagnostics.AddTo(desc);
  desc.add_options()("files", po::value(&args.files)->multitoken(), "input files");
  return desc;
}

constexpr std::string_view kUsage =
    "usage: squall explain [OPTIONS] FILES... --event JSON\n"
    "\n"
    "Compiles the rule files, then evaluates one event against every rule of its trigger and\n"
    "shows, per rule, whether it fires and, per condition (each `and`ed part), whether it\n"
    "held, with the event values it read. Nothing is executed.\n";

constexpr std::string_view kFooter =
    "\n"
    "Exit status:\n"
    "  0  explained (whether or not a rule fires)\n"
    "  1  the rule files have errors, or the event is not a valid event\n"
    "  2  bad command line\n"
    "\n"
    "Example:\n"
    "  squall explain examples/disk-full-cleanup.rule --packs ../shared/packs \\\n"
    "    --event '{\"trigger\": \"disk.low\", \"payload\": {\"host\": \"web1\", \"mount\": "
    "\"/var/log\", \"free_pct\": 3.5}}'\n";

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

std::string ExplainHelp() {
  ExplainArgs args;
  return FormatHelp(kUsage, Describe(args), kFooter);
}

int RunExplain(std::span<const std::string> arg_list, const Streams& streams) {
  ExplainArgs args;
  po::options_description desc = Describe(args);
  po::positional_options_description positional;
  positional.add("files", -1);
  po::variables_map vm;
  if (!ParseCommandLine("explain", arg_list, desc, positional, vm, streams.err)) {
    return kExitUsage;
  }
  if (args.help) {
    streams.out << ExplainHelp();
    return kExitOk;
  }
  if (args.files.empty() || args.event.empty()) {
    streams.err << "squall explain: error: give rule files and --event JSON; see `squall help "
                   "explain`\n";
    return kExitUsage;
  }
  std::optional<DiagnosticOptions> options = args.diagnostics.Resolve("explain", streams.err);
  if (!options) return kExitUsage;
  std::string event_text = args.event;
  if (event_text == "-") std::getline(streams.in, event_text);

  Session session(*options);
  CompiledProgram compiled;
  std::istringstream no_input;
  CompileFiles(session, args.files, no_input, CompileOptions{.packs = &args.packs}, compiled);
  if (session.Report(streams) || !compiled.checked) return kExitUserError;

  int status = kExitOk;
  source::RunWithLargeStack([&] {
    ir::Program program = ir::Lower(compiled.program);
    interp::Interpreter interpreter(program);
    events::DecoderOptions decoder_options;
    if (!args.trigger.empty()) {
      decoder_options.mode = events::DecodeMode::kBare;
      decoder_options.bare_trigger = args.trigger;
    }
    events::Decoder decoder(decoder_options, interpreter.DecoderPlans());
    events::DecodedEvent event;
    events::DecodeResult result = decoder.Decode(event_text, event);
    if (!result.ok()) {
      streams.err << "squall explain: error: not a valid event ("
                  << (result.outcome == events::DecodeResult::Outcome::kBlank
                          ? std::string("empty")
                          : std::string(events::RejectReasonName(result.reason)))
                  << "): " << result.message << "\n";
      status = kExitUserError;
      return;
    }
    std::vector<match::RuleRef> firings;
    interpreter.Match(event, firings);
    std::set<std::pair<uint32_t, uint32_t>> fired;
    for (match::RuleRef f : firings) fired.emplace(f.matcher, f.rule);
    const source::SourceManager& sources = session.sources();
    streams.out << "event " << event.id << " (" << event.trigger << ")\n";
    bool any_rule = false;
    for (uint32_t m = 0; m < program.matchers.size(); ++m) {
      const ir::Matcher& matcher = program.matchers[m];
      if (matcher.trigger != event.trigger) continue;
      for (uint32_t r = 0; r < matcher.rules.size(); ++r) {
        const ir::RuleMatch& rule = matcher.rules[r];
        any_rule = true;
        bool fires = fired.count({m, r}) != 0;
        streams.out << "rule " << rule.name << ": "
                    << (fires           ? "fires"
                        : rule.disabled ? "does not fire (@disabled)"
                        : rule.backstop ? "does not fire (@backstop: fires only when no other "
                                          "rule does)"
                                        : "does not fire")
                    << "\n";
        if (!matcher.parameters_json.empty()) {
          streams.out << "  trigger parameters " << matcher.parameters_json << "\n";
        }
        for (const ir::Conjunct& conjunct : rule.conjuncts) {
          interp::Value value = interpreter.Evaluate(m, conjunct.node, event);
          bool held = value.kind == interp::Value::Kind::kBool && value.boolean;
          streams.out << "  " << (held ? "held  " : "failed") << "  "
                      << SourceText(sources, matcher.nodes[conjunct.node.index].range);
          std::string values;
          for (uint32_t slot_node : SlotNodes(matcher, conjunct.node.index)) {
            interp::Value slot_value = interpreter.Evaluate(m, ir::NodeRef{slot_node}, event);
            if (!values.empty()) values += ", ";
            values += SourceText(sources, matcher.nodes[slot_node].range) + " = " +
                      (slot_value.present() ? interp::ToJson(slot_value) : "absent");
          }
          if (!values.empty()) streams.out << "   (" << values << ")";
          streams.out << "\n";
        }
        if (fires) {
          std::vector<interp::Value> arguments =
              interpreter.Arguments(match::RuleRef{.matcher = m, .rule = r}, event);
          streams.out << "  then " << rule.action << "(";
          for (size_t i = 0; i < rule.arguments.size(); ++i) {
            if (i > 0) streams.out << ", ";
            streams.out << rule.arguments[i].name << ": " << interp::ToJson(arguments[i]);
          }
          streams.out << ")\n";
        }
      }
    }
    if (!any_rule) streams.out << "no rule listens to trigger `" << event.trigger << "`\n";
  });
  return status;
}

}  // namespace squall::cli
