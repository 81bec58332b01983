#include "compiler/shell/shell_quote.h"

namespace squall::shell {

QuoteContext ContextAfter(std::string_view literal, QuoteContext start) {
  QuoteContext context = start;
  for (size_t i = 0; i < literal.size(); ++i) {
    char c = literal[i];
    switch (context) {
      case QuoteContext::kBare:
        if (c == '\\') {
          ++i;  // the next character is literal
        } else if (c == '\'') {
          context = QuoteContext::kSingle;
        } else if (c == '"') {
          context = QuoteContext::kDouble;
        }
        break;
      case QuoteContext::kDouble:
        if (c == '\\') {
          ++i;
        } else if (c == '"') {
          context = QuoteContext::kBare;
        }
        break;
      case QuoteContext::kSingle:
        if (c == '\'') context = QuoteContext::kBare;
        break;
    }
  }
  return context;
}

std::string Quote(std::string_view value, QuoteContext context) {
  std::string out;
  out.reserve(value.size() + 2);
  switch (context) {
    case QuoteContext::kBare:
      out += '\'';
      for (char c : value) {
        if (c == '\0') continue;
        if (c == '\'') {
          out += "'\\''";
        } else {
          out += c;
        }
      }
      out += '\'';
      break;
    case QuoteContext::kDouble:
      for (char c : value) {
        if (c == '\0') continue;
        if (c == '\\' || c == '"' || c == '$' || c == '`') out += '\\';
        out += c;
      }
      break;
    case QuoteContext::kSingle:
      for (char c : value) {
        if (c == '\0') continue;
        if (c == '\'') {
          out += "'\\''";
        } else {
          out += c;
        }
      }
      break;
  }
  return out;
}

bool IsShellCommandParameter(std::string_view runner_type, std::string_view parameter) {
  return parameter == "cmd" &&
         (runner_type == "local-shell-cmd" || runner_type == "remote-shell-cmd");
}

}  // namespace squall::shell
