#include "compiler/schema/catalog.h"

#include <algorithm>

namespace squall::schema {
namespace {

// Actions and triggers are sorted by name (the loader guarantees it).
template <typename T>
const T* FindByName(const std::vector<T>& sorted, std::string_view name) {
  auto it =
      std::lower_bound(sorted.begin(), sorted.end(), name,
                       [](const T& entity, std::string_view key) { return entity.name < key; });
  return it != sorted.end() && it->name == name ? &*it : nullptr;
}

}  // namespace

const Parameter* FindParameter(const std::vector<Parameter>& parameters, std::string_view name) {
  for (const Parameter& parameter : parameters) {
    if (parameter.name == name) return &parameter;
  }
  return nullptr;
}

const Action* Pack::FindAction(std::string_view action_name) const {
  return FindByName(actions, action_name);
}

const TriggerType* Pack::FindTrigger(std::string_view trigger_name) const {
  return FindByName(triggers, trigger_name);
}

}  // namespace squall::schema
