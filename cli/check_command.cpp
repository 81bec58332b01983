// `squall check FILES...`: reads, parses and (in later stages) type-checks rule files, printing
// diagnostics. `--dump=ast` prints the syntax tree of each file.
#include <iostream>
#include <sstream>

#include "cli/commands.h"
#include "compiler/ast/ast_printer.h"

namespace squall::cli {
namespace {

namespace po = boost::program_options;

struct CheckArgs {
  std::vector<std::string> files;
  std::string dump;
  DiagnosticFlags diagnostics;
  bool help = false;
};

po::options_description Describe(CheckArgs& args) {
  po::options_description desc("Options");
  desc.add_options()                                                       //
      ("help,h", po::bool_switch(&args.help), "print this help and exit")  //
      ("dump", po::value(&args.dump)->value_name("STAGE"),
       "print a stage's output to stdout: `ast` (the syntax tree)");
  args.diagnostics.AddTo(desc);
  desc.add_options()("files", po::value(&args.files)->multitoken(), "input files");
  return desc;
}

constexpr std::string_view kUsage =
    "usage: squall check [OPTIONS] FILES...\n"
    "\n"
    "Reads and checks Squall rule files (`-` reads standard input) and prints every problem\n"
    "found as a diagnostic: file:line:col, a source snippet with a caret, and a stable kind\n"
    "name in brackets. This release checks syntax; type checking against pack schemas comes\n"
    "with the checker stage.\n";

constexpr std::string_view kFooter =
    "\n"
    "Exit status:\n"
    "  0  no errors (warnings allowed unless --Werror)\n"
    "  1  the input has errors\n"
    "  2  bad command line or internal failure\n"
    "\n"
    "Examples:\n"
    "  squall check examples/*.rule\n"
    "  squall check --dump=ast ops.rule\n"
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
  if (!args.dump.empty() && args.dump != "ast") {
    streams.err << "squall check: error: unknown --dump stage `" << args.dump
                << "`; this release can dump: ast\n";
    return kExitUsage;
  }
  if (args.files.empty()) {
    streams.err << "squall check: error: no input files; see `squall help check`\n";
    return kExitUsage;
  }
  std::optional<DiagnosticOptions> options = args.diagnostics.Resolve("check", streams.err);
  if (!options) return kExitUsage;

  Session session(*options);
  bool first_dump = true;
  for (const std::string& path : args.files) {
    std::optional<source::FileId> file_id = session.Load(path, streams.in);
    if (!file_id) continue;
    const ast::File& file = session.Parse(*file_id);
    if (args.dump == "ast") {
      if (args.files.size() > 1) {
        streams.out << (first_dump ? "" : "\n") << "# " << path << '\n';
      }
      first_dump = false;
      streams.out << ast::PrintAst(file, session.sources());
    }
  }
  return session.Report(streams) ? kExitUserError : kExitOk;
}

}  // namespace squall::cli
