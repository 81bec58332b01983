#include "runtime/patterns/pattern_set.h"

#include <algorithm>
#include <utility>

#include "compiler/check/glob.h"
#include "runtime/patterns/glob_shape.h"
#include "runtime/patterns/literal_scanner.h"
#include "runtime/patterns/regex_matcher.h"

namespace squall::patterns {
namespace {

constexpr uint32_t kVerify = 1;

std::string Describe(const std::vector<Pattern>& patterns, uint32_t index) {
  return "pattern " + std::to_string(index) + " \"" + patterns[index].text + "\"";
}

}  // namespace

PatternSet::~PatternSet() = default;

std::unique_ptr<PatternSet> PatternSet::Compile(std::vector<Pattern> patterns, std::string* error) {
  // Owners carry the pattern index shifted left by one, and Scan returns uint32_t counts.
  if (patterns.size() > (UINT32_MAX >> 1)) {
    *error = "too many patterns (" + std::to_string(patterns.size()) + ")";
    return nullptr;
  }
  std::unique_ptr<PatternSet> set(new PatternSet());
  set->patterns_ = std::move(patterns);

  // Reduce every non-regex pattern to one literal test (plus, for most globs, nothing else),
  // so equal literals from different kinds share one search.
  using Entries = std::vector<std::pair<std::string, uint32_t>>;
  Entries equals, prefixes, suffixes, substrings, regexes;
  for (uint32_t i = 0; i < set->patterns_.size(); ++i) {
    const Pattern& pattern = set->patterns_[i];
    GlobShape shape;
    switch (pattern.kind) {
      case PatternKind::kContains:
        shape = GlobShape{.test = LiteralTest::kContains, .literal = pattern.text, .exact = true};
        break;
      case PatternKind::kStartsWith:
        shape = GlobShape{.test = LiteralTest::kPrefix, .literal = pattern.text, .exact = true};
        break;
      case PatternKind::kEndsWith:
        shape = GlobShape{.test = LiteralTest::kSuffix, .literal = pattern.text, .exact = true};
        break;
      case PatternKind::kGlob:
        shape = AnalyzeGlob(pattern.text);
        break;
      case PatternKind::kRegex:
        regexes.emplace_back(pattern.text, i);
        continue;
    }
    // Every text contains, starts and ends with the empty string.
    if (shape.test != LiteralTest::kEquals && shape.literal.empty()) shape.test = LiteralTest::kAny;
    uint32_t owner = i << 1 | (shape.exact ? 0 : kVerify);
    switch (shape.test) {
      case LiteralTest::kAny:
        (shape.exact ? set->always_ : set->unfiltered_globs_).push_back(i);
        break;
      case LiteralTest::kEquals:
        equals.emplace_back(std::move(shape.literal), owner);
        break;
      case LiteralTest::kPrefix:
        prefixes.emplace_back(std::move(shape.literal), owner);
        break;
      case LiteralTest::kSuffix:
        suffixes.emplace_back(std::move(shape.literal), owner);
        break;
      case LiteralTest::kContains:
        substrings.emplace_back(std::move(shape.literal), owner);
        break;
    }
  }

  // Empty groups build nothing, so a kind that is absent costs nothing per scan.
  if (!equals.empty()) {
    set->equals_ = LiteralTable(Anchor::kWhole, OwnerLists::Group(std::move(equals)));
  }
  if (!prefixes.empty()) {
    set->prefixes_ = LiteralTable(Anchor::kPrefix, OwnerLists::Group(std::move(prefixes)));
  }
  if (!suffixes.empty()) {
    set->suffixes_ = LiteralTable(Anchor::kSuffix, OwnerLists::Group(std::move(suffixes)));
  }
  if (!substrings.empty()) {
    OwnerLists lists = OwnerLists::Group(std::move(substrings));
    std::vector<uint32_t> first_owner;
    for (uint32_t k = 0; k < lists.size(); ++k) first_owner.push_back(lists.owners[lists.first[k]]);
    std::string message;
    int failed_key = -1;
    set->substrings_ = LiteralScanner::Create(std::move(lists), &message, &failed_key);
    if (set->substrings_ == nullptr) {
      *error = "vectorscan refused the literal set";
      if (failed_key >= 0 && static_cast<size_t>(failed_key) < first_owner.size()) {
        *error += " at " + Describe(set->patterns_, first_owner[failed_key] >> 1);
      }
      *error += ": " + message;
      return nullptr;
    }
  }
  if (!regexes.empty()) {
    OwnerLists lists = OwnerLists::Group(std::move(regexes));
    std::vector<uint32_t> first_owner;
    for (uint32_t k = 0; k < lists.size(); ++k) first_owner.push_back(lists.owners[lists.first[k]]);
    std::string message;
    uint32_t failed_key = 0;
    set->regexes_ = RegexMatcher::Create(std::move(lists), &message, &failed_key);
    if (set->regexes_ == nullptr) {
      *error =
          "invalid regex at " + Describe(set->patterns_, first_owner[failed_key]) + ": " + message;
      return nullptr;
    }
  }
  return set;
}

uint32_t PatternSet::Scan(std::string_view text, uint32_t* out) const {
  // Every pattern is owned by exactly one searcher and each searcher reports a literal at
  // most once, so the reports fit in `out` (size() entries) as they are written.
  uint32_t count = 0;
  for (uint32_t i : always_) out[count++] = i;

  uint32_t first_owner = count;
  if (!equals_.empty()) count += equals_.Find(text, out + count);
  if (!prefixes_.empty()) count += prefixes_.Find(text, out + count);
  if (!suffixes_.empty()) count += suffixes_.Find(text, out + count);
  if (substrings_ != nullptr) count += substrings_->Find(text, out + count);
  // Owners -> pattern indices, in place, dropping the globs that GlobMatch rejects.
  uint32_t kept = first_owner;
  for (uint32_t j = first_owner; j < count; ++j) {
    uint32_t pattern = out[j] >> 1;
    if ((out[j] & kVerify) != 0 && !check::GlobMatch(patterns_[pattern].text, text)) continue;
    out[kept++] = pattern;
  }
  count = kept;

  for (uint32_t i : unfiltered_globs_) {
    if (check::GlobMatch(patterns_[i].text, text)) out[count++] = i;
  }
  if (regexes_ != nullptr) count += regexes_->Find(text, out + count);
  // Usually a handful of hits: std::sort runs insertion sort on those.
  if (count > 1) std::sort(out, out + count);
  return count;
}

}  // namespace squall::patterns

extern "C" uint32_t squall_rt_pattern_scan(const void* set, const char* data, size_t size,
                                           uint32_t* out) {
  return static_cast<const squall::patterns::PatternSet*>(set)->Scan(std::string_view(data, size),
                                                                     out);
}
