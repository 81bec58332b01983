#pragma once

// Machine-readable rendering of diagnostics (`--diagnostics-format=json`), carrying the same
// content as the text form for editors and the LSP. One compact JSON document, no trailing
// newline:
//
//   {"diagnostics":[
//      {"kind":"ArgTypeMismatch","severity":"error","message":"...","file":"ops.rule",
//       "range":{"start":{"line":12,"column":38,"offset":310},
//                "end":{"line":12,"column":42,"offset":314}},
//       "notes":[{"kind":"DeclaredHere","severity":"note","message":"...","file":...,
//                 "range":...}]}],
//    "errors":1,"warnings":0}
//
// Keys appear in exactly this order. line/column are source::LineCol (1-based, column in
// code points), offset is the byte offset, end is exclusive. A diagnostic or note without
// a location has "file":null,"range":null. Notes have no "notes" key. "errors" and
// "warnings" count the diagnostics in the input by severity. Strings are escaped as in
// json_escape.h, so the output is valid UTF-8 even for malformed source text.

#include <span>
#include <string>

#include "compiler/diag/diagnostic.h"
#include "compiler/source/source_manager.h"

namespace squall::diag {

// Ranges must be valid for `sources` (as the engine guarantees).
std::string RenderJson(std::span<const Diagnostic> diagnostics,
                       const source::SourceManager& sources);

}  // namespace squall::diag
