#include "cli/driver.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <iterator>
#include <sstream>

#include "compiler/diag/render.h"
#include "compiler/parse/parser.h"

namespace squall::cli {

namespace po = boost::program_options;

void DiagnosticFlags::AddTo(po::options_description& desc) {
  desc.add_options()  //
      ("diagnostics-format", po::value(&format)->value_name("FORMAT")->default_value("text"),
       "`text` (to stderr) or `json` (one document to stdout, for editors and tools)")  //
      ("color", po::value(&color)->value_name("WHEN")->default_value("auto"),
       "color text diagnostics: `auto`, `always` or `never` (auto honours NO_COLOR)")  //
      ("error-limit", po::value(&error_limit)->value_name("N")->default_value(20),
       "stop reporting after N errors (0: no limit)")  //
      ("Werror", po::bool_switch(&warnings_as_errors), "treat warnings as errors");
}

std::optional<DiagnosticOptions> DiagnosticFlags::Resolve(std::string_view command,
                                                          std::ostream& err) const {
  DiagnosticOptions options;
  if (format == "text") {
    options.format = DiagnosticsFormat::kText;
  } else if (format == "json") {
    options.format = DiagnosticsFormat::kJson;
  } else {
    err << "squall " << command << ": error: unknown --diagnostics-format `" << format
        << "`; use `text` or `json`\n";
    return std::nullopt;
  }
  if (color == "auto") {
    options.color = ColorMode::kAuto;
  } else if (color == "always") {
    options.color = ColorMode::kAlways;
  } else if (color == "never") {
    options.color = ColorMode::kNever;
  } else {
    err << "squall " << command << ": error: unknown --color `" << color
        << "`; use `auto`, `always` or `never`\n";
    return std::nullopt;
  }
  options.error_limit = error_limit;
  options.warnings_as_errors = warnings_as_errors;
  return options;
}

Session::Session(const DiagnosticOptions& options)
    : options_(options),
      diags_(std::make_unique<diag::DiagnosticEngine>(
          sources_, diag::EngineOptions{.error_limit = options.error_limit,
                                        .warnings_as_errors = options.warnings_as_errors})) {}

std::optional<source::FileId> Session::Load(const std::string& path, std::istream& in) {
  if (path == "-") {
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return sources_.AddFile("<stdin>", std::move(text));
  }
  std::string error;
  std::optional<source::FileId> file_id = sources_.LoadFile(path, &error);
  if (!file_id) {
    diags_->Emit(diag::Kind::CannotReadFile, source::SourceRange{}, {path, error});
  }
  return file_id;
}

const ast::File& Session::Parse(source::FileId file_id) {
  files_.push_back(parse::ParseFile(sources_, file_id, *diags_));
  return *files_.back();
}

bool Session::Report(const Streams& streams) {
  // Counted before Finish() caps the list, so the summary tells the true totals.
  uint32_t errors = diags_->ErrorCount();
  uint32_t warnings = diags_->WarningCount();
  std::vector<diag::Diagnostic> diagnostics = diags_->Finish();
  if (options_.format == DiagnosticsFormat::kJson) {
    streams.out << diag::RenderJson(diagnostics, sources_) << '\n';
  } else {
    bool color = options_.color == ColorMode::kAlways ||
                 (options_.color == ColorMode::kAuto && streams.err_is_terminal &&
                  std::getenv("NO_COLOR") == nullptr);
    for (const diag::Diagnostic& d : diagnostics) {
      streams.err << diag::RenderText(d, sources_, diag::TextOptions{.color = color});
    }
    std::string summary = diag::RenderSummary(errors, warnings);
    if (!summary.empty()) streams.err << summary << '\n';
  }
  return errors > 0;
}

std::string FormatHelp(std::string_view usage, const po::options_description& desc,
                       std::string_view footer) {
  po::options_description visible("Options");
  for (const auto& option : desc.options()) {
    if (option->long_name() != "files") visible.add(option);
  }
  std::ostringstream out;
  out << usage << '\n' << visible << footer;
  return out.str();
}

bool ParseCommandLine(std::string_view command, std::span<const std::string> args,
                      const po::options_description& desc,
                      const po::positional_options_description& positional, po::variables_map& vm,
                      std::ostream& err) {
  try {
    std::vector<std::string> list(args.begin(), args.end());
    po::store(po::command_line_parser(list).options(desc).positional(positional).run(), vm);
    po::notify(vm);
    return true;
  } catch (const po::error& e) {
    err << "squall " << command << ": error: " << e.what() << "; see `squall help " << command
        << "`\n";
    return false;
  }
}

}  // namespace squall::cli
