// A bounded, blocking, multi-producer queue of SourceEvents: the one EventSink every source
// feeds, drained in batches by the service thread that writes events to the store.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <stop_token>
#include <vector>

#include "runtime/sources/source_event.h"

namespace squall::sources {

struct EventQueueOptions {
  size_t max_events = 10000;            // capacity in events (at least 1)
  size_t max_bytes = size_t{64} << 20;  // capacity in bytes (SourceEvent::ByteSize)
};

// Thread safety: every member function may be called from any thread at any time.
class EventQueue final : public EventSink {
 public:
  explicit EventQueue(EventQueueOptions options = {});
  EventQueue(const EventQueue&) = delete;
  EventQueue& operator=(const EventQueue&) = delete;

  // Appends `event`. Blocks while the queue holds max_events events or adding the event would
  // exceed max_bytes (an event larger than max_bytes on its own is let in when the queue is
  // empty, so it cannot block forever). Returns false, dropping the event, when `stop` is
  // requested or the queue is closed before there is room.
  bool Push(SourceEvent event, std::stop_token stop) override;

  // Appends `event` only if there is room now; false (event untouched) when full or closed.
  bool TryPush(SourceEvent& event);

  // Moves up to `max` events (at least 1 is asked) into `out` (appended), oldest first. Waits
  // until at least one event is queued, `deadline` passes or the queue is closed and empty.
  // Returns the number of events moved (0 on timeout or when closed and drained).
  size_t PopBatch(std::vector<SourceEvent>& out, size_t max,
                  std::chrono::steady_clock::time_point deadline);

  // Refuses further pushes (blocked producers return false); events already queued can still
  // be popped. Idempotent.
  void Close();

  bool closed() const;
  size_t depth() const;             // events queued now
  size_t bytes() const;             // their ByteSize total
  uint64_t pushed_total() const;    // events accepted since construction
  uint64_t blocked_pushes() const;  // pushes that had to wait for room (back-pressure count)

 private:
  bool HasRoomLocked(size_t event_bytes) const;

  const EventQueueOptions options_;
  mutable std::mutex mu_;
  std::condition_variable_any not_full_;  // _any: waits with a stop_token
  std::condition_variable not_empty_;
  std::deque<SourceEvent> events_;
  size_t bytes_ = 0;
  bool closed_ = false;
  uint64_t pushed_total_ = 0;
  uint64_t blocked_pushes_ = 0;
};

}  // namespace squall::sources
