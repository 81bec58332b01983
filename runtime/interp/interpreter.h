// The reference interpreter: evaluates the matcher IR (compiler/ir/ir.h) over decoded events.
// It defines the semantics the JIT must reproduce exactly (the differential test compares
// them); it is also `squall run --no-jit` and the engine behind `squall explain`.
//
// Ownership: an Interpreter refers to the Program it was built from, which must outlive it.
// Thread safety: none (regex caches are mutable); use one per thread.
// Recursion: evaluation recurses over expression nodes, as deep as the parser allows (10,000
// chained operators); run it on a large stack (source::RunWithLargeStack) as `squall run` does.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "compiler/ir/ir.h"
#include "runtime/events/decoded_event.h"
#include "runtime/events/decoder_plan.h"
#include "runtime/interp/st2_operators.h"
#include "runtime/interp/value.h"
#include "runtime/match/engine.h"
#include "runtime/match/slot_layout.h"

namespace re2 {
class RE2;
}

namespace squall::interp {

// What the runtime provides to `kv()` and `secret()`; without a host both are absent.
class Host {
 public:
  virtual ~Host() = default;
  // The JSON text stored under `key`, or nullopt.
  virtual std::optional<std::string> Kv(const std::string& key) = 0;
  // The decrypted secret `name`, or nullopt.
  virtual std::optional<std::string> Secret(const std::string& name) = 0;
};

class Interpreter final : public match::Engine {
 public:
  explicit Interpreter(const ir::Program& program);
  ~Interpreter();
  Interpreter(const Interpreter&) = delete;
  Interpreter& operator=(const Interpreter&) = delete;

  const std::vector<events::DecoderPlan>& DecoderPlans() const override { return layout_.plans; }

  // Evaluates every rule of the event's matchers in turn (no index: the reference semantics).
  void Match(const events::DecodedEvent& event, std::vector<match::RuleRef>& out) override;

  // The action arguments of a rule for `event`, parallel to RuleMatch::arguments; a duration
  // given to a pack action's number parameter (Argument::duration_as_seconds) is in seconds.
  std::vector<Value> Arguments(match::RuleRef rule, const events::DecodedEvent& event);

  // The values of `arguments` (of a rule's action or a follow-up in `matcher`) for `event`.
  std::vector<Value> Arguments(uint32_t matcher, const std::vector<ir::Argument>& arguments,
                               const events::DecodedEvent& event);

  // The value of one node of one matcher for `event` (for `squall explain`, and for the native
  // matchers' conditions that are not compiled to native code).
  Value Evaluate(uint32_t matcher, ir::NodeRef node, const events::DecodedEvent& event);

  // `kv()` and `secret()` ask `host` (not owned; null: both absent).
  void SetHost(Host* host) { host_ = host; }
  // What `result` and `error` read (ir::ContextValue) until the next call.
  void SetContext(Value result, Value error) {
    result_ = std::move(result);
    error_ = std::move(error);
  }
  // The secret values `secret()` returned since the last call, so the runtime can mask them
  // wherever they end up (parameters, results, logs).
  std::vector<std::string> TakeRevealedSecrets() { return std::exchange(revealed_secrets_, {}); }

  const ir::Program& program() const { return program_; }

 private:
  struct MatcherState {
    const std::vector<uint32_t>* plan_slot = nullptr;  // matcher slot -> decoder plan slot
    std::vector<std::unique_ptr<re2::RE2>> regexes;    // Matcher::regexes, compiled
  };
  Value Eval(uint32_t node_index);
  bool Truthy(uint32_t node_index) { return IsTrue(Eval(node_index)); }
  static bool IsTrue(const Value& v) { return v.kind == Value::Kind::kBool && v.boolean; }
  Value SlotValue(uint32_t slot);
  Value Call(uint32_t builtin, std::vector<Value> args);
  bool RegexSearch(const std::string& text, uint32_t regex, const std::string* pattern);

  const ir::Program& program_;
  match::SlotLayout layout_;
  std::vector<MatcherState> states_;
  std::unordered_map<std::string, std::unique_ptr<re2::RE2>> dynamic_regexes_;
  // The matcher and event being evaluated.
  const ir::Matcher* matcher_ = nullptr;
  const MatcherState* state_ = nullptr;
  const events::DecodedEvent* event_ = nullptr;
  Host* host_ = nullptr;
  Value result_;
  Value error_;
  std::vector<std::string> revealed_secrets_;
  std::unique_ptr<st2::Operators> st2_;  // the st2_* functions (created on first use)
};

}  // namespace squall::interp
