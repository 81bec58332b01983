// StackStorm's `core.st2.CronTimer` parameters (APScheduler CronTrigger fields) -> a
// five-field cron schedule for Squall's `cron "..." [tz "..."]`.
// Pure; thread-safe.
#pragma once

#include <map>
#include <string>

namespace squall::st2import {

struct CronResult {
  std::string schedule;  // "minute hour day month day_of_week"
  std::string timezone;  // empty: UTC
  std::string problem;   // why it cannot be converted; empty on success
};

// `fields` maps APScheduler field names (year, month, day, week, day_of_week, hour, minute,
// second, timezone) to their text. APScheduler's defaults are kept: a field left out is `*`
// when a less significant field is given and its minimum otherwise (`{hour: 3}` is 03:00:00
// every day). Day-of-week numbers count from Monday = 0 (APScheduler), so they are written as
// names (`mon`). Not convertible: `second` other than 0, `year` or `week` other than `*`,
// APScheduler-only expressions (`last`, `2nd fri`), unknown fields, and `day` and
// `day_of_week` both restricted (neither starts with `*`: APScheduler requires both, cron
// either).
CronResult ConvertCronTimer(const std::map<std::string, std::string>& fields);

}  // namespace squall::st2import
