// Schedules of the timer triggers: 5-field cron expressions read in an IANA time zone (cctz,
// the system tz database), intervals, one-shot dates; and how a timer trigger instance's
// parameters (stdlib/packs/core/triggers/*.yaml) become one of them.
#pragma once

#include <cctz/time_zone.h>

#include <bitset>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "compiler/cron/cron.h"

namespace squall::sources {

using SystemTime = std::chrono::system_clock::time_point;

// A value or an error message.
template <typename T>
struct Parsed {
  std::optional<T> value;
  std::string error;  // set when !value
  bool ok() const { return value.has_value(); }
};

// A 5-field cron schedule (compiler/cron: the parser `squall check` validates with).
using CronSchedule = cron::Schedule;

// cron::Parse as a Parsed value.
Parsed<CronSchedule> ParseCron(std::string_view text);

// The first fire time strictly after `after`, reading the schedule in `zone`. Daylight-saving
// changes: a matching local time that does not exist (in a spring-forward gap) fires at the
// first instant after the gap, and several such times fire once there; a local time that
// happens twice (in a fall-back fold) fires once, at its first occurrence. nullopt when the
// schedule never fires (e.g. `0 0 30 2 *`): searched up to 400 years ahead. Thread-safe.
std::optional<SystemTime> NextFireTime(const CronSchedule& schedule, const cctz::time_zone& zone,
                                       SystemTime after);

// "UTC" or an IANA name (`Europe/Paris`), from /usr/share/zoneinfo. Thread-safe (cctz caches).
Parsed<cctz::time_zone> LoadTimeZone(std::string_view name);

// What a timer trigger instance does.
struct TimerSpec {
  enum class Kind : uint8_t { kInterval, kCron, kOnce };
  Kind kind = Kind::kInterval;
  std::chrono::milliseconds interval{0};  // kInterval: > 0
  CronSchedule cron;                      // kCron
  cctz::time_zone zone;                   // kCron (and the zone kOnce's date was read in)
  std::string zone_name = "UTC";          // kCron, kOnce
  SystemTime at;                          // kOnce
  // The event payload's `schedule` field as JSON: core.timer's {delta, unit}, core.cron's
  // expression text, `null` for the StackStorm timers.
  std::string payload_schedule_json = "null";
};

// Whether `trigger` is one of the timer triggers below.
bool IsTimerTrigger(std::string_view trigger);

// The schedule of a trigger instance, from its parameters (a JSON object):
//   core.timer             {delta: int >= 1, unit: weeks|days|hours|minutes|seconds|milliseconds}
//   core.st2.IntervalTimer {delta: int >= 1, unit: weeks|days|hours|minutes|seconds, timezone?}
//   core.cron              {schedule: "<5 fields>", timezone?: IANA name, default UTC}
//   core.st2.DateTimer     {date: "YYYY-MM-DD[T ]hh:mm:ss[.f][Z|±hh:mm]", timezone?}
// An error names the problem (unknown trigger, bad JSON, missing or invalid parameter).
// core.st2.CronTimer (APScheduler fields) is not supported: an error says so.
Parsed<TimerSpec> ParseTimerSpec(std::string_view trigger, std::string_view parameters_json);

// `2024-03-31T01:00:00.000Z` (UTC, milliseconds): executed_at in timer payloads.
std::string FormatUtc(SystemTime time);

}  // namespace squall::sources
