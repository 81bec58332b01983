// `squall check --dump=types`: the AST dump (ast_printer.h) with what the checker learned
// appended to each line: ` : <type>` on expressions, `-> action core.local` on calls,
// `-> trigger linux.file_watch.line` on trigger atoms. Used by golden tests.
#pragma once

#include <string>

#include "compiler/check/checked_program.h"
#include "compiler/source/source_manager.h"

namespace squall::check {

std::string DumpTypes(const CheckedFile& file, const source::SourceManager& sources);

}  // namespace squall::check
