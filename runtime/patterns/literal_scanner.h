// Which of a set of non-empty literals occur in a text, in one pass over the text whatever
// their number: a vectorscan literal database (hs_compile_lit_multi: bytes taken as they are,
// NULs included). A handful of literals are searched one by one instead, which is faster
// than entering vectorscan at all (see README.md for the measurements).
//
// vectorscan 5.4 rejects a literal whose first byte is NUL ("Pure literal API doesn't support
// empty string": it tests the first byte like a C string's end), though NULs elsewhere work.
// Such literals are rare (a rule would have to test for a string starting with "\u0000"), so
// they are searched one by one beside the database.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/patterns/owner_lists.h"

struct hs_database;
struct hs_scratch;

namespace squall::patterns {

class LiteralScanner {
 public:
  // `literals`: distinct and non-empty. Returns nullptr and sets *error when vectorscan
  // refuses the set (`*failed_key` is then the offending key, or -1 if none is named).
  static std::unique_ptr<LiteralScanner> Create(OwnerLists literals, std::string* error,
                                                int* failed_key);
  ~LiteralScanner();
  LiteralScanner(const LiteralScanner&) = delete;
  LiteralScanner& operator=(const LiteralScanner&) = delete;

  // Writes to `out` the owners of every literal that occurs in `text`; returns how many.
  // `out` needs room for every owner. Not thread-safe: the vectorscan scratch space is this
  // object's, and vectorscan refuses a scratch that is already in use.
  uint32_t Find(std::string_view text, uint32_t* out) const;

 private:
  explicit LiteralScanner(OwnerLists literals) : literals_(std::move(literals)) {}
  uint32_t FindEach(std::string_view text, uint32_t* out) const;      // every key
  uint32_t FindOneByOne(std::string_view text, uint32_t* out) const;  // one_by_one_

  OwnerLists literals_;
  std::vector<uint32_t> one_by_one_;  // keys not in the database
  hs_database* database_ = nullptr;   // null: few literals, all searched one by one
  hs_scratch* scratch_ = nullptr;
};

}  // namespace squall::patterns
