// `squall run FILES`: compiles the rules and runs them as a service (runtime/service): events
// from files, stdin, webhooks and timers are recorded durably, matched, and their actions run.
// With --dry-run it only prints, for each event of --events, every rule that fires with its
// action and rendered parameters, executing nothing.
#include <fcntl.h>
#include <signal.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <map>
#include <sstream>
#include <thread>

#include "cli/commands.h"
#include "cli/compile.h"
#include "cli/program_cache.h"
#include "cli/state_flags.h"
#include "compiler/diag/json_escape.h"
#include "compiler/ir/lower.h"
#include "compiler/source/large_stack.h"
#include "runtime/engine/loaded_program.h"
#include "runtime/events/decoder.h"
#include "runtime/events/line_reader.h"
#include "runtime/interp/interpreter.h"
#include "runtime/jit/jit_engine.h"
#include "runtime/service/service.h"

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
  // Service mode.
  std::string state;
  std::string listen;
  bool follow = false;
  bool no_webhook_auth = false;
  size_t max_running = 64;
  size_t correlation_max_instances = 100000;
  int drain_seconds = 30;
  std::string log_format = "text";
  std::string log_level = "info";
  bool no_watch = false;
  std::string durability = "full";
  int retention_days = 7;
  std::vector<std::string> ssh_options;
  std::string ssh_user;
  std::string ssh_key;
  std::string ca_file;
  std::string config_dir;
  std::string python = "python3";
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
       "compile the matchers without reading or writing the object cache")  //
      ("state", po::value(&args.state)->value_name("DIR"),
       "the state directory: event log, executions, key-value store, keys (default: "
       "$SQUALL_STATE, else $XDG_STATE_HOME/squall, else ~/.local/state/squall)")  //
      ("listen", po::value(&args.listen)->value_name("ADDR"),
       "serve webhooks (POST /webhooks/NAME), GET /metrics and GET /healthz on ADDR "
       "(host:port, e.g. 127.0.0.1:8080)")  //
      ("follow,f", po::bool_switch(&args.follow),
       "keep reading lines appended to --events files (like tail -F) instead of stopping at "
       "their end")  //
      ("no-webhook-auth", po::bool_switch(&args.no_webhook_auth),
       "accept webhooks without an API key (local experiments only)")  //
      ("max-running", po::value(&args.max_running)->value_name("N"),
       "executions running at once (default 64); more wait as `scheduled`")  //
      ("correlation-max-instances", po::value(&args.correlation_max_instances)->value_name("N"),
       "live instances one correlation rule keeps (pending absences, partial sequences, count "
       "keys; default 100000); beyond it new ones are dropped and counted in "
       "squall_correlation_dropped_total")  //
      ("drain", po::value(&args.drain_seconds)->value_name("SECONDS"),
       "on SIGTERM/SIGINT, how long running executions may finish (default 30)")  //
      ("durability", po::value(&args.durability)->value_name("full|normal"),
       "`full` (default): every acknowledged event survives a power loss; `normal`: it "
       "survives a crash of squall, commits are faster")  //
      ("retention", po::value(&args.retention_days)->value_name("DAYS"),
       "keep processed events this many days (default 7); executions are kept")  //
      ("ssh-option", po::value(&args.ssh_options)->value_name("KEY=VALUE")->composing(),
       "an OpenSSH `-o` option for remote runners (repeatable), e.g. "
       "UserKnownHostsFile=/etc/squall/known_hosts")  //
      ("ssh-user", po::value(&args.ssh_user)->value_name("USER"),
       "SSH user of remote actions that name none")  //
      ("ssh-key", po::value(&args.ssh_key)->value_name("FILE"),
       "private key of remote actions that give none")  //
      ("ca-file", po::value(&args.ca_file)->value_name("FILE"),
       "extra CA certificates (PEM) the http-request runner trusts")  //
      ("config-dir", po::value(&args.config_dir)->value_name("DIR"),
       "pack configs of Python actions, DIR/<pack>.yaml (StackStorm's configs directory; "
       "default: <state dir>/configs)")  //
      ("python", po::value(&args.python)->value_name("PATH"),
       "the Python 3 interpreter of python-script actions (default python3)")  //
      ("no-watch", po::bool_switch(&args.no_watch),
       "do not reload the rules when a rule file changes (SIGHUP still reloads)")  //
      ("log-format", po::value(&args.log_format)->value_name("text|json"),
       "log lines on stderr as text (default) or JSON")  //
      ("log-level", po::value(&args.log_level)->value_name("LEVEL"),
       "debug, info (default), warn or error");
  args.packs.AddTo(desc);
  desc.add_options()("pack-warnings", po::bool_switch(&args.pack_warnings),
                     "also report warnings about the YAML of imported packs");
  args.diagnostics.AddTo(desc);
  desc.add_options()("files", po::value(&args.files)->multitoken(), "input files");
  return desc;
}

constexpr std::string_view kUsage =
    "usage: squall run [OPTIONS] FILES... [--events FILE|-] [--listen ADDR] [--state DIR]\n"
    "       squall run [OPTIONS] FILES... --events FILE --dry-run\n"
    "\n"
    "Compiles the rule files (as `squall check` does; errors stop here) and runs them: events\n"
    "come from --events files or standard input (JSON lines: {\"trigger\": \"disk.low\",\n"
    "\"payload\": {...}}), from webhooks (--listen: POST /webhooks/NAME with an API key from\n"
    "`squall keys create`) and from the rules' timers (`every 5m`, `cron \"...\"`). Each event\n"
    "is recorded in the state directory before anything else; every rule whose condition\n"
    "holds starts its action under its policies (retry, timeout, concurrency, throttle), and\n"
    "executions are recorded too (`squall executions list`). Nothing acknowledged is lost\n"
    "when squall is killed: a restart continues where it stopped (docs/operations.md).\n"
    "\n"
    "With only --events files (no --listen, no --follow) squall stops once every event was\n"
    "handled and every execution has ended; otherwise it runs until SIGTERM or SIGINT (which\n"
    "drain running executions, see --drain). SIGHUP, or a change to a rule file, reloads\n"
    "the rules; rules that do not compile leave the running ones in place.\n"
    "\n"
    "With --dry-run nothing runs and nothing is recorded: each rule that fires is printed as\n"
    "one JSON line, with its rendered parameters:\n"
    "  {\"event\":\"e1\",\"trigger\":\"disk.low\",\"rule\":\"clean\",\"action\":\"core.local\","
    "\"parameters\":{...}}\n"
    "Lines that are not valid events are rejected with their line number and reason on\n"
    "stderr and counted; they never stop the run.\n";

constexpr std::string_view kFooter =
    "\n"
    "Exit status:\n"
    "  0  the run ended normally (input done, or stopped by a signal)\n"
    "  1  the rule files have errors, the state directory or an input could not be opened\n"
    "  2  bad command line\n"
    "\n"
    "Examples:\n"
    "  squall run examples/disk-full-cleanup.rule --events examples/events/disk-full.jsonl\n"
    "  squall run ops.rule --listen 127.0.0.1:8080 --state /var/lib/squall\n"
    "  tail -f events.jsonl | squall run ops.rule --events -\n"
    "  squall run examples/disk-full-cleanup.rule --events examples/events/disk-full.jsonl "
    "--dry-run\n"
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

namespace {

// Everything a lowered program points into (its payload types), kept alive with it.
struct ProgramHolder {
  explicit ProgramHolder(const DiagnosticOptions& options) : session(options) {}
  Session session;
  CompiledProgram compiled;
  types::TypeContext cached_types;
  std::optional<ir::Program> program;
};

// Compiles the rule files, or takes the lowered program from the cache when they and the
// packs are unchanged. Null (diagnostics reported) when they do not compile.
std::shared_ptr<ProgramHolder> BuildProgram(const RunArgs& args, const Streams& streams,
                                            const DiagnosticOptions& options) {
  auto holder = std::make_shared<ProgramHolder>(options);
  ProgramCache program_cache(
      args.no_jit_cache ? "" : (args.jit_cache.empty() ? jit::DefaultCacheDir() : args.jit_cache));
  // Only diagnostic-free compiles are stored, so a cached program has nothing to report.
  if (!args.pack_warnings &&
      program_cache.Prepare(args.files,
                            args.packs.SearchPath(args.files, std::getenv("SQUALL_PACKS")))) {
    holder->program = program_cache.Load(holder->cached_types);
    if (holder->program) return holder;
  }
  std::istringstream no_input;  // rule files cannot come from stdin: events may
  CompileFiles(holder->session, args.files, no_input,
               CompileOptions{.packs = &args.packs, .pack_warnings = args.pack_warnings},
               holder->compiled);
  bool clean_compile =
      holder->session.diags().ErrorCount() == 0 && holder->session.diags().WarningCount() == 0;
  bool failed = holder->session.Report(streams);
  if (failed || !holder->compiled.checked) return nullptr;
  source::RunWithLargeStack([&] { holder->program = ir::Lower(holder->compiled.program); });
  if (clean_compile) {
    std::vector<source::FileId> rule_files;
    for (const ast::File* file : holder->compiled.files) rule_files.push_back(file->file);
    program_cache.Store(*holder->program, holder->session.sources(), rule_files);
  }
  return holder;
}

jit::JitOptions JitOptionsOf(const RunArgs& args) {
  jit::JitOptions jit_options;
  if (!args.no_jit_cache) {
    jit_options.cache_dir = args.jit_cache.empty() ? jit::DefaultCacheDir() : args.jit_cache;
  }
  return jit_options;
}

std::shared_ptr<spdlog::logger> MakeLogger(const RunArgs& args) {
  auto logger =
      std::make_shared<spdlog::logger>("squall", std::make_shared<spdlog::sinks::stderr_sink_mt>());
  if (args.log_format == "json") {
    logger->set_pattern(R"({"time":"%Y-%m-%dT%H:%M:%S.%e%z","level":"%l","message":"%v"})");
  } else {
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  }
  logger->set_level(spdlog::level::from_str(args.log_level));
  logger->flush_on(spdlog::level::info);
  return logger;
}

// The newest modification time among the rule files (0 when one cannot be read).
int64_t NewestMtime(const std::vector<std::string>& files) {
  int64_t newest = 0;
  for (const std::string& file : files) {
    struct stat st {};
    if (::stat(file.c_str(), &st) != 0) return 0;
    newest = std::max<int64_t>(newest, st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec);
  }
  return newest;
}

int RunService(const RunArgs& args, const Streams& streams, const DiagnosticOptions& options) {
  std::shared_ptr<spdlog::logger> logger = MakeLogger(args);
  service::ServiceOptions service_options;
  service_options.state_dir = ResolveStateDir(args.state);
  service_options.listen = args.listen;
  if (!args.events.empty()) service_options.event_files.push_back(args.events);
  service_options.follow = args.follow;
  service_options.webhook_auth = !args.no_webhook_auth;
  service_options.max_running = args.max_running;
  service_options.correlation_max_instances = args.correlation_max_instances;
  service_options.drain = std::chrono::seconds(args.drain_seconds);
  service_options.fsync_every_commit = args.durability != "normal";
  service_options.event_retention = std::chrono::hours(24 * args.retention_days);
  service_options.runner_options.ssh_options = args.ssh_options;
  service_options.runner_options.default_ssh_user = args.ssh_user;
  service_options.runner_options.default_ssh_key = args.ssh_key;
  service_options.runner_options.ca_file = args.ca_file;
  service_options.runner_options.python_binary = args.python;
  service_options.runner_options.pack_config_dir = args.config_dir.empty()
                                                       ? service_options.state_dir / "configs"
                                                       : std::filesystem::path(args.config_dir);
  service_options.logger = logger;

  // Compiles for the first start and every reload; diagnostics go to stderr.
  auto compile = [&args, &streams, &options, logger]() -> std::shared_ptr<engine::LoadedProgram> {
    std::shared_ptr<ProgramHolder> holder = BuildProgram(args, streams, options);
    if (!holder) return nullptr;
    engine::LoadedProgram::NativeFactory native;
    if (!args.no_jit) {
      jit::JitOptions jit_options = JitOptionsOf(args);
      native = [jit_options](const ir::Program& program, std::string* error) {
        return jit::CreateJitEngine(program, jit_options, error);
      };
    }
    std::string error;
    std::shared_ptr<engine::LoadedProgram> loaded;
    source::RunWithLargeStack([&] {
      loaded = engine::LoadedProgram::Create(std::move(*holder->program), native, &error, holder);
    });
    if (!loaded)
      logger->error("cannot compile native matchers: {} (--no-jit runs the interpreter)", error);
    for (const ir::SkippedRule& skipped :
         loaded ? loaded->program().skipped : std::vector<ir::SkippedRule>{}) {
      logger->warn("rule {} is not run: {}", skipped.name, skipped.reason);
    }
    return loaded;
  };

  // Signals are taken synchronously by this thread alone: block them before any thread starts
  // so that every thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  service::Service service(service_options, compile);
  if (std::string error = service.Start(); !error.empty()) {
    streams.err << "squall run: error: " << error << "\n";
    return kExitUserError;
  }
  logger->info("running {} rule file(s); state in {}", args.files.size(),
               service_options.state_dir.string());
  int64_t mtime = NewestMtime(args.files);
  auto last_check = std::chrono::steady_clock::now();
  auto last_prune = last_check;
  while (true) {
    timespec wait{0, 100 * 1000 * 1000};
    int sig = sigtimedwait(&signals, nullptr, &wait);
    if (sig == SIGINT || sig == SIGTERM) {
      logger->info("{}: stopping (running executions get up to {}s)",
                   sig == SIGINT ? "SIGINT" : "SIGTERM", args.drain_seconds);
      break;
    }
    if (sig == SIGHUP) {
      service.Reload();
      mtime = NewestMtime(args.files);
      continue;
    }
    if (service.Idle()) {
      logger->info("every event handled and every execution ended; stopping");
      break;
    }
    if (std::chrono::steady_clock::now() - last_prune > std::chrono::hours(1)) {
      last_prune = std::chrono::steady_clock::now();
      service.PruneEvents();
    }
    if (!args.no_watch && std::chrono::steady_clock::now() - last_check > std::chrono::seconds(1)) {
      last_check = std::chrono::steady_clock::now();
      int64_t now_mtime = NewestMtime(args.files);
      if (now_mtime != 0 && now_mtime != mtime) {
        mtime = now_mtime;
        logger->info("a rule file changed: reloading");
        service.Reload();
      }
    }
  }
  service.Stop();
  return kExitOk;
}

int RunDry(const RunArgs& args, const Streams& streams, const DiagnosticOptions& options);

}  // namespace

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
  if (args.dry_run && args.events.empty()) {
    return usage_error("--dry-run needs events; give --events FILE (or `-`)");
  }
  if (args.log_format != "text" && args.log_format != "json") {
    return usage_error("--log-format is `text` or `json`");
  }
  if (spdlog::level::from_str(args.log_level) == spdlog::level::off && args.log_level != "off") {
    return usage_error("--log-level is debug, info, warn or error");
  }
  if (args.durability != "full" && args.durability != "normal") {
    return usage_error("--durability is `full` or `normal`");
  }
  if (args.max_running == 0) return usage_error("--max-running must be at least 1");
  if (args.correlation_max_instances == 0) {
    return usage_error("--correlation-max-instances must be at least 1");
  }
  if (args.retention_days < 0) return usage_error("--retention must be 0 or more days");
  if (!args.dry_run && args.events.empty() && args.listen.empty()) {
    // Without inputs only timers could produce events: that is a service too, but say so.
    streams.err << "squall run: note: no --events and no --listen: only the rules' timers "
                   "produce events\n";
  }
  std::optional<DiagnosticOptions> options = args.diagnostics.Resolve("run", streams.err);
  if (!options) return kExitUsage;
  if (!args.dry_run) return RunService(args, streams, *options);
  return RunDry(args, streams, *options);
}

namespace {

int RunDry(const RunArgs& args, const Streams& streams, const DiagnosticOptions& options) {
  std::shared_ptr<ProgramHolder> holder = BuildProgram(args, streams, options);
  if (!holder) return kExitUserError;

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
    ir::Program& program = *holder->program;
    // The interpreter renders action arguments for either engine.
    interp::Interpreter interpreter(program);
    std::unique_ptr<match::Engine> jit_engine;
    if (!args.no_jit) {
      std::string error;
      jit_engine = jit::CreateJitEngine(program, JitOptionsOf(args), &error);
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
    std::map<std::string, uint64_t> fed_per_rule;  // correlation feeders
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
          if (rule.feeds >= 0) {
            // The dry run has no clock: say what the event feeds, not what may fire later.
            streams.out << "{\"event\":" << Quote(event.id)
                        << ",\"trigger\":" << Quote(event.trigger)
                        << ",\"rule\":" << Quote(rule.name)
                        << ",\"feeds_correlation_step\":" << rule.step << "}\n";
            ++fed_per_rule[rule.name];
            continue;
          }
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
    for (const auto& [rule, count] : fed_per_rule) {
      streams.err << "  correlation rule " << rule << ": fed " << count
                  << " events (correlations are not run in a dry run)\n";
    }
    for (const ir::SkippedRule& skipped : program.skipped) {
      streams.err << "  rule " << skipped.name << " not evaluated: " << skipped.reason << "\n";
    }
  });
  if (fd > 0) ::close(fd);
  return status;
}

}  // namespace
}  // namespace squall::cli
