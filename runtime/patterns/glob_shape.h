// What a `like` glob needs from a text, in terms a literal searcher can answer. Most globs in
// rules are a literal with a star on one or both sides (`web-*`, `*.log`, `*error*`) or no
// wildcard at all: those are exactly a prefix, suffix, substring or equality test and never
// need the glob matcher. The others get a necessary literal condition (a prefilter) and are
// then verified with squall::check::GlobMatch, which defines the semantics.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace squall::patterns {

enum class LiteralTest : uint8_t {
  kAny,       // no condition: every text passes
  kEquals,    // text == literal
  kPrefix,    // text starts with literal
  kSuffix,    // text ends with literal
  kContains,  // literal occurs in text
};

struct GlobShape {
  LiteralTest test = LiteralTest::kAny;
  std::string literal;  // unescaped bytes; empty for kAny
  // True: the test alone decides the glob. False: the test is only necessary, and texts that
  // pass it must be checked with GlobMatch.
  bool exact = false;
};

// Never fails: every string is a glob (a trailing lone `\` is a literal backslash).
GlobShape AnalyzeGlob(std::string_view glob);

}  // namespace squall::patterns
