// `squall import st2 PATH...`: converts StackStorm rule YAML into formatted Squall source
// (compiler/st2import), printed to stdout or written one file per pack with `-o DIR`;
// `--check` type-checks the result against the packs in the same run.
#include <filesystem>
#include <fstream>
#include <iostream>

#include "cli/commands.h"
#include "cli/pack_flags.h"
#include "compiler/check/checker.h"
#include "compiler/schema/loader.h"
#include "compiler/st2import/importer.h"
#include "compiler/types/type.h"

namespace squall::cli {
namespace {

namespace po = boost::program_options;

struct ImportArgs {
  std::vector<std::string> files;  // `st2` followed by the paths
  std::string output_dir;
  bool check = false;
  DiagnosticFlags diagnostics;
  PackFlags packs;
  bool help = false;
};

po::options_description Describe(ImportArgs& args) {
  po::options_description desc("Options");
  desc.add_options()                                                       //
      ("help,h", po::bool_switch(&args.help), "print this help and exit")  //
      ("output,o", po::value(&args.output_dir)->value_name("DIR"),
       "write one `<pack>.rule` file per pack into DIR (created if missing) instead of printing "
       "one file with every rule to stdout")  //
      ("check", po::bool_switch(&args.check),
       "also type-check the converted rules against the packs, as `squall check` would");
  args.packs.AddTo(desc);
  args.diagnostics.AddTo(desc);
  desc.add_options()("files", po::value(&args.files)->multitoken(), "input files");
  return desc;
}

constexpr std::string_view kUsage =
    "usage: squall import st2 [OPTIONS] PATH...\n"
    "\n"
    "Converts StackStorm rules into formatted Squall source. A PATH is a rule file\n"
    "(`.yaml`), a pack directory (its `rules/`), or a directory of packs (every pack's\n"
    "`rules/`). Each criterion becomes the `st2_*` built-in with StackStorm's exact\n"
    "semantics, Jinja templates in patterns and action parameters become Squall expressions\n"
    "and interpolations, `enabled: false` becomes `@disabled` and `type: backstop`\n"
    "`@backstop`. A trigger type no pack declares gets a `trigger` declaration with the\n"
    "fields its rules read, typed `json?`. What cannot be converted faithfully (unknown\n"
    "operators or filters, Jinja statements, `action_context`) is a diagnostic at the YAML\n"
    "line and column, and that rule is left out (a comment marks its place).\n"
    "\n"
    "Pack path, in order: the built-in packs (`core`), each --packs DIR, each directory of\n"
    "$SQUALL_PACKS, a `packs/` directory beside each PATH, then the directories holding the\n"
    "packs given as PATHs.\n";

constexpr std::string_view kFooter =
    "\n"
    "Exit status:\n"
    "  0  every rule converted (and, with --check, checked) without errors\n"
    "  1  a rule could not be converted, or --check found errors\n"
    "  2  bad command line, or a file could not be written\n"
    "\n"
    "Examples:\n"
    "  squall import st2 ~/st2/packs/examples/rules/sample_rule_with_webhook.yaml\n"
    "  squall import st2 --check ~/st2/packs/examples\n"
    "  squall import st2 -o rules/ --check ~/st2/packs\n";

bool WriteFile(const std::filesystem::path& path, const std::string& text, std::string* error) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.flush();
  if (!out) {
    *error = "cannot write `" + path.string() + "`";
    return false;
  }
  return true;
}

}  // namespace

std::string ImportHelp() {
  ImportArgs args;
  return FormatHelp(kUsage, Describe(args), kFooter);
}

int RunImport(std::span<const std::string> arg_list, const Streams& streams) {
  ImportArgs args;
  po::options_description desc = Describe(args);
  po::positional_options_description positional;
  positional.add("files", -1);
  po::variables_map vm;
  if (!ParseCommandLine("import", arg_list, desc, positional, vm, streams.err)) return kExitUsage;
  if (args.help) {
    streams.out << ImportHelp();
    return kExitOk;
  }
  if (args.files.empty() || args.files.front() != "st2") {
    streams.err << "squall import: error: the first argument names the system to import from; "
                   "this release imports `st2` (StackStorm): `squall import st2 PATH...`\n";
    return kExitUsage;
  }
  std::vector<std::string> paths(args.files.begin() + 1, args.files.end());
  if (paths.empty()) {
    streams.err << "squall import: error: no input paths; see `squall help import`\n";
    return kExitUsage;
  }
  std::optional<DiagnosticOptions> options = args.diagnostics.Resolve("import", streams.err);
  if (!options) return kExitUsage;
  if (options->format == DiagnosticsFormat::kJson && args.output_dir.empty()) {
    // JSON diagnostics go to standard output, where the converted source would go too.
    streams.err << "squall import: error: --diagnostics-format=json needs -o DIR (both would "
                   "go to standard output)\n";
    return kExitUsage;
  }

  Session session(*options);
  st2import::CollectedFiles collected = st2import::CollectRuleFiles(paths);
  for (const std::string& path : collected.empty) {
    session.diags().Emit(diag::Kind::ImportNoRules, source::SourceRange{}, {path});
  }
  schema::LoaderOptions loader_options;
  loader_options.search_path = args.packs.SearchPath(paths, std::getenv("SQUALL_PACKS"));
  for (const auto& dir : collected.packs_dirs) loader_options.search_path.push_back(dir);
  loader_options.report_warnings = false;
  types::TypeContext types;
  schema::PackLoader packs(std::move(loader_options), session.sources(), session.diags(), types);
  st2import::Importer importer(session.sources(), session.diags(), &packs);
  for (const st2import::RuleFile& file : collected.files) importer.AddFile(file);

  // What to write: one file for everything, or one per pack.
  struct Output {
    std::string name;  // the file written, or how the stdout text is shown in diagnostics
    std::string text;
  };
  std::vector<Output> outputs;
  std::vector<std::optional<std::string>> selections;
  if (args.output_dir.empty()) {
    selections.push_back(std::nullopt);
  } else {
    for (const std::string& pack : importer.Packs()) selections.push_back(pack);
  }
  for (const auto& pack : selections) {
    std::string error;
    std::optional<std::string> text = importer.Render(pack, &error);
    if (!text) {
      streams.err << "squall import: internal error: the generated source does not parse; "
                     "please report this with the input\n"
                  << error << '\n';
      return kExitUsage;
    }
    std::string name = pack ? (std::filesystem::path(args.output_dir) / (*pack + ".rule")).string()
                            : std::string("<stdout>");
    outputs.push_back({name, *text});
  }
  if (!args.output_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(args.output_dir, ec);
    for (const Output& output : outputs) {
      std::string error;
      if (ec || !WriteFile(output.name, output.text, &error)) {
        streams.err << "squall import: error: "
                    << (ec ? "cannot create `" + args.output_dir + "`: " + ec.message() : error)
                    << '\n';
        return kExitUsage;
      }
    }
  } else if (!outputs.empty() && !collected.files.empty()) {
    streams.out << outputs.front().text;
  }

  if (args.check && !collected.files.empty()) {
    std::vector<const ast::File*> files;
    for (const Output& output : outputs) {
      source::FileId file_id = session.sources().AddFile(output.name, output.text);
      files.push_back(&session.Parse(file_id));
    }
    // The rules that did convert are checked even when others did not.
    check::Check(files, packs, types, session.sources(), session.diags());
  }
  return session.Report(streams) ? kExitUserError : kExitOk;
}

}  // namespace squall::cli
