#pragma once

// Locations in source text: FileId names a file owned by a SourceManager, SourceRange is a
// half-open byte range [begin, end) in one file, LineCol is the human-facing position.
// All three are small values: copy them freely.

#include <compare>
#include <cstdint>
#include <limits>

namespace squall::source {

// Typed id of a file in a SourceManager; ids are dense, in the order files were added.
// A default-constructed FileId is invalid.
struct FileId {
  static constexpr uint32_t kInvalidValue = std::numeric_limits<uint32_t>::max();

  uint32_t value = kInvalidValue;

  static constexpr FileId Invalid() { return FileId{}; }
  constexpr bool IsValid() const { return value != kInvalidValue; }

  friend constexpr bool operator==(FileId, FileId) = default;
  friend constexpr auto operator<=>(FileId, FileId) = default;
};

// Half-open byte range [begin, end) in `file`. A range is valid when its file is valid and
// begin <= end; a zero-length range (begin == end) names a position between two bytes.
// SourceRange{} (invalid file) means "no location". Ranges order by (file, begin, end).
struct SourceRange {
  FileId file;
  uint32_t begin = 0;
  uint32_t end = 0;

  static constexpr SourceRange Invalid() { return SourceRange{}; }
  constexpr bool IsValid() const { return file.IsValid() && begin <= end; }
  constexpr uint32_t Length() const { return end - begin; }

  // True when begin <= offset < end; an empty range contains no offset.
  constexpr bool Contains(uint32_t offset) const { return begin <= offset && offset < end; }
  // True when `other` lies within this range in the same file; both must be valid. An empty
  // `other` at either edge counts as contained.
  constexpr bool Contains(const SourceRange& other) const {
    return IsValid() && other.IsValid() && file == other.file && begin <= other.begin &&
           other.end <= end;
  }

  friend constexpr bool operator==(const SourceRange&, const SourceRange&) = default;
  friend constexpr auto operator<=>(const SourceRange&, const SourceRange&) = default;
};

// The smallest range covering both `a` and `b`. An invalid operand is ignored (Join of two
// invalid ranges is invalid). Valid operands in different files are a programming error
// (aborts).
SourceRange Join(const SourceRange& a, const SourceRange& b);

// A position as shown to people: both fields 1-based. `column` counts Unicode code points
// from the start of the line (a tab is one column, each byte of invalid UTF-8 is one
// column). The default value {0, 0} means "unknown".
struct LineCol {
  uint32_t line = 0;
  uint32_t column = 0;

  friend constexpr bool operator==(const LineCol&, const LineCol&) = default;
  friend constexpr auto operator<=>(const LineCol&, const LineCol&) = default;
};

}  // namespace squall::source
