#include "runtime/patterns/regex_matcher.h"

namespace squall::patterns {
namespace {

// The options the reference interpreter compiles `matches` patterns with.
RE2::Options ReferenceOptions() {
  RE2::Options options;
  options.set_log_errors(false);
  return options;
}

// RE2::Set's DFA must read the whole text (it cannot stop at the first match) and allocates
// per call, while one RE2 stops early and skips ahead on a literal prefix: measured on 60-byte
// texts, two regexes run faster one by one, three or more faster as a set (README.md).
constexpr size_t kMinSetRegexes = 3;

re2::StringPiece Piece(std::string_view text) { return re2::StringPiece(text.data(), text.size()); }

}  // namespace

std::unique_ptr<RegexMatcher> RegexMatcher::Create(OwnerLists regexes, std::string* error,
                                                   uint32_t* failed_key) {
  std::unique_ptr<RegexMatcher> matcher(new RegexMatcher(std::move(regexes)));
  const std::vector<std::string>& keys = matcher->regexes_.keys;
  for (uint32_t k = 0; k < keys.size(); ++k) {
    auto re = std::make_unique<RE2>(keys[k], ReferenceOptions());
    if (!re->ok()) {
      *error = re->error();
      *failed_key = k;
      return nullptr;
    }
    matcher->compiled_.push_back(std::move(re));
  }
  if (keys.size() < kMinSetRegexes) return matcher;
  // One unanchored DFA pass answers for every regex. A set that RE2 cannot build (its
  // program exceeds the memory budget) is not an error: each regex is then run on its own.
  auto set = std::make_unique<RE2::Set>(ReferenceOptions(), RE2::UNANCHORED);
  for (const std::string& key : keys) {
    if (set->Add(key, nullptr) < 0) return matcher;
  }
  if (set->Compile()) matcher->set_ = std::move(set);
  return matcher;
}

uint32_t RegexMatcher::FindEach(std::string_view text, uint32_t* out) const {
  uint32_t count = 0;
  for (uint32_t k = 0; k < compiled_.size(); ++k) {
    if (RE2::PartialMatch(Piece(text), *compiled_[k])) count += regexes_.Append(k, out + count);
  }
  return count;
}

uint32_t RegexMatcher::Find(std::string_view text, uint32_t* out) const {
  if (set_ == nullptr) return FindEach(text, out);
  RE2::Set::ErrorInfo info{RE2::Set::kNoError};
  if (!set_->Match(Piece(text), &hits_, &info)) {
    // The DFA ran out of memory on this text: ask each regex (RE2 falls back to NFA).
    return info.kind == RE2::Set::kNoError ? 0 : FindEach(text, out);
  }
  uint32_t count = 0;
  for (int k : hits_) count += regexes_.Append(static_cast<uint32_t>(k), out + count);
  return count;
}

}  // namespace squall::patterns
