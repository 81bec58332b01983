// The timer source: one thread that fires the timer trigger instances of the loaded rules
// (core.timer `every D`, core.cron `cron "..." tz "..."`, StackStorm's IntervalTimer and
// DateTimer) and pushes their events into an EventSink.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "runtime/sources/clock.h"
#include "runtime/sources/schedule.h"
#include "runtime/sources/source_event.h"

namespace squall::sources {

// One trigger instance: a timer trigger with its parameters (what the checker records for a
// rule's trigger, e.g. `core.timer` + `{"delta":5,"unit":"minutes"}`).
struct TimerInstance {
  std::string trigger;
  std::string parameters_json;
  std::string source;  // SourceEvent::source; default `timer:<trigger>`
};

struct TimerError {
  size_t index = 0;  // into the instances given to Replace
  std::string trigger;
  std::string error;  // from ParseTimerSpec
};

// A scheduled instance (for diagnostics and `squall status`).
struct ScheduledTimer {
  std::string trigger;
  std::string parameters_json;
  WallTime next;  // estimated wall time of the next fire; max() when it will not fire again
};

// Events: trigger and parameters_json of the instance, external_id "" and payloads
//   core.timer             {"executed_at": "<UTC>", "schedule": {"delta": 5, "unit": "minutes"}}
//   core.cron              {"executed_at": "<UTC>", "schedule": "0 3 * * *", "timezone": "UTC"}
//   core.st2.IntervalTimer, core.st2.DateTimer  {"executed_at": "<UTC>", "schedule": null}
// with executed_at like `2024-03-31T01:00:00.000Z`: the scheduled instant for cron and date
// timers, the wall time at firing for intervals.
//
// Timing: an interval timer fires first one interval after it was added, then every interval
// on the steady clock (phase kept; if firing was held up, e.g. by a full sink, the missed
// ticks collapse into one). Cron and date timers follow the wall clock: a step forward over
// several fire times fires once; a step backward does not repeat fires already made.
//
// Thread safety: every member function may be called from any thread (not from the sink's
// Push, which runs on the timer thread).
class TimerSource {
 public:
  // `sink` and `clock` must outlive the source.
  explicit TimerSource(EventSink& sink, Clock& clock = RealClock());
  ~TimerSource();  // Stop()
  TimerSource(const TimerSource&) = delete;
  TimerSource& operator=(const TimerSource&) = delete;

  // Replaces the set of instances (hot reload); before or after Start. Instances are keyed by
  // trigger and parameters (compared as JSON, key order ignored); equal ones are merged, so
  // one event per fire serves every rule of that instance. An instance kept from the previous
  // set keeps its next fire time (an interval keeps its phase). Instances whose parameters are
  // invalid are left out and returned as errors.
  std::vector<TimerError> Replace(const std::vector<TimerInstance>& instances);

  // Starts the thread. Idempotent.
  void Start();
  // Stops and joins the thread promptly, also when it is blocked pushing into a full sink
  // (that event is dropped). Idempotent.
  void Stop();

  // For tests with a FakeClock: waits until the thread has looked at the clock's current time
  // and the current instances, pushed every event due, and is sleeping. False on timeout.
  bool WaitIdle(std::chrono::milliseconds timeout);

  std::vector<ScheduledTimer> Scheduled() const;
  uint64_t fired() const;  // events the sink accepted

 private:
  struct Entry {
    TimerInstance instance;
    TimerSpec spec;
    SteadyTime next_steady{};  // intervals
    WallTime next_wall{};      // cron and date timers
    bool done = false;         // will not fire again
  };

  void Run(std::stop_token stop);
  // Due events at (steady, wall); advances their entries. Under mu_.
  void CollectDue(SteadyTime steady, WallTime wall, std::vector<SourceEvent>& due);
  SourceEvent MakeEvent(const Entry& entry, WallTime executed_at, WallTime now) const;
  void Schedule(Entry& entry, SteadyTime steady, WallTime wall) const;

  EventSink& sink_;
  Clock& clock_;
  uint64_t listener_id_ = 0;

  mutable std::mutex mu_;
  std::condition_variable cv_;            // wakes the thread: clock change, Replace, Stop
  std::condition_variable idle_cv_;       // the thread went to sleep
  std::map<std::string, Entry> entries_;  // by key (trigger + canonical parameters)
  uint64_t changes_ = 0;                  // Replace calls
  uint64_t observed_changes_ = 0;         // changes_ the sleeping thread has seen
  SteadyTime observed_steady_{};
  WallTime observed_wall_{};
  bool idle_ = false;
  bool stopping_ = false;
  uint64_t fired_ = 0;

  std::mutex lifecycle_mu_;  // serialises Start and Stop
  std::jthread thread_;
};

}  // namespace squall::sources
