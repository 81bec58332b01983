// `squall check --dump=ast`: the AST as an indented tree, one node per line.
//
// Each line is `<role: ><Label> <attributes> @line:col-line:col`, indented two spaces per
// depth. Roles (`where:`, `else:`, `arg cmd:`) name children whose part is not obvious from
// the label. Strings are JSON-escaped so every node stays on one line; NodeIds are never
// printed, so the output is stable under refactors of the parser. The output is used by golden
// tests, so any change to it is a format change: keep it deliberate.
#pragma once

#include <functional>
#include <string>

#include "compiler/ast/ast.h"
#include "compiler/source/source_manager.h"

namespace squall::ast {

struct PrintOptions {
  // Append `@line:col-line:col` to every node line. Off when comparing two trees that differ
  // only in layout (e.g. a file and its `squall fmt` output).
  bool locations = true;
  // When set, called for every node line; a non-empty result is appended to the label (before
  // the location), e.g. ` : string` from the checker's `--dump=types`.
  std::function<std::string(const Node&)> annotate;
};

// Prints `file` (whose text `sources` owns). Iterative: arbitrarily deep trees (a 100k-term
// `a + a + ...` chain) use heap memory, not stack. Beyond depth 100 the indentation stops
// growing and the line starts with `[depth N]` instead, so a pathological chain prints in
// linear rather than quadratic space. Never fails; thread-safe for distinct calls.
std::string PrintAst(const File& file, const source::SourceManager& sources,
                     const PrintOptions& options = {});

}  // namespace squall::ast
