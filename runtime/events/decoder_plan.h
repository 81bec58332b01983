// What the event decoder extracts from the payloads of one trigger type: a set of field paths,
// each with the Squall type the rules expect there, compiled into a key trie so that one pass
// over a payload object fills every slot.
//
// Ownership: a DecoderPlan owns its paths and trie; it is immutable after construction and may
// be shared by any number of decoders and threads (read-only).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/types/type.h"

namespace squall::events {

// Index of a slot in `DecodedEvent::slots`. Slots are numbered 0..slot_count()-1 in the order
// their paths first appear in the list the plan was built from.
using SlotIndex = uint32_t;

// One value the rules of a trigger read: a path of object keys from the payload root
// (`{"labels", "team"}` for `event.labels.team`; empty for the whole payload) and the kind of
// Squall type expected there. Keys are matched byte for byte after JSON unescaping, so a key
// may contain dots, spaces or any Unicode text.
//
// `kind` must be a slot kind (see IsSlotKind): for an optional type `T?` pass T's kind (absent
// and null are slot states, not types). list, map and record kinds are kept as raw JSON text,
// like `json`, but only a JSON array (list) or object (map, record) is accepted for them.
struct FieldPath {
  std::vector<std::string> segments;
  types::TypeKind kind = types::TypeKind::kJson;

  friend bool operator==(const FieldPath&, const FieldPath&) = default;
};

// Kinds a slot can have: bool int float string duration time json list map record. Not
// error, nothing, null or optional.
bool IsSlotKind(types::TypeKind kind);

// The compiled form of a trigger's field paths. Paths that are equal (same segments and kind)
// share one slot; the same segments with two different kinds are two slots.
class DecoderPlan {
 public:
  // One edge of the key trie: a key of the object at the parent node.
  struct Edge {
    std::string key;
    uint32_t node = 0;  // index into nodes()
    // The key as it would be written in JSON without escapes: no `"`, `\` or control
    // characters. Only plain keys are compared with a payload's raw (still escaped) key text.
    bool plain = true;
  };
  // A position in the payload: node 0 is the payload root, each other node is reached from its
  // parent through one key.
  // A slot whose path ends at a node.
  struct NodeSlot {
    SlotIndex index = 0;
    types::TypeKind kind = types::TypeKind::kJson;
  };
  struct Node {
    std::vector<Edge> children;
    std::vector<NodeSlot> slots;  // slots whose path ends here (at most one per kind)
    bool has_raw_slot = false;    // one of `slots` keeps raw JSON text (json list map record)
  };

  // Builds the plan of trigger `trigger_ref` (e.g. `disk.low`). Path i is read into slot
  // `slot_of(i)`. Aborts (a caller bug) when a path's kind is not a slot kind.
  DecoderPlan(std::string trigger_ref, std::span<const FieldPath> paths);

  const std::string& trigger_ref() const { return trigger_ref_; }
  size_t path_count() const { return slot_of_path_.size(); }
  size_t slot_count() const { return slot_paths_.size(); }
  // The slot that path `path_index` (its index in the constructor's `paths`) is read into.
  SlotIndex slot_of(size_t path_index) const { return slot_of_path_.at(path_index); }
  // The path and kind of a slot.
  const FieldPath& slot_path(SlotIndex slot) const { return slot_paths_.at(slot); }
  types::TypeKind slot_kind(SlotIndex slot) const { return slot_paths_.at(slot).kind; }

  // The key trie, for the decoder. nodes()[0] is the root; it exists even for an empty plan.
  const std::vector<Node>& nodes() const { return nodes_; }
  // The first byte of `key` in JSON text: `"` (the closing quote) for the empty key.
  static unsigned char FirstByte(std::string_view key) {
    return key.empty() ? '"' : static_cast<unsigned char>(key[0]);
  }
  // Index of the child of `node` reached through `key`, or -1.
  static int32_t FindChild(const Node& node, std::string_view key) {
    for (const Edge& edge : node.children) {
      if (edge.key.size() != key.size()) continue;
      size_t i = 0;  // keys are short: a loop beats a call to memcmp
      while (i < key.size() && edge.key[i] == key[i]) ++i;
      if (i == key.size()) return static_cast<int32_t>(edge.node);
    }
    return -1;
  }
  // Longest path, in keys.
  size_t max_depth() const { return max_depth_; }

 private:
  std::string trigger_ref_;
  std::vector<Node> nodes_;
  std::vector<FieldPath> slot_paths_;
  std::vector<SlotIndex> slot_of_path_;
  size_t max_depth_ = 0;
};

}  // namespace squall::events
