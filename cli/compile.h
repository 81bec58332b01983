// The front half of every command that needs a checked program (`check`, `run`, `explain`):
// read and parse the rule files, then load the packs they import and type-check them.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "cli/driver.h"
#include "cli/pack_flags.h"
#include "compiler/check/checked_program.h"
#include "compiler/schema/loader.h"
#include "compiler/types/type.h"

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

}  // namespace squall::cli
