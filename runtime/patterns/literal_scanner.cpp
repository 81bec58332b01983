#include "runtime/patterns/literal_scanner.h"

#include <hs/hs.h>

#include <climits>
#include <vector>

namespace squall::patterns {
namespace {

// Up to this many literals, one search per literal beats hs_scan, whose fixed cost per call
// dominates on short texts (measured: README.md).
constexpr size_t kMaxLinearLiterals = 5;

// libstdc++'s find (memchr for the first byte, then compare) measured 2-3x faster than
// glibc's memmem on short texts.
bool Contains(std::string_view text, std::string_view literal) {
  return text.find(literal) != std::string_view::npos;
}

struct MatchContext {
  const OwnerLists* literals;
  uint32_t* out;
  uint32_t count;
  uint32_t room;
};

int OnMatch(unsigned int id, unsigned long long /*from*/, unsigned long long /*to*/,
            unsigned int /*flags*/, void* context) {
  auto* match = static_cast<MatchContext*>(context);
  // HS_FLAG_SINGLEMATCH reports each literal once, so the owners always fit; the check only
  // guards `out` should that promise ever break (it stops the scan instead of overflowing).
  uint32_t owners = match->literals->first[id + 1] - match->literals->first[id];
  if (owners > match->room - match->count) return 1;
  match->count += match->literals->Append(id, match->out + match->count);
  return 0;
}

}  // namespace

std::unique_ptr<LiteralScanner> LiteralScanner::Create(OwnerLists literals, std::string* error,
                                                       int* failed_key) {
  *failed_key = -1;
  std::unique_ptr<LiteralScanner> scanner(new LiteralScanner(std::move(literals)));
  const OwnerLists& lits = scanner->literals_;
  if (lits.size() <= kMaxLinearLiterals) {
    for (uint32_t k = 0; k < lits.size(); ++k) scanner->one_by_one_.push_back(k);
    return scanner;
  }

  std::vector<const char*> expressions;
  std::vector<size_t> lengths;
  std::vector<unsigned> ids;
  for (uint32_t k = 0; k < lits.size(); ++k) {
    if (lits.keys[k].front() == '\0') {
      scanner->one_by_one_.push_back(k);
      continue;
    }
    expressions.push_back(lits.keys[k].data());
    lengths.push_back(lits.keys[k].size());
    ids.push_back(k);
  }
  if (expressions.empty()) return scanner;
  std::vector<unsigned> flags(expressions.size(), HS_FLAG_SINGLEMATCH);
  hs_compile_error_t* compile_error = nullptr;
  if (hs_compile_lit_multi(expressions.data(), flags.data(), ids.data(), lengths.data(),
                           static_cast<unsigned>(expressions.size()), HS_MODE_BLOCK, nullptr,
                           &scanner->database_, &compile_error) != HS_SUCCESS) {
    *error = compile_error != nullptr ? compile_error->message : "compilation failed";
    if (compile_error != nullptr && compile_error->expression >= 0) {
      *failed_key = static_cast<int>(ids[compile_error->expression]);
    }
    hs_free_compile_error(compile_error);
    return nullptr;
  }
  if (hs_error_t status = hs_alloc_scratch(scanner->database_, &scanner->scratch_);
      status != HS_SUCCESS) {
    *error = "cannot allocate scratch space (hs error " + std::to_string(status) + ")";
    return nullptr;
  }
  return scanner;
}

LiteralScanner::~LiteralScanner() {
  hs_free_scratch(scratch_);
  hs_free_database(database_);
}

uint32_t LiteralScanner::FindEach(std::string_view text, uint32_t* out) const {
  uint32_t count = 0;
  for (uint32_t k = 0; k < literals_.size(); ++k) {
    if (Contains(text, literals_.keys[k])) count += literals_.Append(k, out + count);
  }
  return count;
}

uint32_t LiteralScanner::FindOneByOne(std::string_view text, uint32_t* out) const {
  uint32_t count = 0;
  for (uint32_t k : one_by_one_) {
    if (Contains(text, literals_.keys[k])) count += literals_.Append(k, out + count);
  }
  return count;
}

uint32_t LiteralScanner::Find(std::string_view text, uint32_t* out) const {
  // Also skips hs_scan for the empty text, where no non-empty literal can occur (and whose
  // data pointer may be null, which hs_scan rejects).
  if (text.empty()) return 0;
  if (database_ == nullptr) return FindOneByOne(text, out);
  // hs_scan takes an `unsigned int` length; texts beyond 4 GiB take the slow, exact path.
  if (text.size() > UINT_MAX) return FindEach(text, out);
  uint32_t count = one_by_one_.empty() ? 0 : FindOneByOne(text, out);
  MatchContext match{.literals = &literals_,
                     .out = out,
                     .count = count,
                     .room = static_cast<uint32_t>(literals_.owners.size())};
  hs_error_t status = hs_scan(database_, text.data(), static_cast<unsigned int>(text.size()), 0,
                              scratch_, OnMatch, &match);
  if (status == HS_SUCCESS) return match.count;
  // Only a broken promise (HS_SCAN_TERMINATED above) or a misuse such as concurrent scans
  // (HS_SCRATCH_IN_USE) gets here: answer exactly anyway.
  return FindEach(text, out);
}

}  // namespace squall::patterns
