// The value helpers declared in store.h (status names, WriteBatch::empty).
#include "runtime/store/store.h"

#include <array>
#include <string_view>

namespace squall::store {
namespace {

// Indexed by Status; the names are stored in the database, so they never change.
constexpr std::array<const char*, 8> kStatusNames = {
    "requested", "scheduled", "running",  "succeeded",
    "failed",    "timed_out", "canceled", "abandoned",
};

}  // namespace

const char* StatusName(Status status) { return kStatusNames.at(static_cast<size_t>(status)); }

std::optional<Status> ParseStatus(std::string_view name) {
  for (size_t i = 0; i < kStatusNames.size(); ++i) {
    if (name == kStatusNames[i]) return static_cast<Status>(i);
  }
  return std::nullopt;
}

bool IsTerminal(Status status) {
  switch (status) {
    case Status::kRequested:
    case Status::kScheduled:
    case Status::kRunning:
      return false;
    case Status::kSucceeded:
    case Status::kFailed:
    case Status::kTimedOut:
    case Status::kCanceled:
    case Status::kAbandoned:
      return true;
  }
  return false;
}

bool WriteBatch::empty() const {
  return events.empty() && enforcements.empty() && new_executions.empty() &&
         execution_updates.empty() && attempts.empty() && kv_puts.empty() && kv_deletes.empty() &&
         correlation_states.empty() && workflows.empty() && !event_cursor.has_value() &&
         claims.empty();
}

}  // namespace squall::store
