#pragma once

// UTF-8 decoding shared by column computation, snippet rendering and JSON output.
//
// Convention used everywhere in Squall: decoding is strict (RFC 3629: no overlong forms,
// no surrogates, nothing above U+10FFFF), and a byte that does not start a valid sequence
// is one unit of length 1. So every byte of malformed input counts as exactly one column,
// and is shown as U+FFFD.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace squall::source {

inline constexpr char32_t kReplacementChar = 0xFFFD;

// One decoded unit of UTF-8 text.
struct Utf8Char {
  char32_t code_point = kReplacementChar;  // kReplacementChar when !valid
  uint32_t length = 1;                     // bytes consumed, 1..4; 1 when !valid
  bool valid = false;
};

// Decodes the unit starting at text[pos]. Precondition: pos < text.size().
Utf8Char DecodeUtf8(std::string_view text, size_t pos);

// Number of UTF-16 code units that encode `code_point` (1 or 2).
constexpr uint32_t Utf16Length(char32_t code_point) { return code_point >= 0x10000 ? 2 : 1; }

// Appends the UTF-8 encoding of `code_point`. Precondition: a Unicode scalar value
// (<= U+10FFFF and not a surrogate).
void AppendUtf8(std::string& out, char32_t code_point);

}  // namespace squall::source
