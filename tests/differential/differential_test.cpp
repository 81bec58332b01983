// The differential test: native matchers (runtime/jit) and the reference interpreter
// (runtime/interp) must fire exactly the same rules for every event (in program order once
// sorted, since Engine::Match leaves the order to the engine; or, with
// SQUALL_DIFF_STRICT_ORDER=1, in the same order).
//
// Random programs and events come from generator.h, one seed per program. Every program must
// type-check (a program that does not is a generator bug and fails the test with its
// diagnostics). For each event, decoded once with the engines' decoder plans (which must be
// equal), both engines' `Match` results are compared. On a failure (a disagreement, a
// candidate that fails to build or crashes) the test shrinks the program and the event to a
// small case that fails the same way and prints both, with the reference's value of every
// conjunct of each rule the engines disagree on.
//
// Candidate engine: the JIT (`squall::jit`, runtime/jit/jit_engine.h); with
// SQUALL_DIFF_CANDIDATE=interp a second, independent interpreter instance, which only
// validates the generator and the harness.
//
// Each program runs in a forked child process (SQUALL_DIFF_FORK=0 runs in process, e.g. under
// a debugger), so that a crash or a hang of the candidate is reported, minimized and does not
// end the run.
//
// Environment (README.md): SQUALL_DIFF_PROGRAMS, SQUALL_DIFF_EVENTS, SQUALL_DIFF_LARGE,
// SQUALL_DIFF_CACHED, SQUALL_DIFF_BASE_SEED, SQUALL_DIFF_SEED (one program, with
// SQUALL_DIFF_SEED_LARGE=1 for a large one), SQUALL_DIFF_MIN_RULES, SQUALL_DIFF_MAX_RULES,
// SQUALL_DIFF_JOBS, SQUALL_DIFF_MAX_FAILURES, SQUALL_DIFF_DUMP (directory for the failing cases
// as .rule + .jsonl files), SQUALL_DIFF_CANDIDATE, SQUALL_DIFF_STRICT_ORDER, SQUALL_DIFF_FORK,
// SQUALL_DIFF_VERBOSE, SQUALL_DIFF_CONJUNCT_STATS.
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <new>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "compiler/check/checker.h"
#include "compiler/diag/diagnostic_engine.h"
#include "compiler/diag/render.h"
#include "compiler/ir/lower.h"
#include "compiler/ir/printer.h"
#include "compiler/parse/parser.h"
#include "compiler/schema/loader.h"
#include "runtime/events/decoder.h"
#include "runtime/interp/interpreter.h"
#include "runtime/interp/value.h"
#include "runtime/jit/jit_engine.h"
#include "runtime/match/engine.h"
#include "tests/differential/generator.h"

namespace squall::difftest {
namespace {

using Clock = std::chrono::steady_clock;

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

// ---------------------------------------------------------------------------------------------
// Configuration

std::optional<uint64_t> EnvNumber(const char* name) {
  const char* text = std::getenv(name);
  if (text == nullptr || *text == '\0') return std::nullopt;
  return std::strtoull(text, nullptr, 0);  // decimal or 0x...
}

uint64_t EnvOr(const char* name, uint64_t fallback) { return EnvNumber(name).value_or(fallback); }

bool Verbose() { return std::getenv("SQUALL_DIFF_VERBOSE") != nullptr; }
bool ForkEnabled() { return EnvOr("SQUALL_DIFF_FORK", 1) != 0; }

constexpr uint64_t kDefaultBaseSeed = 0x5A11'D1FF'2024'0502ull;

std::string SeedText(uint64_t seed) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "0x%016llx", static_cast<unsigned long long>(seed));
  return buffer;
}

// ---------------------------------------------------------------------------------------------
// Crash context. If an engine crashes, the process (the child, normally) says which program
// and event it was running, and a page shared with the parent records the stage it was in.
// The harness's only global state; the signal handler only calls write(2).

struct CrashContext {
  char header[256] = {};
  const char* source = nullptr;
  size_t source_size = 0;
  const char* event = nullptr;
  size_t event_size = 0;
};
CrashContext g_crash;

// Where a run is; in memory shared between parent and children.
struct Progress {
  enum Stage : int { kCompile, kBuild, kReference, kCandidate, kDone };
  int stage = kCompile;
  uint64_t event = 0;  // kReference, kCandidate: index of the event being matched
};

// One Progress per concurrently running child (slot = program index % kProgressSlots).
constexpr int kProgressSlots = 64;

Progress& SharedProgress(int slot) {
  static Progress* progress = [] {
    void* pages = mmap(nullptr, sizeof(Progress) * kProgressSlots, PROT_READ | PROT_WRITE,
                       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (pages == MAP_FAILED) {
      std::perror("mmap");
      std::abort();
    }
    return new (pages) Progress[kProgressSlots]();
  }();
  return progress[slot % kProgressSlots];
}

void WriteAll(const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = write(STDERR_FILENO, data, size);
    if (n <= 0) return;
    data += n;
    size -= static_cast<size_t>(n);
  }
}

extern "C" void OnCrash(int signal_number) {
  static const char kProgram[] = "\n--- program\n";
  static const char kEvent[] = "\n--- event\n";
  WriteAll(g_crash.header, std::strlen(g_crash.header));
  if (g_crash.source != nullptr && !ForkEnabled()) {
    WriteAll(kProgram, sizeof kProgram - 1);
    WriteAll(g_crash.source, g_crash.source_size);
  }
  if (g_crash.event != nullptr) {
    WriteAll(kEvent, sizeof kEvent - 1);
    WriteAll(g_crash.event, g_crash.event_size);
    WriteAll("\n", 1);
  }
  std::signal(signal_number, SIG_DFL);
  std::raise(signal_number);
}

void InstallCrashHandler() {
  for (int s : {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT}) std::signal(s, OnCrash);
}

void SetCrashProgram(uint64_t seed, const std::string& source) {
  std::snprintf(g_crash.header, sizeof g_crash.header,
                "\ndifferential test: crashed while running program seed %s\n",
                SeedText(seed).c_str());
  g_crash.source = source.data();
  g_crash.source_size = source.size();
  g_crash.event = nullptr;
}

void SetCrashEvent(const std::string* line) {
  g_crash.event = line != nullptr ? line->data() : nullptr;
  g_crash.event_size = line != nullptr ? line->size() : 0;
}

// ---------------------------------------------------------------------------------------------
// Process isolation

struct ChildResult {
  bool failed = false;  // crashed, hung or exited abnormally
  std::string how;      // "killed by signal 6 (Aborted)"
  std::string out;      // what `work` returned
  std::string err;      // what the child wrote to stderr
};

std::string ReadBack(FILE* file) {
  std::string out;
  std::fflush(file);
  std::rewind(file);
  char buffer[65536];
  size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, file)) > 0) out.append(buffer, n);
  std::fclose(file);
  return out;
}

// A child process running some work; its result and stderr go to temporary files.
struct Child {
  pid_t pid = -1;
  FILE* out = nullptr;
  FILE* err = nullptr;
  unsigned timeout_s = 0;
  std::string in_process;  // the result, when forking is off
};

// Starts `work` in a child process (runs it here when forking is off). A child running longer
// than `timeout_s` is killed.
Child Spawn(const std::function<std::string()>& work, unsigned timeout_s = 300) {
  Child child;
  child.timeout_s = timeout_s;
  if (!ForkEnabled()) {
    child.in_process = work();
    return child;
  }
  std::fflush(stdout);
  std::fflush(stderr);
  child.out = std::tmpfile();
  child.err = std::tmpfile();
  if (child.out == nullptr || child.err == nullptr) {
    std::perror("tmpfile");
    std::abort();
  }
  child.pid = fork();
  if (child.pid < 0) {
    std::perror("fork");
    std::abort();
  }
  if (child.pid == 0) {
    dup2(fileno(child.err), STDERR_FILENO);
    alarm(timeout_s);
    std::string result = work();
    std::fwrite(result.data(), 1, result.size(), child.out);
    std::fflush(child.out);
    std::fflush(stderr);
    _exit(0);
  }
  return child;
}

// Waits for `child` and returns what it did.
ChildResult Reap(Child& child) {
  if (child.pid < 0) return ChildResult{.out = std::move(child.in_process)};
  int status = 0;
  while (waitpid(child.pid, &status, 0) < 0 && errno == EINTR) {
  }
  child.pid = -1;
  ChildResult result;
  result.out = ReadBack(child.out);
  result.err = ReadBack(child.err);
  if (WIFSIGNALED(status)) {
    int s = WTERMSIG(status);
    result.failed = true;
    result.how = "killed by signal " + std::to_string(s) + " (" + strsignal(s) + ")" +
                 (s == SIGALRM ? ", after " + std::to_string(child.timeout_s) + " s" : "");
  } else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    result.failed = true;
    result.how = "exited with status " + std::to_string(WEXITSTATUS(status));
  }
  return result;
}

// Runs `work` in a child process (or in this one when forking is off).
ChildResult Isolate(const std::function<std::string()>& work, unsigned timeout_s = 300) {
  Child child = Spawn(work, timeout_s);
  return Reap(child);
}

// ---------------------------------------------------------------------------------------------
// Compiling a generated program (the steps of bench/match_bench.cpp)

// What compiling needs, shared by every program a Differ compiles: loading the core pack
// takes longer than checking a program. The diagnostic engine is emptied by Finish() after
// each program; sources and types only grow (forked children grow their own copies).
struct Toolchain {
  Toolchain() {
    packs.Load("core");
    // Warm up the parser's (process-wide) prediction cache before children are forked, so
    // that each child does not build it again.
    for (uint64_t i = 0; i < 40; ++i) {
      Generator generator(ProgramSeed(0x3A2B, i), GeneratorOptions{});
      source::FileId id = sources.AddFile("warmup.rule", generator.Program().Source());
      parse::ParseFile(sources, id, diags);
    }
    diags.Finish();
  }
  source::SourceManager sources;
  diag::DiagnosticEngine diags{sources};
  types::TypeContext types;
  schema::PackLoader packs{schema::LoaderOptions{}, sources, diags, types};
};

// A compiled program and what its IR refers to (types live in the Toolchain).
struct Compiled {
  const Toolchain* toolchain = nullptr;
  source::FileId file_id;
  std::unique_ptr<const ast::File> file;
  std::optional<check::CheckedProgram> checked;
  ir::Program program;

  std::string_view Text() const { return toolchain->sources.Text(file_id); }
};

// Null when the program has errors; `diagnostics` (if given) gets them rendered.
std::unique_ptr<Compiled> Compile(Toolchain& toolchain, const std::string& text,
                                  std::string* diagnostics) {
  auto out = std::make_unique<Compiled>();
  out->toolchain = &toolchain;
  out->file_id = toolchain.sources.AddFile("generated.rule", text);
  out->file = parse::ParseFile(toolchain.sources, out->file_id, toolchain.diags);
  const ast::File* files[] = {out->file.get()};
  out->checked.emplace(
      check::Check(files, toolchain.packs, toolchain.types, toolchain.sources, toolchain.diags));
  std::vector<diag::Diagnostic> found = toolchain.diags.Finish();
  bool errors = std::any_of(found.begin(), found.end(), [](const diag::Diagnostic& d) {
    return d.severity == diag::Severity::Error;
  });
  if (errors) {
    if (diagnostics != nullptr) {
      for (const diag::Diagnostic& d : found) {
        *diagnostics += diag::RenderText(d, toolchain.sources, {});
      }
    }
    return nullptr;
  }
  // Warnings (unused bindings, conditions always false) are fine.
  out->program = ir::Lower(*out->checked);
  return out;
}

std::string ConjunctKindName(ir::Conjunct::Kind kind) {
  switch (kind) {
    case ir::Conjunct::Kind::kEquals:
      return "equals";
    case ir::Conjunct::Kind::kCompare:
      return "compare";
    case ir::Conjunct::Kind::kContains:
      return "contains";
    case ir::Conjunct::Kind::kLike:
      return "like";
    case ir::Conjunct::Kind::kStartsWith:
      return "startswith";
    case ir::Conjunct::Kind::kEndsWith:
      return "endswith";
    case ir::Conjunct::Kind::kMatches:
      return "matches";
    case ir::Conjunct::Kind::kOther:
      return "other";
  }
  return "?";
}

// ---------------------------------------------------------------------------------------------
// Statistics

struct Stats {
  std::map<std::string, double> counters;  // see Summary for the names

  double& operator[](const std::string& name) { return counters[name]; }
  double Get(const std::string& name) const {
    auto it = counters.find(name);
    return it == counters.end() ? 0 : it->second;
  }
  void Add(const Stats& other) {
    for (const auto& [name, value] : other.counters) counters[name] += value;
  }
  // One line of `name=value` pairs (names have no spaces).
  std::string Serialize() const {
    std::string out;
    char buffer[64];
    for (const auto& [name, value] : counters) {
      std::snprintf(buffer, sizeof buffer, "%.17g", value);
      out += name + "=" + buffer + " ";
    }
    return out;
  }
  static Stats Parse(const std::string& line) {
    Stats out;
    std::istringstream in(line);
    for (std::string pair; in >> pair;) {
      size_t eq = pair.find('=');
      if (eq != std::string::npos)
        out[pair.substr(0, eq)] = std::strtod(pair.c_str() + eq + 1, nullptr);
    }
    return out;
  }

  std::string Summary(double seconds) const {
    auto n = [&](const char* name) { return static_cast<unsigned long long>(Get(name)); };
    auto pct = [&](const char* a, const char* b) {
      return Get(b) > 0 ? 100.0 * Get(a) / Get(b) : 0.0;
    };
    char buffer[1024];
    std::snprintf(buffer, sizeof buffer,
                  "programs=%llu rules=%llu matchers=%llu lines=%llu events=%llu rejected=%llu "
                  "firings=%llu (%.2f per event) events_with_firing=%.1f%% "
                  "rules_fired_once=%.1f%% backstop_firings=%llu "
                  "candidate_in_another_order=%llu\n"
                  "  time: total %.1f s; in the children: check+lower %.1f s, candidate build "
                  "%.1f s, decode+match %.1f s\n  conjuncts:",
                  n("programs"), n("rules"), n("matchers"), n("lines"), n("events"), n("rejected"),
                  n("firings"), Get("events") > 0 ? Get("firings") / Get("events") : 0,
                  pct("events_firing", "events"), pct("rules_fired", "rules"),
                  n("backstop_firings"), n("events_in_another_order"), seconds,
                  Get("compile_ms") / 1000, Get("candidate_ms") / 1000, Get("match_ms") / 1000);
    std::string out = buffer;
    for (const auto& [name, value] : counters) {
      if (name.starts_with("conjunct_")) {
        out += " " + name.substr(9) + "=" + std::to_string(static_cast<long long>(value));
      }
    }
    std::string jit;
    for (const auto& [name, value] : counters) {
      if (name.starts_with("jit_")) {
        char entry[80];
        if (name.ends_with("_ms")) {
          std::snprintf(entry, sizeof entry, " %s=%.1fs", name.c_str() + 4, value / 1000);
        } else {
          std::snprintf(entry, sizeof entry, " %s=%.0f", name.c_str() + 4, value);
        }
        jit += entry;
      }
    }
    if (!jit.empty()) out += "\n  jit:" + jit;
    for (const auto& [name, value] : counters) {
      if (name.starts_with("tally_")) {
        out += "\n  " + name.substr(6) + "=" + std::to_string(static_cast<long long>(value));
      }
    }
    return out;
  }
};

// ---------------------------------------------------------------------------------------------
// Engines

// Builds an engine for `program` (which outlives it); null and `*error` on failure. May add
// its own timings to `stats`.
using EngineFactory = std::function<std::unique_ptr<match::Engine>(
    const ir::Program& program, std::string* error, Stats* stats)>;

struct Candidate {
  std::string name;
  EngineFactory make;
};

Candidate InterpreterCandidate(const std::string& why) {
  return Candidate{
      .name = "interpreter (a second instance; " + why + ")",
      .make = [](const ir::Program& program, std::string*, Stats*) {
        return std::unique_ptr<match::Engine>(std::make_unique<interp::Interpreter>(program));
      }};
}

Candidate DefaultCandidate() {
  if (const char* forced = std::getenv("SQUALL_DIFF_CANDIDATE");
      forced != nullptr && std::string(forced) == "interp") {
    return InterpreterCandidate("SQUALL_DIFF_CANDIDATE=interp");
  }
  return Candidate{.name = "jit (native matchers)",
                   .make = [](const ir::Program& program, std::string* error, Stats* stats) {
                     jit::JitOptions options;  // no object cache: every program is compiled
                     jit::JitStats jit_stats;
                     std::unique_ptr<match::Engine> engine =
                         jit::CreateJitEngine(program, options, error, &jit_stats);
                     if (stats != nullptr) {
                       (*stats)["jit_index_ms"] += jit_stats.index_ms;
                       (*stats)["jit_codegen_ms"] += jit_stats.codegen_ms;
                       (*stats)["jit_optimize_ms"] += jit_stats.optimize_ms;
                       (*stats)["jit_link_ms"] += jit_stats.link_ms;
                       (*stats)["jit_object_bytes"] += static_cast<double>(jit_stats.object_bytes);
                     }
                     return engine;
                   }};
}

// The JIT through its object cache: builds the program once (which stores the object in
// `cache_dir`), then again, which must load it; the second engine is the candidate.
Candidate CachedJitCandidate(const std::string& cache_dir) {
  return Candidate{.name = "jit (native matchers, loaded from the object cache)",
                   .make = [cache_dir](const ir::Program& program, std::string* error,
                                       Stats* stats) -> std::unique_ptr<match::Engine> {
                     jit::JitOptions options{.cache_dir = cache_dir};
                     jit::JitStats first_stats, second_stats;
                     if (jit::CreateJitEngine(program, options, error, &first_stats) == nullptr)
                       return nullptr;
                     std::unique_ptr<match::Engine> engine =
                         jit::CreateJitEngine(program, options, error, &second_stats);
                     if (engine != nullptr && !second_stats.from_cache) {
                       *error =
                           "the second build of the program did not come from the object cache";
                       return nullptr;
                     }
                     if (stats != nullptr)
                       (*stats)["jit_cache_hits"] += second_stats.from_cache ? 1 : 0;
                     return engine;
                   }};
}

bool SamePlans(const std::vector<events::DecoderPlan>& a, const std::vector<events::DecoderPlan>& b,
               std::string* why) {
  if (a.size() != b.size()) {
    *why = "plan counts differ: " + std::to_string(a.size()) + " vs " + std::to_string(b.size());
    return false;
  }
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].trigger_ref() != b[i].trigger_ref()) {
      *why = "plan " + std::to_string(i) + ": trigger " + a[i].trigger_ref() + " vs " +
             b[i].trigger_ref();
      return false;
    }
    if (a[i].slot_count() != b[i].slot_count() || a[i].path_count() != b[i].path_count()) {
      *why = "plan " + a[i].trigger_ref() + ": slot or path counts differ";
      return false;
    }
    for (events::SlotIndex s = 0; s < a[i].slot_count(); ++s) {
      if (!(a[i].slot_path(s) == b[i].slot_path(s))) {
        *why = "plan " + a[i].trigger_ref() + ": slot " + std::to_string(s) + " differs";
        return false;
      }
    }
    for (size_t p = 0; p < a[i].path_count(); ++p) {
      if (a[i].slot_of(p) != b[i].slot_of(p)) {
        *why = "plan " + a[i].trigger_ref() + ": path " + std::to_string(p) + " maps differently";
        return false;
      }
    }
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// The comparison

std::string RuleNames(const ir::Program& program, const std::vector<match::RuleRef>& refs) {
  std::string out = "[";
  for (size_t i = 0; i < refs.size(); ++i) {
    if (i > 0) out += ", ";
    const match::RuleRef& r = refs[i];
    if (r.matcher < program.matchers.size() && r.rule < program.matchers[r.matcher].rules.size()) {
      out += program.matchers[r.matcher].rules[r.rule].name;
    } else {
      out += "<invalid " + std::to_string(r.matcher) + "/" + std::to_string(r.rule) + ">";
    }
  }
  return out + "]";
}

// Whether two engines' firings for one event agree. Engine::Match leaves the order to the
// engine (the interpreter's is program order, the JIT's its decision tree's; callers sort), so
// by default the firings are compared in program order: the same rules, each once.
// SQUALL_DIFF_STRICT_ORDER=1 requires the very same sequence.
bool SameFirings(const std::vector<match::RuleRef>& expected,
                 const std::vector<match::RuleRef>& actual) {
  if (expected == actual) return true;
  static const bool strict = EnvOr("SQUALL_DIFF_STRICT_ORDER", 0) != 0;
  if (strict || expected.size() != actual.size()) return false;
  std::vector<match::RuleRef> a = expected, b = actual;
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  return a == b && std::adjacent_find(b.begin(), b.end()) == b.end();
}

// How a program (and an event) fared.
enum class Verdict : int {
  kAgree = 0,
  kDisagree = 1,        // different rules fired
  kCandidateError = 2,  // the candidate refused to build the program
  kPlansDiffer = 3,     // the engines want different decoder plans
  kCrash = 4,           // an engine (normally the candidate) crashed, hung or aborted
  kGeneratorBug = 5,    // the program does not type-check
  kRejected = 6,        // the event does not decode (when classifying one event)
};

const char* VerdictName(Verdict v) {
  switch (v) {
    case Verdict::kAgree:
      return "agree";
    case Verdict::kDisagree:
      return "engines disagree";
    case Verdict::kCandidateError:
      return "candidate failed to build the program";
    case Verdict::kPlansDiffer:
      return "decoder plans differ";
    case Verdict::kCrash:
      return "crashed";
    case Verdict::kGeneratorBug:
      return "generator bug: the program does not type-check";
    case Verdict::kRejected:
      return "event rejected";
  }
  return "?";
}

constexpr uint64_t kNoEvent = UINT64_MAX;

struct RunResult {
  Verdict verdict = Verdict::kAgree;
  uint64_t event = kNoEvent;  // the event that failed, if any
  std::string detail;         // diagnostics, the candidate's error, the child's stderr
  Stats stats;

  std::string Serialize() const {
    return std::to_string(static_cast<int>(verdict)) + " " + std::to_string(event) + "\n" +
           stats.Serialize() + "\n" + detail;
  }
  static RunResult Parse(const std::string& text) {
    RunResult out;
    size_t line1 = text.find('\n');
    size_t line2 = line1 == std::string::npos ? line1 : text.find('\n', line1 + 1);
    if (line2 == std::string::npos) {
      out.verdict = Verdict::kCrash;
      out.detail = "unreadable child result: " + text;
      return out;
    }
    std::istringstream head(text.substr(0, line1));
    int verdict = 0;
    head >> verdict >> out.event;
    out.verdict = static_cast<Verdict>(verdict);
    out.stats = Stats::Parse(text.substr(line1 + 1, line2 - line1 - 1));
    out.detail = text.substr(line2 + 1);
    return out;
  }
};

class Differ {
 public:
  explicit Differ(Candidate candidate) : candidate_(std::move(candidate)) {}

  const std::string& candidate_name() const { return candidate_.name; }

  // A program running in a child process.
  struct Pending {
    Child child;
    int slot = 0;
  };

  // Starts running `program` over `events` in a child process (progress slot `slot`).
  Pending Start(const GeneratedProgram& program, const std::vector<GeneratedEvent>& events,
                int slot) {
    SharedProgress(slot) = Progress{};
    return Pending{.child = Spawn([&] { return RunHere(program, events, slot).Serialize(); }),
                   .slot = slot};
  }

  // Waits for a started program: an empty string when the engines agreed on every event,
  // else the failure report (minimized when `minimize`).
  std::string Finish(Pending& pending, const GeneratedProgram& program,
                     const std::vector<GeneratedEvent>& events, Stats& stats, bool minimize) {
    ChildResult child = Reap(pending.child);
    const Progress& progress = SharedProgress(pending.slot);
    RunResult result;
    if (child.failed) {
      result.verdict = Verdict::kCrash;
      bool matching =
          progress.stage == Progress::kReference || progress.stage == Progress::kCandidate;
      result.event = matching ? progress.event : kNoEvent;
      result.detail = child.how + " while " + StageName(progress.stage) + "\n" + child.err;
    } else {
      result = RunResult::Parse(child.out);
      if (!child.err.empty()) result.detail += child.err;
    }
    stats.Add(result.stats);
    if (result.verdict == Verdict::kAgree) return {};
    return Failure(program, events, result, minimize);
  }

  // Runs `program` over `events` in a child process and waits for it (see Finish).
  std::string Run(const GeneratedProgram& program, const std::vector<GeneratedEvent>& events,
                  Stats& stats, bool minimize = true) {
    Pending pending = Start(program, events, 0);
    return Finish(pending, program, events, stats, minimize);
  }

  // Kills a started program (after the run was stopped).
  static void Abandon(Pending& pending) {
    if (pending.child.pid > 0) kill(pending.child.pid, SIGKILL);
    Reap(pending.child);
  }

  // The verdict for one program and a sequence of events, matched in order by the same two
  // engines (quietly, in a child process): kDisagree when they disagree on any event.
  Verdict Classify(const GeneratedProgram& program, const std::vector<GeneratedEvent>& events) {
    ++attempts_;
    ChildResult child =
        Isolate([&] { return std::to_string(static_cast<int>(ClassifyHere(program, events))); });
    if (child.failed) return Verdict::kCrash;
    return static_cast<Verdict>(std::atoi(child.out.c_str()));
  }

  bool Disagrees(const GeneratedProgram& program, const std::vector<GeneratedEvent>& events) {
    return Classify(program, events) == Verdict::kDisagree;
  }

  // Shrinks `program` and `events` while they keep failing with `target`: drops rules (in
  // chunks, then one by one), conjuncts, filters, annotations, actions' arguments, constants,
  // trigger fields, triggers, events and payload members.
  void Minimize(GeneratedProgram& program, std::vector<GeneratedEvent>& events, Verdict target) {
    attempts_ = 0;
    Clock::time_point deadline = Clock::now() + std::chrono::seconds(240);
    auto budget = [&] { return attempts_ < 4000 && Clock::now() < deadline; };
    auto still = [&] { return Classify(program, events) == target; };
    auto text = [&] {
      std::string all = program.Source();
      for (const GeneratedEvent& e : events) all += e.Line() + "\n";
      return all;
    };
    // Removes elements of `items` in chunks (delta debugging) while `still` holds.
    auto shrink = [&](auto& items) {
      size_t chunk = std::max<size_t>(1, items.size() / 2);
      while (budget() && !items.empty()) {
        bool removed = false;
        for (size_t start = 0; start < items.size() && budget();) {
          auto saved = items;
          size_t end = std::min(items.size(), start + chunk);
          items.erase(items.begin() + static_cast<std::ptrdiff_t>(start),
                      items.begin() + static_cast<std::ptrdiff_t>(end));
          if (still()) {
            removed = true;
          } else {
            items = std::move(saved);
            start = end;
          }
        }
        if (chunk == 1 && !removed) break;
        if (!removed) chunk = std::max<size_t>(1, chunk / 2);
      }
    };
    auto try_change = [&](auto& field, auto value) {
      auto saved = field;
      field = value;
      if (!still()) field = saved;
    };
    for (int round = 0; round < 4 && budget(); ++round) {
      std::string before = text();
      shrink(program.rules);
      for (size_t r = 0; r < program.rules.size() && budget(); ++r) {
        GeneratedRule& rule = program.rules[r];
        shrink(rule.conjuncts);
        if (!rule.filter.empty()) try_change(rule.filter, std::string());
        if (rule.backstop) try_change(rule.backstop, false);
        if (rule.disabled) try_change(rule.disabled, false);
        if (rule.action != "core.noop()") try_change(rule.action, std::string("core.noop()"));
      }
      shrink(program.consts);
      for (size_t t = 0; t < program.triggers.size() && budget(); ++t) {
        shrink(program.triggers[t].fields);
      }
      shrink(program.triggers);
      if (events.size() > 1) shrink(events);
      for (size_t e = 0; e < events.size() && budget(); ++e) {
        shrink(events[e].payload);
        if (events[e].payload_first) try_change(events[e].payload_first, false);
        if (!events[e].id.empty()) try_change(events[e].id, std::string());
      }
      if (text() == before) break;
    }
  }

 private:
  static const char* StageName(int stage) {
    switch (stage) {
      case Progress::kCompile:
        return "compiling";
      case Progress::kBuild:
        return "building the candidate engine";
      case Progress::kReference:
        return "matching with the reference interpreter";
      case Progress::kCandidate:
        return "matching with the candidate";
      default:
        return "finishing";
    }
  }

  // Runs a program over its events in this process.
  RunResult RunHere(const GeneratedProgram& program, const std::vector<GeneratedEvent>& events,
                    int slot) {
    RunResult result;
    Stats& stats = result.stats;
    Progress& progress = SharedProgress(slot);
    std::string source = program.Source();
    SetCrashProgram(program.seed, source);
    progress.stage = Progress::kCompile;
    Clock::time_point t0 = Clock::now();
    std::unique_ptr<Compiled> compiled = Compile(toolchain_, source, &result.detail);
    if (compiled == nullptr) {
      result.verdict = Verdict::kGeneratorBug;
      return result;
    }
    Clock::time_point t1 = Clock::now();
    stats["compile_ms"] += Ms(t1 - t0);
    const ir::Program& ir = compiled->program;
    interp::Interpreter reference(ir);
    progress.stage = Progress::kBuild;
    std::unique_ptr<match::Engine> candidate = candidate_.make(ir, &result.detail, &stats);
    stats["candidate_ms"] += Ms(Clock::now() - t1);
    if (candidate == nullptr) {
      result.verdict = Verdict::kCandidateError;
      return result;
    }
    if (!SamePlans(reference.DecoderPlans(), candidate->DecoderPlans(), &result.detail)) {
      result.verdict = Verdict::kPlansDiffer;
      return result;
    }
    stats["programs"] += 1;
    stats["matchers"] += static_cast<double>(ir.matchers.size());
    for (const ir::Matcher& m : ir.matchers) {
      stats["rules"] += static_cast<double>(m.rules.size());
      for (const ir::RuleMatch& r : m.rules) {
        for (const ir::Conjunct& c : r.conjuncts)
          stats["conjunct_" + ConjunctKindName(c.kind)] += 1;
      }
    }
    events::Decoder decoder(events::DecoderOptions{}, reference.DecoderPlans());
    events::DecodedEvent event;
    std::vector<match::RuleRef> expected, actual;
    std::set<std::pair<uint32_t, uint32_t>> fired;
    Clock::time_point t2 = Clock::now();
    for (size_t i = 0; i < events.size(); ++i) {
      std::string line = events[i].Line();
      stats["lines"] += 1;
      if (!decoder.Decode(line, event).ok()) {
        stats["rejected"] += 1;
        continue;
      }
      stats["events"] += 1;
      progress.stage = Progress::kReference;
      progress.event = i;
      SetCrashEvent(&line);
      expected.clear();
      actual.clear();
      reference.Match(event, expected);
      progress.stage = Progress::kCandidate;
      candidate->Match(event, actual);
      SetCrashEvent(nullptr);
      if (!SameFirings(expected, actual)) {
        result.verdict = Verdict::kDisagree;
        result.event = i;
        break;
      }
      stats["events_in_another_order"] += expected == actual ? 0 : 1;
      if (conjunct_stats_) TallyConjuncts(reference, ir, event, stats);
      stats["firings"] += static_cast<double>(expected.size());
      stats["events_firing"] += expected.empty() ? 0 : 1;
      for (const match::RuleRef& r : expected) {
        fired.emplace(r.matcher, r.rule);
        if (ir.matchers[r.matcher].rules[r.rule].backstop) stats["backstop_firings"] += 1;
      }
    }
    progress.stage = Progress::kDone;
    stats["match_ms"] += Ms(Clock::now() - t2);
    stats["rules_fired"] += static_cast<double>(fired.size());
    return result;
  }

  // For tuning the generator: how often conjuncts of each kind hold, and how often a rule's
  // conjuncts all hold but one.
  static void TallyConjuncts(interp::Interpreter& reference, const ir::Program& ir,
                             const events::DecodedEvent& event, Stats& stats) {
    for (uint32_t m = 0; m < ir.matchers.size(); ++m) {
      if (ir.matchers[m].trigger != event.trigger) continue;
      for (const ir::RuleMatch& rule : ir.matchers[m].rules) {
        int failing = 0;
        for (const ir::Conjunct& c : rule.conjuncts) {
          interp::Value v = reference.Evaluate(m, c.node, event);
          bool holds = v.kind == interp::Value::Kind::kBool && v.boolean;
          std::string kind = ConjunctKindName(c.kind);
          stats["tally_" + kind + "_evaluated"] += 1;
          stats["tally_" + kind + "_true"] += holds ? 1 : 0;
          failing += holds ? 0 : 1;
        }
        stats["tally_rule_conjuncts_" + std::to_string(rule.conjuncts.size())] += 1;
        stats["tally_rule_conjuncts_" + std::to_string(rule.conjuncts.size()) + "_fail" +
              std::to_string(std::min(failing, 2))] += 1;
      }
    }
  }

  Verdict ClassifyHere(const GeneratedProgram& program, const std::vector<GeneratedEvent>& lines) {
    std::unique_ptr<Compiled> compiled = Compile(toolchain_, program.Source(), nullptr);
    if (compiled == nullptr) return Verdict::kGeneratorBug;
    interp::Interpreter reference(compiled->program);
    std::string error;
    std::unique_ptr<match::Engine> candidate = candidate_.make(compiled->program, &error, nullptr);
    if (candidate == nullptr) return Verdict::kCandidateError;
    if (!SamePlans(reference.DecoderPlans(), candidate->DecoderPlans(), &error)) {
      return Verdict::kPlansDiffer;
    }
    events::Decoder decoder(events::DecoderOptions{}, reference.DecoderPlans());
    events::DecodedEvent event;
    Verdict verdict = Verdict::kRejected;
    for (const GeneratedEvent& line : lines) {
      if (!decoder.Decode(line.Line(), event).ok()) continue;
      std::vector<match::RuleRef> expected, actual;
      reference.Match(event, expected);
      candidate->Match(event, actual);
      if (!SameFirings(expected, actual)) return Verdict::kDisagree;
      verdict = Verdict::kAgree;
    }
    return verdict;
  }

  // The failure report: the original case, then the minimized one.
  std::string Failure(const GeneratedProgram& program, const std::vector<GeneratedEvent>& events,
                      const RunResult& result, bool minimize) {
    std::string out =
        std::string(VerdictName(result.verdict)) + ": program seed " + SeedText(program.seed);
    if (result.event != kNoEvent) out += ", event #" + std::to_string(result.event);
    out += " (SQUALL_DIFF_SEED=" + SeedText(program.seed) +
           " reproduces it)\ncandidate: " + candidate_.name + "\n";
    if (!result.detail.empty()) out += "--- detail\n" + result.detail + "\n";
    if (result.verdict == Verdict::kGeneratorBug) {
      return out + "--- program\n" + program.Source();
    }
    // The failing event alone, or with the events before it when it fails only after them
    // (state carried from one Match to the next); none when the failure is not an event's.
    std::vector<GeneratedEvent> failing;
    if (result.event != kNoEvent) {
      failing = {events[result.event]};
      if (Classify(program, failing) != result.verdict) {
        failing.assign(events.begin(),
                       events.begin() + static_cast<std::ptrdiff_t>(result.event + 1));
        out += "(the event fails only after the events before it)\n";
      }
    }
    out += Explain(program, failing, "original", result.verdict);
    Dump(program, failing, "original");
    if (minimize) {
      GeneratedProgram small = program;
      std::vector<GeneratedEvent> small_events = failing;
      Minimize(small, small_events, result.verdict);
      out += "\n=== minimized (" + std::to_string(attempts_) + " attempts)\n";
      out += Explain(small, small_events, "minimized", result.verdict);
      Dump(small, small_events, "minimized");
    }
    return out;
  }

  // The case: program, event, what each engine fired and, for each rule they disagree on, the
  // reference's value of its condition and conjuncts; the slots; the IR. Runs the candidate in
  // a child; when that crashes, says so with the child's stderr.
  std::string Explain(const GeneratedProgram& program, const std::vector<GeneratedEvent>& events,
                      const std::string& what, Verdict verdict) {
    std::string out = "--- " + what + " program (" + std::to_string(program.rules.size()) +
                      " rules)\n" + program.Source();
    if (!events.empty()) {
      out += events.size() == 1 ? "--- event\n" : "--- events (the last one is explained)\n";
      for (const GeneratedEvent& e : events) out += e.Line() + "\n";
    }
    if (verdict == Verdict::kDisagree) {
      ChildResult child = Isolate([&] { return ExplainHere(program, events, true); });
      if (!child.failed) return out + child.out;
      out += "(explaining with the candidate " + child.how + ")\n";
    } else if (verdict == Verdict::kCrash || verdict == Verdict::kCandidateError) {
      // The candidate's own words: run it once more and keep its stderr (or error).
      ChildResult child = Isolate([&] {
        std::unique_ptr<Compiled> compiled = Compile(toolchain_, program.Source(), nullptr);
        if (compiled == nullptr) return std::string("(does not compile)\n");
        std::string error;
        std::unique_ptr<match::Engine> candidate =
            candidate_.make(compiled->program, &error, nullptr);
        if (candidate == nullptr) return "candidate error: " + error + "\n";
        interp::Interpreter reference(compiled->program);
        events::Decoder decoder(events::DecoderOptions{}, reference.DecoderPlans());
        events::DecodedEvent event;
        for (const GeneratedEvent& e : events) {
          std::vector<match::RuleRef> fired;
          if (decoder.Decode(e.Line(), event).ok()) candidate->Match(event, fired);
        }
        return std::string("(the candidate did not fail this time)\n");
      });
      out += child.failed ? "--- candidate " + child.how + "; its stderr:\n" +
                                (child.err.empty() ? "(nothing)\n" : Tail(child.err, 4000))
                          : "--- candidate: " + child.out + Tail(child.err, 4000);
    }
    return out + ExplainHere(program, events, false);
  }

  static std::string Tail(const std::string& text, size_t max) {
    return text.size() <= max ? text : "..." + text.substr(text.size() - max);
  }

  // Explains the last of `generated` (the ones before it are matched first, by both engines).
  std::string ExplainHere(const GeneratedProgram& program,
                          const std::vector<GeneratedEvent>& generated, bool with_candidate) {
    std::string out;
    std::unique_ptr<Compiled> compiled = Compile(toolchain_, program.Source(), nullptr);
    if (compiled == nullptr) return out + "(does not compile)\n";
    const ir::Program& ir = compiled->program;
    interp::Interpreter reference(ir);
    std::unique_ptr<match::Engine> candidate;
    if (with_candidate) {
      std::string error;
      candidate = candidate_.make(ir, &error, nullptr);
      if (candidate == nullptr) return out + "(candidate failed: " + error + ")\n";
    }
    events::Decoder decoder(events::DecoderOptions{}, reference.DecoderPlans());
    events::DecodedEvent event;
    std::vector<match::RuleRef> expected, actual;
    bool decoded = false;
    for (const GeneratedEvent& e : generated) {
      decoded = decoder.Decode(e.Line(), event).ok();
      if (!decoded || &e == &generated.back()) continue;
      reference.Match(event, expected);
      if (candidate != nullptr) candidate->Match(event, actual);
      expected.clear();
      actual.clear();
    }
    if (decoded) {
      reference.Match(event, expected);
      out += "--- reference fired: " + RuleNames(ir, expected) + "\n";
      if (candidate != nullptr) {
        candidate->Match(event, actual);
        out += "--- candidate fired: " + RuleNames(ir, actual) + "\n";
      }
    }
    std::set<match::RuleRef> differing;
    if (candidate != nullptr && decoded) {
      for (const match::RuleRef& r : expected) {
        if (std::find(actual.begin(), actual.end(), r) == actual.end()) differing.insert(r);
      }
      for (const match::RuleRef& r : actual) {
        if (std::find(expected.begin(), expected.end(), r) == expected.end()) differing.insert(r);
      }
      if (differing.empty()) out += "(the same rules, in another order or more than once)\n";
    }
    std::string_view text = compiled->Text();
    for (const match::RuleRef& r : differing) {
      if (r.matcher >= ir.matchers.size() || r.rule >= ir.matchers[r.matcher].rules.size()) {
        continue;
      }
      const ir::Matcher& m = ir.matchers[r.matcher];
      const ir::RuleMatch& rule = m.rules[r.rule];
      bool by_reference = std::find(expected.begin(), expected.end(), r) != expected.end();
      out += "--- rule " + rule.name + " (matcher " + m.trigger + m.parameters_json + ")" +
             (rule.backstop ? " @backstop" : "") + (rule.disabled ? " @disabled" : "") +
             " fired by the " + (by_reference ? "reference" : "candidate") + " only\n";
      if (rule.condition.IsValid()) {
        out += "  condition = " +
               interp::ToJson(reference.Evaluate(r.matcher, rule.condition, event)) + "\n";
      }
      for (size_t c = 0; c < rule.conjuncts.size(); ++c) {
        const ir::Conjunct& conjunct = rule.conjuncts[c];
        const ir::Node& node = m.nodes[conjunct.node.index];
        std::string_view spelling =
            node.range.IsValid() && node.range.end <= text.size()
                ? text.substr(node.range.begin, node.range.end - node.range.begin)
                : std::string_view("?");
        out += "  conjunct " + std::to_string(c) + " [" + ConjunctKindName(conjunct.kind);
        if (conjunct.kind != ir::Conjunct::Kind::kOther) {
          out += " $" + std::to_string(conjunct.slot);
        }
        out += "] `" + std::string(spelling) +
               "` = " + interp::ToJson(reference.Evaluate(r.matcher, conjunct.node, event)) + "\n";
      }
    }
    if (decoded) {
      // The slots as the decoder extracted them, as the reference reads them.
      for (uint32_t mi = 0; mi < ir.matchers.size(); ++mi) {
        const ir::Matcher& m = ir.matchers[mi];
        if (m.trigger != event.trigger) continue;
        out += "--- slots of matcher " + m.trigger + m.parameters_json + "\n";
        for (size_t s = 0; s < m.slots.size(); ++s) {
          std::string path;
          for (const std::string& key : m.slots[s].path) path += (path.empty() ? "" : ".") + key;
          out += "  $" + std::to_string(s) + " " + path;
          for (uint32_t n = 0; n < m.nodes.size(); ++n) {
            if (m.nodes[n].op == ir::Op::kSlot && m.nodes[n].index == s) {
              out += " = " + interp::ToJson(reference.Evaluate(mi, ir::NodeRef{n}, event));
              break;
            }
          }
          out += "\n";
        }
      }
    }
    return out + "--- IR\n" + ir::PrintIr(ir);
  }

  // Writes the case to $SQUALL_DIFF_DUMP/<seed>-<what>.rule and .jsonl, for `squall run`.
  void Dump(const GeneratedProgram& program, const std::vector<GeneratedEvent>& events,
            const std::string& what) {
    const char* dir = std::getenv("SQUALL_DIFF_DUMP");
    if (dir == nullptr || *dir == '\0') return;
    std::filesystem::create_directories(dir);
    std::string stem = std::string(dir) + "/" + SeedText(program.seed) + "-" + what;
    std::ofstream(stem + ".rule") << program.Source();
    if (events.empty()) return;
    std::ofstream lines(stem + ".jsonl");
    for (const GeneratedEvent& e : events) lines << e.Line() << "\n";
  }

  Candidate candidate_;
  bool conjunct_stats_ = EnvOr("SQUALL_DIFF_CONJUNCT_STATS", 0) != 0;
  Toolchain toolchain_;
  size_t attempts_ = 0;
};

// Generates and runs programs `first` .. `first + count - 1` of base seed `base_seed`, up to
// SQUALL_DIFF_JOBS at a time (in child processes); fails the test on failing programs
// (reported in program order, stopping after SQUALL_DIFF_MAX_FAILURES).
void RunPrograms(Differ& differ, uint64_t base_seed, uint64_t first, uint64_t count,
                 GeneratorOptions options, int events_per_program, Stats& stats) {
  struct Job {
    uint64_t index = 0;
    GeneratedProgram program;
    std::vector<GeneratedEvent> events;
    Differ::Pending pending;
  };
  uint64_t jobs =
      ForkEnabled() ? EnvOr("SQUALL_DIFF_JOBS", std::thread::hardware_concurrency()) : 1;
  jobs = std::clamp<uint64_t>(jobs, 1, kProgressSlots / 2);
  uint64_t max_failures = EnvOr("SQUALL_DIFF_MAX_FAILURES", 3);
  uint64_t failures = 0;
  std::deque<Job> running;
  uint64_t next = first;
  Clock::time_point start = Clock::now();
  while (next < first + count || !running.empty()) {
    while (running.size() < jobs && next < first + count && failures < max_failures) {
      Job& job = running.emplace_back();
      job.index = next++;
      Generator generator(ProgramSeed(base_seed, job.index), options);
      job.program = generator.Program();
      job.events = generator.Events(events_per_program);
      job.pending = differ.Start(job.program, job.events, static_cast<int>(job.index));
    }
    if (running.empty()) break;
    Job& job = running.front();
    if (failures >= max_failures) {
      Differ::Abandon(job.pending);
    } else {
      std::string failure =
          differ.Finish(job.pending, job.program, job.events, stats, /*minimize=*/true);
      if (!failure.empty()) {
        ADD_FAILURE() << failure;
        if (++failures >= max_failures) {
          ADD_FAILURE() << "stopping after " << failures << " failing programs (of "
                        << job.index - first + 1 << ")";
        }
      }
    }
    uint64_t done = job.index + 1 - first;
    running.pop_front();
    if (Verbose() && done % 250 == 0) {
      std::fprintf(stderr, "differential: %llu/%llu programs, %llu failing, %.0f s\n",
                   static_cast<unsigned long long>(done), static_cast<unsigned long long>(count),
                   static_cast<unsigned long long>(failures), Ms(Clock::now() - start) / 1000);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Tests

GeneratorOptions LargeOptions() {
  return GeneratorOptions{.min_rules = 500, .max_rules = 2000, .large = true};
}

class EngineDifferential : public testing::Test {
 protected:
  static void SetUpTestSuite() { InstallCrashHandler(); }
};

// Many small programs (1-60 rules, 1-3 triggers and sometimes webhooks), 50 events each.
TEST_F(EngineDifferential, RandomPrograms) {
  Differ differ(DefaultCandidate());
  Stats stats;
  Clock::time_point start = Clock::now();
  uint64_t base = EnvOr("SQUALL_DIFF_BASE_SEED", kDefaultBaseSeed);
  int events = static_cast<int>(EnvOr("SQUALL_DIFF_EVENTS", 50));
  if (std::optional<uint64_t> seed = EnvNumber("SQUALL_DIFF_SEED")) {
    // One program, by its own seed (as a failure prints it).
    GeneratorOptions options;
    if (EnvOr("SQUALL_DIFF_SEED_LARGE", 0) != 0) {
      options = LargeOptions();
      events = static_cast<int>(EnvOr("SQUALL_DIFF_EVENTS", 150));
    }
    Generator generator(*seed, options);
    GeneratedProgram program = generator.Program();
    std::vector<GeneratedEvent> lines = generator.Events(events);
    if (Verbose()) {
      std::printf("%s", program.Source().c_str());
      for (const GeneratedEvent& e : lines) std::printf("%s\n", e.Line().c_str());
    }
    std::string failure = differ.Run(program, lines, stats);
    EXPECT_TRUE(failure.empty()) << failure;
    std::printf("candidate: %s\n%s\n", differ.candidate_name().c_str(),
                stats.Summary(Ms(Clock::now() - start) / 1000).c_str());
    return;
  }
  // 500 by default: building the JIT takes ~45 ms per program (LLVM at O2), which keeps this
  // under half a minute on two cores in the dev build. Soak runs raise it.
  uint64_t count = EnvOr("SQUALL_DIFF_PROGRAMS", 500);
  GeneratorOptions options;
  options.min_rules = static_cast<int>(EnvOr("SQUALL_DIFF_MIN_RULES", 1));
  options.max_rules = static_cast<int>(EnvOr("SQUALL_DIFF_MAX_RULES", 60));
  RunPrograms(differ, base, 0, count, options, events, stats);
  std::printf("candidate: %s\nbase seed %s\n%s\n", differ.candidate_name().c_str(),
              SeedText(base).c_str(), stats.Summary(Ms(Clock::now() - start) / 1000).c_str());
  if (HasFailure() || count < 100) return;
  // The generator must keep producing programs whose rules fire and whose events decode, or
  // this test compares little: guard the statistics it was tuned to.
  EXPECT_EQ(stats.Get("programs"), static_cast<double>(count));
  // (Tuned values: about 62% and 42%.)
  EXPECT_GT(stats.Get("events_firing"), 0.5 * stats.Get("events"))
      << "too few events fire any rule";
  EXPECT_GT(stats.Get("rules_fired"), 0.35 * stats.Get("rules")) << "too few rules ever fire";
  EXPECT_GT(stats.Get("rejected"), 0.005 * stats.Get("lines"))
      << "the decoder should reject some lines";
  EXPECT_LT(stats.Get("rejected"), 0.05 * stats.Get("lines"))
      << "the decoder rejects too many lines";
  EXPECT_GT(stats.Get("backstop_firings"), 0);
  EXPECT_GT(stats.Get("conjunct_equals") + stats.Get("conjunct_compare"),
            stats.Get("conjunct_other"))
      << "most conjuncts should be indexable";
}

// A few large programs (500-2,000 rules on one trigger, 150 events each): what the native
// matchers' index is for.
TEST_F(EngineDifferential, LargePrograms) {
  if (EnvNumber("SQUALL_DIFF_SEED")) GTEST_SKIP() << "SQUALL_DIFF_SEED runs RandomPrograms only";
  Differ differ(DefaultCandidate());
  Stats stats;
  Clock::time_point start = Clock::now();
  uint64_t base = EnvOr("SQUALL_DIFF_BASE_SEED", kDefaultBaseSeed) ^ 0x1A26E;
  uint64_t count = EnvOr("SQUALL_DIFF_LARGE", 4);
  GeneratorOptions options = LargeOptions();
  RunPrograms(differ, base, 0, count, options, static_cast<int>(EnvOr("SQUALL_DIFF_EVENTS", 150)),
              stats);
  std::printf("candidate: %s\n%s\n", differ.candidate_name().c_str(),
              stats.Summary(Ms(Clock::now() - start) / 1000).c_str());
  if (HasFailure() || count == 0) return;
  EXPECT_GT(stats.Get("events_firing"), 0.6 * stats.Get("events"))
      << "too few events fire any rule";
}

// The same seed gives the same program and events (what makes a printed seed reproducible).
TEST_F(EngineDifferential, GeneratorIsDeterministic) {
  for (uint64_t i = 0; i < 20; ++i) {
    uint64_t seed = ProgramSeed(kDefaultBaseSeed, i);
    Generator a(seed, GeneratorOptions{});
    Generator b(seed, GeneratorOptions{});
    EXPECT_EQ(a.Program().Source(), b.Program().Source());
    std::vector<GeneratedEvent> ea = a.Events(10), eb = b.Events(10);
    for (size_t k = 0; k < ea.size(); ++k) EXPECT_EQ(ea[k].Line(), eb[k].Line());
  }
}

// The harness itself: an engine that drops the firings of one kind of rule must be caught,
// and the case shrunk to one rule with one conjunct.
TEST_F(EngineDifferential, CatchesAndMinimizesADisagreement) {
  // The candidate: the interpreter, except that it never fires a rule whose first conjunct is
  // a `like` test (a stand-in for a bug in native pattern matching).
  class Mutant final : public match::Engine {
   public:
    explicit Mutant(const ir::Program& program) : program_(program), interpreter_(program) {}
    const std::vector<events::DecoderPlan>& DecoderPlans() const override {
      return interpreter_.DecoderPlans();
    }
    void Match(const events::DecodedEvent& event, std::vector<match::RuleRef>& out) override {
      size_t first = out.size();
      interpreter_.Match(event, out);
      out.erase(std::remove_if(
                    out.begin() + static_cast<std::ptrdiff_t>(first), out.end(),
                    [&](const match::RuleRef& r) {
                      const auto& conjuncts = program_.matchers[r.matcher].rules[r.rule].conjuncts;
                      return !conjuncts.empty() && conjuncts[0].kind == ir::Conjunct::Kind::kLike;
                    }),
                out.end());
    }

   private:
    const ir::Program& program_;
    interp::Interpreter interpreter_;
  };
  Differ differ(Candidate{.name = "mutant", .make = [](const ir::Program& p, std::string*, Stats*) {
                            return std::unique_ptr<match::Engine>(std::make_unique<Mutant>(p));
                          }});
  Stats stats;
  std::string failure;
  uint64_t seed = 0;
  for (uint64_t i = 0; i < 200 && failure.empty(); ++i) {
    seed = ProgramSeed(kDefaultBaseSeed ^ 0xBAD, i);
    Generator generator(seed, GeneratorOptions{});
    GeneratedProgram program = generator.Program();
    failure = differ.Run(program, generator.Events(50), stats, /*minimize=*/false);
  }
  ASSERT_FALSE(failure.empty()) << "the mutant engine was never caught";
  if (Verbose()) std::printf("%s\n", failure.c_str());
  EXPECT_TRUE(failure.starts_with("engines disagree")) << failure;
  // Minimize the first disagreeing event and check what is left.
  Generator generator(seed, GeneratorOptions{});
  GeneratedProgram original = generator.Program();
  std::vector<GeneratedEvent> events = generator.Events(50);
  auto it = std::find_if(events.begin(), events.end(),
                         [&](const GeneratedEvent& e) { return differ.Disagrees(original, {e}); });
  ASSERT_NE(it, events.end());
  GeneratedProgram small = original;
  std::vector<GeneratedEvent> small_events(events.begin(), it + 1);
  differ.Minimize(small, small_events, Verdict::kDisagree);
  EXPECT_TRUE(differ.Disagrees(small, small_events));
  ASSERT_EQ(small.rules.size(), 1u) << small.Source();
  EXPECT_EQ(small.rules[0].conjuncts.size() + (small.rules[0].filter.empty() ? 0 : 1), 1u)
      << small.Source();
  ASSERT_EQ(small_events.size(), 1u) << "the events before the failing one are not needed";
  EXPECT_LE(small_events[0].payload.size(), 2u) << small_events[0].Line();
  if (Verbose()) std::printf("%s\n%s\n", small.Source().c_str(), small_events[0].Line().c_str());
}

// Engines loaded from the JIT's object cache agree too (the cache must restore everything a
// freshly compiled engine has: entry points, pattern sets, constants).
TEST_F(EngineDifferential, CachedObjectsAgree) {
  if (EnvNumber("SQUALL_DIFF_SEED")) GTEST_SKIP() << "SQUALL_DIFF_SEED runs RandomPrograms only";
  if (const char* forced = std::getenv("SQUALL_DIFF_CANDIDATE");
      forced != nullptr && std::string(forced) == "interp") {
    GTEST_SKIP() << "SQUALL_DIFF_CANDIDATE=interp";
  }
  std::filesystem::path dir = std::filesystem::temp_directory_path() /
                              ("squall-differential-cache-" + std::to_string(getpid()));
  Differ differ(CachedJitCandidate(dir.string()));
  Stats stats;
  uint64_t count = EnvOr("SQUALL_DIFF_CACHED", 60);
  RunPrograms(differ, EnvOr("SQUALL_DIFF_BASE_SEED", kDefaultBaseSeed) ^ 0xCAC4E, 0, count,
              GeneratorOptions{}, 20, stats);
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
  std::printf("candidate: %s\n%s\n", differ.candidate_name().c_str(), stats.Summary(0).c_str());
  if (!HasFailure()) {
    EXPECT_EQ(stats.Get("jit_cache_hits"), static_cast<double>(count));
  }
}

// A disagreement that needs an earlier event (state kept between Match calls) is reported
// with the events it needs, and shrunk to two.
TEST_F(EngineDifferential, MinimizesAStatefulDisagreement) {
  // The candidate: the interpreter, except that after an event on which some rule fired it
  // forgets the firings of the next event.
  class Forgetful final : public match::Engine {
   public:
    explicit Forgetful(const ir::Program& program) : interpreter_(program) {}
    const std::vector<events::DecoderPlan>& DecoderPlans() const override {
      return interpreter_.DecoderPlans();
    }
    void Match(const events::DecodedEvent& event, std::vector<match::RuleRef>& out) override {
      size_t first = out.size();
      interpreter_.Match(event, out);
      bool fired = out.size() > first;
      if (fired_before_) out.resize(first);
      fired_before_ = fired;
    }

   private:
    interp::Interpreter interpreter_;
    bool fired_before_ = false;
  };
  Differ differ(
      Candidate{.name = "forgetful", .make = [](const ir::Program& p, std::string*, Stats*) {
                  return std::unique_ptr<match::Engine>(std::make_unique<Forgetful>(p));
                }});
  Stats stats;
  std::string failure;
  for (uint64_t i = 0; i < 50 && failure.empty(); ++i) {
    Generator generator(ProgramSeed(kDefaultBaseSeed ^ 0x57A7E, i), GeneratorOptions{});
    GeneratedProgram program = generator.Program();
    failure = differ.Run(program, generator.Events(50), stats, /*minimize=*/true);
  }
  ASSERT_FALSE(failure.empty()) << "the forgetful engine was never caught";
  if (Verbose()) std::printf("%s\n", failure.c_str());
  EXPECT_NE(failure.find("(the event fails only after the events before it)"), std::string::npos)
      << failure;
  std::string minimized = failure.substr(failure.find("=== minimized"));
  EXPECT_NE(minimized.find("--- events (the last one is explained)"), std::string::npos)
      << minimized;
  // Two events: one on which a rule fires, then the one the engine gets wrong.
  size_t events_at = minimized.find("--- events");
  size_t reference_at = minimized.find("--- reference fired");
  ASSERT_LT(events_at, reference_at) << minimized;
  std::string lines = minimized.substr(events_at, reference_at - events_at);
  EXPECT_EQ(std::count(lines.begin(), lines.end(), '\n'), 3) << lines;
}

// A candidate that crashes is reported (in its child process) and shrunk like a disagreement.
TEST_F(EngineDifferential, SurvivesAndMinimizesACrash) {
  if (!ForkEnabled()) GTEST_SKIP() << "needs SQUALL_DIFF_FORK=1";
  class Crasher final : public match::Engine {
   public:
    explicit Crasher(const ir::Program& program) : program_(program), interpreter_(program) {}
    const std::vector<events::DecoderPlan>& DecoderPlans() const override {
      return interpreter_.DecoderPlans();
    }
    void Match(const events::DecodedEvent& event, std::vector<match::RuleRef>& out) override {
      interpreter_.Match(event, out);
      for (const match::RuleRef& r : out) {
        if (program_.matchers[r.matcher].rules[r.rule].backstop) std::abort();
      }
    }

   private:
    const ir::Program& program_;
    interp::Interpreter interpreter_;
  };
  Differ differ(
      Candidate{.name = "crasher", .make = [](const ir::Program& p, std::string*, Stats*) {
                  return std::unique_ptr<match::Engine>(std::make_unique<Crasher>(p));
                }});
  Stats stats;
  std::string failure;
  for (uint64_t i = 0; i < 50 && failure.empty(); ++i) {
    Generator generator(ProgramSeed(kDefaultBaseSeed ^ 0xC4A5, i), GeneratorOptions{});
    GeneratedProgram program = generator.Program();
    failure = differ.Run(program, generator.Events(50), stats, /*minimize=*/true);
  }
  ASSERT_FALSE(failure.empty()) << "the crashing engine was never caught";
  if (Verbose()) std::printf("%s\n", failure.c_str());
  EXPECT_TRUE(failure.starts_with("crashed")) << failure;
  EXPECT_NE(failure.find("while matching with the candidate"), std::string::npos) << failure;
  EXPECT_NE(failure.find("=== minimized"), std::string::npos) << failure;
  // The minimized program has one rule, a backstop.
  size_t minimized = failure.find("=== minimized");
  std::string tail = failure.substr(minimized);
  EXPECT_NE(tail.find("(1 rules)"), std::string::npos) << tail;
  EXPECT_NE(tail.find("@backstop"), std::string::npos) << tail;
}

}  // namespace
}  // namespace squall::difftest
