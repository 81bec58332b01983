#pragma once

// Human-readable rendering of diagnostics, gcc/rustc style:
//
//   ops.rule:12:38: error: parameter `timeout` of action `core.local` expects `int`, found `string`
//   [ArgTypeMismatch]
//      12 |   then core.local(cmd: "x", timeout: "60")
//         |                                      ^~~~
//   packs/core/actions/local.yaml:9:5: note: parameter `timeout` declared here [DeclaredHere]
//       9 |     timeout:
//         |     ^~~~~~~
//
// Header: `path:line:column: severity: message [Kind]`, line and column as in
// source::LineCol (1-based, code points); without a location just
// `severity: message [Kind]` and no snippet. Every line ends with '\n'.
//
// Snippet: the line holding the start of the range, with a gutter whose line-number width
// is max(4, digits of the largest line number in this diagnostic and its notes). The caret
// line has '^' under the first character of the range and '~' under the rest of it on that
// line; a range spanning lines is underlined to the end of its first line; a zero-length
// range, or one at the end of a line or file, gets a single '^' just after the preceding
// character.
//
// Display columns in the snippet: one per code point (East Asian wide and combining
// characters are not special-cased); tabs expand to the next multiple of 4 in both lines.
// Characters that would garble a terminal are replaced, one column each: each byte of
// invalid UTF-8, C1 controls and bidirectional-override characters (U+202A..U+202E,
// U+2066..U+2069, U+200E, U+200F, U+061C) by U+FFFD; C0 controls and DEL by their Unicode
// control pictures (U+2400..U+241F, U+2421). The same replacement (tabs included, as U+2409)
// applies to the path and message in the header.
//
// Long lines: when the line is wider than 120 columns only a 120-column window is shown,
// starting up to 40 columns before the caret, with "..." marking the cut side(s).

#include <cstdint>
#include <string>

#include "compiler/diag/diagnostic.h"
#include "compiler/source/source_manager.h"

namespace squall::diag {

struct TextOptions {
  // ANSI colors: bold location, red `error:`, yellow `warning:`, cyan `note:`, green caret.
  bool color = false;
};

// Renders `diagnostic` and its notes. Ranges must be valid for `sources` (as the engine
// guarantees); the source text is read from `sources`, never from disk.
std::string RenderText(const Diagnostic& diagnostic, const source::SourceManager& sources,
                       const TextOptions& options = {});

// "2 errors, 1 warning generated", "1 error generated", "3 warnings generated"; the empty
// string when both counts are 0. No trailing newline.
std::string RenderSummary(uint32_t errors, uint32_t warnings);

}  // namespace squall::diag
