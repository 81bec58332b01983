#include "compiler/ir/serialize.h"

#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <string>

#include "compiler/ir/lowered_for_test.h"
#include "compiler/ir/printer.h"

namespace squall::ir {
namespace {

// A program exercising every part of the IR: several triggers and matchers (trigger
// parameters), records, optional and json slots with defaults, constants of every kind,
// regexes, map keys, member access, calls, backstop/disabled rules, workflows as actions and
// correlations (feeders with keys, tests, synthetic triggers).
constexpr const char* kSource = R"(import core
trigger alert {
  severity: string
  cpu: float
  count: int = 3
  tags: list<string> = []
  meta: {zone: string, rack: int?}?
  extra: json?
  since: duration = 5m
  at: time
}
trigger disk.low { host: string, free_pct: float }
workflow w(host: string, n: int = 2) -> string {
  let r = core.local(cmd: "x") retry n times every 1s when error.status == "failed"
  if r.result.stdout == "" { sleep 1m }
  parallel first 1 { let p = core.noop()
    { core.noop() } }
  let ys = for y in ["a", "b"] concurrency n { yield y + host }
  try { core.noop() } catch err { fail "no: {{err.message}}" with {ys: ys} }
  let d = wait disk.low where event.host == host timeout 1h
  let a = ask "ok?" {yes: bool}
  return host
}
rule a { if alert where event.severity in ["critical", "error"] and event.cpu > 90.5
  and event.meta?.zone ?? "x" like "eu-*" and event.since >= 1h
  then core.echo(message: "{{event.severity}} {{len(event.tags)}} {{event.extra}}") }
rule b { if alert where event.severity matches "^c[a-z]+$" and {"k": 1}["k"] == 1
  then core.local(cmd: "echo", timeout: 2m) }
@backstop
rule c { if alert then w(host: "h") }
@disabled
rule d { if disk.low where event.free_pct < 5 and not (event.host startswith "db") then core.noop() }
rule e { if 3 of disk.low within 5m by event.host then core.noop() }
rule f { if alert as x followed by alert as y where y.severity == x.severity and y.cpu > x.cpu
  within 1m then core.echo(message: y.severity) }
)";

// The program of kSource, checked and lowered.
class Compiled : public LoweredForTest {
 public:
  Compiled() : LoweredForTest(kSource) {}
};

TEST(SerializeTest, RoundTripPrintsTheSameProgram) {
  Compiled c;
  ASSERT_TRUE(c.ok());
  ASSERT_GE(c.program().matchers.size(), 2u);
  ASSERT_EQ(c.program().correlations.size(), 2u);
  ASSERT_EQ(c.program().workflows.size(), 1u);
  ASSERT_GT(c.program().workflows[0].states.size(), 15u);
  std::string bytes = Serialize(c.program());
  types::TypeContext types;
  std::optional<Program> loaded = Deserialize(bytes, types);
  ASSERT_TRUE(loaded.has_value());
  EXPECT_EQ(PrintIr(*loaded), PrintIr(c.program()));
  // And again: the loaded program serializes to the same bytes.
  EXPECT_EQ(Serialize(*loaded), bytes);
}

TEST(SerializeTest, EveryTruncationIsRejected) {
  Compiled c;
  ASSERT_TRUE(c.ok());
  std::string bytes = Serialize(c.program());
  for (size_t size = 0; size < bytes.size(); ++size) {
    types::TypeContext types;
    EXPECT_FALSE(Deserialize(std::string_view(bytes).substr(0, size), types).has_value())
        << "prefix of " << size << " bytes";
  }
  types::TypeContext types;
  EXPECT_FALSE(Deserialize(bytes + "x", types).has_value()) << "trailing byte";
}

TEST(SerializeTest, DamagedBytesNeverCrash) {
  Compiled c;
  ASSERT_TRUE(c.ok());
  std::string bytes = Serialize(c.program());
  std::mt19937 random(7);
  for (int i = 0; i < 3000; ++i) {
    std::string damaged = bytes;
    int flips = 1 + static_cast<int>(random() % 4);
    for (int f = 0; f < flips; ++f) {
      damaged[random() % damaged.size()] = static_cast<char>(random());
    }
    types::TypeContext types;
    std::optional<Program> loaded = Deserialize(damaged, types);
    if (!loaded) continue;
    // Whatever survives the checks has every index within its table.
    for (const Matcher& m : loaded->matchers) {
      for (const Node& n : m.nodes) {
        ASSERT_LE(static_cast<uint64_t>(n.first_operand) + n.operand_count, m.operands.size());
      }
      for (uint32_t o : m.operands) ASSERT_LT(o, m.nodes.size());
    }
    for (const Workflow& w : loaded->workflows) {
      ASSERT_LT(w.matcher, loaded->matchers.size());
      for (const WorkflowState& st : w.states) {
        for (uint32_t next : {st.next, st.alt}) {
          if (next != kNoState) {
            ASSERT_LT(next, w.states.size());
          }
        }
        if (st.kind == StateKind::kCall) {
          ASSERT_LT(st.call, w.calls.size());
        }
        if (st.value.IsValid()) {
          ASSERT_LT(st.value.index, loaded->matchers[w.matcher].nodes.size());
        }
      }
    }
  }
}

}  // namespace
}  // namespace squall::ir
