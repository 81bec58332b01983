// Groups (key, owner) pairs by key: the distinct keys in first-seen order, and for each key
// the owners that asked for it. Every searcher of this library finds distinct keys once and
// then reports their owners, so duplicate patterns cost nothing at scan time.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace squall::patterns {

struct OwnerLists {
  std::vector<std::string> keys;
  std::vector<uint32_t> first;   // owners of keys[k] are owners[first[k] .. first[k + 1])
  std::vector<uint32_t> owners;  // opaque to this type

  static OwnerLists Group(std::vector<std::pair<std::string, uint32_t>> entries);

  size_t size() const { return keys.size(); }

  // Writes the owners of key `k` to `out`; returns how many.
  uint32_t Append(uint32_t k, uint32_t* out) const {
    uint32_t count = first[k + 1] - first[k];
    for (uint32_t i = 0; i < count; ++i) out[i] = owners[first[k] + i];
    return count;
  }
};

}  // namespace squall::patterns
