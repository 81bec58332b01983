#include "runtime/patterns/owner_lists.h"

#include <unordered_map>

namespace squall::patterns {

OwnerLists OwnerLists::Group(std::vector<std::pair<std::string, uint32_t>> entries) {
  std::unordered_map<std::string, uint32_t> key_of;
  std::vector<std::vector<uint32_t>> grouped;
  OwnerLists lists;
  for (auto& [key, owner] : entries) {
    auto [it, inserted] = key_of.try_emplace(key, static_cast<uint32_t>(grouped.size()));
    if (inserted) {
      grouped.emplace_back();
      lists.keys.push_back(std::move(key));
    }
    grouped[it->second].push_back(owner);
  }
  lists.first.push_back(0);
  for (const std::vector<uint32_t>& owners : grouped) {
    lists.owners.insert(lists.owners.end(), owners.begin(), owners.end());
    lists.first.push_back(static_cast<uint32_t>(lists.owners.size()));
  }
  return lists;
}

}  // namespace squall::patterns
