#include "runtime/sources/event_queue.h"

#include <algorithm>

namespace squall::sources {

EventQueue::EventQueue(EventQueueOptions options) : options_(options) {}

bool EventQueue::HasRoomLocked(size_t event_bytes) const {
  if (events_.empty()) return true;  // an oversized event must not wait forever
  return events_.size() < std::max<size_t>(options_.max_events, 1) &&
         bytes_ + event_bytes <= options_.max_bytes;
}

bool EventQueue::Push(SourceEvent event, std::stop_token stop) {
  const size_t event_bytes = event.ByteSize();
  {
    std::unique_lock lock(mu_);
    if (!closed_ && !HasRoomLocked(event_bytes)) {
      ++blocked_pushes_;
      // The stop_token overload wakes on request_stop() too, so a stopping source never
      // stays blocked on a full queue.
      not_full_.wait(lock, stop, [&] { return closed_ || HasRoomLocked(event_bytes); });
    }
    if (closed_ || stop.stop_requested()) return false;
    bytes_ += event_bytes;
    events_.push_back(std::move(event));
    ++pushed_total_;
  }
  not_empty_.notify_one();
  return true;
}

bool EventQueue::TryPush(SourceEvent& event) {
  const size_t event_bytes = event.ByteSize();
  {
    std::lock_guard lock(mu_);
    if (closed_ || !HasRoomLocked(event_bytes)) return false;
    bytes_ += event_bytes;
    events_.push_back(std::move(event));
    ++pushed_total_;
  }
  not_empty_.notify_one();
  return true;
}

size_t EventQueue::PopBatch(std::vector<SourceEvent>& out, size_t max,
                            std::chrono::steady_clock::time_point deadline) {
  max = std::max<size_t>(max, 1);
  size_t moved = 0;
  {
    std::unique_lock lock(mu_);
    not_empty_.wait_until(lock, deadline, [&] { return !events_.empty() || closed_; });
    while (moved < max && !events_.empty()) {
      bytes_ -= events_.front().ByteSize();
      out.push_back(std::move(events_.front()));
      events_.pop_front();
      ++moved;
    }
  }
  // Several producers may fit in the room freed by a batch.
  if (moved > 0) not_full_.notify_all();
  return moved;
}

void EventQueue::Close() {
  {
    std::lock_guard lock(mu_);
    closed_ = true;
  }
  not_full_.notify_all();
  not_empty_.notify_all();
}

bool EventQueue::closed() const {
  std::lock_guard lock(mu_);
  return closed_;
}

size_t EventQueue::depth() const {
  std::lock_guard lock(mu_);
  return events_.size();
}

size_t EventQueue::bytes() const {
  std::lock_guard lock(mu_);
  return bytes_;
}

uint64_t EventQueue::pushed_total() const {
  std::lock_guard lock(mu_);
  return pushed_total_;
}

uint64_t EventQueue::blocked_pushes() const {
  std::lock_guard lock(mu_);
  return blocked_pushes_;
}

}  // namespace squall::sources
