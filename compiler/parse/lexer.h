// Internal to compiler/parse: the input stream and lexer that feed the ANTLR parser.
//
// The file's bytes become code points once (bad UTF-8 bytes become U+FFFD, one per byte), with
// a table from code-point index to byte offset kept only for non-ASCII files. The lexer
// subclass makes lexical problems diagnostics instead of parser errors, and repairs the token
// stream so the parser can carry on:
//   - popMode on an empty mode stack (a `}` at top level) is harmless;
//   - a stray character (BAD_CHAR) is reported and moved to the hidden channel;
//   - an unterminated quoted name or raw string is reported and retyped as a complete one;
//   - an unterminated `"` string (end of line) or any string still open at end of file is
//     reported once, and closing tokens are synthesized (zero-width) so the string, and any
//     `{{` interpolation inside it, parses as complete;
//   - an interpolation in a one-line string must close on its line: otherwise it is reported
//     and closed at the end of the line.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "SquallLexer.h"
#include "antlr4-runtime.h"
#include "compiler/diag/kind.h"

namespace squall::parse::internal {

// The decoded text of one file.
struct DecodedText {
  // The code points, owned by the CodePointStream that ANTLR reads (one copy of the file as
  // UTF-32 is enough).
  const std::u32string* code_points = nullptr;
  // byte_offsets[i] = byte offset of code point i; one extra entry for the end. Empty when the
  // file is pure ASCII (code point index == byte offset).
  std::vector<uint32_t> byte_offsets;
  // Byte offset of the first byte that is not valid UTF-8, or -1.
  int64_t first_invalid_byte = -1;

  uint32_t ByteOffset(size_t code_point_index) const {
    if (byte_offsets.empty()) return static_cast<uint32_t>(code_point_index);
    if (code_point_index >= byte_offsets.size()) return byte_offsets.back();
    return byte_offsets[code_point_index];
  }
};

// Decodes `bytes` into `code_points`; the result's `code_points` points there.
DecodedText DecodeText(std::string_view bytes, std::u32string& code_points);

// An ANTLR char stream over already decoded code points (ANTLRInputStream would decode UTF-8
// again, and throws on invalid input).
class CodePointStream : public antlr4::ANTLRInputStream {
 public:
  explicit CodePointStream(std::u32string code_points);
  const std::u32string& data() const { return _data; }
};

// A lexical problem, located in code points [begin, end).
struct LexicalError {
  diag::Kind kind;
  size_t begin = 0;
  size_t end = 0;
  std::vector<std::string> args;
};

class Lexer : public squall_antlr::SquallLexer {
 public:
  // `text` must outlive the lexer; it tells bad UTF-8 bytes (already reported as InvalidUtf8)
  // from a literal U+FFFD in the file.
  Lexer(antlr4::CharStream* input, const DecodedText& text);

  std::unique_ptr<antlr4::Token> nextToken() override;
  void pushMode(size_t m) override;
  size_t popMode() override;

  const std::vector<LexicalError>& errors() const { return errors_; }

 private:
  enum class Opener : uint8_t { kBrace, kQuote, kTriple, kInterpolation };
  struct Open {
    Opener kind;
    size_t start = 0;  // code point index of the opening token
  };

  // Index in open_ of the interpolation that the next token would belong to, when it sits in
  // a one-line string; -1 otherwise.
  int64_t OpenOneLineInterpolation() const;
  // Closes open_[from..] (braces, interpolations, strings) with zero-width tokens at `at`.
  void SynthesizeClosers(size_t from, size_t at);
  void Queue(size_t token_type, size_t at);
  void Report(diag::Kind kind, size_t begin, size_t end, std::vector<std::string> args = {});
  void OnToken(antlr4::Token& lexed);

  const DecodedText& text_;
  std::vector<Open> open_;  // parallel to the ANTLR mode stack
  Open last_popped_{Opener::kBrace, 0};
  std::deque<std::unique_ptr<antlr4::Token>> pending_;
  bool string_already_reported_ = false;
  std::vector<LexicalError> errors_;
};

}  // namespace squall::parse::internal
