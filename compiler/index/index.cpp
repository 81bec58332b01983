#include "compiler/index/index.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <map>
#include <optional>
#include <set>
#include <tuple>

namespace squall::index {
namespace {

using ir::Conjunct;
using ir::Constant;
using types::TypeKind;

// How a conjunct can be indexed.
enum class Family : uint8_t { kEquals, kPattern, kLower, kUpper };

// Below this many candidates a pattern scan (a call that searches for every pattern) costs
// more than testing the few substrings of the rules that pass a cheap threshold first.
constexpr size_t kSmallBucket = 8;

// Priority on equal coverage: a hash dispatch costs one lookup and partitions best; then a
// pattern scan, which replaces one substring search per rule by one pass, unless the bucket
// is small, where a threshold walk (a compare per bound) is cheaper and filters first.
int Priority(Family f, size_t candidates) {
  switch (f) {
    case Family::kEquals:
      return 3;
    case Family::kPattern:
      return candidates < kSmallBucket ? 1 : 2;
    default:
      return candidates < kSmallBucket ? 2 : 1;
  }
}

struct Test {
  Family family = Family::kEquals;
  uint32_t slot = 0;
  std::vector<Key> keys;  // kEquals: distinct
  Pattern pattern;        // kPattern
  Threshold threshold;    // kLower, kUpper
  bool integer_domain = false;
};

// A slot the index may test: scalar, no declared default (a default stands in for a missing
// field, which the generated slot loads handle, but keeping defaults out of the index keeps
// the index's notion of "the slot's value" trivial).
std::optional<TypeKind> IndexableKind(const ir::Slot& slot) {
  if (slot.type == nullptr || !slot.default_json.empty()) return std::nullopt;
  TypeKind kind = slot.type->NonOptional()->kind();
  switch (kind) {
    case TypeKind::kBool:
    case TypeKind::kInt:
    case TypeKind::kFloat:
    case TypeKind::kString:
    case TypeKind::kDuration:
      return kind;
    default:
      return std::nullopt;
  }
}

// The key a constant gives for equality with a slot of `kind` (nullopt: not exactly
// reproducible by a key, e.g. an int slot against a float constant).
std::optional<Key> KeyOf(const Constant& c, TypeKind kind) {
  switch (kind) {
    case TypeKind::kString:
      if (c.kind == Constant::Kind::kString) return Key{.kind = Key::Kind::kString, .text = c.text};
      break;
    case TypeKind::kInt:
    case TypeKind::kFloat:
      if (c.kind == Constant::Kind::kInt || c.kind == Constant::Kind::kFloat) {
        double v = c.kind == Constant::Kind::kInt ? static_cast<double>(c.integer) : c.number;
        if (std::isnan(v)) break;
        return Key{.kind = Key::Kind::kNumber, .integer = NumberKeyBits(v)};
      }
      break;
    case TypeKind::kDuration:
      if (c.kind == Constant::Kind::kDuration) {
        return Key{.kind = Key::Kind::kDuration, .integer = c.integer};
      }
      break;
    case TypeKind::kBool:
      if (c.kind == Constant::Kind::kBool) {
        return Key{.kind = Key::Kind::kBool, .integer = c.boolean ? 1 : 0};
      }
      break;
    default:
      break;
  }
  return std::nullopt;
}

std::optional<Test> Classify(const ir::Matcher& m, const Conjunct& c) {
  if (c.kind == Conjunct::Kind::kOther) return std::nullopt;
  std::optional<TypeKind> kind = IndexableKind(m.slots[c.slot]);
  if (!kind) return std::nullopt;
  Test test;
  test.slot = c.slot;
  switch (c.kind) {
    case Conjunct::Kind::kEquals: {
      test.family = Family::kEquals;
      if (c.consts.size() != 1) return std::nullopt;
      const Constant& k = m.constants[c.consts[0]];
      // `slot in [..]` names one list constant; `slot == c` one scalar.
      std::vector<const Constant*> values;
      if (k.kind == Constant::Kind::kList) {
        for (const Constant& e : k.elements) values.push_back(&e);
      } else {
        values.push_back(&k);
      }
      for (const Constant* v : values) {
        std::optional<Key> key = KeyOf(*v, *kind);
        // One element the index cannot key (a null, another kind) and the whole test stays
        // residual: the interpreter's Equal decides those.
        if (!key) return std::nullopt;
        test.keys.push_back(std::move(*key));
      }
      std::sort(test.keys.begin(), test.keys.end());
      test.keys.erase(std::unique(test.keys.begin(), test.keys.end()), test.keys.end());
      if (test.keys.empty()) return std::nullopt;  // `x in []`: never true, left as is
      return test;
    }
    case Conjunct::Kind::kCompare: {
      if (c.consts.size() != 1) return std::nullopt;
      const Constant& k = m.constants[c.consts[0]];
      bool number_slot = *kind == TypeKind::kInt || *kind == TypeKind::kFloat;
      if (number_slot && (k.kind == Constant::Kind::kInt || k.kind == Constant::Kind::kFloat)) {
        // The interpreter compares numbers as doubles (ints converted), so does the index.
        test.threshold.number =
            k.kind == Constant::Kind::kInt ? static_cast<double>(k.integer) : k.number;
      } else if (*kind == TypeKind::kDuration && k.kind == Constant::Kind::kDuration) {
        test.integer_domain = true;
        test.threshold.integer = k.integer;
      } else {
        return std::nullopt;
      }
      test.family =
          c.compare == ir::Op::kGt || c.compare == ir::Op::kGe ? Family::kLower : Family::kUpper;
      test.threshold.inclusive = c.compare == ir::Op::kGe || c.compare == ir::Op::kLe;
      return test;
    }
    case Conjunct::Kind::kContains:
    case Conjunct::Kind::kLike:
    case Conjunct::Kind::kStartsWith:
    case Conjunct::Kind::kEndsWith: {
      if (*kind != TypeKind::kString || c.consts.size() != 1) return std::nullopt;
      const Constant& k = m.constants[c.consts[0]];
      if (k.kind != Constant::Kind::kString) return std::nullopt;
      test.family = Family::kPattern;
      test.pattern.kind = c.kind == Conjunct::Kind::kContains     ? PatternKind::kContains
                          : c.kind == Conjunct::Kind::kLike       ? PatternKind::kGlob
                          : c.kind == Conjunct::Kind::kStartsWith ? PatternKind::kStartsWith
                                                                  : PatternKind::kEndsWith;
      test.pattern.text = k.text;
      return test;
    }
    case Conjunct::Kind::kMatches: {
      if (*kind != TypeKind::kString) return std::nullopt;
      const ir::Node& node = m.nodes[c.node.index];
      test.family = Family::kPattern;
      test.pattern = Pattern{.kind = PatternKind::kRegex, .text = m.regexes[node.index]};
      return test;
    }
    case Conjunct::Kind::kOther:
      break;
  }
  return std::nullopt;
}

struct Candidate {
  uint32_t rule = 0;
  std::vector<uint32_t> remaining;  // conjunct indices not yet decided by the tree
};

class Planner {
 public:
  explicit Planner(const ir::Matcher& m) : matcher_(m) {
    tests_.resize(m.rules.size());
    for (uint32_t r = 0; r < m.rules.size(); ++r) {
      for (const Conjunct& c : m.rules[r].conjuncts) tests_[r].push_back(Classify(m, c));
    }
  }

  MatcherIndex Plan() {
    for (bool backstop : {false, true}) {
      std::vector<Candidate> cands;
      for (uint32_t r = 0; r < matcher_.rules.size(); ++r) {
        const ir::RuleMatch& rule = matcher_.rules[r];
        if (rule.disabled || rule.backstop != backstop) continue;
        Candidate c{.rule = r};
        for (uint32_t i = 0; i < rule.conjuncts.size(); ++i) c.remaining.push_back(i);
        cands.push_back(std::move(c));
      }
      uint32_t root = cands.empty() ? MatcherIndex::kNoTree : Build(std::move(cands));
      (backstop ? index_.backstop : index_.standard) = root;
    }
    return std::move(index_);
  }

 private:
  // What the candidates share: (family, slot) -> how many candidates have such a test.
  struct Choice {
    Family family = Family::kEquals;
    uint32_t slot = 0;
    size_t coverage = 0;
    size_t distinct = 0;
  };

  const Test* FirstTest(const Candidate& c, Family family, uint32_t slot) const {
    for (uint32_t i : c.remaining) {
      const std::optional<Test>& t = tests_[c.rule][i];
      if (t && t->family == family && t->slot == slot) return &*t;
    }
    return nullptr;
  }

  static std::vector<uint32_t> Without(const Candidate& c, const Test* test,
                                       const std::vector<std::optional<Test>>& tests) {
    std::vector<uint32_t> out;
    for (uint32_t i : c.remaining) {
      if (tests[i] && &*tests[i] == test) continue;
      out.push_back(i);
    }
    return out;
  }

  std::optional<Choice> Choose(const std::vector<Candidate>& cands) const {
    std::map<std::pair<Family, uint32_t>, std::pair<size_t, std::set<std::string>>> shared;
    for (const Candidate& c : cands) {
      std::set<std::pair<Family, uint32_t>> seen;
      for (uint32_t i : c.remaining) {
        const std::optional<Test>& t = tests_[c.rule][i];
        if (!t || !seen.emplace(t->family, t->slot).second) continue;
        auto& entry = shared[{t->family, t->slot}];
        ++entry.first;
        if (entry.second.size() < 4096) {  // enough to rank partitions
          if (t->family == Family::kEquals) {
            for (const Key& k : t->keys)
              entry.second.insert(k.text + "\x1f" + std::to_string(k.integer));
          } else if (t->family == Family::kPattern) {
            entry.second.insert(t->pattern.text);
          } else {
            entry.second.insert(std::to_string(t->threshold.number) + "/" +
                                std::to_string(t->threshold.integer));
          }
        }
      }
    }
    std::optional<Choice> best;
    for (const auto& [key, value] : shared) {
      Choice c{.family = key.first,
               .slot = key.second,
               .coverage = value.first,
               .distinct = value.second.size()};
      auto rank = [&](const Choice& x) {
        return std::make_tuple(x.coverage, Priority(x.family, cands.size()), x.distinct);
      };
      if (!best || rank(c) > rank(*best)) best = c;
    }
    // One rule alone gains nothing from an index node.
    if (!best || best->coverage < 2) return std::nullopt;
    return best;
  }

  uint32_t Add(TreeNode node) {
    index_.nodes.push_back(std::move(node));
    return static_cast<uint32_t>(index_.nodes.size() - 1);
  }

  uint32_t Leaf(std::vector<Candidate> cands) {
    TreeNode leaf{.kind = TreeNode::Kind::kLeaf};
    std::sort(cands.begin(), cands.end(),
              [](const Candidate& a, const Candidate& b) { return a.rule < b.rule; });
    for (Candidate& c : cands) {
      leaf.rules.push_back(LeafRule{.rule = c.rule, .residuals = std::move(c.remaining)});
    }
    return Add(std::move(leaf));
  }

  uint32_t Build(std::vector<Candidate> cands) {
    std::optional<Choice> choice = cands.size() < 2 ? std::nullopt : Choose(cands);
    if (!choice) return Leaf(std::move(cands));
    std::vector<Candidate> covered, rest;
    std::vector<const Test*> covered_tests;
    for (Candidate& c : cands) {
      const Test* t = FirstTest(c, choice->family, choice->slot);
      if (t == nullptr) {
        rest.push_back(std::move(c));
      } else {
        covered_tests.push_back(t);
        covered.push_back(std::move(c));
      }
    }
    TreeNode node;
    node.slot = choice->slot;
    switch (choice->family) {
      case Family::kEquals: {
        node.kind = TreeNode::Kind::kDispatch;
        std::map<Key, std::vector<Candidate>> buckets;
        for (size_t i = 0; i < covered.size(); ++i) {
          std::vector<uint32_t> remaining =
              Without(covered[i], covered_tests[i], tests_[covered[i].rule]);
          for (const Key& k : covered_tests[i]->keys) {
            buckets[k].push_back(Candidate{.rule = covered[i].rule, .remaining = remaining});
          }
        }
        for (auto& [key, bucket] : buckets) {
          node.keys.push_back(key);
          node.children.push_back(Build(std::move(bucket)));
        }
        break;
      }
      case Family::kPattern: {
        node.kind = TreeNode::Kind::kPatterns;
        std::map<Pattern, std::vector<Candidate>> buckets;
        for (size_t i = 0; i < covered.size(); ++i) {
          buckets[covered_tests[i]->pattern].push_back(Candidate{
              .rule = covered[i].rule,
              .remaining = Without(covered[i], covered_tests[i], tests_[covered[i].rule])});
        }
        for (auto& [pattern, bucket] : buckets) {
          node.patterns.push_back(pattern);
          node.children.push_back(Build(std::move(bucket)));
        }
        break;
      }
      case Family::kLower:
      case Family::kUpper: {
        node.kind = TreeNode::Kind::kThreshold;
        node.lower_bounds = choice->family == Family::kLower;
        node.integer_domain = covered_tests[0]->integer_domain;
        // Walking order: the tests that hold for a value form a prefix (index.h). Lower
        // bounds ascending, upper bounds descending; at equal bounds the inclusive test
        // first (it holds whenever the strict one does).
        using Bound = std::tuple<double, int64_t, bool>;
        auto order = [&](const Bound& a, const Bound& b) {
          auto [an, ai, ainc] = a;
          auto [bn, bi, binc] = b;
          if (node.integer_domain ? ai != bi : an != bn) {
            bool less = node.integer_domain ? ai < bi : an < bn;
            return node.lower_bounds ? less : !less;
          }
          return ainc && !binc;
        };
        std::map<Bound, std::vector<Candidate>, decltype(order)> buckets(order);
        for (size_t i = 0; i < covered.size(); ++i) {
          const Threshold& t = covered_tests[i]->threshold;
          buckets[Bound{t.number, t.integer, t.inclusive}].push_back(Candidate{
              .rule = covered[i].rule,
              .remaining = Without(covered[i], covered_tests[i], tests_[covered[i].rule])});
        }
        for (auto& [bound, bucket] : buckets) {
          node.thresholds.push_back(Threshold{.number = std::get<0>(bound),
                                              .integer = std::get<1>(bound),
                                              .inclusive = std::get<2>(bound)});
          node.children.push_back(Build(std::move(bucket)));
        }
        break;
      }
    }
    uint32_t indexed = Add(std::move(node));
    if (index_.nodes[indexed].kind == TreeNode::Kind::kPatterns) {
      index_.nodes[indexed].pattern_set = static_cast<uint32_t>(index_.pattern_sets.size());
      index_.pattern_sets.push_back(indexed);
    }
    if (rest.empty()) return indexed;
    uint32_t others = Build(std::move(rest));
    return Add(TreeNode{.kind = TreeNode::Kind::kSeq, .children = {indexed, others}});
  }

  const ir::Matcher& matcher_;
  std::vector<std::vector<std::optional<Test>>> tests_;  // per rule, per conjunct
  MatcherIndex index_;
};

}  // namespace

int64_t NumberKeyBits(double value) { return std::bit_cast<int64_t>(value == 0 ? 0.0 : value); }

MatcherIndex BuildIndex(const ir::Matcher& matcher) { return Planner(matcher).Plan(); }

}  // namespace squall::index
