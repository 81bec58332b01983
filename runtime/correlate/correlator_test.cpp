// Tests of the correlation state machines in virtual time: table cases per kind, the cap, the
// persistence contract, and a property test comparing a correlator restored from its own
// changes at a random point with one that never stopped.
#include "runtime/correlate/correlator.h"

#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <variant>

namespace squall::correlate {
namespace {

using Json = nlohmann::json;

constexpr StepMask kA = StepBit(0);
constexpr StepMask kB = StepBit(1);
constexpr StepMask kC = StepBit(2);

// The rule's condition, as the compiled rule would answer it from the payloads.
enum class Cond {
  kTrue,       // no condition
  kSameV,      // every bound event has the same `v` (`event.v == d.v`, `b.v == a.v`, ...)
  kPositiveV,  // every bound event has v > 0 (a filter on each event)
};

int V(const Event& e) { return Json::parse(e.payload_json).at("v").get<int>(); }

Hooks MakeHooks(Cond cond) {
  Hooks hooks;
  hooks.key = [](int, const Event& e) {
    return Json::parse(e.payload_json).at("k").get<std::string>();
  };
  hooks.holds = [cond](std::span<const Event* const> bound) {
    switch (cond) {
      case Cond::kTrue:
        return true;
      case Cond::kSameV:
        for (const Event* e : bound) {
          if (V(*e) != V(*bound[0])) return false;
        }
        return true;
      case Cond::kPositiveV:
        for (const Event* e : bound) {
          if (V(*e) <= 0) return false;
        }
        return true;
    }
    return false;
  };
  return hooks;
}

// One input of a script: an event (ids are assigned 1, 2, 3... in script order) or a clock
// move.
struct In {
  int64_t at = 0;
  StepMask steps = kA;
  std::string key = "x";
  int v = 1;
};
struct Tick {
  int64_t now = 0;
};
using Input = std::variant<In, Tick>;

std::string Payload(const std::string& key, int v) { return Json{{"k", key}, {"v", v}}.dump(); }

// "[i] #instance @at key=k bound=1,2 counted=1,2,3": which input produced which firing.
std::string Render(size_t input, const Firing& f) {
  std::string out = "[" + std::to_string(input) + "] #" + std::to_string(f.instance) + " @" +
                    std::to_string(f.at_ms) + " key=" + f.key + " bound=";
  for (size_t i = 0; i < f.bound.size(); ++i) {
    out += (i == 0 ? "" : ",") + std::to_string(f.bound[i].id);
  }
  if (!f.counted.empty()) {
    out += " counted=";
    for (size_t i = 0; i < f.counted.size(); ++i) {
      out += (i == 0 ? "" : ",") + std::to_string(f.counted[i]);
    }
  }
  return out;
}

struct Case {
  std::string name;
  Definition def;
  Cond cond = Cond::kTrue;
  std::vector<Input> inputs;
  std::vector<std::string> firings;
  size_t instances_after = 0;
  uint64_t dropped = 0;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

class CorrelatorTest : public testing::TestWithParam<Case> {};

// Names a parameterised test after its case.
struct ParamName {
  template <typename T>
  std::string operator()(const testing::TestParamInfo<T>& param_info) const {
    return param_info.param.name;
  }
};

TEST_P(CorrelatorTest, Fires) {
  const Case& c = GetParam();
  std::string error;
  std::unique_ptr<Correlator> correlator = Correlator::Create(c.def, MakeHooks(c.cond), &error);
  ASSERT_NE(correlator, nullptr) << error;
  std::vector<std::string> firings;
  int64_t next_id = 1;
  for (size_t i = 0; i < c.inputs.size(); ++i) {
    std::vector<Firing> out;
    if (const In* in = std::get_if<In>(&c.inputs[i])) {
      Event e{.id = next_id++, .at_ms = in->at, .payload_json = Payload(in->key, in->v)};
      ASSERT_TRUE(correlator->OnEvent(e, in->steps, out)) << "input " << i;
    } else {
      correlator->Advance(std::get<Tick>(c.inputs[i]).now, out);
    }
    for (const Firing& f : out) firings.push_back(Render(i, f));
  }
  EXPECT_EQ(firings, c.firings);
  EXPECT_EQ(correlator->instances(), c.instances_after);
  EXPECT_EQ(correlator->dropped(), c.dropped);
}

Definition Absence(int64_t within = 100, size_t cap = kDefaultMaxInstances) {
  return {.kind = Kind::kAbsence, .steps = 2, .within_ms = within, .max_instances = cap};
}
Definition Sequence(int steps, int64_t within = 100, size_t cap = kDefaultMaxInstances) {
  return {.kind = Kind::kSequence, .steps = steps, .within_ms = within, .max_instances = cap};
}
Definition Count(int n, int64_t within = 100, size_t cap = kDefaultMaxInstances) {
  return {.kind = Kind::kCount, .steps = 1, .within_ms = within, .count = n, .max_instances = cap};
}

INSTANTIATE_TEST_SUITE_P(
    Absence, CorrelatorTest,
    testing::Values(
        Case{.name = "FiresExactlyAtTheDeadline",
             .def = Absence(),
             .inputs = {In{.at = 0}, Tick{99}, Tick{100}, Tick{1000}},
             .firings = {"[2] #1 @100 key=x bound=1"}},
        Case{.name = "FiresLateWithItsDeadline",
             .def = Absence(),
             .inputs = {In{.at = 0}, Tick{500}},
             .firings = {"[1] #1 @100 key=x bound=1"}},
        Case{.name = "CancelledByAMatchingB",
             .def = Absence(),
             .inputs = {In{.at = 0}, In{.at = 50, .steps = kB}, Tick{1000}},
             .firings = {}},
        Case{.name = "CancelledByABJustBeforeTheDeadline",
             .def = Absence(),
             .inputs = {In{.at = 0}, In{.at = 99, .steps = kB}, Tick{1000}},
             .firings = {}},
        Case{.name = "ABAtTheDeadlineComesTooLate",
             .def = Absence(),
             .inputs = {In{.at = 0}, In{.at = 100, .steps = kB}},
             .firings = {"[1] #1 @100 key=x bound=1"}},
        Case{.name = "ABOfAnotherKeyDoesNotCancel",
             .def = Absence(),
             .inputs = {In{.at = 0}, In{.at = 50, .steps = kB, .key = "y"}, Tick{100}},
             .firings = {"[2] #1 @100 key=x bound=1"}},
        Case{.name = "ABFailingTheConditionDoesNotCancel",
             .def = Absence(),
             .cond = Cond::kSameV,
             .inputs = {In{.at = 0, .v = 1}, In{.at = 50, .steps = kB, .v = 2}, Tick{100}},
             .firings = {"[2] #1 @100 key=x bound=1"}},
        Case{.name = "ABBeforeTheADoesNotCancel",
             .def = Absence(),
             .inputs = {In{.at = 0, .steps = kB}, In{.at = 10}, Tick{110}},
             .firings = {"[2] #2 @110 key=x bound=2"}},
        Case{.name = "PendingAsOfOneKeyAreIndependent",
             .def = Absence(),
             .cond = Cond::kSameV,
             .inputs = {In{.at = 0, .v = 1}, In{.at = 10, .v = 2},
                        In{.at = 20, .steps = kB, .v = 2}, Tick{1000}},
             .firings = {"[3] #1 @100 key=x bound=1"}},
        Case{.name = "OneBCancelsEveryPendingAItMatches",
             .def = Absence(),
             .inputs = {In{.at = 0}, In{.at = 10}, In{.at = 20, .steps = kB}, Tick{1000}},
             .firings = {}},
        Case{.name = "AnEventOfBothAtomsCancelsEarlierOnesNotItself",
             .def = Absence(),
             .inputs = {In{.at = 0, .steps = kA | kB}, In{.at = 50, .steps = kA | kB}, Tick{1000}},
             .firings = {"[2] #2 @150 key=x bound=2"}},
        Case{.name = "DueAbsencesFireBeforeTheEventThatPassesTheirDeadline",
             .def = Absence(),
             .inputs = {In{.at = 0}, In{.at = 0, .key = "y"}, In{.at = 0, .key = "z"},
                        In{.at = 150, .key = "w"}},
             .firings = {"[3] #1 @100 key=x bound=1", "[3] #2 @100 key=y bound=2",
                         "[3] #3 @100 key=z bound=3"},
             .instances_after = 1},
        Case{.name = "AnEventFromThePastCountsAsArrivingNow",
             .def = Absence(),
             .inputs = {Tick{200}, In{.at = 50}, Tick{299}, Tick{300}},
             .firings = {"[3] #1 @300 key=x bound=1"}},
        Case{.name = "TheCapDropsNewInstancesAndFreesExpiredOnes",
             .def = Absence(100, 2),
             .inputs = {In{.at = 0}, In{.at = 1, .key = "y"}, In{.at = 2, .key = "z"}, Tick{101},
                        In{.at = 102, .key = "z"}},
             .firings = {"[3] #1 @100 key=x bound=1", "[3] #2 @101 key=y bound=2"},
             .instances_after = 1,
             .dropped = 1}),
    ParamName());

INSTANTIATE_TEST_SUITE_P(
    Sequence, CorrelatorTest,
    testing::Values(
        Case{.name = "InOrderFires",
             .def = Sequence(3),
             .inputs = {In{.at = 0}, In{.at = 10, .steps = kB}, In{.at = 20, .steps = kC}},
             .firings = {"[2] #1 @20 key=x bound=1,2,3"}},
        Case{.name = "OutOfOrderDoesNotMatch",
             .def = Sequence(3),
             .inputs = {In{.at = 0, .steps = kB}, In{.at = 10}, In{.at = 20, .steps = kC},
                        In{.at = 30, .steps = kB}, In{.at = 40, .steps = kC}},
             .firings = {"[4] #2 @40 key=x bound=2,4,5"}},
        Case{.name = "ASpanOfTheWholeWindowIsTooLong",
             .def = Sequence(3),
             .inputs = {In{.at = 0}, In{.at = 50, .steps = kB}, In{.at = 100, .steps = kC}},
             .firings = {}},
        Case{.name = "ASpanJustUnderTheWindowFires",
             .def = Sequence(3),
             .inputs = {In{.at = 0}, In{.at = 50, .steps = kB}, In{.at = 99, .steps = kC}},
             .firings = {"[2] #1 @99 key=x bound=1,2,3"}},
        Case{.name = "PartialMatchesExpire",
             .def = Sequence(3),
             .inputs = {In{.at = 0}, In{.at = 10, .steps = kB}, Tick{99}},
             .firings = {},
             .instances_after = 1},
        Case{.name = "PartialMatchesAreFreedAtTheWindow",
             .def = Sequence(3),
             .inputs = {In{.at = 0}, In{.at = 10, .steps = kB}, Tick{100}},
             .firings = {}},
        Case{.name = "OverlappingStartsEachFire",  // skip till next match: A A B -> 2
             .def = Sequence(2),
             .inputs = {In{.at = 0}, In{.at = 10}, In{.at = 20, .steps = kB},
                        In{.at = 30, .steps = kB}},
             .firings = {"[2] #1 @20 key=x bound=1,3", "[2] #2 @20 key=x bound=2,3"}},
        Case{.name = "EachPartialTakesTheFirstMatchingEvent",
             .def = Sequence(2),
             .cond = Cond::kSameV,
             .inputs = {In{.at = 0, .v = 1}, In{.at = 5, .steps = kB, .key = "y"},
                        In{.at = 6, .steps = kB, .v = 2}, In{.at = 10, .steps = kB, .v = 1},
                        In{.at = 20, .steps = kB, .v = 1}},
             .firings = {"[3] #1 @10 key=x bound=1,4"}},
        Case{.name = "APrefixFailingTheConditionStartsNothing",
             .def = Sequence(2),
             .cond = Cond::kPositiveV,
             .inputs = {In{.at = 0, .v = 0}, In{.at = 10, .steps = kB}},
             .firings = {}},
        Case{.name = "AnEventOfSeveralAtomsMovesEachPartialOneStep",  // down up down up down
             .def = Sequence(3),
             .inputs = {In{.at = 0, .steps = kA | kC}, In{.at = 10, .steps = kB},
                        In{.at = 20, .steps = kA | kC}, In{.at = 30, .steps = kB},
                        In{.at = 40, .steps = kA | kC}},
             .firings = {"[2] #1 @20 key=x bound=1,2,3", "[4] #3 @40 key=x bound=3,4,5"},
             .instances_after = 1},
        Case{.name = "AnEventOfEveryStepStartsButNeverCompletesItsOwnMatch",
             .def = Sequence(2),
             .inputs = {In{.at = 0, .steps = kA | kB}, In{.at = 10, .steps = kA | kB}},
             .firings = {"[1] #1 @10 key=x bound=1,2"},
             .instances_after = 1},
        Case{.name = "KeysSeparateMatches",
             .def = Sequence(2),
             .inputs = {In{.at = 0}, In{.at = 1, .key = "y"}, In{.at = 2, .steps = kB, .key = "y"}},
             .firings = {"[2] #2 @2 key=y bound=2,3"},
             .instances_after = 1},
        Case{.name = "TheCapDropsNewPartialMatches",
             .def = Sequence(2, 100, 1),
             .inputs = {In{.at = 0}, In{.at = 1}, In{.at = 2, .steps = kB}, In{.at = 3},
                        In{.at = 4, .steps = kB}},
             .firings = {"[2] #1 @2 key=x bound=1,3", "[4] #4 @4 key=x bound=4,5"},
             .dropped = 1}),
    ParamName());

std::vector<Input> Repeat(int n, int64_t gap) {
  std::vector<Input> inputs;
  for (int i = 0; i < n; ++i) inputs.push_back(In{.at = i * gap});
  return inputs;
}

INSTANTIATE_TEST_SUITE_P(
    Count, CorrelatorTest,
    testing::Values(
        Case{.name = "FiresOnTheNthEvent",
             .def = Count(3),
             .inputs = Repeat(3, 10),
             .firings = {"[2] #1 @20 key=x bound=3 counted=1,2,3"}},
        Case{.name = "TheWindowRestartsAfterFiring",  // 10 events, N = 5: twice, not 6 times
             .def = Count(5),
             .inputs = Repeat(10, 1),
             .firings = {"[4] #1 @4 key=x bound=5 counted=1,2,3,4,5",
                         "[9] #6 @9 key=x bound=10 counted=6,7,8,9,10"}},
        Case{.name = "OldEventsSlideOut",
             .def = Count(3),
             .inputs = {In{.at = 0}, In{.at = 50}, In{.at = 100}, In{.at = 120}},
             .firings = {"[3] #1 @120 key=x bound=4 counted=2,3,4"}},
        Case{.name = "EventsJustInsideTheWindowCount",
             .def = Count(3),
             .inputs = {In{.at = 0}, In{.at = 50}, In{.at = 99}},
             .firings = {"[2] #1 @99 key=x bound=3 counted=1,2,3"}},
        Case{.name = "LargeWindowsSlideAndWrap",
             .def = Count(10),
             .inputs = {In{.at = 0}, In{.at = 10}, In{.at = 20}, In{.at = 30}, In{.at = 40},
                        In{.at = 50}, In{.at = 60}, In{.at = 70}, In{.at = 80}, In{.at = 100},
                        In{.at = 105}},
             .firings = {"[10] #1 @105 key=x bound=11 counted=2,3,4,5,6,7,8,9,10,11"}},
        Case{.name = "EachKeyCountsApart",
             .def = Count(3),
             .inputs = {In{.at = 0}, In{.at = 1, .key = "y"}, In{.at = 2}, In{.at = 3, .key = "y"},
                        In{.at = 4}},
             .firings = {"[4] #1 @4 key=x bound=5 counted=1,3,5"},
             .instances_after = 1},
        Case{.name = "EventsFailingTheConditionDoNotCount",
             .def = Count(2),
             .cond = Cond::kPositiveV,
             .inputs = {In{.at = 0}, In{.at = 1, .v = 0}, In{.at = 2}},
             .firings = {"[2] #1 @2 key=x bound=3 counted=1,3"}},
        Case{.name = "ACountOfOneFiresOnEveryEventWithoutState",
             .def = Count(1, 100, 1),
             .inputs = {In{.at = 0}, In{.at = 0, .key = "y"}},
             .firings = {"[0] #1 @0 key=x bound=1 counted=1", "[1] #2 @0 key=y bound=2 counted=2"}},
        Case{.name = "AWindowIsFreedWhenItsLastEventSlidesOut",
             .def = Count(3),
             .inputs = {In{.at = 0}, In{.at = 10}, Tick{109}, Tick{110}, In{.at = 120},
                        In{.at = 130}},
             .firings = {},
             .instances_after = 1},
        Case{.name = "TheCapDropsNewKeysButExistingOnesCount",
             .def = Count(2, 100, 1),
             .inputs = {In{.at = 0}, In{.at = 1, .key = "y"}, In{.at = 2, .key = "y"}, In{.at = 3},
                        In{.at = 4, .key = "y"}, In{.at = 5, .key = "y"}},
             .firings = {"[3] #1 @3 key=x bound=4 counted=1,4",
                         "[5] #5 @5 key=y bound=6 counted=5,6"},
             .dropped = 2}),
    ParamName());

// ---------------------------------------------------------------------------------------------

struct BadDefinition {
  std::string name;
  Definition def;
  std::string error;
};

void PrintTo(const BadDefinition& c, std::ostream* os) { *os << c.name; }

class CreateTest : public testing::TestWithParam<BadDefinition> {};

TEST_P(CreateTest, RejectsWithAReason) {
  std::string error;
  EXPECT_EQ(Correlator::Create(GetParam().def, {}, &error), nullptr);
  EXPECT_EQ(error, GetParam().error);
}

INSTANTIATE_TEST_SUITE_P(
    All, CreateTest,
    testing::Values(BadDefinition{"AbsenceSteps",
                                  {.kind = Kind::kAbsence, .steps = 3, .within_ms = 1},
                                  "an absence has 2 steps, not 3"},
                    BadDefinition{"SequenceSteps",
                                  {.kind = Kind::kSequence, .steps = 1, .within_ms = 1},
                                  "a sequence has 2 to 64 steps, not 1"},
                    BadDefinition{"TooManySteps",
                                  {.kind = Kind::kSequence, .steps = 65, .within_ms = 1},
                                  "a sequence has 2 to 64 steps, not 65"},
                    BadDefinition{"CountSteps",
                                  {.kind = Kind::kCount, .steps = 2, .within_ms = 1, .count = 1},
                                  "a count has 1 step, not 2"},
                    BadDefinition{"CountZero",
                                  {.kind = Kind::kCount, .steps = 1, .within_ms = 1, .count = 0},
                                  "the count must be at least 1, not 0"},
                    BadDefinition{"Window",
                                  {.kind = Kind::kAbsence, .steps = 2, .within_ms = 0},
                                  "the window must be between 1 ms and a century, not 0 ms"},
                    BadDefinition{
                        "Cap",
                        {.kind = Kind::kAbsence, .steps = 2, .within_ms = 1, .max_instances = 0},
                        "the instance cap must be at least 1"}),
    ParamName());

std::unique_ptr<Correlator> Make(const Definition& def, Cond cond = Cond::kTrue) {
  std::string error;
  std::unique_ptr<Correlator> correlator = Correlator::Create(def, MakeHooks(cond), &error);
  EXPECT_NE(correlator, nullptr) << error;
  return correlator;
}

Event Ev(int64_t id, int64_t at, const std::string& key = "x", int v = 1) {
  return Event{.id = id, .at_ms = at, .payload_json = Payload(key, v)};
}

TEST(CorrelatorTest, RefusesEventsWhoseIdDoesNotIncreaseAndUnknownSteps) {
  std::unique_ptr<Correlator> c = Make(Absence());
  std::vector<Firing> out;
  EXPECT_TRUE(c->OnEvent(Ev(5, 0), kA, out));
  EXPECT_FALSE(c->OnEvent(Ev(5, 1), kA, out));
  EXPECT_FALSE(c->OnEvent(Ev(4, 1), kB, out));
  EXPECT_FALSE(c->OnEvent(Ev(6, 1), kC, out));
  EXPECT_EQ(c->instances(), 1u);
  EXPECT_TRUE(c->OnEvent(Ev(6, 1), kB, out));
  EXPECT_EQ(c->instances(), 0u);
}

TEST(CorrelatorTest, NextDeadlineIsTheEarliestExpiry) {
  std::unique_ptr<Correlator> c = Make(Absence());
  std::vector<Firing> out;
  EXPECT_EQ(c->NextDeadline(), std::nullopt);
  c->OnEvent(Ev(1, 10), kA, out);
  c->OnEvent(Ev(2, 30, "y"), kA, out);
  EXPECT_EQ(c->NextDeadline(), 110);
  c->OnEvent(Ev(3, 40), kB, out);
  EXPECT_EQ(c->NextDeadline(), 130);
  c->Advance(130, out);
  EXPECT_EQ(c->NextDeadline(), std::nullopt);
  EXPECT_EQ(out.size(), 1u);

  // A count window's deadline moves with its last event.
  std::unique_ptr<Correlator> count = Make(Count(3));
  count->OnEvent(Ev(1, 0), kA, out);
  count->OnEvent(Ev(2, 50), kA, out);
  EXPECT_EQ(count->NextDeadline(), 150);
}

TEST(CorrelatorTest, TimesNearTheEndOfInt64DoNotWrap) {
  std::unique_ptr<Correlator> c = Make(Absence());
  std::vector<Firing> out;
  const int64_t late = std::numeric_limits<int64_t>::max() - 10;
  c->OnEvent(Ev(1, late), kA, out);
  EXPECT_EQ(c->NextDeadline(), std::numeric_limits<int64_t>::max());
  c->Advance(late + 5, out);
  EXPECT_TRUE(out.empty());
  c->Advance(std::numeric_limits<int64_t>::max(), out);
  EXPECT_EQ(out.size(), 1u);
}

// ---------------------------------------------------------------------------------------------
// Persistence.

TEST(CorrelatorTest, ChangesNameEachChangedInstanceOnce) {
  std::unique_ptr<Correlator> c = Make(Sequence(3));
  std::vector<Firing> out;
  c->OnEvent(Ev(1, 0, "a\"b"), kA, out);
  c->OnEvent(Ev(2, 1), kA, out);
  c->OnEvent(Ev(3, 2), kB, out);
  std::vector<Change> changes = c->TakeChanges();
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[0].instance, 1);
  EXPECT_EQ(changes[0].state,
            R"({"kind":"sequence","key":"a\"b","start":0,"events":[{"id":1,"at":0,"payload":)"
            R"("{\"k\":\"a\\\"b\",\"v\":1}"}]})");
  EXPECT_EQ(changes[1].instance, 2);
  EXPECT_EQ(changes[1].state, R"({"kind":"sequence","key":"x","start":1,"events":[)"
                              R"({"id":2,"at":1,"payload":"{\"k\":\"x\",\"v\":1}"},)"
                              R"({"id":3,"at":2,"payload":"{\"k\":\"x\",\"v\":1}"}]})");
  EXPECT_TRUE(c->TakeChanges().empty());

  // Completed: deleted. Created and completed between two calls: not mentioned at all.
  c->OnEvent(Ev(4, 3), kA, out);
  c->OnEvent(Ev(5, 4), kB, out);
  c->OnEvent(Ev(6, 5), kC, out);
  EXPECT_EQ(out.size(), 2u);
  EXPECT_EQ(c->TakeChanges(), (std::vector<Change>{{.instance = 2, .state = std::nullopt}}));
  EXPECT_EQ(c->instances(), 1u);  // #1, key a"b
}

TEST(CorrelatorTest, CountStateHoldsOnlyTheLiveWindow) {
  std::unique_ptr<Correlator> c = Make(Count(4));
  std::vector<Firing> out;
  c->OnEvent(Ev(1, 0), kA, out);
  c->OnEvent(Ev(2, 60), kA, out);
  c->OnEvent(Ev(3, 120), kA, out);
  EXPECT_EQ(c->TakeChanges(), (std::vector<Change>{{.instance = 1,
                                                    .state = R"({"kind":"count","key":"x",)"
                                                             R"("window":[[2,60],[3,120]]})"}}));
  c->Advance(220, out);
  EXPECT_EQ(c->TakeChanges(), (std::vector<Change>{{.instance = 1, .state = std::nullopt}}));
  EXPECT_EQ(c->instances(), 0u);
}

struct BadState {
  std::string name;
  Definition def;
  std::vector<Stored> stored;
  std::string error;
};

void PrintTo(const BadState& c, std::ostream* os) { *os << c.name; }

class RestoreTest : public testing::TestWithParam<BadState> {};

TEST_P(RestoreTest, FailsNamingTheInstanceAndLeavesNothing) {
  std::unique_ptr<Correlator> c = Make(GetParam().def);
  std::string error;
  EXPECT_FALSE(c->Restore(GetParam().stored, &error));
  EXPECT_EQ(error, GetParam().error);
  EXPECT_EQ(c->instances(), 0u);
  EXPECT_EQ(c->NextDeadline(), std::nullopt);
  EXPECT_TRUE(c->TakeChanges().empty());
  // Still usable, and a fresh start.
  std::vector<Firing> out;
  EXPECT_TRUE(c->OnEvent(Ev(1, 0), kA, out));
}

const std::string kGoodAbsence =
    R"({"kind":"absence","key":"x","start":0,"events":[{"id":1,"at":0,"payload":"{}"}]})";

INSTANTIATE_TEST_SUITE_P(
    All, RestoreTest,
    testing::Values(
        BadState{"NotJson",
                 Absence(),
                 {{1, kGoodAbsence}, {2, "{"}},
                 "correlation instance 2: the state is not a JSON object"},
        BadState{"NoKind",
                 Absence(),
                 {{1, R"({"key":"x"})"}},
                 "correlation instance 1: `kind` or `key` is missing"},
        BadState{"OtherKind",
                 Count(2),
                 {{1, kGoodAbsence}},
                 "correlation instance 1: the state is of kind `absence`, the rule's is `count`"},
        BadState{"TooManyEvents",
                 Absence(),
                 {{1, R"({"kind":"absence","key":"x","start":0,"events":[)"
                      R"({"id":1,"at":0,"payload":"{}"},{"id":2,"at":0,"payload":"{}"}]})"}},
                 "correlation instance 1: `events` must hold 1 to 1 events"},
        BadState{"BadEvent",
                 Sequence(3),
                 {{1, R"({"kind":"sequence","key":"x","start":0,"events":[{"id":1}]})"}},
                 "correlation instance 1: an event needs integer `id` and `at` and a string "
                 "`payload`"},
        BadState{"WrongCreator",
                 Absence(),
                 {{7, kGoodAbsence}},
                 "correlation instance 7: the first event is not the one that created the "
                 "instance"},
        BadState{"Duplicate",
                 Absence(),
                 {{1, kGoodAbsence}, {1, kGoodAbsence}},
                 "correlation instance 1: stored twice"},
        BadState{"WindowTooLong",
                 Count(2),
                 {{1, R"({"kind":"count","key":"x","window":[[1,0],[2,0]]})"}},
                 "correlation instance 1: `window` must hold 1 to 1 events"},
        BadState{"WindowOutOfOrder",
                 Count(5),
                 {{1, R"({"kind":"count","key":"x","window":[[2,0],[1,0]]})"}},
                 "correlation instance 1: `window` is not in arrival order"},
        BadState{"WindowEntry",
                 Count(5),
                 {{1, R"({"kind":"count","key":"x","window":[[2,"0"]]})"}},
                 "correlation instance 1: `window` entries must be [id, at] integer pairs"}),
    ParamName());

TEST(CorrelatorTest, RestoreNeedsAFreshCorrelator) {
  std::unique_ptr<Correlator> c = Make(Absence());
  std::vector<Firing> out;
  c->OnEvent(Ev(1, 0, "y"), kB, out);
  std::string error;
  EXPECT_FALSE(c->Restore({{1, kGoodAbsence}}, &error));
  EXPECT_EQ(error, "restore needs a correlator that has seen no event");
}

TEST(CorrelatorTest, RestoreUnderALowerCapKeepsTheOldestAndDeletesTheRest) {
  std::unique_ptr<Correlator> c = Make(Absence(100, 1));
  std::string error;
  ASSERT_TRUE(c->Restore(
      {{2, R"({"kind":"absence","key":"x","start":5,"events":[{"id":2,"at":5,"payload":"{}"}]})"},
       {1, kGoodAbsence}},
      &error))
      << error;
  EXPECT_EQ(c->instances(), 1u);
  EXPECT_EQ(c->dropped(), 1u);
  EXPECT_EQ(c->TakeChanges(), (std::vector<Change>{{.instance = 2, .state = std::nullopt}}));
  // Events at or below the restored ids are refused; an overdue absence fires on Advance.
  std::vector<Firing> out;
  EXPECT_FALSE(c->OnEvent(Ev(2, 6), kB, out));
  c->Advance(1000, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].instance, 1);
  EXPECT_EQ(out[0].at_ms, 100);
  EXPECT_EQ(out[0].bound, (std::vector<Event>{{.id = 1, .at_ms = 0, .payload_json = "{}"}}));
}

// A random stream for `def`: events of random atoms, keys, values and gaps (often 0, so ties
// at one time are common), with clock moves in between. Payloads carry bytes that need
// escaping.
std::vector<Input> RandomInputs(const Definition& def, int64_t max_gap, std::mt19937& rng, int n) {
  std::vector<Input> inputs;
  int64_t t = 0;
  std::uniform_int_distribution<int64_t> gap(0, max_gap);
  for (int i = 0; i < n; ++i) {
    t += rng() % 3 == 0 ? 0 : gap(rng);
    if (rng() % 8 == 0) {
      inputs.push_back(Tick{t});
      continue;
    }
    StepMask steps = 0;
    while (steps == 0) steps = rng() & ((StepMask{1} << def.steps) - 1);
    const char* keys[] = {"x", "y", "\"q\\\n", "é"};
    inputs.push_back(In{.at = t, .steps = steps, .key = keys[rng() % 4], .v = int(rng() % 3)});
  }
  return inputs;
}

struct Property {
  std::string name;
  Definition def;
  Cond cond;
  int64_t max_gap = 33;  // between events, in ms
};

void PrintTo(const Property& c, std::ostream* os) { *os << c.name; }

class RoundTripTest : public testing::TestWithParam<Property> {};

// Restored from its own changes at a random point, a correlator continues exactly like one
// that never stopped: same firings, same changes, same instances, same deadlines.
TEST_P(RoundTripTest, RestoredContinuesIdentically) {
  const Property& p = GetParam();
  for (uint32_t seed = 1; seed <= 40; ++seed) {
    std::mt19937 rng(seed);
    std::vector<Input> inputs = RandomInputs(p.def, p.max_gap, rng, 300);
    const size_t stop = rng() % inputs.size();
    std::unique_ptr<Correlator> live = Make(p.def, p.cond);
    std::unique_ptr<Correlator> restored;
    std::map<int64_t, std::string> store;
    size_t fired = 0;
    for (size_t i = 0; i < inputs.size(); ++i) {
      SCOPED_TRACE("seed " + std::to_string(seed) + ", input " + std::to_string(i));
      if (i == stop) {
        std::vector<Stored> rows;
        for (const auto& [id, state] : store) rows.push_back({id, state});
        restored = Make(p.def, p.cond);
        std::string error;
        ASSERT_TRUE(restored->Restore(rows, &error)) << error;
        ASSERT_EQ(restored->instances(), live->instances());
        ASSERT_EQ(restored->NextDeadline(), live->NextDeadline());
      }
      std::vector<Firing> out_live, out_restored;
      if (const In* in = std::get_if<In>(&inputs[i])) {
        Event e{.id = static_cast<int64_t>(i) + 1,
                .at_ms = in->at,
                .payload_json = "\t" + Payload(in->key, in->v) + "\r\n"};
        ASSERT_TRUE(live->OnEvent(e, in->steps, out_live));
        if (restored) {
          ASSERT_TRUE(restored->OnEvent(e, in->steps, out_restored));
        }
      } else {
        live->Advance(std::get<Tick>(inputs[i]).now, out_live);
        if (restored) restored->Advance(std::get<Tick>(inputs[i]).now, out_restored);
      }
      fired += out_live.size();
      std::vector<Change> changes = live->TakeChanges();
      for (const Change& change : changes) {
        if (change.state)
          store[change.instance] = *change.state;
        else
          ASSERT_EQ(store.erase(change.instance), 1u);
      }
      ASSERT_EQ(store.size(), live->instances());
      if (restored) {
        ASSERT_EQ(out_restored, out_live);
        ASSERT_EQ(restored->TakeChanges(), changes);
        ASSERT_EQ(restored->instances(), live->instances());
        ASSERT_EQ(restored->NextDeadline(), live->NextDeadline());
      }
    }
    EXPECT_GT(fired, 0u) << "seed " << seed << " exercises nothing";
    // Everything expires: memory goes back to nothing.
    std::vector<Firing> out;
    live->Advance(std::numeric_limits<int64_t>::max(), out);
    EXPECT_EQ(live->instances(), 0u);
  }
}

INSTANTIATE_TEST_SUITE_P(
    All, RoundTripTest,
    testing::Values(Property{"Absence", Absence(100), Cond::kSameV},
                    Property{"AbsenceUnkeyedCondition", Absence(100), Cond::kTrue},
                    Property{"Sequence2", Sequence(2, 100), Cond::kSameV},
                    Property{"Sequence3", Sequence(3, 100), Cond::kSameV},
                    Property{"Sequence3Capped", Sequence(3, 100, 4), Cond::kTrue},
                    Property{"Count3", Count(3, 100), Cond::kPositiveV},
                    Property{"Count5Capped", Count(5, 100, 2), Cond::kTrue},
                    Property{"Count12", Count(12, 1000), Cond::kTrue, 10}),
    ParamName());

}  // namespace
}  // namespace squall::correlate
