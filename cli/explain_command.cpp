// `squall explain FILES --event JSON`: for one event, every rule of its trigger, whether it
// fires, and for each condition (conjunct) whether it held, with the event values it read.
#include <iostream>
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
    ExplainEvent(program, interpreter, session.sources(), event, streams.out);
  });
  return status;
}

}  // namespace squall::cli
