// Which of a set of RE2 regexes match somewhere in a text (RE2::PartialMatch semantics, UTF-8,
// default options): one RE2::Set pass over the text for several regexes, RE2 itself for one
// or two.
#pragma once

#include <re2/re2.h>
#include <re2/set.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/patterns/owner_lists.h"

namespace squall::patterns {

class RegexMatcher {
 public:
  // Returns nullptr and sets *error (RE2's message) and *failed_key when a regex is invalid.
  static std::unique_ptr<RegexMatcher> Create(OwnerLists regexes, std::string* error,
                                              uint32_t* failed_key);

  // Writes to `out` the owners of every regex that matches in `text`; returns how many.
  // Not thread-safe (reuses a member buffer for RE2::Set's answer).
  uint32_t Find(std::string_view text, uint32_t* out) const;

 private:
  explicit RegexMatcher(OwnerLists regexes) : regexes_(std::move(regexes)) {}
  uint32_t FindEach(std::string_view text, uint32_t* out) const;

  OwnerLists regexes_;
  std::vector<std::unique_ptr<RE2>> compiled_;  // one per key: the definition, and the fallback
  std::unique_ptr<RE2::Set> set_;               // null: few regexes, or the set did not compile
  mutable std::vector<int> hits_;
};

}  // namespace squall::patterns
