// `squall lsp [--packs DIR]...`: the language server over stdio (cli/lsp/server.h). Compiled
// into squall_cli (it uses the CLI's option plumbing); the server itself is squall_lsp.
#include <cstdlib>
#include <iostream>

#include "cli/commands.h"
#include "cli/lsp/server.h"
#include "cli/pack_flags.h"
#include "cli/version.h"

namespace squall::cli {
namespace {

namespace po = boost::program_options;

struct LspArgs {
  PackFlags packs;
  bool stdio = false;
  bool help = false;
};

po::options_description Describe(LspArgs& args) {
  po::options_description desc("Options");
  desc.add_options()("help,h", po::bool_switch(&args.help), "print this help and exit");
  args.packs.AddTo(desc);
  desc.add_options()("stdio", po::bool_switch(&args.stdio),
                     "talk over stdin/stdout (the default and only transport; accepted because "
                     "some clients always pass it)");
  return desc;
}

constexpr std::string_view kUsage =
    "usage: squall lsp [OPTIONS]\n"
    "\n"
    "Runs the Squall language server: the Language Server Protocol (JSON-RPC 2.0 with\n"
    "Content-Length framing) over stdin and stdout, for editors. Diagnostics (the same kinds\n"
    "and ranges as `squall check`) on open and change, hover (types, action signatures with\n"
    "parameter docs), completion, go to definition (into pack YAML for actions), document\n"
    "symbols and formatting (`squall fmt`). Logs go to stderr.\n"
    "\n"
    "Pack path for a document, in order: the built-in packs (`core`), each --packs DIR, each\n"
    "directory of $SQUALL_PACKS (colon-separated), then a `packs/` directory beside the file.\n";

constexpr std::string_view kFooter =
    "\n"
    "Exit status:\n"
    "  0  `exit` after `shutdown` (or end of input after `shutdown`)\n"
    "  1  `exit` without `shutdown`, or the input ended without one\n"
    "  2  bad command line\n"
    "\n"
    "Examples:\n"
    "  squall lsp\n"
    "  squall lsp --packs ~/st2/packs\n";

}  // namespace

std::string LspHelp() {
  LspArgs args;
  return FormatHelp(kUsage, Describe(args), kFooter);
}

int RunLsp(std::span<const std::string> arg_list, const Streams& streams) {
  LspArgs args;
  po::options_description desc = Describe(args);
  po::positional_options_description positional;
  po::variables_map vm;
  if (!ParseCommandLine("lsp", arg_list, desc, positional, vm, streams.err)) return kExitUsage;
  if (args.help) {
    streams.out << LspHelp();
    return kExitOk;
  }
  lsp::ServerOptions options;
  options.version = kVersion;
  options.search_path = [packs = args.packs](const std::string& path) {
    std::vector<std::string> files;
    if (!path.empty()) files.push_back(path);
    return packs.SearchPath(files, std::getenv("SQUALL_PACKS"));
  };
  return lsp::RunServer(streams.in, streams.out, streams.err, std::move(options));
}

}  // namespace squall::cli
