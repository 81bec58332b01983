#include "compiler/ir/lower.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "compiler/check/checker.h"
#include "compiler/diag/diagnostic_engine.h"
#include "compiler/ir/lowered_for_test.h"
#include "compiler/ir/printer.h"
#include "compiler/parse/parser.h"

namespace squall::ir {
namespace {

using Lowered = LoweredForTest;

struct ConjunctCase {
  std::string name;
  std::string condition;  // over `event` of `trigger t {s: string, n: int, f: float?}`
  Conjunct::Kind kind;
  uint32_t slot;
  Op compare;  // for kCompare
};

class ConjunctTest : public testing::TestWithParam<ConjunctCase> {};

TEST_P(ConjunctTest, Classifies) {
  const ConjunctCase& c = GetParam();
  Lowered lowered(
      "import core\ntrigger t { s: string\n n: int\n f: float? }\n"
      "rule r { if t where " +
      c.condition + " then core.noop() }\n");
  ASSERT_TRUE(lowered.ok()) << c.condition;
  ASSERT_EQ(lowered.program().matchers.size(), 1u);
  const RuleMatch& rule = lowered.program().matchers[0].rules[0];
  ASSERT_EQ(rule.conjuncts.size(), 1u);
  EXPECT_EQ(rule.conjuncts[0].kind, c.kind) << c.condition;
  if (c.kind != Conjunct::Kind::kOther) {
    const Slot& slot = lowered.program().matchers[0].slots[rule.conjuncts[0].slot];
    EXPECT_EQ(slot.path, std::vector<std::string>{std::string(1, "snf"[c.slot])});
  }
  if (c.kind == Conjunct::Kind::kCompare) {
    EXPECT_EQ(rule.conjuncts[0].compare, c.compare);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Lower, ConjunctTest,
    testing::Values(
        ConjunctCase{"equals", "event.s == \"a\"", Conjunct::Kind::kEquals, 0, Op::kEq},
        ConjunctCase{"equals_flipped", "\"a\" == event.s", Conjunct::Kind::kEquals, 0, Op::kEq},
        ConjunctCase{"in_list", "event.s in [\"a\", \"b\"]", Conjunct::Kind::kEquals, 0, Op::kEq},
        ConjunctCase{"greater", "event.n > 3", Conjunct::Kind::kCompare, 1, Op::kGt},
        ConjunctCase{"flipped_less", "3 < event.n", Conjunct::Kind::kCompare, 1, Op::kGt},
        ConjunctCase{"flipped_ge", "3 >= event.n", Conjunct::Kind::kCompare, 1, Op::kLe},
        ConjunctCase{"optional_slot", "event.f <= 1.5", Conjunct::Kind::kCompare, 2, Op::kLe},
        ConjunctCase{"contains", "event.s contains \"x\"", Conjunct::Kind::kContains, 0, Op::kEq},
        ConjunctCase{"like", "event.s like \"a*\"", Conjunct::Kind::kLike, 0, Op::kEq},
        ConjunctCase{"prefix", "event.s startswith \"a\"", Conjunct::Kind::kStartsWith, 0, Op::kEq},
        ConjunctCase{"suffix", "event.s endswith \"a\"", Conjunct::Kind::kEndsWith, 0, Op::kEq},
        ConjunctCase{"regex", "event.s matches \"^a\"", Conjunct::Kind::kMatches, 0, Op::kEq},
        ConjunctCase{"two_slots", "event.s == \"{{event.n}}\"", Conjunct::Kind::kOther, 0, Op::kEq},
        ConjunctCase{"or", "event.n > 1 or event.n < 0", Conjunct::Kind::kOther, 0, Op::kEq},
        ConjunctCase{"null_test", "event.f != null", Conjunct::Kind::kOther, 0, Op::kEq}),
    [](const testing::TestParamInfo<ConjunctCase>& param_info) { return param_info.param.name; });

TEST(LowerTest, RulesOfOneTriggerShareSlotsAndMatcher) {
  Lowered lowered(
      "import core\ntrigger t { s: string\n n: int }\n"
      "rule a { if t where event.s == \"x\" then core.noop() }\n"
      "rule b { if t as e where e.s == \"y\" and e.n > 1 then core.echo(message: e.s) }\n");
  ASSERT_TRUE(lowered.ok());
  ASSERT_EQ(lowered.program().matchers.size(), 1u);
  const Matcher& m = lowered.program().matchers[0];
  EXPECT_EQ(m.slots.size(), 2u);  // `s` is read by both rules through one slot
  ASSERT_EQ(m.rules.size(), 2u);
  EXPECT_EQ(m.rules[1].conjuncts[0].slot, m.rules[0].conjuncts[0].slot);
  EXPECT_EQ(m.rules[1].action, "core.echo");
  ASSERT_EQ(m.rules[1].arguments.size(), 1u);
  EXPECT_EQ(m.nodes[m.rules[1].arguments[0].value.index].op, Op::kSlot);
}

TEST(LowerTest, CorrelationsAreSkippedWithAReason) {
  Lowered lowered(
      "import core\ntrigger t { u: string }\n"
      "rule c { if 3 of t within 1m by event.u then core.noop() }\n");
  ASSERT_TRUE(lowered.ok());
  EXPECT_TRUE(lowered.program().matchers.empty());
  ASSERT_EQ(lowered.program().skipped.size(), 1u);
  EXPECT_EQ(lowered.program().skipped[0].name, "c");
}

TEST(LowerTest, DeepChainsLowerAndPrint) {
  std::string condition = "event.n";
  for (int i = 0; i < 9000; ++i) condition += " + 1";
  Lowered lowered("import core\ntrigger t { n: int }\nrule r { if t where " + condition +
                  " > 0 then core.noop() }\n");
  ASSERT_TRUE(lowered.ok());
  EXPECT_NE(PrintIr(lowered.program()).find("gt(add(add("), std::string::npos);
}

}  // namespace
}  // namespace squall::ir
