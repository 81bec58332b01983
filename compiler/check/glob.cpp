#include "compiler/check/glob.h"

#include <cstddef>

namespace squall::check {
namespace {

// Length of the UTF-8 sequence starting at `text[i]` (1 for invalid bytes).
size_t CodePointLength(std::string_view text, size_t i) {
  unsigned char c = static_cast<unsigned char>(text[i]);
  size_t length = c < 0x80           ? 1
                  : (c >> 5) == 0x6  ? 2
                  : (c >> 4) == 0xE  ? 3
                  : (c >> 3) == 0x1E ? 4
                                     : 1;
  if (i + length > text.size()) return 1;
  for (size_t k = 1; k < length; ++k) {
    // Not a continuation byte: an invalid sequence, taken one byte at a time.
    if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return 1;
  }
  return length;
}

}  // namespace

bool GlobMatch(std::string_view pattern, std::string_view text) {
  // Greedy matching with backtracking to the last `*` only: linear in practice, O(n*m) at
  // worst, never exponential.
  size_t p = 0, t = 0;
  size_t star_p = std::string_view::npos, star_t = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star_p = ++p;
      star_t = t;
      continue;
    }
    if (p < pattern.size() && pattern[p] == '?') {
      ++p;
      t += CodePointLength(text, t);
      continue;
    }
    if (p < pattern.size()) {
      size_t literal = p;
      if (pattern[p] == '\\' && p + 1 < pattern.size()) literal = p + 1;
      if (pattern[literal] == text[t]) {
        p = literal + 1;
        ++t;
        continue;
      }
    }
    if (star_p == std::string_view::npos) return false;
    // The `*` takes one more character — a whole code point, so that a `?` or literal after
    // it never starts in the middle of one.
    p = star_p;
    star_t += CodePointLength(text, star_t);
    t = star_t;
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

}  // namespace squall::check
