// `squall fmt [--check] FILES...`: rewrites rule files in the canonical layout. Files with
// syntax errors are reported and left untouched.
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/commands.h"
#include "compiler/format/formatter.h"

namespace squall::cli {
namespace {

namespace po = boost::program_options;

struct FmtArgs {
  std::vector<std::string> files;
  bool check = false;
  bool to_stdout = false;
  DiagnosticFlags diagnostics;
  bool help = false;
};

po::options_description Describe(FmtArgs& args) {
  po::options_description desc("Options");
  desc.add_options()                                                       //
      ("help,h", po::bool_switch(&args.help), "print this help and exit")  //
      ("check", po::bool_switch(&args.check),
       "change nothing; list the files whose layout differs and exit 1 if any")  //
      ("stdout", po::bool_switch(&args.to_stdout),
       "print the formatted text to stdout instead of rewriting the files");
  args.diagnostics.AddTo(desc);
  desc.add_options()("files", po::value(&args.files)->multitoken(), "input files");
  return desc;
}

constexpr std::string_view kUsage =
    "usage: squall fmt [OPTIONS] FILES...\n"
    "\n"
    "Rewrites Squall files in the canonical layout (2-space indentation, lines up to 100\n"
    "columns, one blank line between declarations), keeping every comment. Formatting is\n"
    "idempotent. `-` formats standard input to standard output. Files with syntax errors are\n"
    "reported and left unchanged.\n";

constexpr std::string_view kFooter =
    "\n"
    "Exit status:\n"
    "  0  every file is formatted (or was rewritten)\n"
    "  1  a file has syntax errors, or with --check a file is not formatted\n"
    "  2  bad command line, or a file could not be written\n"
    "\n"
    "Examples:\n"
    "  squall fmt examples/*.rule\n"
    "  squall fmt --check examples/*.rule\n";

// Replaces `path` atomically (write a sibling temp file, then rename), keeping its mode.
bool WriteAtomically(const std::string& path, std::string_view text, std::string* error) {
  std::string temp = path + ".squall-fmt.tmp";
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    out.flush();
    if (!out) {
      *error = std::strerror(errno);
      std::filesystem::remove(temp);
      return false;
    }
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) ::chmod(temp.c_str(), st.st_mode & 07777);
  std::error_code ec;
  std::filesystem::rename(temp, path, ec);
  if (ec) {
    *error = ec.message();
    std::filesystem::remove(temp);
    return false;
  }
  return true;
}

}  // namespace

std::string FmtHelp() {
  FmtArgs args;
  return FormatHelp(kUsage, Describe(args), kFooter);
}

int RunFmt(std::span<const std::string> arg_list, const Streams& streams) {
  FmtArgs args;
  po::options_description desc = Describe(args);
  po::positional_options_description positional;
  positional.add("files", -1);
  po::variables_map vm;
  if (!ParseCommandLine("fmt", arg_list, desc, positional, vm, streams.err)) return kExitUsage;
  if (args.help) {
    streams.out << FmtHelp();
    return kExitOk;
  }
  if (args.files.empty()) {
    streams.err << "squall fmt: error: no input files; see `squall help fmt`\n";
    return kExitUsage;
  }
  std::optional<DiagnosticOptions> options = args.diagnostics.Resolve("fmt", streams.err);
  if (!options) return kExitUsage;

  Session session(*options);
  int status = kExitOk;
  for (const std::string& path : args.files) {
    std::optional<source::FileId> file_id = session.Load(path, streams.in);
    if (!file_id) continue;
    uint32_t errors_before = session.diags().ErrorCount();
    const ast::File& file = session.Parse(*file_id);
    if (session.diags().ErrorCount() != errors_before) continue;  // reported below

    std::string formatted = format::FormatFile(file, session.sources());
    bool changed = formatted != session.sources().Text(*file_id);
    if (path == "-" || args.to_stdout) {
      if (args.check) {
        if (changed) {
          streams.out << path << '\n';
          status = kExitUserError;
        }
      } else {
        streams.out << formatted;
      }
    } else if (args.check) {
      if (changed) {
        streams.out << path << '\n';
        status = kExitUserError;
      }
    } else if (changed) {
      std::string error;
      if (!WriteAtomically(path, formatted, &error)) {
        streams.err << "squall fmt: error: cannot write `" << path << "`: " << error << '\n';
        status = kExitUsage;
      }
    }
  }
  if (session.Report(streams) && status == kExitOk) status = kExitUserError;
  return status;
}

}  // namespace squall::cli
