#include "cli/compile.h"

#include <cstdlib>

#include "compiler/check/checker.h"

namespace squall::cli {

void CompileFiles(Session& session, const std::vector<std::string>& paths, std::istream& in,
                  const CompileOptions& options, CompiledProgram& out) {
  for (const std::string& path : paths) {
    std::optional<source::FileId> file_id = session.Load(path, in);
    if (!file_id) continue;
    out.files.push_back(&session.Parse(*file_id));
    out.paths.push_back(path);
  }
  // Names and types only make sense in a tree without syntax errors.
  if (!options.check || session.diags().HasErrors()) return;
  // Pack YAML warnings (often upstream oddities in packs the user does not maintain) would
  // drown the rule file's own diagnostics; `--pack-warnings` or `squall packs show` shows them.
  schema::LoaderOptions loader_options;
  if (options.packs != nullptr) {
    loader_options.search_path = options.packs->SearchPath(paths, std::getenv("SQUALL_PACKS"));
  }
  loader_options.report_warnings = options.pack_warnings;
  out.packs = std::make_unique<schema::PackLoader>(std::move(loader_options), session.sources(),
                                                   session.diags(), out.types);
  out.program = check::Check(out.files, *out.packs, out.types, session.sources(), session.diags());
  out.checked = true;
}

}  // namespace squall::cli
