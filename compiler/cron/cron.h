// 5-field cron schedules (`minute hour day-of-month month day-of-week`), the syntax of
// `cron "..."` triggers: `*`, numbers, ranges `a-b`, steps `*/n`, `a-b/n` and `a/n` (a to the
// field's maximum, as in cronie), lists `a,b`, month names `jan`..`dec` and day names
// `sun`..`sat` (any case); day-of-week 0 and 7 are both Sunday.
//
// One parser for the checker (which reports the error at the schedule) and the timer source
// (which computes fire times from the fields), so that the runtime accepts exactly what
// `squall check` let through. Pure; thread-safe.
#pragma once

#include <bitset>
#include <optional>
#include <string>
#include <string_view>

namespace squall::cron {

struct Schedule {
  std::bitset<60> minutes;
  std::bitset<24> hours;
  std::bitset<32> days;     // 1..31
  std::bitset<13> months;   // 1..12
  std::bitset<7> weekdays;  // 0..6, 0 is Sunday (7 in the text is Sunday too)
  // The day-of-month / day-of-week field starts with `*` (Vixie cron: when neither does, a
  // day matches when EITHER field matches; otherwise both must match). So `*/2` counts as `*`.
  bool days_star = false;
  bool weekdays_star = false;
  std::string text;  // as given
};

// The schedule, or nullopt and `*error` = the reason, e.g. "field 2 (hour): 24 is out of
// range 0-23" or "expected 5 fields (minute hour day-of-month month day-of-week), found 4".
std::optional<Schedule> Parse(std::string_view text, std::string* error);

}  // namespace squall::cron
