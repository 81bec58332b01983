#include "runtime/events/decoder_plan.h"

#include <algorithm>
#include <utility>

#include "compiler/source/check.h"

namespace squall::events {

bool IsSlotKind(types::TypeKind kind) {
  switch (kind) {
    case types::TypeKind::kBool:
    case types::TypeKind::kInt:
    case types::TypeKind::kFloat:
    case types::TypeKind::kString:
    case types::TypeKind::kDuration:
    case types::TypeKind::kTime:
    case types::TypeKind::kJson:
    case types::TypeKind::kList:
    case types::TypeKind::kMap:
    case types::TypeKind::kRecord:
      return true;
    case types::TypeKind::kError:
    case types::TypeKind::kNothing:
    case types::TypeKind::kNull:
    case types::TypeKind::kOptional:
      return false;
  }
  return false;
}

namespace {

bool KeepsRawText(types::TypeKind kind) {
  return kind == types::TypeKind::kJson || kind == types::TypeKind::kList ||
         kind == types::TypeKind::kMap || kind == types::TypeKind::kRecord;
}

}  // namespace

DecoderPlan::DecoderPlan(std::string trigger_ref, std::span<const FieldPath> paths)
    : trigger_ref_(std::move(trigger_ref)) {
  nodes_.emplace_back();
  slot_of_path_.reserve(paths.size());
  for (const FieldPath& path : paths) {
    SQUALL_CHECK(IsSlotKind(path.kind), "DecoderPlan: field path of trigger `" + trigger_ref_ +
                                            "` has a kind that is not a slot kind");
    uint32_t node_index = 0;
    for (const std::string& key : path.segments) {
      int32_t child = FindChild(nodes_[node_index], key);
      if (child < 0) {
        child = static_cast<int32_t>(nodes_.size());
        const bool plain = std::none_of(key.begin(), key.end(), [](char c) {
          return c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20;
        });
        nodes_[node_index].children.push_back(Edge{key, static_cast<uint32_t>(child), plain});
        nodes_.emplace_back();  // after the push_back above: `nodes_[node_index]` may move
      }
      node_index = static_cast<uint32_t>(child);
    }
    max_depth_ = std::max(max_depth_, path.segments.size());
    Node& node = nodes_[node_index];
    auto same_kind = std::find_if(node.slots.begin(), node.slots.end(),
                                  [&](const NodeSlot& slot) { return slot.kind == path.kind; });
    if (same_kind != node.slots.end()) {
      slot_of_path_.push_back(same_kind->index);
      continue;
    }
    const auto slot = static_cast<SlotIndex>(slot_paths_.size());
    slot_paths_.push_back(path);
    node.slots.push_back(NodeSlot{slot, path.kind});
    node.has_raw_slot = node.has_raw_slot || KeepsRawText(path.kind);
    slot_of_path_.push_back(slot);
  }
}

}  // namespace squall::events
