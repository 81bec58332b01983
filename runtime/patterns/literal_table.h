// Which of a set of literals equal the text, or are a prefix or a suffix of it, for a cost
// that does not grow with the number of literals: one hash probe per distinct literal length
// (at most one per length can hold), never a comparison per literal.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "runtime/patterns/owner_lists.h"

namespace squall::patterns {

enum class Anchor : uint8_t { kWhole, kPrefix, kSuffix };

class LiteralTable {
 public:
  LiteralTable() = default;  // empty: Find reports nothing
  LiteralTable(Anchor anchor, OwnerLists literals);

  bool empty() const { return literals_.size() == 0; }

  // Writes to `out` the owners of every literal that equals / is a prefix of / is a suffix of
  // `text` (per the anchor); returns how many. Each owner appears as often as it was added.
  uint32_t Find(std::string_view text, uint32_t* out) const;

 private:
  struct Slot {
    uint64_t hash = 0;
    uint32_t literal = kEmpty;
  };
  static constexpr uint32_t kEmpty = UINT32_MAX;

  uint32_t Probe(uint64_t hash, std::string_view key, uint32_t* out) const;

  Anchor anchor_ = Anchor::kWhole;
  OwnerLists literals_;
  std::vector<uint32_t> lengths_;  // the distinct literal lengths, ascending
  std::vector<Slot> slots_;        // open addressing, linear probing; empty when linear_
  uint64_t mask_ = 0;
  bool linear_ = false;  // few literals: compare each, cheaper than hashing the text
};

}  // namespace squall::patterns
