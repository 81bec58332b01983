#include "compiler/diag/text_renderer.h"

#include <algorithm>
#include <optional>
#include <string_view>
#include <vector>

#include "compiler/source/utf8.h"

namespace squall::diag {
namespace {

using source::DecodeUtf8;
using source::Utf8Char;

constexpr uint32_t kTabWidth = 4;
constexpr uint32_t kMinGutterDigits = 4;
constexpr uint32_t kMaxSnippetColumns = 120;
constexpr uint32_t kColumnsBeforeCaret = 40;
constexpr std::string_view kEllipsis = "...";

constexpr std::string_view kReset = "\x1b[0m";
constexpr std::string_view kBold = "\x1b[1m";
constexpr std::string_view kRed = "\x1b[1;31m";
constexpr std::string_view kYellow = "\x1b[1;33m";
constexpr std::string_view kCyan = "\x1b[1;36m";
constexpr std::string_view kGreen = "\x1b[1;32m";

bool IsBidiControl(char32_t code_point) {
  return (code_point >= 0x202A && code_point <= 0x202E) ||
         (code_point >= 0x2066 && code_point <= 0x2069) || code_point == 0x200E ||
         code_point == 0x200F || code_point == 0x061C;
}

// The character shown in place of `ch`, or nullopt when `ch` is shown as itself. Tabs are
// handled by the callers.
std::optional<char32_t> Replacement(const Utf8Char& ch) {
  if (!ch.valid) return source::kReplacementChar;
  const char32_t code_point = ch.code_point;
  if (code_point < 0x20) return 0x2400 + code_point;  // control pictures
  if (code_point == 0x7F) return char32_t{0x2421};
  if ((code_point >= 0x80 && code_point <= 0x9F) || IsBidiControl(code_point)) {
    return source::kReplacementChar;
  }
  return std::nullopt;
}

void AppendShown(std::string& out, std::string_view text, size_t pos, const Utf8Char& ch) {
  if (const std::optional<char32_t> replacement = Replacement(ch)) {
    source::AppendUtf8(out, *replacement);
  } else {
    out.append(text, pos, ch.length);
  }
}

// Header text (path, message): every character replaced as documented, tabs included.
void AppendSanitized(std::string& out, std::string_view text) {
  for (size_t pos = 0; pos < text.size();) {
    const Utf8Char ch = DecodeUtf8(text, pos);
    AppendShown(out, text, pos, ch);
    pos += ch.length;
  }
}

uint32_t DisplayWidth(const Utf8Char& ch, uint32_t column) {
  return ch.valid && ch.code_point == '\t' ? kTabWidth - column % kTabWidth : 1;
}

// One source line prepared for display, with the caret position in display columns.
struct Snippet {
  uint32_t line = 0;
  std::string text;
  uint32_t caret_column = 0;     // 0-based column of '^' in `text`
  uint32_t underline_width = 1;  // '^' plus '~'s
};

Snippet MakeSnippet(const source::SourceManager& sources, const source::SourceRange& range) {
  const uint32_t line = sources.GetLineCol(range.file, range.begin).line;
  const uint32_t line_start = sources.LineStart(range.file, line);
  const std::string_view text = sources.LineText(range.file, line);
  // Range in bytes of `text`, clipped to the line (a later line, or the "\r\n", is past it).
  const size_t begin = std::min<size_t>(range.begin - line_start, text.size());
  const size_t end = std::max(begin, std::min<size_t>(range.end - line_start, text.size()));

  // Pass 1: display columns of the range and of the whole line.
  std::optional<uint32_t> caret_column;
  uint32_t range_end_column = 0;
  uint32_t column = 0;
  for (size_t pos = 0; pos < text.size();) {
    const Utf8Char ch = DecodeUtf8(text, pos);
    const uint32_t width = DisplayWidth(ch, column);
    if (!caret_column && pos + ch.length > begin) caret_column = column;
    if (pos < end) range_end_column = column + width;
    column += width;
    pos += ch.length;
  }
  const uint32_t total_width = column;
  const uint32_t caret = caret_column.value_or(total_width);

  // The window of display columns [window_begin, window_end) to show.
  uint32_t window_begin = 0;
  uint32_t window_end = total_width;
  if (total_width > kMaxSnippetColumns) {
    window_begin = caret > kColumnsBeforeCaret ? caret - kColumnsBeforeCaret : 0;
    window_end = window_begin + kMaxSnippetColumns;
    if (window_end > total_width) {
      window_end = total_width;
      window_begin = total_width - kMaxSnippetColumns;
    }
  }

  // Pass 2: render the characters that fit the window entirely.
  Snippet snippet;
  snippet.line = line;
  if (window_begin > 0) snippet.text += kEllipsis;
  std::optional<uint32_t> shown_begin;
  uint32_t shown_end = window_begin;
  column = 0;
  for (size_t pos = 0; pos < text.size() && column < window_end;) {
    const Utf8Char ch = DecodeUtf8(text, pos);
    const uint32_t width = DisplayWidth(ch, column);
    if (column >= window_begin && column + width <= window_end) {
      if (!shown_begin) shown_begin = column;
      if (ch.valid && ch.code_point == '\t') {
        snippet.text.append(width, ' ');
      } else {
        AppendShown(snippet.text, text, pos, ch);
      }
      shown_end = column + width;
    }
    column += width;
    pos += ch.length;
  }
  if (window_end < total_width) snippet.text += kEllipsis;

  const uint32_t origin = shown_begin.value_or(window_begin);
  snippet.caret_column =
      (window_begin > 0 ? static_cast<uint32_t>(kEllipsis.size()) : 0) + (caret - origin);
  const uint32_t underline_end = std::min(std::max(range_end_column, caret), shown_end);
  snippet.underline_width =
      std::max<uint32_t>(1, underline_end > caret ? underline_end - caret : 0);
  return snippet;
}

uint32_t DigitCount(uint32_t value) {
  uint32_t digits = 1;
  while (value >= 10) {
    value /= 10;
    ++digits;
  }
  return digits;
}

std::string_view SeverityColor(Severity severity) {
  switch (severity) {
    case Severity::Error:
      return kRed;
    case Severity::Warning:
      return kYellow;
    case Severity::Note:
      break;
  }
  return kCyan;
}

// One header line plus, when located, its snippet.
struct Entry {
  Kind kind;
  Severity severity;
  const source::SourceRange* range;
  const std::string* message;
  std::optional<Snippet> snippet;
};

void AppendEntry(std::string& out, const Entry& entry, const source::SourceManager& sources,
                 uint32_t gutter_digits, const TextOptions& options) {
  const auto styled = [&](std::string_view style, auto&& append) {
    if (options.color) out += style;
    append();
    if (options.color) out += kReset;
  };
  if (entry.snippet) {
    styled(kBold, [&] {
      const source::LineCol position = sources.GetLineCol(entry.range->file, entry.range->begin);
      AppendSanitized(out, sources.Path(entry.range->file));
      out += ':' + std::to_string(position.line) + ':' + std::to_string(position.column) + ':';
    });
    out += ' ';
  }
  styled(SeverityColor(entry.severity), [&] {
    out += SeverityName(entry.severity);
    out += ':';
  });
  out += ' ';
  AppendSanitized(out, *entry.message);
  out += " [";
  out += Info(entry.kind).name;
  out += "]\n";
  if (!entry.snippet) return;

  const Snippet& snippet = *entry.snippet;
  const std::string number = std::to_string(snippet.line);
  out += ' ';
  out.append(gutter_digits - number.size(), ' ');
  out += number;
  out += " |";
  if (!snippet.text.empty()) {
    out += ' ';
    out += snippet.text;
  }
  out += '\n';
  out.append(gutter_digits + 2, ' ');
  out += "| ";
  out.append(snippet.caret_column, ' ');
  styled(kGreen, [&] {
    out += '^';
    out.append(snippet.underline_width - 1, '~');
  });
  out += '\n';
}

}  // namespace

std::string RenderText(const Diagnostic& diagnostic, const source::SourceManager& sources,
                       const TextOptions& options) {
  std::vector<Entry> entries;
  entries.reserve(1 + diagnostic.notes.size());
  entries.push_back(Entry{.kind = diagnostic.kind,
                          .severity = diagnostic.severity,
                          .range = &diagnostic.range,
                          .message = &diagnostic.message,
                          .snippet = std::nullopt});
  for (const Note& note : diagnostic.notes) {
    entries.push_back(Entry{.kind = note.kind,
                            .severity = Severity::Note,
                            .range = &note.range,
                            .message = &note.message,
                            .snippet = std::nullopt});
  }
  uint32_t gutter_digits = kMinGutterDigits;
  for (Entry& entry : entries) {
    if (!entry.range->IsValid()) continue;
    entry.snippet = MakeSnippet(sources, *entry.range);
    gutter_digits = std::max(gutter_digits, DigitCount(entry.snippet->line));
  }

  std::string out;
  for (const Entry& entry : entries) AppendEntry(out, entry, sources, gutter_digits, options);
  return out;
}

std::string RenderSummary(uint32_t errors, uint32_t warnings) {
  if (errors == 0 && warnings == 0) return {};
  const auto count = [](uint32_t n, std::string_view noun) {
    return std::to_string(n) + ' ' + std::string(noun) + (n == 1 ? "" : "s");
  };
  std::string out;
  if (errors > 0) out += count(errors, "error");
  if (errors > 0 && warnings > 0) out += ", ";
  if (warnings > 0) out += count(warnings, "warning");
  out += " generated";
  return out;
}

}  // namespace squall::diag
