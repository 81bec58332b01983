// The matching engine interface: given a decoded event, which rules fire. Two engines
// implement it with identical results: the reference interpreter (runtime/interp, `--no-jit`)
// and the native matchers (runtime/jit). Rendering the fired rules' action arguments is not
// the engine's job (interp::Interpreter::Arguments renders them for either engine).
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <vector>

#include "runtime/events/decoded_event.h"
#include "runtime/events/decoder_plan.h"

namespace squall::match {

// A rule of the program: `Program::matchers[matcher].rules[rule]`.
struct RuleRef {
  uint32_t matcher = 0;
  uint32_t rule = 0;
  friend bool operator==(RuleRef, RuleRef) = default;
  friend auto operator<=>(RuleRef, RuleRef) = default;
};

class Engine {
 public:
  virtual ~Engine() = default;

  // What the decoder must extract, one plan per trigger ref (SlotLayout::plans).
  virtual const std::vector<events::DecoderPlan>& DecoderPlans() const = 0;

  // Appends the rules that fire for `event` (decoded with DecoderPlans()): for every matcher
  // of the event's trigger its standard rules, then — only when no standard rule of any of
  // them fired — their `@backstop` rules. `@disabled` rules never fire. Each rule at most once.
  //
  // The order is the engine's (the interpreter's is program order, the native matchers' is
  // their decision tree's): ordering 85 firings per event would cost the native matchers more
  // than finding them. Callers that present firings sort them (SortFirings).
  virtual void Match(const events::DecodedEvent& event, std::vector<RuleRef>& out) = 0;

  // Whether workflow condition `node` of matcher `matcher` (one of ir::ConditionNodes of the
  // workflow whose expressions that matcher holds) holds for `frame`, decoded with
  // DecoderPlans(); nullopt when this engine has no code of its own for it, and the caller
  // evaluates it with the interpreter. The native matchers compile every such condition.
  virtual std::optional<bool> Holds(uint32_t matcher, uint32_t node,
                                    const events::DecodedEvent& frame) {
    (void)matcher;
    (void)node;
    (void)frame;
    return std::nullopt;
  }
};

// Sorts firings into program order (matcher, then rule).
inline void SortFirings(std::vector<RuleRef>& firings) {
  std::sort(firings.begin(), firings.end());
}

}  // namespace squall::match
