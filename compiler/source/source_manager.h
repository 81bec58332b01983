#pragma once

// SourceManager: owns the text of every source file in a compilation (rule files, pack
// YAML, ...) and maps byte offsets to lines and columns.
//
// Ownership: text and path are stored once and never moved, so every std::string_view
// returned here stays valid until the SourceManager is destroyed, even as more files are
// added (and across a move of the SourceManager).
//
// Errors: reading a file can fail (LoadFile reports it). Everything else has
// preconditions; breaking one (unknown FileId, offset or line out of range) is a
// programming error and aborts with a message.
//
// Thread safety: AddFile/LoadFile must not run concurrently with anything else; the const
// accessors may be called from many threads at once.
//
// Lines: text splits on '\n'. A file has (number of '\n') + 1 lines, so "a\n" has two lines
// ("a" and an empty one) and an empty file has one empty line. A '\r' right before '\n' is
// part of the line break, not of the line text.
//
// Cost: adding a file builds its line-start table in one O(n) pass. Line lookups are
// O(log lines); column lookups are O(bytes from the line start to the offset).

#include <cstdint>
#include <deque>
#include <filesystem>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/source/source_range.h"

namespace squall::source {

class SourceManager {
 public:
  // Offsets are uint32_t and `offset == size` must be representable.
  static constexpr uint64_t kMaxFileSize = std::numeric_limits<uint32_t>::max();

  SourceManager() = default;
  SourceManager(const SourceManager&) = delete;
  SourceManager& operator=(const SourceManager&) = delete;
  SourceManager(SourceManager&&) = default;
  SourceManager& operator=(SourceManager&&) = default;

  // Adds a file with the given display path (used verbatim in diagnostics) and bytes.
  // Every call adds a new file, even for a path seen before. Precondition:
  // text.size() <= kMaxFileSize.
  FileId AddFile(std::string path, std::string text);

  // Reads the file's bytes exactly (no newline or encoding conversion) and adds it with
  // path.string() as its display path. On failure returns nullopt and, if `error` is not
  // null, sets it to the reason alone, e.g. "No such file or directory", ready to be the
  // second argument of diag::Kind::CannotReadFile ("cannot read `{0}`: {1}").
  std::optional<FileId> LoadFile(const std::filesystem::path& path, std::string* error);

  uint32_t FileCount() const { return static_cast<uint32_t>(files_.size()); }

  std::string_view Text(FileId file_id) const;
  std::string_view Path(FileId file_id) const;

  // 1-based line and code-point column of `offset` (0 <= offset <= size; offset == size is
  // the position just past the last byte). An offset inside a multi-byte character maps to
  // that character's column.
  LineCol GetLineCol(FileId file_id, uint32_t offset) const;

  // 0-based column of `offset` in UTF-16 code units (what LSP positions use by default);
  // each byte of invalid UTF-8 counts as one unit. Same preconditions as GetLineCol.
  uint32_t Utf16Column(FileId file_id, uint32_t offset) const;

  // Number of lines, always >= 1 (see "Lines" above).
  uint32_t LineCount(FileId file_id) const;

  // Byte offset where 1-based `line` starts. Precondition: 1 <= line <= LineCount.
  uint32_t LineStart(FileId file_id, uint32_t line) const;

  // Text of 1-based `line` without its "\n" or "\r\n". Precondition: 1 <= line <= LineCount.
  std::string_view LineText(FileId file_id, uint32_t line) const;

 private:
  struct File {
    std::string path;
    std::string text;
    std::vector<uint32_t> line_starts;  // line_starts[i] = offset of line i + 1; [0] == 0
  };

  const File& GetFile(FileId file_id) const;
  // 1-based line containing `offset`; precondition: offset <= text.size().
  static uint32_t LineOf(const File& file, uint32_t offset);

  // std::deque never relocates its elements on push_back, which keeps views stable.
  std::deque<File> files_;
};

}  // namespace squall::source
