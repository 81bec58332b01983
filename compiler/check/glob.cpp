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
  return i + length <= text.size() ? length : 1;
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
    p = star_p;
    t = ++star_t;
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

}  // namespace squall::check
