// The conjunct index: how a native matcher finds the rules that fire for an event without
// testing every rule. For each matcher it plans a decision tree over the rules' conjuncts
// (ir::Conjunct):
//   - kDispatch: one slot's value selects a case (hash dispatch on `slot == constant` and
//     `slot in [constants]`; rules without such a test on the slot are a sibling subtree);
//   - kPatterns: one scan of a string slot finds every constant `contains`/`like`/
//     `startswith`/`endswith`/`matches` pattern that holds (runtime/patterns), each pattern
//     leading to the rules that need it;
//   - kThreshold: `slot > c` (or `<`, `<=`, `>=`) tests sorted by constant, so that the tests
//     that hold form a prefix: walking it stops at the first that fails;
//   - kLeaf: the remaining (residual) conjuncts of each candidate rule, evaluated in turn;
//   - kSeq: subtrees evaluated one after the other.
// Every rule appears on exactly one path per slot value, so a rule fires at most once per
// event. The planner is greedy: at each node it indexes the test that the most candidate rules
// share (equality before patterns before thresholds on ties, then the most distinct values).
//
// Only tests whose result the index can reproduce exactly are indexed: slots of a scalar kind
// without a declared default, against constants of the slot's own kind (numbers of either
// kind for thresholds, which compare as doubles like the interpreter). Anything else stays a
// residual conjunct.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "compiler/ir/ir.h"

namespace squall::index {

enum class PatternKind : uint8_t { kContains, kStartsWith, kEndsWith, kGlob, kRegex };

// A dispatch key: the constant a slot is compared with.
// Numbers are keyed by the bits of their double value, because `==` compares numbers as
// doubles (an int slot equals 3.0; two ints above 2^53 may be equal); 0.0 stands for -0.0.
struct Key {
  enum class Kind : uint8_t { kString, kNumber, kDuration, kBool };
  Kind kind = Kind::kString;
  std::string text;
  int64_t integer = 0;  // kNumber: the double's bits; kDuration: ms; kBool: 0 or 1
  friend bool operator==(const Key&, const Key&) = default;
  friend auto operator<=>(const Key&, const Key&) = default;
};

struct Pattern {
  PatternKind kind = PatternKind::kContains;
  std::string text;
  friend bool operator==(const Pattern&, const Pattern&) = default;
  friend auto operator<=>(const Pattern&, const Pattern&) = default;
};

// One test of a threshold node: the slot's value compared with `bound`.
struct Threshold {
  double number = 0;       // kNumber domain
  int64_t integer = 0;     // kInteger domain (durations, ms)
  bool inclusive = false;  // >= or <= (rather than > or <)
};

struct LeafRule {
  uint32_t rule = 0;                // index into Matcher::rules
  std::vector<uint32_t> residuals;  // indices into that rule's conjuncts, in order
};

struct TreeNode {
  enum class Kind : uint8_t { kSeq, kLeaf, kDispatch, kPatterns, kThreshold };
  Kind kind = Kind::kLeaf;
  uint32_t slot = 0;  // kDispatch, kPatterns, kThreshold: the matcher slot tested
  // kSeq: the subtrees; kDispatch/kPatterns/kThreshold: the subtree of each key, pattern or
  // threshold (parallel vectors).
  std::vector<uint32_t> children;
  std::vector<LeafRule> rules;        // kLeaf, by rule index
  std::vector<Key> keys;              // kDispatch, sorted, distinct
  std::vector<Pattern> patterns;      // kPatterns, sorted, distinct
  uint32_t pattern_set = 0;           // kPatterns: index into MatcherIndex::pattern_sets
  std::vector<Threshold> thresholds;  // kThreshold, in walking order
  bool lower_bounds = true;           // kThreshold: `slot > bound` (else `slot < bound`)
  bool integer_domain = false;        // kThreshold: durations (int64) rather than numbers
};

struct MatcherIndex {
  std::vector<TreeNode> nodes;
  static constexpr uint32_t kNoTree = UINT32_MAX;
  uint32_t standard = kNoTree;  // the tree of the standard rules (kNoTree: none)
  uint32_t backstop = kNoTree;  // the tree of the `@backstop` rules
  // The pattern nodes, in numbering order (TreeNode::pattern_set).
  std::vector<uint32_t> pattern_sets;
};

// The dispatch key bits of a number (Key::Kind::kNumber).
int64_t NumberKeyBits(double value);

// Plans the index of one matcher. Deterministic: the same matcher gives the same plan.
MatcherIndex BuildIndex(const ir::Matcher& matcher);

// The plan as indented text (for tests and `--dump=index`).
std::string PrintIndex(const ir::Matcher& matcher, const MatcherIndex& index);

}  // namespace squall::index
