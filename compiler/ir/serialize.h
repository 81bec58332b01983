// A compact binary form of a matcher IR program, so that a start with unchanged rules and
// packs can skip parsing and checking (cli/program_cache.h stores it).
//
// The bytes are private to one build of Squall (the cache keys them by the build id): no
// compatibility across versions is promised. Source ranges are not kept (a loaded program's
// ranges are invalid: its source files are not loaded), nor are types' descriptions and
// declaration sites; everything the engines and argument rendering read is.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "compiler/ir/ir.h"
#include "compiler/types/type.h"

namespace squall::ir {

std::string Serialize(const Program& program);

// The program `bytes` holds, its types created in `types` (which must outlive it); nullopt
// when the bytes are not a whole, well-formed program (a truncated or damaged file).
std::optional<Program> Deserialize(std::string_view bytes, types::TypeContext& types);

}  // namespace squall::ir
