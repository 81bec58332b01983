// Conversions between byte offsets in UTF-8 text and LSP positions, and between file paths
// and `file://` URIs.
//
// LSP positions are a 0-based line and a 0-based character counted in UTF-16 code units
// (the protocol's default `positionEncoding`, the only one this server offers). Lines split
// on '\n'; a '\r' right before it belongs to the line break. A code point above U+FFFF is two
// units; each byte of invalid UTF-8 counts as one unit (as SourceManager::Utf16Column does).
//
// All functions are pure, never fail and are safe to call from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace squall::lsp {

struct Position {
  uint32_t line = 0;       // 0-based
  uint32_t character = 0;  // 0-based, UTF-16 code units

  friend bool operator==(const Position&, const Position&) = default;
};

// The position of byte `offset` of `text`. An offset past the end is clamped to the end; an
// offset inside a multi-byte character maps to that character's start.
Position OffsetToPosition(std::string_view text, uint32_t offset);

// The byte offset of `position` in `text`, clamped: a line past the last one maps to the end
// of the text, a character past the end of its line to the end of the line (before "\r\n"),
// and a character in the middle of a surrogate pair to the end of that code point.
uint32_t PositionToOffset(std::string_view text, Position position);

// The position just past the last byte (the end of the document, for whole-file edits).
Position EndPosition(std::string_view text);

// `file:///a/b%20c.rule` -> `/a/b c.rule` (percent-decoded). Empty for a URI that is not a
// `file:` URI (`untitled:Untitled-1`).
std::string UriToPath(std::string_view uri);

// `/a/b c.rule` -> `file:///a/b%20c.rule`. A relative path is made absolute against the
// current directory first.
std::string PathToUri(std::string_view path);

}  // namespace squall::lsp
