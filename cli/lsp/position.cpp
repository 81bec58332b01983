#include "cli/lsp/position.h"

#include <filesystem>

namespace squall::lsp {
namespace {

// Length in bytes of the UTF-8 sequence starting at text[i], and its UTF-16 length; invalid
// or truncated sequences are one byte, one unit.
struct CharSize {
  uint32_t bytes = 1;
  uint32_t units = 1;
};

CharSize SizeAt(std::string_view text, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char lead = byte(i);
  uint32_t length = 0;
  if (lead < 0x80) return {1, 1};
  if ((lead & 0xE0) == 0xC0 && lead >= 0xC2) {
    length = 2;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3;
  } else if ((lead & 0xF8) == 0xF0 && lead <= 0xF4) {
    length = 4;
  } else {
    return {1, 1};
  }
  if (i + length > text.size()) return {1, 1};
  for (uint32_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return {1, 1};
  }
  // Overlong 3- and 4-byte forms and surrogates are invalid UTF-8.
  if (length == 3 && lead == 0xE0 && byte(i + 1) < 0xA0) return {1, 1};
  if (length == 3 && lead == 0xED && byte(i + 1) >= 0xA0) return {1, 1};
  if (length == 4 && lead == 0xF0 && byte(i + 1) < 0x90) return {1, 1};
  if (length == 4 && lead == 0xF4 && byte(i + 1) >= 0x90) return {1, 1};
  return {length, length == 4 ? 2u : 1u};
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

Position OffsetToPosition(std::string_view text, uint32_t offset) {
  size_t end = std::min<size_t>(offset, text.size());
  Position position;
  size_t line_start = 0;
  for (size_t i = 0; i < end; ++i) {
    if (text[i] == '\n') {
      ++position.line;
      line_start = i + 1;
    }
  }
  for (size_t i = line_start; i < end;) {
    // "\r\n": the '\r' is part of the line break; offsets on it are the end of the line.
    if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') break;
    CharSize size = SizeAt(text, i);
    if (i + size.bytes > end) break;  // inside a multi-byte character
    position.character += size.units;
    i += size.bytes;
  }
  return position;
}

uint32_t PositionToOffset(std::string_view text, Position position) {
  size_t i = 0;
  for (uint32_t line = 0; line < position.line; ++line) {
    size_t newline = text.find('\n', i);
    if (newline == std::string_view::npos) return static_cast<uint32_t>(text.size());
    i = newline + 1;
  }
  size_t line_end = text.find('\n', i);
  if (line_end == std::string_view::npos) line_end = text.size();
  if (line_end > i && text[line_end - 1] == '\r') --line_end;
  uint32_t units = 0;
  while (i < line_end && units < position.character) {
    CharSize size = SizeAt(text, i);
    units += size.units;
    i += size.bytes;
  }
  return static_cast<uint32_t>(std::min(i, line_end));
}

Position EndPosition(std::string_view text) {
  return OffsetToPosition(text, static_cast<uint32_t>(text.size()));
}

std::string UriToPath(std::string_view uri) {
  constexpr std::string_view kScheme = "file://";
  if (!uri.starts_with(kScheme)) return "";
  std::string_view rest = uri.substr(kScheme.size());
  // `file://host/path`: keep only the path (a non-empty host other than localhost is rare
  // and cannot be opened here anyway).
  size_t slash = rest.find('/');
  if (slash == std::string_view::npos) return "";
  rest = rest.substr(slash);
  std::string path;
  for (size_t i = 0; i < rest.size(); ++i) {
    if (rest[i] == '%' && i + 2 < rest.size() && HexValue(rest[i + 1]) >= 0 &&
        HexValue(rest[i + 2]) >= 0) {
      path += static_cast<char>(HexValue(rest[i + 1]) * 16 + HexValue(rest[i + 2]));
      i += 2;
    } else {
      path += rest[i];
    }
  }
  return path;
}

std::string PathToUri(std::string_view path) {
  std::filesystem::path p{std::string(path)};
  if (p.is_relative()) {
    std::error_code ec;
    std::filesystem::path absolute = std::filesystem::absolute(p, ec);
    if (!ec) p = absolute;
  }
  std::string text = p.lexically_normal().string();
  std::string uri = "file://";
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (unsigned char c : text) {
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '-' || c == '_' || c == '.' || c == '~' || c == '/';
    if (plain) {
      uri += static_cast<char>(c);
    } else {
      uri += '%';
      uri += kHex[c >> 4];
      uri += kHex[c & 15];
    }
  }
  return uri;
}

}  // namespace squall::lsp
