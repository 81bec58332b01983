// `squall run FILES --events FILE --dry-run`: compiles the rules, reads JSON-lines events and
// prints, for each event, every rule that fires with its action and rendered parameters,
// without executing anything. Executing actions comes with the runtime.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <map>
#include <sstream>

#include "cli/commands.h"
#include "cli/compile.h"
#include "cli/program_cache.h"
#include "compiler/diag/json_escape.h"
#include "compiler/ir/lower.h"
#include "compiler/source/large_stack.h"
#include "runtime/events/decoder.h"
#include "runtime/events/line_reader.h"
#include "runtime/interp/interpreter.h"
#include "runtime/jit/jit_engine.h"

namespace squall::cli {
namespace {

namespace po = boost::program_options;

struct RunArgs {
  std::vector<std::string> files;
  std::string events;
  std::string trigger;
  bool dry_run = false;
  bool no_jit = false;
  std::string jit_cache;
  bool no_jit_cache = false;
  bool pack_warnings = false;
  PackFlags packs;
  DiagnosticFlags diagnostics;
  bool help = false;
};

po::options_description Describe(RunArgs& args) {
  po::options_description desc("Options");
  desc.add_options()                                                       //
      ("help,h", po::bool_switch(&args.help), "print this help and exit")  //
      ("events", po::value(&args.events)->value_name("FILE"),
       "read events from FILE, one JSON object per line (`-`: standard input); see "
       "docs/events.md")  //
      ("dry-run", po::bool_switch(&args.dry_run),
       "print what would run (one JSON line per rule that fires) and execute nothing")  //
      ("trigger", po::value(&args.trigger)->value_name("REF"),
       "every line is the bare payload of trigger REF (no {trigger, payload} envelope)")  //
      ("no-jit", po::bool_switch(&args.no_jit),
       "evaluate rules with the reference interpreter instead of native matchers (same "
       "results, slower; no LLVM at start-up)")  //
      ("jit-cache", po::value(&args.jit_cache)->value_name("DIR"),
       "keep compiled matchers in DIR (default: $SQUALL_JIT_CACHE, else "
       "$XDG_CACHE_HOME/squall/jit, else ~/.cache/squall/jit)")  //
      ("no-jit-cache", po::bool_switch(&args.no_jit_cache),
       "compile the matchers without reading or writing the object cache");
  args.packs.AddTo(desc);
  desc.add_options()("pack-warnings", po::bool_switch(&args.pack_warnings),
                     "also report warnings about the YAML of imported packs");
  args.diagnostics.AddTo(desc);
  desc.add_options()("files", po::value(&args.files)->multitoken(), "input files");
  return desc;
}

constexpr std::string_view kUsage =
    "usage: squall run [OPTIONS] FILES... --events FILE --dry-run\n"
    "\n"
    "Compiles the rule files (as `squall check` does; errors stop here), then reads events,\n"
    "one JSON object per line: {\"trigger\": \"disk.low\", \"payload\": {...}, \"id\": \"...\"}.\n"
    "For each event, every rule of its trigger whose condition holds fires; with --dry-run\n"
    "each firing is printed to stdout as one JSON line:\n"
    "  {\"event\":\"e1\",\"trigger\":\"disk.low\",\"rule\":\"clean\",\"action\":\"core.local\","
    "\"parameters\":{...}}\n"
    "Parameters are rendered and typed (a duration given to a seconds parameter is a number).\n"
    "Lines that are not valid events are rejected with their line number and reason on\n"
    "stderr and counted; they never stop the run. A summary goes to stderr at the end.\n"
    "Executing actions comes with the runtime; this release requires --dry-run.\n";

constexpr std::string_view kFooter =
    "\n"
    "Exit status:\n"
    "  0  every event was read (rejected lines are reported, not fatal)\n"
    "  1  the rule files have errors, or the events could not be read\n"
    "  2  bad command line\n"
    "\n"
    "Examples:\n"
    "  squall run examples/disk-full-cleanup.rule --events examples/events/disk-full.jsonl "
    "--dry-run\n"
    "  tail -f events.jsonl | squall run ops.rule --events - --dry-run\n"
    "  squall run bench.rule --trigger monitoring.alert --events events.jsonl --dry-run\n";

std::string Quote(std::string_view text) {
  std::string out;
  diag::AppendJsonString(out, text);
  return out;
}

}  // namespace

std::string RunCommandHelp() {
  RunArgs args;
  return FormatHelp(kUsage, Describe(args), kFooter);
}

int RunRun(std::span<const std::string> arg_list, const Streams& streams) {
  RunArgs args;
  po::options_description desc = Describe(args);
  po::positional_options_description positional;
  positional.add("files", -1);
  po::variables_map vm;
  if (!ParseCommandLine("run", arg_list, desc, positional, vm, streams.err)) return kExitUsage;
  if (args.help) {
    streams.out << RunCommandHelp();
    return kExitOk;
  }
  auto usage_error = [&](std::string_view message) {
    streams.err << "squall run: error: " << message << "; see `squall help run`\n";
    return kExitUsage;
  };
  if (args.files.empty()) return usage_error("no rule files");
  if (args.events.empty()) return usage_error("no events; give --events FILE (or `-`)");
  if (!args.dry_run) {
    return usage_error(
        "executing actions is not available yet; add --dry-run to see what would run");
  }
  std::optional<DiagnosticOptions> options = args.diagnostics.Resolve("run", streams.err);
  if (!options) return kExitUsage;

  Session session(*options);
  // A start with unchanged rules and packs takes the lowered program from the cache (only
  // diagnostic-free compiles are stored, so there is nothing to report).
  ProgramCache program_cache(
      args.no_jit_cache ? "" : (args.jit_cache.empty() ? jit::DefaultCacheDir() : args.jit_cache));
  types::TypeContext cached_types;
  std::optional<ir::Program> cached;
  if (!args.pack_warnings &&
      program_cache.Prepare(args.files,
                            args.packs.SearchPath(args.files, std::getenv("SQUALL_PACKS")))) {
    cached = program_cache.Load(cached_types);
  }
  CompiledProgram compiled;
  bool clean_compile = false;  // no diagnostic at all: the program may be cached
  if (!cached) {
    std::istringstream no_input;  // rule files cannot come from stdin: events may
    CompileFiles(session, args.files, no_input,
                 CompileOptions{.packs = &args.packs, .pack_warnings = args.pack_warnings},
                 compiled);
    clean_compile = session.diags().ErrorCount() == 0 && session.diags().WarningCount() == 0;
    bool failed = session.Report(streams);
    if (failed || !compiled.checked) return kExitUserError;
  }

  int fd = 0;
  if (args.events != "-") {
    fd = ::open(args.events.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      streams.err << "squall run: error: cannot read `" << args.events
                  << "`: " << std::strerror(errno) << "\n";
      return kExitUserError;
    }
  }

  int status = kExitOk;
  // Evaluation recurses over expressions as deep as the parser allows.
  source::RunWithLargeStack([&] {
    ir::Program program = cached ? std::move(*cached) : ir::Lower(compiled.program);
    if (!cached && clean_compile) {
      std::vector<source::FileId> rule_files;
      for (const ast::File* file : compiled.files) rule_files.push_back(file->file);
      program_cache.Store(program, session.sources(), rule_files);
    }
    // The interpreter renders action arguments for either engine.
    interp::Interpreter interpreter(program);
    std::unique_ptr<match::Engine> jit_engine;
    if (!args.no_jit) {
      jit::JitOptions jit_options;
      if (!args.no_jit_cache) {
        jit_options.cache_dir = args.jit_cache.empty() ? jit::DefaultCacheDir() : args.jit_cache;
      }
      std::string error;
      jit_engine = jit::CreateJitEngine(program, jit_options, &error);
      if (!jit_engine) {
        streams.err << "squall run: error: cannot compile native matchers: " << error
                    << " (--no-jit runs the interpreter)\n";
        status = kExitUserError;
        return;
      }
    }
    match::Engine& engine = jit_engine ? *jit_engine : interpreter;
    events::DecoderOptions decoder_options;
    if (!args.trigger.empty()) {
      decoder_options.mode = events::DecodeMode::kBare;
      decoder_options.bare_trigger = args.trigger;
    }
    events::Decoder decoder(decoder_options, interpreter.DecoderPlans());
    events::LineReader reader(
        fd, events::LineReaderOptions{.max_line_bytes = decoder_options.max_line_bytes});
    events::DecodedEvent event;
    events::DecodeResult result;
    std::string_view chunk;
    std::vector<match::RuleRef> firings;
    std::map<std::string, uint64_t> fired_per_rule;
    uint64_t firing_count = 0;
    std::string out;
    // Whole chunks of lines at a time: the decoder's stage 1 then runs once per range of lines
    // (docs/performance.md, "Event decoding"); results are per line all the same.
    while (reader.NextChunk(chunk)) {
      decoder.StartBatch(chunk);
      while (decoder.DecodeNext(event, result)) {
        if (result.outcome == events::DecodeResult::Outcome::kBlank) continue;
        if (!result.ok()) {
          streams.err << args.events << ":" << result.line << ": rejected ("
                      << events::RejectReasonName(result.reason) << "): " << result.message << "\n";
          continue;
        }
        firings.clear();
        engine.Match(event, firings);
        match::SortFirings(firings);
        for (match::RuleRef firing : firings) {
          const ir::RuleMatch& rule = program.matchers[firing.matcher].rules[firing.rule];
          std::vector<interp::Value> arguments = interpreter.Arguments(firing, event);
          out.clear();
          out += "{\"event\":" + Quote(event.id) + ",\"trigger\":" + Quote(event.trigger) +
                 ",\"rule\":" + Quote(rule.name) + ",\"action\":" + Quote(rule.action) +
                 ",\"parameters\":{";
          for (size_t i = 0; i < rule.arguments.size(); ++i) {
            if (i > 0) out += ",";
            out += Quote(rule.arguments[i].name) + ":" + interp::ToJson(arguments[i]);
          }
          out += "}}\n";
          streams.out << out;
          ++fired_per_rule[rule.name];
          ++firing_count;
        }
      }
    }
    streams.out.flush();
    if (!reader.error().empty()) {
      streams.err << "squall run: error: reading `" << args.events << "`: " << reader.error()
                  << "\n";
      status = kExitUserError;
    }
    const events::DecoderStats& stats = decoder.stats();
    streams.err << "squall run: " << stats.events << " events, " << stats.rejected << " rejected, "
                << firing_count << " rule firings\n";
    for (size_t r = 0; r < events::kRejectReasonCount; ++r) {
      auto reason = static_cast<events::RejectReason>(r);
      if (stats.rejected_for(reason) != 0) {
        streams.err << "  rejected " << events::RejectReasonName(reason) << ": "
                    << stats.rejected_for(reason) << "\n";
      }
    }
    for (const auto& [rule, count] : fired_per_rule) {
      streams.err << "  rule " << rule << ": " << count << "\n";
    }
    for (const ir::SkippedRule& skipped : program.skipped) {
      streams.err << "  rule " << skipped.name << " not evaluated: " << skipped.reason << "\n";
    }
  });
  if (fd > 0) ::close(fd);
  return status;
}

}  // namespace squall::cli
