#include "compiler/source/source_manager.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <system_error>

#include "compiler/source/check.h"
#include "compiler/source/utf8.h"

namespace squall::source {
namespace {

std::vector<uint32_t> BuildLineStarts(std::string_view text) {
  std::vector<uint32_t> starts;
  starts.push_back(0);
  // memchr is vectorized by libc: the table for a 10 MB file takes a few milliseconds.
  const char* const data = text.data();
  const char* const end = data + text.size();
  for (const char* p = data; p < end;) {
    const void* found = std::memchr(p, '\n', static_cast<size_t>(end - p));
    if (found == nullptr) break;
    p = static_cast<const char*>(found) + 1;
    starts.push_back(static_cast<uint32_t>(p - data));
  }
  return starts;
}

// Number of units (code points, or UTF-16 code units when `utf16`) that lie entirely within
// text[0, offset).
uint32_t CountUnits(std::string_view text, uint32_t offset, bool utf16) {
  uint32_t count = 0;
  size_t pos = 0;
  while (pos < offset) {
    if (static_cast<unsigned char>(text[pos]) < 0x80) {  // ASCII fast path
      ++count;
      ++pos;
      continue;
    }
    const Utf8Char ch = DecodeUtf8(text, pos);
    if (pos + ch.length > offset) break;  // `offset` is inside this character
    count += utf16 ? Utf16Length(ch.code_point) : 1;
    pos += ch.length;
  }
  return count;
}

}  // namespace

FileId SourceManager::AddFile(std::string path, std::string text) {
  SQUALL_CHECK(text.size() <= kMaxFileSize, "source file larger than 4 GiB: " + path);
  SQUALL_CHECK(files_.size() < FileId::kInvalidValue, "too many source files");
  const FileId file_id{static_cast<uint32_t>(files_.size())};
  std::vector<uint32_t> line_starts = BuildLineStarts(text);
  files_.push_back(File{
      .path = std::move(path), .text = std::move(text), .line_starts = std::move(line_starts)});
  return file_id;
}

std::optional<FileId> SourceManager::LoadFile(const std::filesystem::path& path,
                                              std::string* error) {
  const auto fail = [&](std::string_view reason) -> std::optional<FileId> {
    if (error != nullptr) *error = reason;
    return std::nullopt;
  };
  const auto errno_message = [] { return std::generic_category().message(errno); };

  errno = 0;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"),
                                                       &std::fclose);
  if (file == nullptr) return fail(errno_message());

  std::string text;
  std::error_code size_error;
  if (const auto size = std::filesystem::file_size(path, size_error);
      !size_error && size <= kMaxFileSize) {
    text.reserve(size);
  }
  char buffer[64 * 1024];
  while (true) {
    const size_t count = std::fread(buffer, 1, sizeof(buffer), file.get());
    if (text.size() + count > kMaxFileSize) return fail("file is larger than 4 GiB");
    text.append(buffer, count);
    if (count < sizeof(buffer)) {
      // Reading a directory opens fine and fails here with EISDIR.
      if (std::ferror(file.get()) != 0) return fail(errno_message());
      break;
    }
  }
  return AddFile(path.string(), std::move(text));
}

const SourceManager::File& SourceManager::GetFile(FileId file_id) const {
  SQUALL_CHECK(file_id.value < files_.size(), "unknown FileId " + std::to_string(file_id.value) +
                                                  " (" + std::to_string(files_.size()) + " files)");
  return files_[file_id.value];
}

uint32_t SourceManager::LineOf(const File& file, uint32_t offset) {
  // The last line start <= offset; line_starts[0] == 0 so the result is >= 1.
  const auto it = std::upper_bound(file.line_starts.begin(), file.line_starts.end(), offset);
  return static_cast<uint32_t>(it - file.line_starts.begin());
}

std::string_view SourceManager::Text(FileId file_id) const { return GetFile(file_id).text; }

std::string_view SourceManager::Path(FileId file_id) const { return GetFile(file_id).path; }

LineCol SourceManager::GetLineCol(FileId file_id, uint32_t offset) const {
  const File& file = GetFile(file_id);
  SQUALL_CHECK(offset <= file.text.size(), "offset " + std::to_string(offset) +
                                               " past the end of " + file.path + " (size " +
                                               std::to_string(file.text.size()) + ")");
  const uint32_t line = LineOf(file, offset);
  const uint32_t start = file.line_starts[line - 1];
  const std::string_view rest = std::string_view(file.text).substr(start);
  return LineCol{.line = line, .column = CountUnits(rest, offset - start, /*utf16=*/false) + 1};
}

uint32_t SourceManager::Utf16Column(FileId file_id, uint32_t offset) const {
  const File& file = GetFile(file_id);
  SQUALL_CHECK(offset <= file.text.size(), "offset " + std::to_string(offset) +
                                               " past the end of " + file.path + " (size " +
                                               std::to_string(file.text.size()) + ")");
  const uint32_t start = file.line_starts[LineOf(file, offset) - 1];
  return CountUnits(std::string_view(file.text).substr(start), offset - start, /*utf16=*/true);
}

uint32_t SourceManager::LineCount(FileId file_id) const {
  return static_cast<uint32_t>(GetFile(file_id).line_starts.size());
}

uint32_t SourceManager::LineStart(FileId file_id, uint32_t line) const {
  const File& file = GetFile(file_id);
  SQUALL_CHECK(line >= 1 && line <= file.line_starts.size(),
               "line " + std::to_string(line) + " out of range for " + file.path + " (" +
                   std::to_string(file.line_starts.size()) + " lines)");
  return file.line_starts[line - 1];
}

std::string_view SourceManager::LineText(FileId file_id, uint32_t line) const {
  const File& file = GetFile(file_id);
  const uint32_t begin = LineStart(file_id, line);
  uint32_t end = line < file.line_starts.size() ? file.line_starts[line] - 1  // at the '\n'
                                                : static_cast<uint32_t>(file.text.size());
  if (line < file.line_starts.size() && end > begin && file.text[end - 1] == '\r') --end;
  return std::string_view(file.text).substr(begin, end - begin);
}

}  // namespace squall::source
