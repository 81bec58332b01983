#include "runtime/sources/timer_source.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace squall::sources {
namespace {

int64_t ToMillis(WallTime time) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
}

// Instances are the same when their trigger and parameters are (nlohmann's objects are
// sorted, so dump() is canonical).
std::string KeyOf(const TimerInstance& instance) {
  nlohmann::json parameters =
      nlohmann::json::parse(instance.parameters_json, nullptr, /*allow_exceptions=*/false);
  return instance.trigger + '\n' +
         (parameters.is_discarded() ? instance.parameters_json : parameters.dump());
}

}  // namespace

TimerSource::TimerSource(EventSink& sink, Clock& clock) : sink_(sink), clock_(clock) {
  listener_id_ = clock_.AddListener([this] {
    // Under mu_: the thread reads the clock and starts waiting under it, so this notification
    // cannot fall between the two.
    std::lock_guard lock(mu_);
    cv_.notify_all();
  });
}

TimerSource::~TimerSource() {
  Stop();
  clock_.RemoveListener(listener_id_);
}

void TimerSource::Schedule(Entry& entry, SteadyTime steady, WallTime wall) const {
  switch (entry.spec.kind) {
    case TimerSpec::Kind::kInterval:
      entry.next_steady = steady + entry.spec.interval;
      break;
    case TimerSpec::Kind::kCron: {
      std::optional<WallTime> next = NextFireTime(entry.spec.cron, entry.spec.zone, wall);
      entry.done = !next.has_value();
      if (next) entry.next_wall = *next;
      break;
    }
    case TimerSpec::Kind::kOnce:
      entry.next_wall = entry.spec.at;
      entry.done = entry.spec.at <= wall;  // a date in the past never fires
      break;
  }
}

std::vector<TimerError> TimerSource::Replace(const std::vector<TimerInstance>& instances) {
  std::vector<TimerError> errors;
  std::map<std::string, Entry> parsed;
  for (size_t i = 0; i < instances.size(); ++i) {
    Parsed<TimerSpec> spec = ParseTimerSpec(instances[i].trigger, instances[i].parameters_json);
    if (!spec.ok()) {
      errors.push_back({.index = i, .trigger = instances[i].trigger, .error = spec.error});
      continue;
    }
    Entry entry{.instance = instances[i], .spec = std::move(*spec.value)};
    if (entry.instance.source.empty()) entry.instance.source = "timer:" + entry.instance.trigger;
    parsed.try_emplace(KeyOf(instances[i]), std::move(entry));
  }
  const SteadyTime steady = clock_.SteadyNow();
  const WallTime wall = clock_.WallNow();
  {
    std::lock_guard lock(mu_);
    for (auto& [key, entry] : parsed) {
      auto old = entries_.find(key);
      if (old != entries_.end()) {
        entry.next_steady = old->second.next_steady;
        entry.next_wall = old->second.next_wall;
        entry.done = old->second.done;
      } else {
        Schedule(entry, steady, wall);
      }
    }
    entries_ = std::move(parsed);
    ++changes_;
  }
  cv_.notify_all();
  return errors;
}

void TimerSource::Start() {
  std::lock_guard lifecycle(lifecycle_mu_);
  if (thread_.joinable()) return;
  {
    std::lock_guard lock(mu_);
    stopping_ = false;
  }
  thread_ = std::jthread([this](std::stop_token stop) { Run(std::move(stop)); });
}

void TimerSource::Stop() {
  std::lock_guard lifecycle(lifecycle_mu_);
  if (!thread_.joinable()) return;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.request_stop();  // unblocks a Push waiting for room
  thread_.join();
  thread_ = std::jthread();
}

SourceEvent TimerSource::MakeEvent(const Entry& entry, WallTime executed_at, WallTime now) const {
  std::string payload = "{\"executed_at\":\"" + FormatUtc(executed_at) +
                        "\",\"schedule\":" + entry.spec.payload_schedule_json;
  if (entry.instance.trigger == "core.cron") {
    payload += ",\"timezone\":" + nlohmann::json(entry.spec.zone_name).dump();
  }
  payload += '}';
  return SourceEvent{.trigger = entry.instance.trigger,
                     .parameters_json = entry.instance.parameters_json,
                     .payload_json = std::move(payload),
                     .source = entry.instance.source,
                     .external_id = "",
                     .received_at_ms = ToMillis(now),
                     .position = std::nullopt};
}

void TimerSource::CollectDue(SteadyTime steady, WallTime wall, std::vector<SourceEvent>& due) {
  for (auto& [key, entry] : entries_) {
    if (entry.done) continue;
    if (entry.spec.kind == TimerSpec::Kind::kInterval) {
      if (entry.next_steady > steady) continue;
      due.push_back(MakeEvent(entry, wall, wall));
      // Next tick on the original phase, after now: ticks missed while held up collapse.
      const auto interval = std::chrono::duration_cast<SteadyTime::duration>(entry.spec.interval);
      const auto missed = (steady - entry.next_steady) / interval;
      entry.next_steady += interval * (missed + 1);
      continue;
    }
    if (entry.next_wall > wall) continue;
    due.push_back(MakeEvent(entry, entry.next_wall, wall));
    if (entry.spec.kind == TimerSpec::Kind::kOnce) {
      entry.done = true;
      continue;
    }
    std::optional<WallTime> next =
        NextFireTime(entry.spec.cron, entry.spec.zone, std::max(entry.next_wall, wall));
    entry.done = !next.has_value();
    if (next) entry.next_wall = *next;
  }
}

void TimerSource::Run(std::stop_token stop) {
  std::unique_lock lock(mu_);
  std::vector<SourceEvent> due;
  while (!stopping_) {
    const SteadyTime steady = clock_.SteadyNow();
    const WallTime wall = clock_.WallNow();
    const uint64_t changes = changes_;
    due.clear();
    CollectDue(steady, wall, due);
    if (!due.empty()) {
      lock.unlock();  // Push may block on a full sink: Replace and WaitIdle go on meanwhile
      uint64_t accepted = 0;
      for (SourceEvent& event : due) {
        if (!sink_.Push(std::move(event), stop)) break;
        ++accepted;
      }
      lock.lock();
      fired_ += accepted;
      continue;  // look at the time again: pushing may have taken a while
    }
    SteadyTime steady_deadline = SteadyTime::max();
    WallTime wall_deadline = WallTime::max();
    for (const auto& [key, entry] : entries_) {
      if (entry.done) continue;
      if (entry.spec.kind == TimerSpec::Kind::kInterval) {
        steady_deadline = std::min(steady_deadline, entry.next_steady);
      } else {
        wall_deadline = std::min(wall_deadline, entry.next_wall);
      }
    }
    observed_steady_ = steady;
    observed_wall_ = wall;
    observed_changes_ = changes;
    idle_ = true;
    idle_cv_.notify_all();
    clock_.Wait(lock, cv_, steady_deadline, wall_deadline);
    idle_ = false;
  }
  idle_ = false;
}

bool TimerSource::WaitIdle(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return idle_cv_.wait_for(lock, timeout, [&] {
    return idle_ && observed_changes_ == changes_ && observed_steady_ >= clock_.SteadyNow() &&
           observed_wall_ >= clock_.WallNow();
  });
}

std::vector<ScheduledTimer> TimerSource::Scheduled() const {
  const SteadyTime steady = clock_.SteadyNow();
  const WallTime wall = clock_.WallNow();
  std::lock_guard lock(mu_);
  std::vector<ScheduledTimer> out;
  for (const auto& [key, entry] : entries_) {
    WallTime next = WallTime::max();
    if (!entry.done) {
      next = entry.spec.kind == TimerSpec::Kind::kInterval
                 ? wall + std::chrono::duration_cast<WallTime::duration>(entry.next_steady - steady)
                 : entry.next_wall;
    }
    out.push_back({.trigger = entry.instance.trigger,
                   .parameters_json = entry.instance.parameters_json,
                   .next = next});
  }
  return out;
}

uint64_t TimerSource::fired() const {
  std::lock_guard lock(mu_);
  return fired_;
}

}  // namespace squall::sources
