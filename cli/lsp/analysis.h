// One compilation of one open document: parse, then (without syntax errors) load the packs it
// imports and type-check it, exactly as `squall check` does for a file. The language features
// (features.h) read everything from here.
//
// Ownership: an Analysis owns its text, sources, diagnostics, tree, types, packs and checked
// program; it is immutable once Analyze returns and is shared through shared_ptr.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "compiler/ast/ast.h"
#include "compiler/check/checked_program.h"
#include "compiler/diag/diagnostic.h"
#include "compiler/diag/diagnostic_engine.h"
#include "compiler/schema/loader.h"
#include "compiler/source/source_manager.h"
#include "compiler/types/type.h"

namespace squall::lsp {

struct Analysis {
  std::string uri;
  source::SourceManager sources;
  std::unique_ptr<diag::DiagnosticEngine> diags;  // emptied by Analyze (see `diagnostics`)
  source::FileId file_id;
  std::unique_ptr<const ast::File> file;  // never null after Analyze
  types::TypeContext types;
  std::unique_ptr<schema::PackLoader> packs;  // null when not checked
  check::CheckedProgram program;
  bool syntax_ok = false;                     // parsed without errors
  bool checked = false;                       // the checker ran (implies syntax_ok)
  std::vector<diag::Diagnostic> diagnostics;  // everything reported, sorted (Finish())

  std::string_view text() const { return sources.Text(file_id); }
  // The checker's view of the document; null when not checked.
  const check::CheckedFile* checked_file() const {
    return checked && !program.files.empty() ? &program.files.front() : nullptr;
  }
};

// Analyzes `text`, the content of the document `uri`, with `search_path` as the pack path
// (after the built-in packs). The file's display path is its file-system path for a `file:`
// URI, else the URI. Never throws for any text; the work runs on a large stack
// (source::RunWithLargeStack) like the CLI's deep stages.
std::shared_ptr<const Analysis> Analyze(const std::string& uri, std::string text,
                                        std::vector<std::filesystem::path> search_path);

}  // namespace squall::lsp
