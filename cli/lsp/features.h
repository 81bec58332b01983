// The language features over one Analysis, each returning the LSP result as JSON. Positions
// in and out are LSP positions (0-based, UTF-16; see position.h). Every function is pure
// (reads the analyses only) and never throws for any position or text.
#pragma once

#include <nlohmann/json.hpp>

#include "cli/lsp/analysis.h"
#include "cli/lsp/position.h"

namespace squall::lsp {

// `textDocument/publishDiagnostics` params: every diagnostic of `analysis` with the CLI's
// kinds (as `code`), severity, range and notes (as relatedInformation; a note without a
// location is appended to the message). A diagnostic located in another file (pack YAML) is
// shown at the start of the document with its file:line:col in the message.
nlohmann::json PublishDiagnosticsParams(const Analysis& analysis, const nlohmann::json& version);

// `textDocument/hover`: the type of the expression under the cursor; for an action call's
// callee the action's signature and parameter docs; for a trigger its payload. Null when
// nothing is known (including a document that does not check).
nlohmann::json Hover(const Analysis& analysis, Position position);

// `textDocument/completion`: a CompletionItem array for the context before the cursor
// (see features.cpp). `current` is the document as it is now (its text decides the
// context); `context` a checked analysis of it that supplies names and types: `current`
// itself when it checks, else one of the text with a placeholder at the cursor, else the
// latest one that checked (may be null: keywords only).
nlohmann::json Completion(const Analysis& current, const Analysis* context, Position position);

// `textDocument/definition`: a Location, or null.
nlohmann::json Definition(const Analysis& analysis, Position position);

// `textDocument/documentSymbol`: DocumentSymbol[] for the top-level declarations.
nlohmann::json DocumentSymbols(const Analysis& analysis);

// `textDocument/formatting`: one TextEdit replacing the whole document with `squall fmt`'s
// output, [] when already formatted or when the document has syntax errors.
nlohmann::json Formatting(const Analysis& analysis);

}  // namespace squall::lsp
