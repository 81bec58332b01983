// Where each matcher's slots live in a decoded event. Both engines and the decoder must agree
// on it, so it is computed in one place: one DecoderPlan per trigger ref covering the slots of
// every matcher of that trigger (matchers of one trigger with different parameters share it),
// and for each matcher the plan slot of each of its slots.
#pragma once

#include <cstdint>
#include <vector>

#include "compiler/ir/ir.h"
#include "runtime/events/decoder_plan.h"

namespace squall::match {

// The decoder's kind for an IR slot: optional types are read as their value type (absent and
// null are slot states), anything that is not a slot kind as raw JSON.
types::TypeKind SlotKind(const types::Type* type);

struct SlotLayout {
  std::vector<events::DecoderPlan> plans;  // sorted by trigger ref
  // Per plan (same index): the matchers of that trigger, in program order.
  std::vector<std::vector<uint32_t>> matchers_of_plan;
  // Per matcher: the plan it reads and, per slot of the matcher, the plan slot.
  std::vector<uint32_t> plan_of_matcher;
  std::vector<std::vector<uint32_t>> plan_slot;
};

SlotLayout BuildSlotLayout(const ir::Program& program);

}  // namespace squall::match
