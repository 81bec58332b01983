// Shared plumbing for the `squall` subcommands: exit codes, the diagnostics options every
// command accepts, and a Session that owns the sources and diagnostics of one command run.
#pragma once

#include <boost/program_options.hpp>
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "compiler/ast/ast.h"
#include "compiler/diag/diagnostic_engine.h"
#include "compiler/source/source_manager.h"

namespace squall::cli {

// Documented in `squall help` and docs/cli.md; scripts depend on them.
enum ExitCode : int {
  kExitOk = 0,         // success
  kExitUserError = 1,  // the input has errors (diagnostics), or `fmt --check` found changes
  kExitUsage = 2,      // bad command line, or an internal failure
};

enum class DiagnosticsFormat { kText, kJson };
enum class ColorMode { kAuto, kAlways, kNever };

struct DiagnosticOptions {
  DiagnosticsFormat format = DiagnosticsFormat::kText;
  ColorMode color = ColorMode::kAuto;
  uint32_t error_limit = 20;
  bool warnings_as_errors = false;
};

// Where a command writes. Injected so tests can capture output.
struct Streams {
  std::istream& in;
  std::ostream& out;
  std::ostream& err;
  bool err_is_terminal = false;  // for --color=auto
};

// Registers --diagnostics-format, --color, --error-limit and --Werror on `desc`. The raw
// values land in `raw`; call `Resolve` after parsing the command line.
struct DiagnosticFlags {
  std::string format = "text";
  std::string color = "auto";
  uint32_t error_limit = 20;
  bool warnings_as_errors = false;

  void AddTo(boost::program_options::options_description& desc);
  // Returns the options, or nullopt after printing a usage error for a bad value.
  std::optional<DiagnosticOptions> Resolve(std::string_view command, std::ostream& err) const;
};

// One command run: owns the SourceManager, the DiagnosticEngine and every parsed file.
class Session {
 public:
  explicit Session(const DiagnosticOptions& options);

  // Reads `path` ("-" reads `in`). On failure emits CannotReadFile and returns nullopt.
  std::optional<source::FileId> Load(const std::string& path, std::istream& in);
  // Parses a loaded file; the session keeps the tree. Syntax errors go to diags().
  const ast::File& Parse(source::FileId file_id);

  source::SourceManager& sources() { return sources_; }
  diag::DiagnosticEngine& diags() { return *diags_; }

  // Renders every diagnostic so far: text to `streams.err`, JSON to `streams.out`. Returns
  // true when there were errors.
  bool Report(const Streams& streams);

 private:
  DiagnosticOptions options_;
  source::SourceManager sources_;
  std::unique_ptr<diag::DiagnosticEngine> diags_;
  std::vector<std::unique_ptr<const ast::File>> files_;
};

// Parses `args` against `desc` (+ positional FILES), printing usage errors as
// "squall <command>: error: ..." with a pointer to `squall help <command>`. Returns false on a
// usage error. `--help` is handled by the caller through `vm.count("help")`.
bool ParseCommandLine(std::string_view command, std::span<const std::string> args,
                      const boost::program_options::options_description& desc,
                      const boost::program_options::positional_options_description& positional,
                      boost::program_options::variables_map& vm, std::ostream& err);

// A command's --help text: `usage`, the options of `desc` except the positional `files`, then
// `footer` (exit status, examples).
std::string FormatHelp(std::string_view usage,
                       const boost::program_options::options_description& desc,
                       std::string_view footer);

}  // namespace squall::cli
