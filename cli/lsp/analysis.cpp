#include "cli/lsp/analysis.h"

#include "cli/lsp/position.h"
#include "compiler/check/checker.h"
#include "compiler/parse/parser.h"
#include "compiler/source/large_stack.h"

namespace squall::lsp {

std::shared_ptr<const Analysis> Analyze(const std::string& uri, std::string text,
                                        std::vector<std::filesystem::path> search_path) {
  auto analysis = std::make_shared<Analysis>();
  analysis->uri = uri;
  std::string path = UriToPath(uri);
  if (text.size() > source::SourceManager::kMaxFileSize) text.resize(0);
  analysis->file_id = analysis->sources.AddFile(path.empty() ? uri : path, std::move(text));
  // No error limit: an editor shows every problem in place; the CLI's cap is about terminals.
  analysis->diags = std::make_unique<diag::DiagnosticEngine>(
      analysis->sources, diag::EngineOptions{.error_limit = 0, .warnings_as_errors = false});
  Analysis& a = *analysis;
  source::RunWithLargeStack([&] {
    try {
      a.file = parse::ParseFile(a.sources, a.file_id, *a.diags);
      a.syntax_ok = !a.diags->HasErrors();
      if (a.syntax_ok) {
        // Same options as `squall check` without --pack-warnings.
        schema::LoaderOptions loader_options;
        loader_options.search_path = std::move(search_path);
        loader_options.report_warnings = false;
        a.packs = std::make_unique<schema::PackLoader>(std::move(loader_options), a.sources,
                                                       *a.diags, a.types);
        std::vector<const ast::File*> files{a.file.get()};
        a.program = check::Check(files, *a.packs, a.types, a.sources, *a.diags);
        a.checked = true;
      }
    } catch (const std::exception&) {
      // Stages report problems as diagnostics and do not throw; should one (e.g. bad_alloc),
      // the analysis is simply incomplete.
      a.checked = false;
    }
  });
  if (a.file == nullptr) {
    auto empty = std::make_unique<ast::File>();
    empty->file = a.file_id;
    empty->range = source::SourceRange{a.file_id, 0, 0};
    a.file = std::move(empty);
  }
  a.diagnostics = a.diags->Finish();
  return analysis;
}

}  // namespace squall::lsp
