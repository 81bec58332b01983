// The type checker: resolves every name of the parsed files (imports, consts, triggers,
// actions, workflows, bindings such as `event`, `as x`, `result`, `error`), types every
// expression, and checks action and workflow calls against their schemas, trigger parameters,
// policies, workflow statements and tests. See docs/language.md, "Types".
//
// Errors and warnings go to the DiagnosticEngine; the checker never stops early, and an
// expression that already has an error gets the type `<error>` so that one mistake is reported
// once. Packs are loaded through `packs` when a file imports them.
#pragma once

#include <span>

#include "compiler/ast/ast.h"
#include "compiler/check/checked_program.h"
#include "compiler/diag/diagnostic_engine.h"
#include "compiler/schema/loader.h"
#include "compiler/source/source_manager.h"
#include "compiler/types/type.h"

namespace squall::check {

// Checks `files` as one program: names are file-local (each file has its own imports, consts,
// triggers and workflows), rule names are unique across the program. Every pointer argument
// must outlive the returned program. Thread safety: none.
CheckedProgram Check(std::span<const ast::File* const> files, schema::PackLoader& packs,
                     types::TypeContext& types, const source::SourceManager& sources,
                     diag::DiagnosticEngine& diags);

}  // namespace squall::check
