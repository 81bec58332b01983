// `squall test [FILES]`: compiles the rule files as one program and runs their `test` blocks
// in the rule simulator (runtime/simulate): virtual time, every action mocked. One line per
// test, the failure explained at the step that failed, a summary line, JUnit XML on request.
#include <boost/program_options.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <map>
#include <sstream>

#include "cli/commands.h"
#include "cli/compile.h"
#include "cli/pack_flags.h"
#include "compiler/diag/kind.h"
#include "compiler/diag/message.h"
#include "compiler/diag/text_renderer.h"
#include "compiler/ir/lower.h"
#include "compiler/ir/test_case.h"
#include "compiler/source/large_stack.h"
#include "runtime/engine/loaded_program.h"
#include "runtime/jit/jit_engine.h"
#include "runtime/simulate/test_runner.h"

namespace squall::cli {
namespace {

namespace po = boost::program_options;
namespace fs = std::filesystem;

struct TestArgs {
  std::vector<std::string> files;
  std::string junit;
  std::string filter;
  PackFlags packs;
  DiagnosticFlags diagnostics;
  bool no_jit = false;
  bool verbose = false;
  bool help = false;
};

po::options_description Describe(TestArgs& args) {
  po::options_description desc("Options");
  desc.add_options()                                                       //
      ("help,h", po::bool_switch(&args.help), "print this help and exit")  //
      ("junit", po::value(&args.junit)->value_name("FILE"),
       "also write the results as JUnit XML to FILE (for CI dashboards)")  //
      ("filter", po::value(&args.filter)->value_name("TEXT"),
       "run only the tests whose name contains TEXT")  //
      ("verbose,v", po::bool_switch(&args.verbose),
       "list every action call each test made, with its virtual time")  //
      ("no-jit", po::bool_switch(&args.no_jit),
       "match with the reference interpreter instead of native matchers");
  args.packs.AddTo(desc);
  args.diagnostics.AddTo(desc);
  desc.add_options()("files", po::value(&args.files)->multitoken(), "input files");
  return desc;
}

constexpr std::string_view kUsage =
    "usage: squall test [OPTIONS] [FILES|DIRS...]\n"
    "\n"
    "Compiles the rule files together, as `squall run` would, and runs every `test` block in\n"
    "them: `given` feeds an event, `when ACTION returns {...}` / `fails with \"...\"` scripts\n"
    "what an action does, `expect ACTION(args)` / `expect nothing` assert what the rules did.\n"
    "Every action is mocked (nothing is executed) and time is virtual, so `after 1h`, `retry\n"
    "every 10m` and `throttle 1 per 1d` run instantly. A directory stands for the .rule files\n"
    "under it (hidden, packs/ and build/ directories skipped); without FILES, the current\n"
    "directory.\n"
    "\n"
    "Prints one line per test (PASS/FAIL), the failed step with an explanation (the closest\n"
    "call and which arguments differ, or why no rule made the call: which rule, which\n"
    "condition was false), then a summary line. docs/testing-rules.md has the details.\n";

constexpr std::string_view kFooter =
    "\n"
    "Exit status:\n"
    "  0  every test passed (or there are none)\n"
    "  1  a test failed, the rule files have errors, or --filter matched no test\n"
    "  2  bad command line, or the run cannot proceed (an unlistable directory, no native\n"
    "     code, an unwritable --junit file)\n"
    "\n"
    "Examples:\n"
    "  squall test examples/disk-full-cleanup.rule\n"
    "  squall test --packs ../shared/packs --junit results.xml rules/\n"
    "  squall test -v --filter retries ops.rule\n";

// FILES with directories replaced by the .rule files under them (sorted), `.` when none.
std::vector<std::string> ExpandFiles(const std::vector<std::string>& given, std::ostream& err,
                                     bool* ok) {
  std::vector<std::string> out;
  std::vector<std::string> roots = given.empty() ? std::vector<std::string>{"."} : given;
  for (const std::string& root : roots) {
    std::error_code ec;
    if (root == "-" || !fs::is_directory(root, ec)) {
      out.push_back(root);
      continue;
    }
    std::vector<std::string> found;
    for (auto it = fs::recursive_directory_iterator(
             root, fs::directory_options::skip_permission_denied, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      std::string name = it->path().filename().string();
      // Hidden directories and pack trees hold no rules under test.
      if (it->is_directory() && (name.starts_with(".") || name == "packs" || name == "build")) {
        it.disable_recursion_pending();
        continue;
      }
      if (it->is_regular_file() && it->path().extension() == ".rule") {
        found.push_back(it->path().lexically_normal().string());
      }
    }
    if (ec) {
      err << "squall test: error: cannot list `" << root << "`: " << ec.message() << "\n";
      *ok = false;
    }
    std::sort(found.begin(), found.end());
    out.insert(out.end(), found.begin(), found.end());
  }
  return out;
}

std::string XmlEscape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        // XML 1.0 forbids most control characters even escaped.
        if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t' && c != '\r') {
          out += "?";
        } else {
          out += c;
        }
    }
  }
  return out;
}

struct Ran {
  simulate::TestResult result;
  std::string file;
  std::string report;  // the failure, rendered (empty when passed)
  double seconds = 0;
};

std::string RenderFailure(const simulate::TestResult& result, const source::SourceManager& sources,
                          bool color) {
  std::string out;
  for (const simulate::StepFailure& failure : result.failures) {
    diag::Diagnostic d;
    d.kind = diag::Kind::TestFailed;
    d.severity = diag::Info(d.kind).severity;
    d.range = failure.range;
    diag::Arg args[] = {result.name, failure.message};
    d.message = diag::FormatMessage(d.kind, args);
    out += diag::RenderText(d, sources, diag::TextOptions{.color = color});
    for (const std::string& line : failure.details) out += "      " + line + "\n";
  }
  return out;
}

bool WriteJunit(const std::string& path, const std::vector<Ran>& ran, double total_seconds) {
  std::map<std::string, std::vector<const Ran*>> by_file;
  size_t failures = 0;
  for (const Ran& r : ran) {
    by_file[r.file].push_back(&r);
    failures += r.result.passed() ? 0 : 1;
  }
  std::ostringstream xml;
  // Plain decimals (xs:decimal): no scientific notation for sub-millisecond times.
  xml << std::fixed << std::setprecision(6);
  xml << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      << "<testsuites name=\"squall test\" tests=\"" << ran.size() << "\" failures=\"" << failures
      << "\" time=\"" << total_seconds << "\">\n";
  for (const auto& [file, tests] : by_file) {
    size_t failed = 0;
    double seconds = 0;
    for (const Ran* r : tests) {
      failed += r->result.passed() ? 0 : 1;
      seconds += r->seconds;
    }
    xml << "  <testsuite name=\"" << XmlEscape(file) << "\" tests=\"" << tests.size()
        << "\" failures=\"" << failed << "\" errors=\"0\" time=\"" << seconds << "\">\n";
    for (const Ran* r : tests) {
      xml << "    <testcase classname=\"" << XmlEscape(file) << "\" name=\""
          << XmlEscape(r->result.name) << "\" time=\"" << r->seconds << "\"";
      if (r->result.passed()) {
        xml << "/>\n";
        continue;
      }
      xml << ">\n      <failure message=\"" << XmlEscape(r->result.failures[0].message)
          << "\" type=\"TestFailed\">" << XmlEscape(r->report) << "</failure>\n    </testcase>\n";
    }
    xml << "  </testsuite>\n";
  }
  xml << "</testsuites>\n";
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << xml.str();
  return static_cast<bool>(out.flush());
}

}  // namespace

std::string TestHelp() {
  TestArgs args;
  return FormatHelp(kUsage, Describe(args), kFooter);
}

int RunTest(std::span<const std::string> arg_list, const Streams& streams) {
  TestArgs args;
  po::options_description desc = Describe(args);
  po::positional_options_description positional;
  positional.add("files", -1);
  po::variables_map vm;
  if (!ParseCommandLine("test", arg_list, desc, positional, vm, streams.err)) return kExitUsage;
  if (args.help) {
    streams.out << TestHelp();
    return kExitOk;
  }
  std::optional<DiagnosticOptions> options = args.diagnostics.Resolve("test", streams.err);
  if (!options) return kExitUsage;
  bool listed = true;
  std::vector<std::string> files = ExpandFiles(args.files, streams.err, &listed);
  if (!listed) return kExitUsage;
  if (files.empty()) {
    streams.err << "squall test: no .rule files found\n";
    return args.filter.empty() ? kExitOk : kExitUserError;
  }

  auto started = std::chrono::steady_clock::now();
  Session session(*options);
  CompiledProgram compiled;
  CompileFiles(session, files, streams.in, CompileOptions{.packs = &args.packs}, compiled);
  if (!compiled.checked || session.diags().HasErrors()) {
    session.Report(streams);
    return kExitUserError;
  }
  std::optional<ir::Program> program;
  std::vector<ir::TestCase> tests;
  source::RunWithLargeStack([&] {
    program = ir::Lower(compiled.program);
    tests = ir::LowerTests(compiled.program);
  });
  if (session.Report(streams)) return kExitUserError;

  engine::LoadedProgram::NativeFactory native;
  if (!args.no_jit) {
    native = [](const ir::Program& p, std::string* error) {
      return jit::CreateJitEngine(p, jit::JitOptions{}, error);
    };
  }
  std::string error;
  std::shared_ptr<engine::LoadedProgram> loaded;
  source::RunWithLargeStack(
      [&] { loaded = engine::LoadedProgram::Create(std::move(*program), native, &error); });
  if (!loaded) {
    streams.err << "squall test: error: cannot compile native matchers: " << error
                << " (--no-jit runs the interpreter)\n";
    return kExitUsage;
  }

  bool color = options->color == ColorMode::kAlways ||
               (options->color == ColorMode::kAuto && streams.err_is_terminal &&
                std::getenv("NO_COLOR") == nullptr);
  const source::SourceManager& sources = session.sources();
  std::vector<Ran> ran;
  for (const ir::TestCase& test : tests) {
    if (!args.filter.empty() && test.name.find(args.filter) == std::string::npos) continue;
    auto begin = std::chrono::steady_clock::now();
    Ran r;
    source::RunWithLargeStack([&] { r.result = simulate::RunTest(test, loaded, sources); });
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
    r.file = std::string(sources.Path(test.range.file));
    source::LineCol at = sources.GetLineCol(test.range.file, test.range.begin);
    streams.out << (r.result.passed() ? "PASS  " : "FAIL  ") << test.name << "  (" << r.file << ":"
                << at.line << ")\n";
    if (args.verbose) {
      for (const simulate::Call& call : r.result.calls) {
        streams.out << "      " << simulate::FormatOffset(call.at_ms) << " " << call.action << " "
                    << call.parameters.dump() << " (rule " << call.rule
                    << (call.attempt > 1 ? ", attempt " + std::to_string(call.attempt) : "")
                    << (call.status != "succeeded" ? ", " + call.status : "") << ")\n";
      }
    }
    if (!r.result.passed()) {
      r.report = RenderFailure(r.result, sources, /*color=*/false);
      streams.out << (color ? RenderFailure(r.result, sources, true) : r.report);
    }
    ran.push_back(std::move(r));
  }
  double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  size_t failed = 0;
  int64_t virtual_ms = 0;
  for (const Ran& r : ran) {
    failed += r.result.passed() ? 0 : 1;
    virtual_ms += r.result.virtual_ms;
  }
  std::ostringstream summary;
  summary << ran.size() << (ran.size() == 1 ? " test: " : " tests: ") << ran.size() - failed
          << " passed, " << failed << " failed";
  if (virtual_ms > 0) {
    summary << " (" << simulate::FormatOffset(virtual_ms).substr(1) << " of virtual time)";
  }
  streams.out << summary.str() << "\n";
  if (!args.junit.empty() && !WriteJunit(args.junit, ran, total)) {
    streams.err << "squall test: error: cannot write `" << args.junit << "`\n";
    return kExitUsage;
  }
  if (ran.empty() && !args.filter.empty()) {
    streams.err << "squall test: no test name contains `" << args.filter << "`\n";
    return kExitUserError;
  }
  return failed > 0 ? kExitUserError : kExitOk;
}

}  // namespace squall::cli
