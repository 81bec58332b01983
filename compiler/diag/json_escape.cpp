#include "compiler/diag/json_escape.h"

#include "compiler/source/utf8.h"

namespace squall::diag {

void AppendJsonString(std::string& out, std::string_view text) {
  constexpr std::string_view kHex = "0123456789abcdef";
  out += '"';
  for (size_t pos = 0; pos < text.size();) {
    // Runs of printable ASCII other than `"` and `\` are copied whole: the common case (hosts,
    // names, correlation keys), without decoding each byte as a code point.
    size_t run = pos;
    while (run < text.size()) {
      const auto c = static_cast<unsigned char>(text[run]);
      if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\') break;
      ++run;
    }
    if (run > pos) {
      out.append(text, pos, run - pos);
      pos = run;
      continue;
    }
    const source::Utf8Char ch = source::DecodeUtf8(text, pos);
    if (!ch.valid) {
      source::AppendUtf8(out, source::kReplacementChar);
    } else if (ch.code_point == '"' || ch.code_point == '\\') {
      out += '\\';
      out += static_cast<char>(ch.code_point);
    } else if (ch.code_point < 0x20) {
      out += "\\u00";
      out += kHex[ch.code_point >> 4];
      out += kHex[ch.code_point & 0xF];
    } else if (ch.code_point == 0x2028 || ch.code_point == 0x2029) {
      out += ch.code_point == 0x2028 ? "\\u2028" : "\\u2029";
    } else {
      out.append(text, pos, ch.length);
    }
    pos += ch.length;
  }
  out += '"';
}

}  // namespace squall::diag
