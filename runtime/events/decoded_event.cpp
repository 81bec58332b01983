#include "runtime/events/decoded_event.h"

#include <cstring>

namespace squall::events {

std::string_view SlotStateName(SlotState state) {
  switch (state) {
    case SlotState::kAbsent:
      return "absent";
    case SlotState::kNull:
      return "null";
    case SlotState::kPresent:
      return "present";
    case SlotState::kWrongType:
      return "wrong_type";
  }
  return "?";
}

void DecodedEvent::Detach() {
  size_t total = 0;
  for (const Slot& slot : slots) total += slot.text.size();
  // A fresh buffer: the current texts may point into the old one (a second Detach).
  std::vector<char> storage(total);
  size_t offset = 0;
  for (Slot& slot : slots) {
    if (slot.text.empty()) continue;
    std::memcpy(storage.data() + offset, slot.text.data(), slot.text.size());
    slot.text = std::string_view(storage.data() + offset, slot.text.size());
    offset += slot.text.size();
  }
  storage_ = std::move(storage);
}

}  // namespace squall::events
