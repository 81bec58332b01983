// Random Squall programs and events for the differential test (differential_test.cpp).
//
// A Generator turns one 64-bit seed into one program (source text, kept in parts so that a
// failing case can be minimized by dropping rules, conjuncts, fields and declarations) and
// any number of JSON-lines events for it. Everything is a pure function of the seed: the same
// seed gives the same program and events on every run and machine (the generator uses its own
// PRNG arithmetic, not <random>'s distributions, whose results are implementation-defined).
//
// What it aims at: programs that always type-check (a program that does not is a generator
// bug), many rules sharing the same fields and the same few constants (so that a native
// matcher's index has buckets, thresholds and pattern sets to build, and rules fire often),
// rules mixing indexable conjuncts (`slot OP constant`) with arbitrary conditions, and events
// that give every field a right value, a missing key, null, a wrong JSON type, an extreme
// number or an alternative spelling.
//
// Thread safety: a Generator is not thread-safe; the output structs are plain values.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace squall::difftest {

// One rule: `rule <name> { if <atom or (atom where filter)> [where c1 and c2 ...] then ... }`.
struct GeneratedRule {
  std::string name;
  bool disabled = false;  // @disabled
  bool backstop = false;  // @backstop
  std::string atom;       // `svc.alert`, `svc.alert as a`, `webhook "deploy"`
  std::string filter;     // the atom's own filter, empty for none
  // The `where` clause, joined with ` and ` (each already parenthesized where needed); empty
  // for a rule without a condition.
  std::vector<std::string> conjuncts;
  std::string action;  // `core.noop()`, `core.echo(message: "...")`
};

// `trigger <name> { <field lines> }`.
struct TriggerDecl {
  std::string name;
  std::vector<std::string> fields;
};

struct GeneratedProgram {
  uint64_t seed = 0;
  std::vector<std::string> consts;  // `const c_x = ...` lines
  std::vector<TriggerDecl> triggers;
  std::vector<GeneratedRule> rules;

  std::string Source() const;
  size_t RuleCount() const { return rules.size(); }
};

// One event line: `{"trigger": ..., "payload": {...}, "id": ...}`, or a malformed line.
struct GeneratedEvent {
  std::string trigger;
  // Payload members in order: the key's JSON text (quoted, possibly escaped) and the value's
  // JSON text. Keys may repeat (the decoder keeps the first).
  std::vector<std::pair<std::string, std::string>> payload;
  bool payload_first = false;  // write `payload` before `trigger`
  std::string id;              // JSON text of the id, empty for none
  std::string malformed;       // when not empty, the whole line (not an event)

  std::string Line() const;
};

struct GeneratorOptions {
  int min_rules = 1;
  int max_rules = 60;
  int max_triggers = 3;
  // Large-program mode: one trigger; rules mostly of the indexable kind, many distinct
  // constants per field; more sparse events; in half of the programs, standard rules that
  // only match present values (so that sparse events reach the backstop rules).
  bool large = false;
};

class Generator {
 public:
  Generator(uint64_t seed, GeneratorOptions options);
  ~Generator();
  Generator(const Generator&) = delete;
  Generator& operator=(const Generator&) = delete;

  // The program of this seed (call once, before Events).
  GeneratedProgram Program();
  // `count` events for the program.
  std::vector<GeneratedEvent> Events(int count);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// splitmix64: the seed of program `index` of a run with base seed `base`.
uint64_t ProgramSeed(uint64_t base, uint64_t index);

}  // namespace squall::difftest
