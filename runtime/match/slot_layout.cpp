#include "runtime/match/slot_layout.h"

#include <map>
#include <string>
#include <utility>

namespace squall::match {

types::TypeKind SlotKind(const types::Type* type) {
  types::TypeKind kind = type == nullptr ? types::TypeKind::kJson : type->NonOptional()->kind();
  return events::IsSlotKind(kind) ? kind : types::TypeKind::kJson;
}

SlotLayout BuildSlotLayout(const ir::Program& program) {
  // Field paths per trigger, deduplicated by (path, kind); std::map keeps triggers sorted.
  struct TriggerPaths {
    std::vector<events::FieldPath> paths;
    std::map<std::pair<std::vector<std::string>, types::TypeKind>, uint32_t> numbers;
    std::vector<uint32_t> matchers;
  };
  std::map<std::string, TriggerPaths> triggers;
  SlotLayout layout;
  layout.plan_slot.resize(program.matchers.size());
  for (uint32_t m = 0; m < program.matchers.size(); ++m) {
    const ir::Matcher& matcher = program.matchers[m];
    TriggerPaths& t = triggers[matcher.trigger];
    t.matchers.push_back(m);
    for (const ir::Slot& slot : matcher.slots) {
      types::TypeKind kind = SlotKind(slot.type);
      auto [it, inserted] =
          t.numbers.emplace(std::make_pair(slot.path, kind), static_cast<uint32_t>(t.paths.size()));
      if (inserted) t.paths.push_back(events::FieldPath{.segments = slot.path, .kind = kind});
      layout.plan_slot[m].push_back(it->second);
    }
  }
  layout.plan_of_matcher.resize(program.matchers.size());
  for (auto& [trigger, t] : triggers) {
    uint32_t plan = static_cast<uint32_t>(layout.plans.size());
    layout.plans.emplace_back(trigger, t.paths);
    // Paths are unique, so the plan numbers its slots in path order; map through slot_of to
    // stay correct should the plan ever reorder them.
    for (uint32_t m : t.matchers) {
      layout.plan_of_matcher[m] = plan;
      for (uint32_t& s : layout.plan_slot[m]) s = layout.plans.back().slot_of(s);
    }
    layout.matchers_of_plan.push_back(std::move(t.matchers));
  }
  return layout;
}

}  // namespace squall::match
