// A small Wadler/Prettier-style document algebra: the formatter describes *what may break*
// and `Render` decides *what does break* for a given line width.
//
//   Text("x")          literal text; may contain '\n' only for multi-line string literals
//   Line()             a space when its group is flat, a newline + indentation when broken
//   SoftLine()         nothing when flat, a newline + indentation when broken
//   HardLine()         always a newline; every group around it breaks
//   Group(d)           render `d` flat if it fits in the remaining width, else broken
//   Indent(d)          lines inside `d` are indented one more level (FormatOptions::indent)
//   IfBreak(b, f)      `b` when the enclosing group is broken, `f` when flat (trailing commas)
//   LineSuffix(d)      deferred until just before the next newline
//   TrailingComment(c) a LineSuffix printing " c"; when several are pending at one line break,
//                      each after the first goes on its own line (at the indentation where it
//                      was placed), so two comments never merge into one
//   BreakParent()      forces every enclosing group to break
//
// Docs are immutable and shared (std::shared_ptr<const DocNode>), so sub-documents can be
// reused freely. Rendering is iterative (explicit stacks), so a document shaped like a
// 100k-term operator chain renders without deep recursion.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace squall::format {

struct DocNode;
using Doc = std::shared_ptr<const DocNode>;

enum class DocKind : uint8_t {
  kText,
  kLine,
  kConcat,
  kGroup,
  kIndent,
  kIfBreak,
  kLineSuffix,
  kBreakParent,
};

enum class LineKind : uint8_t { kLine, kSoft, kHard };

struct DocNode {
  DocKind kind = DocKind::kText;
  LineKind line = LineKind::kLine;  // kLine only
  std::string text;                 // kText; kLineSuffix: the comment of a TrailingComment
  std::vector<Doc> children;        // kConcat: all; kGroup/kIndent/kLineSuffix: [0];
                                    // kIfBreak: [0] broken, [1] flat
  // True when a hard line or BreakParent is inside (outside any LineSuffix): every group
  // around it must break.
  bool forces_break = false;
};

Doc Text(std::string text);
Doc Line();
Doc SoftLine();
Doc HardLine();
Doc Concat(std::vector<Doc> parts);
Doc Group(Doc doc);
Doc Indent(Doc doc);
Doc IfBreak(Doc broken, Doc flat);
Doc LineSuffix(Doc doc);
Doc TrailingComment(std::string comment);
Doc BreakParent();

// `parts` separated by `separator`.
Doc Join(const Doc& separator, const std::vector<Doc>& parts);

struct RenderOptions {
  uint32_t width = 100;  // columns, counted in code points
  uint32_t indent = 2;   // spaces per Indent level
};

// Lays out `doc`. Indentation is written lazily (only before text), so blank lines and lines
// that end at a break carry no trailing whitespace. Pending line suffixes are flushed at the
// end.
std::string Render(const Doc& doc, const RenderOptions& options = {});

}  // namespace squall::format
