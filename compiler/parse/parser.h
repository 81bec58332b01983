// squall::parse: source text -> ast::File. The only code in Squall that includes ANTLR; no
// ANTLR type appears in this header or in anything it returns.
//
// Contract of both entry points:
//   - never throws, never crashes, on any input (binary data, invalid UTF-8, 10 MB files,
//     pathological nesting); every problem becomes a diagnostic in `diags`;
//   - always returns a tree holding whatever could be read: an expression that could not be
//     read is an ast::ErrorExpr, a declaration that could not be read at all is left out;
//   - every node has a NodeId, dense and unique within the returned tree, and an exact byte
//     SourceRange in the parsed file;
//   - the returned tree has bounded depth: brackets and prefix operators nested deeper than
//     `max_nesting_depth` stop the parse (NestingTooDeep, empty tree), and left-deep chains
//     longer than `max_chain_length` (`a + a + ...`, `a.b.b...`) become an ErrorExpr
//     (ChainTooLong). So later stages may walk the tree recursively.
//
// Thread safety: calls with distinct DiagnosticEngines may run concurrently. Each call runs
// the ANTLR parser on a helper thread with a large stack and waits for it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "compiler/ast/ast.h"
#include "compiler/diag/diagnostic_engine.h"
#include "compiler/source/source_manager.h"

namespace squall::parse {

struct ParseOptions {
  // Deepest allowed nesting of brackets (`(`, `[`, `{`, `{{` in strings) plus runs of prefix
  // operators (`not not ...`, `- - ...`).
  uint32_t max_nesting_depth = 200;
  // Longest allowed left-deep chain of binary operators, member accesses, indexes and calls
  // in one expression.
  uint32_t max_chain_length = 10'000;
};

// Parses file `file_id` of `sources`.
std::unique_ptr<const ast::File> ParseFile(const source::SourceManager& sources,
                                           source::FileId file_id, diag::DiagnosticEngine& diags,
                                           const ParseOptions& options = {});

// The language's keywords, soft ones included: every lexer token spelled as a lower-case word
// (`rule`, `within`, `null`), sorted. Read from the generated lexer's vocabulary, so the lists
// that completion offers (LSP, REPL) cannot drift from the grammar. Static; thread-safe.
const std::vector<std::string>& Keywords();

// Parses the whole text of `file_id` as one expression (for the REPL and tests). Node ids are
// dense from 0 within the returned expression. Returns an ErrorExpr when nothing could be
// read; anything after the expression is reported as UnexpectedToken.
std::unique_ptr<const ast::Expr> ParseExpression(const source::SourceManager& sources,
                                                 source::FileId file_id,
                                                 diag::DiagnosticEngine& diags,
                                                 const ParseOptions& options = {});

}  // namespace squall::parse
