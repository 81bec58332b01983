#include "compiler/parse/lexer.h"

#include <utility>

#include "compiler/source/utf8.h"

namespace squall::parse::internal {
namespace {

using squall_antlr::SquallLexer;

std::string CharacterDisplay(char32_t c) {
  std::string out;
  if (c >= 0x21 && c < 0x7F) {
    out += '`';
    out += static_cast<char>(c);
    out += '`';
    return out;
  }
  // Control, blank and other invisible characters are shown by code point.
  if (c < 0x21 || c == 0x7F || (c >= 0x80 && c < 0xA0) || c == 0xFEFF || c == 0x200B) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    out += "U+";
    for (int shift = c > 0xFFFF ? 20 : 12; shift >= 0; shift -= 4) out += kHex[(c >> shift) & 0xF];
    return out;
  }
  out += '`';
  source::AppendUtf8(out, c);
  out += '`';
  return out;
}

std::string CharacterHint(char32_t c) {
  switch (c) {
    case '!':
      return "; use `not` to negate, or `!=` to compare";
    case '&':
      return "; use `and`";
    case '|':
      return "; use `or`";
    case '\'':
      return "; strings use double quotes";
    case '$':
      return "; names need no sigil";
    default:
      return c >= 0x80 ? "; names are ASCII (letters, digits, `_`), or quote them with backquotes"
                       : "";
  }
}

}  // namespace

DecodedText DecodeText(std::string_view bytes, std::u32string& code_points) {
  DecodedText text;
  text.code_points = &code_points;
  code_points.clear();
  bool ascii = true;
  for (char c : bytes) {
    if (static_cast<unsigned char>(c) >= 0x80) {
      ascii = false;
      break;
    }
  }
  code_points.reserve(bytes.size());
  if (ascii) {
    for (char c : bytes) code_points.push_back(static_cast<char32_t>(c));
    return text;
  }
  text.byte_offsets.reserve(bytes.size() + 1);
  size_t pos = 0;
  while (pos < bytes.size()) {
    const source::Utf8Char unit = source::DecodeUtf8(bytes, pos);
    if (!unit.valid && text.first_invalid_byte < 0) {
      text.first_invalid_byte = static_cast<int64_t>(pos);
    }
    code_points.push_back(unit.code_point);
    text.byte_offsets.push_back(static_cast<uint32_t>(pos));
    pos += unit.length;
  }
  text.byte_offsets.push_back(static_cast<uint32_t>(bytes.size()));
  return text;
}

CodePointStream::CodePointStream(std::u32string code_points) {
  _data = std::move(code_points);
  p = 0;
}

Lexer::Lexer(antlr4::CharStream* input, const DecodedText& text) : SquallLexer(input), text_(text) {
  removeErrorListeners();
}

void Lexer::pushMode(size_t m) {
  Opener kind = Opener::kBrace;
  if (m == STRING_MODE) {
    kind = Opener::kQuote;
  } else if (m == TRIPLE_STRING_MODE) {
    kind = Opener::kTriple;
  } else if (mode != DEFAULT_MODE) {
    kind = Opener::kInterpolation;  // `{{` inside a string
  }
  open_.push_back(Open{kind, tokenStartCharIndex});
  SquallLexer::pushMode(m);
}

size_t Lexer::popMode() {
  // A `}` with nothing open: leave the mode alone; the parser reports the stray brace.
  if (modeStack.empty()) return mode;
  if (!open_.empty()) {
    last_popped_ = open_.back();
    open_.pop_back();
  }
  return SquallLexer::popMode();
}

int64_t Lexer::OpenOneLineInterpolation() const {
  for (size_t i = open_.size(); i-- > 0;) {
    switch (open_[i].kind) {
      case Opener::kBrace:
        continue;
      case Opener::kInterpolation:
        return i > 0 && open_[i - 1].kind == Opener::kQuote ? static_cast<int64_t>(i) : -1;
      case Opener::kQuote:
      case Opener::kTriple:
        return -1;
    }
  }
  return -1;
}

void Lexer::Queue(size_t token_type, size_t at) {
  // Zero-width (stop = start - 1), empty text: nothing in the file corresponds to it.
  pending_.push_back(_factory->create({this, _input}, token_type, "", DEFAULT_TOKEN_CHANNEL, at,
                                      at - 1, getLine(), getCharPositionInLine()));
}

void Lexer::SynthesizeClosers(size_t from, size_t at) {
  while (open_.size() > from) {
    switch (open_.back().kind) {
      case Opener::kBrace:
        Queue(RBRACE, at);
        break;
      case Opener::kInterpolation:
        Queue(RBRACE, at);
        Queue(STR_INTERP_END, at);
        break;
      case Opener::kQuote:
      case Opener::kTriple:
        Queue(STR_UNTERMINATED, at);
        break;
    }
    popMode();
  }
}

void Lexer::Report(diag::Kind kind, size_t begin, size_t end, std::vector<std::string> args) {
  errors_.push_back(LexicalError{kind, begin, end, std::move(args)});
}

std::unique_ptr<antlr4::Token> Lexer::nextToken() {
  if (pending_.empty()) {
    const int64_t interpolation = OpenOneLineInterpolation();
    if (interpolation >= 0) {
      // Peek past blanks: a line break or the end of the file means the `{{` was not closed.
      ssize_t ahead = 1;
      size_t c = _input->LA(ahead);
      while (c == ' ' || c == '\t' || c == '\f') c = _input->LA(++ahead);
      if (c == '\n' || c == '\r' || c == antlr4::Token::EOF) {
        const size_t start = open_[static_cast<size_t>(interpolation)].start;
        Report(diag::Kind::UnterminatedInterpolation, start, start + 2);
        // The string around it ends at this line break too; that is the same mistake.
        string_already_reported_ = true;
        SynthesizeClosers(static_cast<size_t>(interpolation), _input->index());
      }
    }
  }
  if (!pending_.empty()) {
    std::unique_ptr<antlr4::Token> queued = std::move(pending_.front());
    pending_.pop_front();
    return queued;
  }
  std::unique_ptr<antlr4::Token> lexed = SquallLexer::nextToken();
  OnToken(*lexed);
  if (pending_.empty()) return lexed;
  pending_.push_back(std::move(lexed));
  std::unique_ptr<antlr4::Token> first = std::move(pending_.front());
  pending_.pop_front();
  return first;
}

void Lexer::OnToken(antlr4::Token& lexed) {
  auto* writable = dynamic_cast<antlr4::WritableToken*>(&lexed);
  const size_t start = lexed.getStartIndex();
  const size_t end = lexed.getStopIndex() + 1;
  switch (lexed.getType()) {
    case BAD_CHAR: {
      const char32_t c = (*text_.code_points)[start];
      const bool bad_byte = c == source::kReplacementChar && !text_.byte_offsets.empty() &&
                            text_.byte_offsets[start + 1] - text_.byte_offsets[start] == 1;
      // Bad UTF-8 is reported once, as InvalidUtf8, not once per byte.
      if (!bad_byte) {
        Report(diag::Kind::UnexpectedCharacter, start, end,
               {CharacterDisplay(c), CharacterHint(c)});
      }
      // The parser carries on as if the character were not there.
      if (writable != nullptr) writable->setChannel(antlr4::Token::HIDDEN_CHANNEL);
      break;
    }
    case UNTERMINATED_QUOTED_IDENT: {
      // The token ran to the end of the line; keep only the first word as the name, and lex
      // the rest again, so `` `abc = 1 `` still reads as a declaration of `abc`.
      size_t word_end = start + 1;
      const std::u32string& text = *text_.code_points;
      while (word_end < end && std::u32string_view(U" \t=:,()[]{}\"#").find(text[word_end]) ==
                                   std::u32string_view::npos) {
        ++word_end;
      }
      if (word_end < end) {
        auto* common = dynamic_cast<antlr4::CommonToken*>(&lexed);
        if (common != nullptr) {
          common->setStopIndex(word_end - 1);
          setCharPositionInLine(getCharPositionInLine() - (end - word_end));
          _input->seek(word_end);
        }
      }
      Report(diag::Kind::UnterminatedQuotedName, start, lexed.getStopIndex() + 1);
      if (writable != nullptr) writable->setType(QUOTED_IDENT);
      break;
    }
    case UNTERMINATED_RAW_STRING:
      Report(diag::Kind::UnterminatedString, start, start + 2, {"\""});
      if (writable != nullptr) writable->setType(RAW_STRING);
      break;
    case STR_UNTERMINATED:
      if (!string_already_reported_) {
        Report(diag::Kind::UnterminatedString, last_popped_.start, last_popped_.start + 1, {"\""});
      }
      string_already_reported_ = false;
      break;
    case antlr4::Token::EOF: {
      size_t outermost = open_.size();
      for (size_t i = 0; i < open_.size(); ++i) {
        if (open_[i].kind == Opener::kQuote || open_[i].kind == Opener::kTriple) {
          outermost = i;
          break;
        }
      }
      if (outermost == open_.size()) break;
      if (!string_already_reported_) {
        // Report the innermost construct left open: that is where the text stopped making sense.
        for (size_t i = open_.size(); i-- > outermost;) {
          const Open& open = open_[i];
          if (open.kind == Opener::kInterpolation) {
            Report(diag::Kind::UnterminatedInterpolation, open.start, open.start + 2);
            break;
          }
          if (open.kind == Opener::kQuote || open.kind == Opener::kTriple) {
            const bool triple = open.kind == Opener::kTriple;
            Report(diag::Kind::UnterminatedString, open.start, open.start + (triple ? 3 : 1),
                   {triple ? "\"\"\"" : "\""});
            break;
          }
        }
      }
      string_already_reported_ = false;
      SynthesizeClosers(outermost, start);
      break;
    }
    default:
      break;
  }
}

}  // namespace squall::parse::internal
