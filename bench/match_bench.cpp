// Matching throughput: decode events (simdjson) and evaluate a rule file's matchers over them,
// in process, timing only the decode + match loop (start-up is timed separately).
//
//   squall_match_bench --trigger monitoring.alert
//       --events ../shared/bench/events-100k.jsonl [--expect N] [--repeat R]
//       [--engine jit|interp] [--cache DIR] [--correlate] RULES.rule
//
// --correlate: the events also go through the program's correlation rules (runtime/engine
// Correlations, as `squall run` runs them, minus the store), at the time in their `ts` field;
// `correlation_firings` counts what fired. The figure is then decode + match + correlate.
//
// Prints one line of key=value pairs: rules, events, firings, front-end ms (parse, check,
// lower), the JIT's start-up phases (index, codegen, optimize+emit, link, whether the object
// came from the cache in DIR), events/s. Exits 1 when --expect is given and the number of
// firings differs (a benchmark of a different job). bench/match_bench.py runs it over the
// WORKLOAD.md rule sets.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "compiler/check/checker.h"
#include "compiler/diag/diagnostic_engine.h"
#include "compiler/diag/render.h"
#include "compiler/ir/lower.h"
#include "compiler/parse/parser.h"
#include "compiler/source/large_stack.h"
#include "runtime/engine/correlations.h"
#include "runtime/events/decoder.h"
#include "runtime/interp/interpreter.h"
#include "runtime/jit/jit_engine.h"

namespace {

using namespace squall;
using Clock = std::chrono::steady_clock;

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

int Main(int argc, char** argv) {
  std::string trigger, events_path, rules_path, engine_name = "jit", cache_dir;
  long long expect = -1;
  int repeat = 3;
  bool correlate = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&](const char* flag) -> const char* {
      if (arg == flag && i + 1 < argc) return argv[++i];
      return nullptr;
    };
    if (const char* v = value("--trigger")) {
      trigger = v;
    } else if (const char* v2 = value("--events")) {
      events_path = v2;
    } else if (const char* v3 = value("--expect")) {
      expect = std::atoll(v3);
    } else if (const char* v4 = value("--repeat")) {
      repeat = std::atoi(v4);
    } else if (const char* v5 = value("--engine")) {
      engine_name = v5;
    } else if (const char* v6 = value("--cache")) {
      cache_dir = v6;
    } else if (arg == "--correlate") {
      correlate = true;
    } else {
      rules_path = arg;
    }
  }
  if (events_path.empty() || rules_path.empty()) {
    std::fprintf(stderr,
                 "usage: squall_match_bench [--trigger REF] --events FILE [--expect N] "
                 "[--repeat R] [--engine jit|interp] [--cache DIR] RULES\n");
    return 2;
  }
  // Events in memory: the benchmark measures decoding and matching, not disk reads.
  std::vector<std::string> lines;
  {
    std::ifstream in(events_path);
    for (std::string line; std::getline(in, line);) lines.push_back(std::move(line));
  }
  Clock::time_point start = Clock::now();
  source::SourceManager sources;
  diag::DiagnosticEngine diags(sources);
  std::string error;
  std::optional<source::FileId> file_id = sources.LoadFile(rules_path, &error);
  if (!file_id) {
    std::fprintf(stderr, "cannot read %s: %s\n", rules_path.c_str(), error.c_str());
    return 1;
  }
  std::unique_ptr<const ast::File> file = parse::ParseFile(sources, *file_id, diags);
  types::TypeContext types;
  schema::PackLoader packs(schema::LoaderOptions{}, sources, diags, types);
  const ast::File* files[] = {file.get()};
  check::CheckedProgram checked = check::Check(files, packs, types, sources, diags);
  if (diags.HasErrors()) {
    for (const diag::Diagnostic& d : diags.Finish()) {
      std::fputs(diag::RenderText(d, sources, {}).c_str(), stderr);
    }
    return 1;
  }
  ir::Program program = ir::Lower(checked);
  double compile_ms = Ms(Clock::now() - start);
  size_t rules = 0;
  for (const ir::Matcher& m : program.matchers) rules += m.rules.size();

  std::unique_ptr<match::Engine> engine;
  jit::JitStats stats;
  Clock::time_point engine_start = Clock::now();
  if (engine_name == "interp") {
    engine = std::make_unique<interp::Interpreter>(program);
  } else {
    std::string jit_error;
    engine =
        jit::CreateJitEngine(program, jit::JitOptions{.cache_dir = cache_dir}, &jit_error, &stats);
    if (!engine) {
      std::fprintf(stderr, "cannot compile native matchers: %s\n", jit_error.c_str());
      return 1;
    }
  }
  double engine_ms = Ms(Clock::now() - engine_start);
  events::DecoderOptions options;
  if (!trigger.empty()) {
    options.mode = events::DecodeMode::kBare;
    options.bare_trigger = trigger;
  }
  events::Decoder decoder(options, engine->DecoderPlans());
  events::DecodedEvent event;
  std::vector<match::RuleRef> firings;
  double best_seconds = 1e300;
  long long total = 0;
  for (int r = 0; r < repeat; ++r) {
    total = 0;
    Clock::time_point t0 = Clock::now();
    for (const std::string& line : lines) {
      if (!decoder.Decode(line, event).ok()) continue;
      firings.clear();
      engine->Match(event, firings);
      total += static_cast<long long>(firings.size());
    }
    best_seconds = std::min(best_seconds, Ms(Clock::now() - t0) / 1000);
  }
  if (correlate) {
    // The same events through a LoadedProgram (the engine's matcher and interpreter) and its
    // correlators, fresh for each repeat (ids must increase).
    std::string load_error;
    auto loaded = engine::LoadedProgram::Create(
        program,
        [&](const ir::Program& p, std::string* e) -> std::unique_ptr<match::Engine> {
          if (engine_name == "interp") return nullptr;
          return jit::CreateJitEngine(p, jit::JitOptions{.cache_dir = cache_dir}, e);
        },
        &load_error);
    if (!loaded) {
      std::fprintf(stderr, "cannot load the program: %s\n", load_error.c_str());
      return 1;
    }
    events::Decoder correlate_decoder(options, loaded->interpreter().DecoderPlans());
    std::vector<engine::CorrelationFiring> fired;
    // Arrival times, as the store gives them to the engine: read before timing.
    std::vector<int64_t> arrivals;
    for (const std::string& line : lines) {
      size_t ts = line.find("\"ts\":");
      arrivals.push_back(ts == std::string::npos ? 0 : std::atoll(line.c_str() + ts + 5));
    }
    double best = 1e300;
    long long correlation_firings = 0;
    size_t live = 0;
    for (int r = 0; r < repeat; ++r) {
      auto correlations = engine::Correlations::Create(*loaded, 1'000'000, &load_error);
      if (!correlations) {
        std::fprintf(stderr, "%s\n", load_error.c_str());
        return 1;
      }
      correlation_firings = 0;
      int64_t id = 0;
      Clock::time_point t0 = Clock::now();
      for (size_t i = 0; i < lines.size(); ++i) {
        const std::string& line = lines[i];
        if (!correlate_decoder.Decode(line, event).ok()) continue;
        firings.clear();
        loaded->matcher().Match(event, firings);
        correlations->OnEvent(++id, arrivals[i], line, event, firings, fired);
        correlation_firings += static_cast<long long>(fired.size());
        fired.clear();
      }
      best = std::min(best, Ms(Clock::now() - t0) / 1000);
      live = correlations->instances();
    }
    std::printf(
        "correlate rules=%zu events=%zu correlation_firings=%lld live_instances=%zu "
        "events_per_s=%.0f\n",
        program.correlations.size(), lines.size(), correlation_firings, live,
        static_cast<double>(lines.size()) / best);
    return 0;
  }
  // Matching alone, the events decoded once up front: the engine's own cost, without the
  // decoder's (which dominates at small rule counts).
  std::vector<events::DecodedEvent> decoded;
  decoded.reserve(lines.size());
  for (const std::string& line : lines) {
    events::DecodedEvent e;
    if (!decoder.Decode(line, e).ok()) continue;
    e.Detach();
    decoded.push_back(std::move(e));
  }
  double best_match_seconds = 1e300;
  for (int r = 0; r < repeat; ++r) {
    long long match_total = 0;
    Clock::time_point t0 = Clock::now();
    for (const events::DecodedEvent& e : decoded) {
      firings.clear();
      engine->Match(e, firings);
      match_total += static_cast<long long>(firings.size());
    }
    best_match_seconds = std::min(best_match_seconds, Ms(Clock::now() - t0) / 1000);
    if (match_total != total) {
      std::fprintf(stderr, "pre-decoded events fire %lld rules, not %lld\n", match_total, total);
      return 1;
    }
  }
  std::printf(
      "engine=%s rules=%zu events=%zu firings=%lld frontend_ms=%.1f engine_ms=%.1f index_ms=%.1f "
      "codegen_ms=%.1f optimize_ms=%.1f link_ms=%.1f from_cache=%d object_bytes=%zu "
      "events_per_s=%.0f match_only_events_per_s=%.0f\n",
      engine_name.c_str(), rules, lines.size(), total, compile_ms, engine_ms, stats.index_ms,
      stats.codegen_ms, stats.optimize_ms, stats.link_ms, stats.from_cache ? 1 : 0,
      stats.object_bytes, static_cast<double>(lines.size()) / best_seconds,
      static_cast<double>(decoded.size()) / best_match_seconds);
  if (expect >= 0 && total != expect) {
    std::fprintf(stderr, "expected %lld firings, got %lld\n", expect, total);
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  int status = 0;
  // Evaluation recurses over expressions; give it the same stack `squall run` has.
  source::RunWithLargeStack([&] { status = Main(argc, argv); });
  return status;
}
