#pragma once

// Placeholder syntax of diagnostic message formats, usable at compile time (kind.cpp
// validates every registered format with static_assert).
//
// A placeholder is '{', one or two decimal digits, '}'. Any other '{' or '}' is literal
// text, so formats like "expected `{` after rule header" need no escaping.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace squall::diag::internal {

struct Placeholder {
  size_t begin = 0;  // offset of '{'
  size_t end = 0;    // offset just past '}'
  uint32_t index = 0;
};

// The first placeholder at or after `from`, if any.
constexpr std::optional<Placeholder> FindPlaceholder(std::string_view format, size_t from) {
  for (size_t pos = format.find('{', from); pos != std::string_view::npos;
       pos = format.find('{', pos + 1)) {
    uint32_t index = 0;
    size_t digits = 0;
    while (pos + 1 + digits < format.size() && digits < 3) {
      const char c = format[pos + 1 + digits];
      if (c < '0' || c > '9') break;
      index = index * 10 + static_cast<uint32_t>(c - '0');
      ++digits;
    }
    if (digits >= 1 && digits <= 2 && pos + 1 + digits < format.size() &&
        format[pos + 1 + digits] == '}') {
      return Placeholder{.begin = pos, .end = pos + digits + 2, .index = index};
    }
  }
  return std::nullopt;
}

// Number of arguments `format` takes: k when its placeholders use exactly the indices
// 0..k-1 (each at least once, in any order), or nullopt when the numbering has a gap.
constexpr std::optional<uint32_t> ArgCount(std::string_view format) {
  uint64_t seen = 0;  // bit i set when {i} occurs; indices are < 100, so track up to 63
  uint32_t count = 0;
  for (auto placeholder = FindPlaceholder(format, 0); placeholder.has_value();
       placeholder = FindPlaceholder(format, placeholder->end)) {
    if (placeholder->index >= 64) return std::nullopt;
    seen |= uint64_t{1} << placeholder->index;
    if (placeholder->index + 1 > count) count = placeholder->index + 1;
  }
  const uint64_t all = count == 64 ? ~uint64_t{0} : (uint64_t{1} << count) - 1;
  if (seen != all) return std::nullopt;
  return count;
}

// The wording rule that can be checked mechanically: non-empty, one line, does not start
// with an uppercase ASCII letter, does not end with '.' or whitespace.
constexpr bool FollowsWordingRule(std::string_view format) {
  if (format.empty() || format.find('\n') != std::string_view::npos) return false;
  if (format.front() >= 'A' && format.front() <= 'Z') return false;
  const char last = format.back();
  return last != '.' && last != ' ' && last != '\t';
}

}  // namespace squall::diag::internal
