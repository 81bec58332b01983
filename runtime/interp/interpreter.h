// The reference interpreter: evaluates the matcher IR (compiler/ir/ir.h) over decoded events.
// It defines the semantics the JIT must reproduce exactly (the differential test compares
// them); it is also `squall run --no-jit` and the engine behind `squall explain`.
//
// Ownership: an Interpreter refers to the Program it was built from, which must outlive it.
// Thread safety: none (regex caches are mutable); use one per thread.
// Recursion: evaluation recurses over expression nodes, as deep as the parser allows (10,000
// chained operators); run it on a large stack (source::RunWithLargeStack) as `squall run` does.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "compiler/ir/ir.h"
#include "runtime/events/decoded_event.h"
#include "runtime/events/decoder_plan.h"
#include "runtime/interp/value.h"

namespace re2 {
class RE2;
}

namespace squall::interp {

// One rule that fires for an event, with its action's arguments evaluated.
struct Firing {
  uint32_t matcher = 0;          // index into Program::matchers
  uint32_t rule = 0;             // index into that matcher's rules
  std::vector<Value> arguments;  // parallel to RuleMatch::arguments (durations to seconds
                                 // already converted where Argument::duration_as_seconds)
};

class Interpreter {
 public:
  explicit Interpreter(const ir::Program& program);
  ~Interpreter();
  Interpreter(const Interpreter&) = delete;
  Interpreter& operator=(const Interpreter&) = delete;

  // What the decoder must extract: one plan per trigger ref, covering the slots of every
  // matcher of that trigger (matchers of one trigger with different parameters share it).
  std::vector<events::DecoderPlan> DecoderPlans() const;

  // Appends the rules that fire for `event` (decoded with a plan from DecoderPlans()), in
  // program order: every matcher of the event's trigger, its standard rules, then — only when
  // none of them fired — its `@backstop` rules. `@disabled` rules never fire.
  void Match(const events::DecodedEvent& event, std::vector<Firing>& out);

  // The value of one node of one matcher for `event` (for `squall explain`).
  Value Evaluate(uint32_t matcher, ir::NodeRef node, const events::DecodedEvent& event);

  const ir::Program& program() const { return program_; }

 private:
  struct MatcherState {
    std::vector<uint32_t> plan_slot;  // matcher slot -> slot of the trigger's decoder plan
    std::vector<std::unique_ptr<re2::RE2>> regexes;  // Matcher::regexes, compiled
  };
  Value Eval(uint32_t node_index);
  bool Truthy(uint32_t node_index) { return IsTrue(Eval(node_index)); }
  static bool IsTrue(const Value& v) { return v.kind == Value::Kind::kBool && v.boolean; }
  Value SlotValue(uint32_t slot);
  Value Call(uint32_t builtin, std::vector<Value> args);
  bool RegexSearch(const std::string& text, uint32_t regex, const std::string* pattern);

  const ir::Program& program_;
  std::vector<MatcherState> states_;
  std::unordered_map<std::string, std::vector<uint32_t>> matchers_by_trigger_;
  std::map<std::string, std::vector<events::FieldPath>> plan_paths_;
  std::unordered_map<std::string, std::unique_ptr<re2::RE2>> dynamic_regexes_;
  // The matcher and event being evaluated.
  const ir::Matcher* matcher_ = nullptr;
  const MatcherState* state_ = nullptr;
  const events::DecodedEvent* event_ = nullptr;
};

}  // namespace squall::interp
