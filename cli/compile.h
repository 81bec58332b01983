// The front half of every command that needs a checked program (`check`, `run`, `explain`):
// read and parse the rule files, then load the packs they import and type-check them.
#pragma once

#include <iosfwd>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "cli/driver.h"
#include "cli/pack_flags.h"
#include "compiler/check/checked_program.h"
#include "compiler/ir/ir.h"
#include "compiler/schema/loader.h"
#include "compiler/types/type.h"
#include "runtime/events/decoded_event.h"
#include "runtime/interp/interpreter.h"

namespace squall::cli {

// Owns what a checked program points into (types, packs). Not movable: the program refers to
// its own members.
struct CompiledProgram {
  std::vector<const ast::File*> files;  // owned by the Session
  std::vector<std::string> paths;       // parallel to `files`
  types::TypeContext types;
  std::unique_ptr<schema::PackLoader> packs;
  check::CheckedProgram program;
  bool checked = false;  // false when syntax errors stopped it before the checker
};

struct CompileOptions {
  const PackFlags* packs = nullptr;
  bool pack_warnings = false;
  bool check = true;  // false: read and parse only
};

// Reads and parses `paths` into `out` ("-" reads `in`), then, unless there were syntax errors
// or `options.check` is false, checks them. Diagnostics go to the session.
void CompileFiles(Session& session, const std::vector<std::string>& paths, std::istream& in,
                  const CompileOptions& options, CompiledProgram& out);

// The second half of CompileFiles, for files already parsed into `out.files` (the REPL adds
// its text to the session itself): unless there were syntax errors or `options.check` is
// false, loads the packs and checks. `pack_base_paths` are the rule files whose sibling
// `packs/` directories join the search path (PackFlags::SearchPath).
void CheckParsedFiles(Session& session, std::span<const std::string> pack_base_paths,
                      const CompileOptions& options, CompiledProgram& out);

// The report of `squall explain` for one decoded event: every rule of the event's trigger,
// whether it fires and why (each condition with the event values it read), and the rendered
// action of each rule that fires. `interpreter` evaluates `program`; `sources` holds the rule
// text the program was lowered from. Run it on a large stack (source::RunWithLargeStack).
void ExplainEvent(const ir::Program& program, interp::Interpreter& interpreter,
                  const source::SourceManager& sources, const events::DecodedEvent& event,
                  std::ostream& out);

}  // namespace squall::cli
