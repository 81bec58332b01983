#include "runtime/patterns/glob_shape.h"

#include <vector>

namespace squall::patterns {
namespace {

enum class TokenKind : uint8_t { kStar, kAnyOne, kLiteral };

struct Token {
  TokenKind kind;
  std::string literal;  // kLiteral: a maximal run of literal bytes, unescaped
};

// Splits a glob the way GlobMatch reads it: `*`, `?`, `\` + any byte (that byte, literally),
// a lone trailing `\` (a backslash), any other byte (itself). Runs of stars become one star:
// they match the same texts.
std::vector<Token> Tokenize(std::string_view glob) {
  std::vector<Token> tokens;
  for (size_t p = 0; p < glob.size();) {
    if (glob[p] == '*' || glob[p] == '?') {
      TokenKind kind = glob[p] == '*' ? TokenKind::kStar : TokenKind::kAnyOne;
      if (kind != TokenKind::kStar || tokens.empty() || tokens.back().kind != TokenKind::kStar) {
        tokens.push_back(Token{.kind = kind, .literal = {}});
      }
      ++p;
      continue;
    }
    if (glob[p] == '\\' && p + 1 < glob.size()) ++p;
    if (tokens.empty() || tokens.back().kind != TokenKind::kLiteral) {
      tokens.push_back(Token{.kind = TokenKind::kLiteral, .literal = {}});
    }
    tokens.back().literal.push_back(glob[p++]);
  }
  return tokens;
}

}  // namespace

GlobShape AnalyzeGlob(std::string_view glob) {
  std::vector<Token> tokens = Tokenize(glob);
  auto is = [&](size_t i, TokenKind kind) { return i < tokens.size() && tokens[i].kind == kind; };
  using T = TokenKind;

  // The exact shapes. GlobMatch is complete for patterns of stars and literals only (greedy
  // matching that backtracks to the last star finds a match whenever one exists), so these
  // equivalences hold byte for byte; `?` (a UTF-8 code point of variable width) never appears
  // in them.
  switch (tokens.size()) {
    case 0:
      return GlobShape{.test = LiteralTest::kEquals, .literal = "", .exact = true};
    case 1:
      if (is(0, T::kStar))
        return GlobShape{.test = LiteralTest::kAny, .literal = "", .exact = true};
      if (is(0, T::kLiteral)) {
        return GlobShape{.test = LiteralTest::kEquals, .literal = tokens[0].literal, .exact = true};
      }
      break;
    case 2:
      if (is(0, T::kLiteral) && is(1, T::kStar)) {
        return GlobShape{.test = LiteralTest::kPrefix, .literal = tokens[0].literal, .exact = true};
      }
      if (is(0, T::kStar) && is(1, T::kLiteral)) {
        return GlobShape{.test = LiteralTest::kSuffix, .literal = tokens[1].literal, .exact = true};
      }
      break;
    case 3:
      if (is(0, T::kStar) && is(1, T::kLiteral) && is(2, T::kStar)) {
        return GlobShape{
            .test = LiteralTest::kContains, .literal = tokens[1].literal, .exact = true};
      }
      break;
    default:
      break;
  }

  // The general case. Whenever GlobMatch succeeds, every literal run of the glob lies in the
  // text contiguously (literal bytes are matched at consecutive positions between
  // backtracks), the first at offset 0 if the glob starts with it and the last at the end if
  // the glob ends with it. Pick the most selective of these conditions: the longest run, but
  // an anchored run gets a bonus of two bytes, since a fixed position is far more selective
  // than "anywhere in the text" and costs one hash probe instead of a share of the scan.
  constexpr size_t kAnchorBonus = 2;
  GlobShape best;
  size_t best_score = 0;
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (tokens[i].kind != T::kLiteral) continue;
    LiteralTest test = i == 0                   ? LiteralTest::kPrefix
                       : i + 1 == tokens.size() ? LiteralTest::kSuffix
                                                : LiteralTest::kContains;
    size_t score = tokens[i].literal.size() + (test == LiteralTest::kContains ? 0 : kAnchorBonus);
    if (score > best_score) {
      best_score = score;
      best = GlobShape{.test = test, .literal = tokens[i].literal, .exact = false};
    }
  }
  return best;
}

}  // namespace squall::patterns
