// Validation of 5-field cron schedules (`minute hour day-of-month month day-of-week`), the
// syntax `cron "..."` triggers take: `*`, numbers, ranges `a-b`, steps `*/n` and `a-b/n`,
// lists `a,b`, month names `jan`..`dec` and day names `sun`..`sat` (case-insensitive);
// day-of-week 0 and 7 are both Sunday.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace squall::check {

// nullopt when `schedule` is valid, else the reason, e.g. "field 2 (hour): 24 is out of
// range 0-23".
std::optional<std::string> ValidateCron(std::string_view schedule);

}  // namespace squall::check
