// The clocks a timer source reads and sleeps on: the real ones, or a fake one that tests
// advance by hand (so a test of a weekly timer takes microseconds).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>

namespace squall::sources {

using SteadyTime = std::chrono::steady_clock::time_point;
using WallTime = std::chrono::system_clock::time_point;

// Thread safety: every member function may be called from any thread.
class Clock {
 public:
  virtual ~Clock() = default;

  virtual SteadyTime SteadyNow() const = 0;  // for intervals
  virtual WallTime WallNow() const = 0;      // for cron schedules and payload times

  // Waits on `cv` (whose mutex `lock` holds) until about the earlier of the two deadlines,
  // or until `cv` is notified; may return early (callers re-check the time). The real clock
  // waits at most a second at a time, so that a wall-clock step does not delay a cron
  // deadline by more than that; the fake clock waits until notified (see AddListener).
  virtual void Wait(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                    SteadyTime steady_deadline, WallTime wall_deadline) const = 0;

  // Registers `on_change`, called (on the thread that changed the time, with no lock of the
  // clock held) whenever the time moves other than by itself: a fake clock's Advance. The
  // real clock never calls it. Returns an id for RemoveListener.
  virtual uint64_t AddListener(std::function<void()> on_change) = 0;
  // After it returns, the listener is not running and will not be called again.
  virtual void RemoveListener(uint64_t id) = 0;
};

// std::chrono::steady_clock and system_clock. A process-wide instance: RealClock().
class SystemClock final : public Clock {
 public:
  SteadyTime SteadyNow() const override { return std::chrono::steady_clock::now(); }
  WallTime WallNow() const override { return std::chrono::system_clock::now(); }
  void Wait(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
            SteadyTime steady_deadline, WallTime wall_deadline) const override;
  uint64_t AddListener(std::function<void()>) override { return 0; }
  void RemoveListener(uint64_t) override {}
};

Clock& RealClock();

// A clock that moves only when told. Starts at the given times.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(WallTime wall_start,
                     SteadyTime steady_start = SteadyTime{} + std::chrono::hours(1));

  SteadyTime SteadyNow() const override;
  WallTime WallNow() const override;
  void Wait(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
            SteadyTime steady_deadline, WallTime wall_deadline) const override;
  uint64_t AddListener(std::function<void()> on_change) override;
  void RemoveListener(uint64_t id) override;

  // Moves both clocks forward by `delta` and calls the listeners.
  void Advance(std::chrono::nanoseconds delta);
  // Sets the wall clock only (a clock step, e.g. NTP), then calls the listeners.
  void SetWall(WallTime wall);

 private:
  void Notify();

  mutable std::mutex mu_;
  SteadyTime steady_;
  WallTime wall_;
  std::mutex listeners_mu_;  // held while listeners run, so RemoveListener waits for them
  std::map<uint64_t, std::function<void()>> listeners_;
  uint64_t next_id_ = 1;
};

}  // namespace squall::sources
