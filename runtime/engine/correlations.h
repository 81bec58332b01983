// The correlation rules of a loaded program at run time (docs/language.md, "Correlation over
// time"): one correlate::Correlator per ir::Correlation, fed by the program's feeder rules
// (ir::RuleMatch::feeds), its hooks answered with the program's interpreter. A firing is an
// event of the synthetic trigger `correlation.<rule>` whose payload is the record of the bound
// events (ir::Correlation::fields); matching that event runs the rule's action like any other
// rule's. Shared by the engine (real time, state in the store) and `squall test` (virtual
// time).
//
// Ownership: refers to the LoadedProgram it was created for, which must outlive it.
// Thread safety: none; the user of the LoadedProgram uses it (the interpreter is not
// reentrant, so never call it from inside a Match).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/correlate/correlator.h"
#include "runtime/engine/loaded_program.h"
#include "runtime/store/store.h"

namespace squall::engine {

// A correlation that fired: the event to emit.
struct CorrelationFiring {
  std::string rule;
  std::string trigger;  // `correlation.<rule>`
  // Unique among the firings of `rule` (the id of the event that started the instance): with
  // the rule, the idempotency key of the emitted event.
  int64_t instance = 0;
  int64_t at_ms = 0;
  std::string payload_json;  // {"<field>": <payload of the step's event>, ...}
};

class Correlations {
 public:
  // One correlator per correlation of `program`, each holding at most `max_instances` live
  // instances. nullptr with `*error` when a correlation's definition is invalid.
  static std::unique_ptr<Correlations> Create(LoadedProgram& program, size_t max_instances,
                                              std::string* error);
  ~Correlations();
  Correlations(const Correlations&) = delete;
  Correlations& operator=(const Correlations&) = delete;

  bool empty() const { return rules_.empty(); }

  // Feeds one event (`id` increasing, `at_ms` when it was received) given the rules that
  // matched it (`fired`: Match's output, already restricted to the event's trigger instance);
  // the feeders among them route it to their correlations, other rules are ignored. Appends
  // the firings (due absences first). `decoded` must be the event decoded by `program`.
  void OnEvent(int64_t id, int64_t at_ms, std::string_view payload_json,
               const events::DecodedEvent& decoded, std::span<const match::RuleRef> fired,
               std::vector<CorrelationFiring>& out);
  // Moves every correlation's clock to `now_ms`: due absences fire, expired state is freed.
  void Advance(int64_t now_ms, std::vector<CorrelationFiring>& out);
  // The earliest time Advance has something to do; nullopt when there is no state.
  std::optional<int64_t> NextDeadline() const;

  // The instances changed since the last call, for the store.
  std::vector<store::CorrelationState> TakeChanges();
  // Rebuilds the state from what the store holds (by rule). Instances of rules this program
  // does not have, or whose state no longer fits the rule (its shape changed), are dropped:
  // their deletions are appended to `deletions` and each dropped rule is described in
  // `warnings`.
  void Restore(const std::vector<store::CorrelationState>& stored,
               std::vector<store::CorrelationState>& deletions, std::vector<std::string>& warnings);

  // Instances not created because a rule was at its cap, over all rules (monotonic), and per
  // rule.
  uint64_t dropped() const;
  std::vector<std::pair<std::string, uint64_t>> DroppedByRule() const;
  size_t instances() const;

 private:
  struct Rule;
  explicit Correlations(LoadedProgram& program);
  std::string Key(Rule& rule, int step, const correlate::Event& e);
  // The key of `feeder`'s match of the current event (its key expressions, JSON-quoted).
  std::string KeyOf(match::RuleRef feeder, const ir::RuleMatch& match, const correlate::Event& e);
  bool Holds(Rule& rule, std::span<const correlate::Event* const> bound);
  void Emit(Rule& rule, std::vector<correlate::Firing>& fired, std::vector<CorrelationFiring>& out);

  LoadedProgram& program_;
  std::vector<std::unique_ptr<Rule>> rules_;  // parallel to Program::correlations
  // The decoder of the synthetic records that `holds` evaluates tests over (its own: the
  // program's is busy with the batch being matched).
  std::unique_ptr<events::Decoder> decoder_;
  events::DecodedEvent record_;
  std::string buffer_;
  const events::DecodedEvent* current_ = nullptr;  // the event OnEvent is feeding
  // The keys of the event being fed that are one payload field, by (matcher, slot): the same
  // text for every rule it feeds (most keys are `by event.host`), so built once per event.
  std::vector<std::pair<std::pair<uint32_t, uint32_t>, std::string>> slot_keys_;
  std::vector<correlate::Firing> fired_;
};

}  // namespace squall::engine
