// Test helper: checks and lowers one rule file (built-in packs only) and keeps everything the
// program points into alive.
#pragma once

#include <memory>
#include <string>

#include "compiler/check/checker.h"
#include "compiler/diag/diagnostic_engine.h"
#include "compiler/ir/lower.h"
#include "compiler/parse/parser.h"

namespace squall::ir {

class LoweredForTest {
 public:
  explicit LoweredForTest(const std::string& source) : diags_(sources_) {
    source::FileId id = sources_.AddFile("t.rule", source);
    file_ = parse::ParseFile(sources_, id, diags_);
    // The checker's precondition, as in the CLI: no syntax errors.
    if (diags_.HasErrors()) return;
    loader_ =
        std::make_unique<schema::PackLoader>(schema::LoaderOptions{}, sources_, diags_, types_);
    const ast::File* files[] = {file_.get()};
    checked_ = check::Check(files, *loader_, types_, sources_, diags_);
    ok_ = !diags_.HasErrors();
    if (ok_) program_ = Lower(checked_);
  }
  // The source parsed and checked without errors.
  bool ok() const { return ok_; }
  const Program& program() const { return program_; }
  const check::CheckedProgram& checked() const { return checked_; }
  const source::SourceManager& sources() const { return sources_; }

 private:
  source::SourceManager sources_;
  diag::DiagnosticEngine diags_;
  types::TypeContext types_;
  std::unique_ptr<const ast::File> file_;
  std::unique_ptr<schema::PackLoader> loader_;
  check::CheckedProgram checked_;
  bool ok_ = false;
  Program program_;
};

}  // namespace squall::ir
