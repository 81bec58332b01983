#include "runtime/sources/clock.h"

#include <algorithm>

namespace squall::sources {

void SystemClock::Wait(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                       SteadyTime steady_deadline, WallTime wall_deadline) const {
  // The wall deadline is converted to a steady one (a wall-clock wait would misbehave on clock
  // steps in either direction) and the wait capped at a second, after which the caller looks
  // at the wall clock again.
  const SteadyTime now = std::chrono::steady_clock::now();
  const auto wall_left = wall_deadline - std::chrono::system_clock::now();
  SteadyTime deadline = std::min(steady_deadline, now + std::chrono::seconds(1));
  if (wall_left < std::chrono::seconds(1)) {
    deadline = std::min(deadline, now + std::chrono::duration_cast<SteadyTime::duration>(
                                            std::max(wall_left, decltype(wall_left)::zero())));
  }
  cv.wait_until(lock, deadline);
}

Clock& RealClock() {
  static SystemClock clock;
  return clock;
}

FakeClock::FakeClock(WallTime wall_start, SteadyTime steady_start)
    : steady_(steady_start), wall_(wall_start) {}

SteadyTime FakeClock::SteadyNow() const {
  std::lock_guard lock(mu_);
  return steady_;
}

WallTime FakeClock::WallNow() const {
  std::lock_guard lock(mu_);
  return wall_;
}

void FakeClock::Wait(std::unique_lock<std::mutex>& lock, std::condition_variable& cv, SteadyTime,
                     WallTime) const {
  // Only Advance (through the waiter's listener) or the waiter's own notifications move on.
  cv.wait(lock);
}

uint64_t FakeClock::AddListener(std::function<void()> on_change) {
  std::lock_guard lock(listeners_mu_);
  const uint64_t id = next_id_++;
  listeners_.emplace(id, std::move(on_change));
  return id;
}

void FakeClock::RemoveListener(uint64_t id) {
  std::lock_guard lock(listeners_mu_);
  listeners_.erase(id);
}

void FakeClock::Advance(std::chrono::nanoseconds delta) {
  {
    std::lock_guard lock(mu_);
    steady_ += std::chrono::duration_cast<SteadyTime::duration>(delta);
    wall_ += std::chrono::duration_cast<WallTime::duration>(delta);
  }
  Notify();
}

void FakeClock::SetWall(WallTime wall) {
  {
    std::lock_guard lock(mu_);
    wall_ = wall;
  }
  Notify();
}

void FakeClock::Notify() {
  // Not under mu_: a listener takes its owner's lock, under which the owner reads this clock.
  std::lock_guard lock(listeners_mu_);
  for (auto& [id, listener] : listeners_) listener();
}

}  // namespace squall::sources
