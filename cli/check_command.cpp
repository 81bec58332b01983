// `squall check FILES...`: reads, parses and type-checks rule files against the packs they
// import, printing diagnostics. `--dump=ast` prints the syntax tree of each file (and stops after
// parsing); `--dump=types` the checked program.
#include <cstdlib>
#include <iostream>
#include <set>
#include <sstream>

#include "cli/commands.h"
#include "cli/compile.h"
#include "cli/pack_flags.h"
#include "compiler/ast/ast_printer.h"
#include "compiler/check/checker.h"
#include "compiler/check/types_dump.h"
#include "compiler/ir/lower.h"
#include "compiler/ir/printer.h"
#include "compiler/schema/loader.h"
#include "compiler/source/large_stack.h"
#include "compiler/types/type.h"
#include "runtime/jit/jit_engine.h"

namespace squall::cli {
namespace {

namespace po = boost::program_options;

struct CheckArgs {
  std::vector<std::string> files;
  std::string dump;
  DiagnosticFlags diagnostics;
  PackFlags packs;
  bool pack_warnings = false;
  bool help = false;
};

po::options_description Describe(CheckArgs& args) {
  po::options_description desc("Options");
  desc.add_options()                                                       //
      ("help,h", po::bool_switch(&args.help), "print this help and exit")  //
      ("dump", po::value(&args.dump)->value_name("STAGE"),
       "print a stage's output to stdout: `ast` (the syntax tree; stops after parsing), "
       "`types` (the tree with every expression's type and what each call and trigger names) "
       "`ir` (the matchers: per trigger, the payload slots read and each rule's condition, "
       "index conjuncts and action), `index` (each matcher's decision tree: dispatch, "
       "pattern scans, thresholds, residual conjuncts) or `llvm` (the generated LLVM module "
       "of the native matchers, before optimization; `llvm-opt`: after LLVM's O2)");
  args.packs.AddTo(desc);
  desc.add_options()("pack-warnings", po::bool_switch(&args.pack_warnings),
                     "also report warnings about the YAML of imported packs (errors always are; "
                     "`squall packs show PACK` reports both)");
  args.diagnostics.AddTo(desc);
  desc.add_options()("files", po::value(&args.files)->multitoken(), "input files");
  return desc;
}

constexpr std::string_view kUsage =
    "usage: squall check [OPTIONS] FILES...\n"
    "\n"
    "Reads and checks Squall rule files (`-` reads standard input) and prints every problem\n"
    "found as a diagnostic: file:line:col, a source snippet with a caret, and a stable kind\n"
    "name in brackets. Checks syntax, then names and types: imports against the packs on the\n"
    "pack path, every action call against its pack's schema, trigger payloads, policies,\n"
    "workflows and tests.\n"
    "\n"
    "Pack path, in order: the built-in packs (`core`), each --packs DIR, each directory of\n"
    "$SQUALL_PACKS (colon-separated), then a `packs/` directory beside each input file.\n";

constexpr std::string_view kFooter =
    "\n"
    "Exit status:\n"
    "  0  no errors (warnings allowed unless --Werror)\n"
    "  1  the input has errors\n"
    "  2  bad command line or internal failure\n"
    "\n"
    "Examples:\n"
    "  squall check examples/*.rule\n"
    "  squall check --packs ~/st2/packs ops.rule\n"
    "  squall check --dump=types ops.rule\n"
    "  squall check --dump=index ops.rule\n"
    "  squall check --diagnostics-format=json ops.rule\n";

}  // namespace

std::string CheckHelp() {
  CheckArgs args;
  return FormatHelp(kUsage, Describe(args), kFooter);
}

int RunCheck(std::span<const std::string> arg_list, const Streams& streams) {
  CheckArgs args;
  po::options_description desc = Describe(args);
  po::positional_options_description positional;
  positional.add("files", -1);
  po::variables_map vm;
  if (!ParseCommandLine("check", arg_list, desc, positional, vm, streams.err)) return kExitUsage;
  if (args.help) {
    streams.out << CheckHelp();
    return kExitOk;
  }
  static const std::set<std::string> kStages = {"ast", "types", "ir", "index", "llvm", "llvm-opt"};
  if (!args.dump.empty() && kStages.count(args.dump) == 0) {
    streams.err << "squall check: error: unknown --dump stage `" << args.dump
                << "`; this release can dump: ast, types, ir, index, llvm, llvm-opt\n";
    return kExitUsage;
  }
  if (args.files.empty()) {
    streams.err << "squall check: error: no input files; see `squall help check`\n";
    return kExitUsage;
  }
  std::optional<DiagnosticOptions> options = args.diagnostics.Resolve("check", streams.err);
  if (!options) return kExitUsage;

  Session session(*options);
  CompiledProgram compiled;
  CompileFiles(
      session, args.files, streams.in,
      CompileOptions{
          .packs = &args.packs, .pack_warnings = args.pack_warnings, .check = args.dump != "ast"},
      compiled);
  auto print_header = [&](size_t i) {
    if (compiled.files.size() > 1) {
      streams.out << (i == 0 ? "" : "\n") << "# " << compiled.paths[i] << '\n';
    }
  };
  if (args.dump == "ast") {
    for (size_t i = 0; i < compiled.files.size(); ++i) {
      print_header(i);
      streams.out << ast::PrintAst(*compiled.files[i], session.sources());
    }
  }
  if (args.dump == "types" && compiled.checked) {
    for (size_t i = 0; i < compiled.program.files.size(); ++i) {
      print_header(i);
      streams.out << check::DumpTypes(compiled.program.files[i], session.sources());
    }
  }
  // The matchers of the whole program (lowering needs a program without errors).
  bool lowers = args.dump == "ir" || args.dump == "index" || args.dump.starts_with("llvm");
  if (lowers && compiled.checked && !session.diags().HasErrors()) {
    source::RunWithLargeStack([&] {
      ir::Program program = ir::Lower(compiled.program);
      if (args.dump == "ir") streams.out << ir::PrintIr(program);
      if (args.dump == "index") streams.out << jit::DumpIndex(program);
      if (args.dump.starts_with("llvm")) {
        streams.out << jit::DumpLlvm(program, /*optimized=*/args.dump == "llvm-opt");
      }
    });
  }
  return session.Report(streams) ? kExitUserError : kExitOk;
}

}  // namespace squall::cli
