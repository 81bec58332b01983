// Multi-pattern string search for the native rule matchers: many rules test one string field
// against different constant patterns; a PatternSet scans the field once and answers which
// patterns hold, at a cost that does not grow with the number of literal patterns.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/patterns/literal_table.h"

namespace squall::patterns {

// The semantics are the reference interpreter's, on bytes:
enum class PatternKind : uint8_t {
  kContains,    // text.find(pattern) != npos (the empty pattern always holds)
  kStartsWith,  // text.starts_with(pattern)
  kEndsWith,    // text.ends_with(pattern)
  kGlob,        // squall::check::GlobMatch(pattern, text)
  kRegex,       // RE2::PartialMatch(text, RE2(pattern)), default options, UTF-8
};

struct Pattern {
  PatternKind kind;
  std::string text;
};

class LiteralScanner;
class RegexMatcher;

class PatternSet {
 public:
  // Builds the searcher. Returns nullptr and sets *error (naming the pattern by index and
  // text) when a regex is invalid or vectorscan refuses the literal set.
  static std::unique_ptr<PatternSet> Compile(std::vector<Pattern> patterns, std::string* error);

  ~PatternSet();
  PatternSet(const PatternSet&) = delete;
  PatternSet& operator=(const PatternSet&) = delete;

  // Writes to `out` the indices (into the `patterns` given to Compile) of every pattern that
  // holds for `text`, ascending, each once; returns how many. `out` must have room for
  // size() entries. Any bytes are fine (NULs, newlines, invalid UTF-8).
  //
  // Not thread-safe: a scan uses scratch space owned by the set, so one set must not be
  // scanned from two threads at once. Give each thread its own set (they are independent).
  uint32_t Scan(std::string_view text, uint32_t* out) const;

  size_t size() const { return patterns_.size(); }

 private:
  PatternSet() = default;

  std::vector<Pattern> patterns_;
  // Each pattern is answered by exactly one of the searchers below, which report "owners":
  // pattern index << 1, low bit set when GlobMatch must confirm (a glob's prefilter passed).
  std::vector<uint32_t> always_;  // pattern indices that hold for every text
  LiteralTable equals_;
  LiteralTable prefixes_;
  LiteralTable suffixes_;
  std::unique_ptr<LiteralScanner> substrings_;
  std::vector<uint32_t> unfiltered_globs_;  // pattern indices of globs without a literal
  std::unique_ptr<RegexMatcher> regexes_;
};

}  // namespace squall::patterns

// For generated code: `static_cast<const PatternSet*>(set)->Scan({data, size}, out)`.
extern "C" uint32_t squall_rt_pattern_scan(const void* set, const char* data, size_t size,
                                           uint32_t* out);
