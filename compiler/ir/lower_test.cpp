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

// The matcher of `trigger` in `program`.
const Matcher& MatcherOf(const Program& program, const std::string& trigger) {
  for (const Matcher& m : program.matchers) {
    if (m.trigger == trigger) return m;
  }
  ADD_FAILURE() << "no matcher " << trigger;
  return program.matchers.at(0);
}

TEST(LowerTest, CountFeedsWithItsConditionAndKeyAndActsOnASyntheticTrigger) {
  Lowered lowered(
      "import core\ntrigger t { u: string\n n: int }\n"
      "rule c { if 3 of t where event.n > 1 within 1m by event.u\n"
      "  then core.echo(message: event.u) }\n");
  ASSERT_TRUE(lowered.ok());
  const Program& p = lowered.program();
  EXPECT_TRUE(p.skipped.empty());
  ASSERT_EQ(p.correlations.size(), 1u);
  const Correlation& c = p.correlations[0];
  EXPECT_EQ(c.kind, CorrelationKind::kCount);
  EXPECT_EQ(c.count, 3);
  EXPECT_EQ(c.within_ms, 60000);
  EXPECT_EQ(c.trigger, "correlation.c");
  EXPECT_EQ(c.fields, std::vector<std::string>{"event"});
  EXPECT_TRUE(c.tests.empty());  // the condition is over one event: the feeder's filter
  const Matcher& t = MatcherOf(p, "t");
  ASSERT_EQ(t.rules.size(), 1u);
  EXPECT_EQ(t.rules[0].feeds, 0);
  EXPECT_EQ(t.rules[0].step, 0u);
  EXPECT_TRUE(t.rules[0].action.empty());
  ASSERT_EQ(t.rules[0].key.size(), 1u);
  EXPECT_EQ(t.nodes[t.rules[0].key[0].index].op, Op::kSlot);
  EXPECT_EQ(t.rules[0].conjuncts.at(0).kind, Conjunct::Kind::kCompare);
  const Matcher& fired = MatcherOf(p, "correlation.c");
  ASSERT_EQ(fired.rules.size(), 1u);
  EXPECT_EQ(fired.rules[0].action, "core.echo");
  EXPECT_EQ(fired.rules[0].feeds, -1);
  // `event.u` in the action reads the completing event in the record.
  const Node& argument = fired.nodes[fired.rules[0].arguments[0].value.index];
  ASSERT_EQ(argument.op, Op::kSlot);
  EXPECT_EQ(fired.slots[argument.index].path, (std::vector<std::string>{"event", "u"}));
}

TEST(LowerTest, AbsenceKeysOnItsEqualitiesAndNamesEventByPlace) {
  Lowered lowered(
      "import core\ntrigger a { s: string\n i: string\n x: int }\n"
      "trigger b { s: string\n i: string\n x: int }\n"
      "rule r { if (a as d where d.x > 0) and not b\n"
      "  where event.s == d.s and d.i == event.i and event.x > d.x within 5m\n"
      "  then core.echo(message: d.s) }\n");
  ASSERT_TRUE(lowered.ok());
  const Program& p = lowered.program();
  ASSERT_EQ(p.correlations.size(), 1u);
  const Correlation& c = p.correlations[0];
  EXPECT_EQ(c.kind, CorrelationKind::kAbsence);
  EXPECT_EQ(c.fields, (std::vector<std::string>{"d", "#1"}));
  // The two equalities are the key; the comparison stays a test over both steps.
  ASSERT_EQ(c.tests.size(), 1u);
  EXPECT_EQ(c.tests[0].steps, 2u);
  const Matcher& a = MatcherOf(p, "a");
  const Matcher& b = MatcherOf(p, "b");
  ASSERT_EQ(a.rules[0].key.size(), 2u);
  ASSERT_EQ(b.rules[0].key.size(), 2u);
  EXPECT_EQ(a.rules[0].step, 0u);
  EXPECT_EQ(b.rules[0].step, 1u);
  EXPECT_TRUE(a.rules[0].condition.IsValid());   // the atom's filter
  EXPECT_FALSE(b.rules[0].condition.IsValid());  // every `b` is a candidate
  // Both steps' keys read the same fields in the same order.
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(a.slots[a.nodes[a.rules[0].key[i].index].index].path,
              b.slots[b.nodes[b.rules[0].key[i].index].index].path);
  }
  std::string ir = PrintIr(p);
  EXPECT_NE(ir.find("feeds r step 1 key ("), std::string::npos) << ir;
  EXPECT_NE(ir.find("correlation r absence steps 2 within 5m fires correlation.r {d, #1}"),
            std::string::npos)
      << ir;
}

TEST(LowerTest, SequenceKeysNeedEveryStep) {
  Lowered lowered(
      "import core\ntrigger a { s: string\n n: int }\n"
      "rule r { if a as x followed by a as y followed by a as z\n"
      "  where y.s == x.s and z.s == y.s and y.n == x.n within 2m\n"
      "  then core.echo(message: z.s) }\n");
  ASSERT_TRUE(lowered.ok());
  const Program& p = lowered.program();
  const Correlation& c = p.correlations.at(0);
  EXPECT_EQ(c.fields, (std::vector<std::string>{"x", "y", "z"}));
  // `s` links all three steps (transitively): a key; `n` only two: a test after step 1.
  ASSERT_EQ(c.tests.size(), 1u);
  EXPECT_EQ(c.tests[0].steps, 2u);
  const Matcher& a = MatcherOf(p, "a");
  ASSERT_EQ(a.rules.size(), 3u);
  for (uint32_t step = 0; step < 3; ++step) {
    EXPECT_EQ(a.rules[step].step, step);
    EXPECT_EQ(a.rules[step].key.size(), 1u);
  }
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
