#include "runtime/patterns/literal_table.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <string>

namespace squall::patterns {
namespace {

// Below this many literals, comparing each one (a length check and a short memcmp) beats
// hashing the text. Measured on x86-64 (see README.md).
constexpr size_t kMaxLinearLiterals = 6;

constexpr uint64_t kMul = 0x9E3779B97F4A7C15ull;

uint64_t Step(uint64_t h, uint64_t word) {
  h = (h ^ word) * kMul;
  return h ^ (h >> 47);
}

// murmur3's fmix64: spreads every input bit over the low bits the table indexes with.
uint64_t Finish(uint64_t h, uint64_t tail, size_t length) {
  h = Step(h, tail) ^ length;
  h ^= h >> 33;
  h *= 0xFF51AFD7ED558CCDull;
  h ^= h >> 33;
  h *= 0xC4CEB9FE1A85EC53ull;
  return h ^ (h >> 33);
}

uint64_t Load(const char* p) {
  uint64_t w;
  std::memcpy(&w, p, 8);
  return w;
}

// `count` (0..7) bytes at `p` as the low bytes of a word, in memory order.
uint64_t LoadFew(const char* p, size_t count) {
  uint64_t w = 0;
  std::memcpy(&w, p, count);
  return w;
}

// Hashes of the text's prefixes (or suffixes) of growing lengths, each in O(1) beyond the
// 8-byte words it shares with the shorter ones: a table of literals of many distinct lengths
// then costs one word step per 8 bytes plus one finish per length, instead of hashing every
// slice from scratch. Prefixes read words forward from the start; suffixes read words
// backward from the end, so a suffix's hash is that of the literal read the same way.
class AffixHasher {
 public:
  AffixHasher(std::string_view text, bool from_end) : text_(text), from_end_(from_end) {}

  // Lengths must come in ascending order, each <= text.size().
  uint64_t Hash(size_t length) {
    while (words_ * 8 + 8 <= length) {
      size_t offset = from_end_ ? text_.size() - words_ * 8 - 8 : words_ * 8;
      state_ = Step(state_, Load(text_.data() + offset));
      ++words_;
    }
    size_t rest = length - words_ * 8;  // 0..7 bytes beyond the whole words
    uint64_t tail = 0;
    if (rest != 0) {
      // With 8 readable bytes around the rest, one load and a shift replace a short memcpy.
      bool wide = std::endian::native == std::endian::little && text_.size() >= words_ * 8 + 8;
      if (!from_end_) {
        const char* p = text_.data() + words_ * 8;
        tail = wide ? Load(p) & (~uint64_t{0} >> (64 - 8 * rest)) : LoadFew(p, rest);
      } else {
        const char* end = text_.data() + text_.size() - words_ * 8;
        tail = wide ? Load(end - 8) >> (64 - 8 * rest) : LoadFew(end - rest, rest);
      }
    }
    return Finish(state_, tail, length);
  }

 private:
  std::string_view text_;
  bool from_end_;
  uint64_t state_ = 0;
  size_t words_ = 0;
};

uint64_t HashLiteral(std::string_view literal, Anchor anchor) {
  return AffixHasher(literal, anchor == Anchor::kSuffix).Hash(literal.size());
}

}  // namespace

LiteralTable::LiteralTable(Anchor anchor, OwnerLists literals)
    : anchor_(anchor), literals_(std::move(literals)) {
  for (const std::string& literal : literals_.keys) {
    lengths_.push_back(static_cast<uint32_t>(literal.size()));
  }
  std::sort(lengths_.begin(), lengths_.end());
  lengths_.erase(std::unique(lengths_.begin(), lengths_.end()), lengths_.end());
  linear_ = literals_.size() <= kMaxLinearLiterals;
  if (linear_) return;
  // Load factor at most 1/2 keeps probe sequences short; the slot stores the hash so a probe
  // rarely touches the literal itself unless it matches.
  size_t capacity = std::bit_ceil(literals_.size() * 2);
  slots_.resize(capacity);
  mask_ = capacity - 1;
  for (uint32_t k = 0; k < literals_.size(); ++k) {
    uint64_t hash = HashLiteral(literals_.keys[k], anchor_);
    uint64_t i = hash & mask_;
    while (slots_[i].literal != kEmpty) i = (i + 1) & mask_;
    slots_[i] = Slot{.hash = hash, .literal = k};
  }
}

uint32_t LiteralTable::Probe(uint64_t hash, std::string_view key, uint32_t* out) const {
  for (uint64_t i = hash & mask_; slots_[i].literal != kEmpty; i = (i + 1) & mask_) {
    if (slots_[i].hash == hash && literals_.keys[slots_[i].literal] == key) {
      return literals_.Append(slots_[i].literal, out);  // literals are distinct: one at most
    }
  }
  return 0;
}

uint32_t LiteralTable::Find(std::string_view text, uint32_t* out) const {
  uint32_t count = 0;
  if (linear_) {
    for (uint32_t k = 0; k < literals_.size(); ++k) {
      const std::string& literal = literals_.keys[k];
      bool holds = anchor_ == Anchor::kWhole    ? text == literal
                   : anchor_ == Anchor::kPrefix ? text.starts_with(literal)
                                                : text.ends_with(literal);
      if (holds) count += literals_.Append(k, out + count);
    }
    return count;
  }
  if (anchor_ == Anchor::kWhole) {
    if (!std::binary_search(lengths_.begin(), lengths_.end(), text.size())) return 0;
    return Probe(HashLiteral(text, anchor_), text, out);
  }
  bool from_end = anchor_ == Anchor::kSuffix;
  AffixHasher hasher(text, from_end);
  for (uint32_t length : lengths_) {
    if (length > text.size()) break;
    std::string_view key = from_end ? text.substr(text.size() - length) : text.substr(0, length);
    count += Probe(hasher.Hash(length), key, out + count);
  }
  return count;
}

}  // namespace squall::patterns
