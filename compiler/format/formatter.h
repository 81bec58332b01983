// `squall fmt`: prints a parsed file in the canonical layout (see README.md for the rules).
#pragma once

#include <cstdint>
#include <string>

#include "compiler/ast/ast.h"
#include "compiler/source/source_manager.h"

namespace squall::format {

struct FormatOptions {
  uint32_t line_width = 100;  // columns (code points) a line may use before it is broken
  uint32_t indent = 2;        // spaces per nesting level
};

// Formats `file`, whose text `sources` owns. Precondition: `file` parsed without errors (the
// CLI refuses to format a file with syntax errors; an ErrorExpr would print as `<error>`).
// Every `#` comment of `file.comments` appears in the output, in source order, byte-exact
// except for trailing whitespace. The result ends with exactly one newline, has no trailing
// whitespace outside multi-line string literals, and formatting it again yields the same text.
// Pure function of its inputs; safe to call from several threads on distinct files.
std::string FormatFile(const ast::File& file, const source::SourceManager& sources,
                       const FormatOptions& options = {});

}  // namespace squall::format
