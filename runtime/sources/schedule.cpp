#include "runtime/sources/schedule.h"

#include <cctz/civil_time.h>

#include <array>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <vector>

namespace squall::sources {
namespace {

int WeekdayIndex(cctz::weekday day) {  // 0 is Sunday
  switch (day) {
    case cctz::weekday::sunday:
      return 0;
    case cctz::weekday::monday:
      return 1;
    case cctz::weekday::tuesday:
      return 2;
    case cctz::weekday::wednesday:
      return 3;
    case cctz::weekday::thursday:
      return 4;
    case cctz::weekday::friday:
      return 5;
    case cctz::weekday::saturday:
      return 6;
  }
  return 0;
}

bool DayMatches(const CronSchedule& schedule, const cctz::civil_day& day) {
  const bool dom = schedule.days[static_cast<size_t>(day.day())];
  const bool dow = schedule.weekdays[static_cast<size_t>(WeekdayIndex(cctz::get_weekday(day)))];
  if (schedule.days_star || schedule.weekdays_star) return dom && dow;
  return dom || dow;  // Vixie cron: both restricted means either
}

using Json = nlohmann::json;

std::optional<int64_t> UnitMillis(std::string_view unit, bool allow_ms) {
  if (unit == "milliseconds" && allow_ms) return 1;
  if (unit == "seconds") return 1000;
  if (unit == "minutes") return 60'000;
  if (unit == "hours") return 3'600'000;
  if (unit == "days") return 86'400'000;
  if (unit == "weeks") return 604'800'000;
  return std::nullopt;
}

// The parameters as an object, or an error.
Parsed<Json> ParseParameters(std::string_view parameters_json) {
  if (parameters_json.empty()) return {.value = Json::object(), .error = ""};
  Json parameters = Json::parse(parameters_json, nullptr, /*allow_exceptions=*/false);
  if (parameters.is_discarded())
    return {.value = std::nullopt, .error = "parameters are not valid JSON"};
  if (parameters.is_null()) return {.value = Json::object(), .error = ""};
  if (!parameters.is_object()) {
    return {.value = std::nullopt, .error = "parameters must be a JSON object"};
  }
  return {.value = std::move(parameters), .error = ""};
}

std::optional<std::string> UnknownKeys(const Json& parameters,
                                       std::initializer_list<std::string_view> known) {
  for (const auto& [key, value] : parameters.items()) {
    bool found = false;
    for (std::string_view k : known) found = found || key == k;
    if (!found) return "unknown parameter `" + key + "`";
  }
  return std::nullopt;
}

// The zone named by the `timezone` parameter (UTC when absent).
std::optional<std::string> ReadZone(const Json& parameters, TimerSpec& spec) {
  auto it = parameters.find("timezone");
  if (it == parameters.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) return "`timezone` must be a string";
  Parsed<cctz::time_zone> zone = LoadTimeZone(it->get<std::string>());
  if (!zone.ok()) return zone.error;
  spec.zone = *zone.value;
  spec.zone_name = it->get<std::string>();
  return std::nullopt;
}

Parsed<TimerSpec> Fail(std::string error) {
  return {.value = std::nullopt, .error = std::move(error)};
}

Parsed<TimerSpec> ParseInterval(const Json& parameters, bool squall_timer) {
  TimerSpec spec;
  spec.kind = TimerSpec::Kind::kInterval;
  if (auto error = UnknownKeys(parameters, {"delta", "unit", "timezone"})) return Fail(*error);
  if (squall_timer && parameters.contains("timezone")) return Fail("unknown parameter `timezone`");
  if (auto error = ReadZone(parameters, spec)) return Fail(*error);
  auto delta = parameters.find("delta");
  auto unit = parameters.find("unit");
  if (delta == parameters.end()) return Fail("missing parameter `delta`");
  if (unit == parameters.end()) return Fail("missing parameter `unit`");
  if (!delta->is_number_integer()) return Fail("`delta` must be an integer");
  if (!unit->is_string()) return Fail("`unit` must be a string");
  const int64_t count = delta->get<int64_t>();
  if (count < 1) return Fail("`delta` must be at least 1");
  const std::string unit_text = unit->get<std::string>();
  std::optional<int64_t> millis = UnitMillis(unit_text, squall_timer);
  if (!millis) return Fail("`unit` `" + unit_text + "` is not a known unit");
  // A century is plenty; beyond that the steady clock's arithmetic could overflow.
  constexpr int64_t kMaxMillis = int64_t{100} * 366 * 86'400'000;
  if (count > kMaxMillis / *millis) return Fail("the interval is too long");
  spec.interval = std::chrono::milliseconds(count * *millis);
  if (squall_timer) {
    spec.payload_schedule_json = Json{{"delta", count}, {"unit", unit_text}}.dump();
  }
  return {.value = std::move(spec), .error = ""};
}

Parsed<TimerSpec> ParseCronTimer(const Json& parameters) {
  TimerSpec spec;
  spec.kind = TimerSpec::Kind::kCron;
  spec.zone = cctz::utc_time_zone();
  if (auto error = UnknownKeys(parameters, {"schedule", "timezone"})) return Fail(*error);
  if (auto error = ReadZone(parameters, spec)) return Fail(*error);
  auto schedule = parameters.find("schedule");
  if (schedule == parameters.end()) return Fail("missing parameter `schedule`");
  if (!schedule->is_string()) return Fail("`schedule` must be a string");
  Parsed<CronSchedule> cron = ParseCron(schedule->get<std::string>());
  if (!cron.ok()) return Fail("invalid cron schedule: " + cron.error);
  spec.cron = std::move(*cron.value);
  spec.payload_schedule_json = Json(spec.cron.text).dump();
  return {.value = std::move(spec), .error = ""};
}

Parsed<TimerSpec> ParseDateTimer(const Json& parameters) {
  TimerSpec spec;
  spec.kind = TimerSpec::Kind::kOnce;
  spec.zone = cctz::utc_time_zone();
  if (auto error = UnknownKeys(parameters, {"date", "timezone"})) return Fail(*error);
  if (auto error = ReadZone(parameters, spec)) return Fail(*error);
  auto date = parameters.find("date");
  if (date == parameters.end()) return Fail("missing parameter `date`");
  if (!date->is_string()) return Fail("`date` must be a string");
  std::string text = date->get<std::string>();
  for (char& c : text) {
    if (c == 't' || c == 'T') c = ' ';
    if (c == 'z') c = 'Z';
  }
  if (!text.empty() && text.back() == 'Z') text.replace(text.size() - 1, 1, "+00:00");
  std::chrono::time_point<std::chrono::system_clock, std::chrono::microseconds> at;
  // With an offset (`%Ez`: ±hh:mm, `%z`: ±hhmm) the zone is not used.
  if (!cctz::parse("%Y-%m-%d %H:%M:%E*S%Ez", text, spec.zone, &at) &&
      !cctz::parse("%Y-%m-%d %H:%M:%E*S%z", text, spec.zone, &at) &&
      !cctz::parse("%Y-%m-%d %H:%M:%E*S", text, spec.zone, &at)) {
    return Fail("`date` `" + date->get<std::string>() +
                "` is not a date like `2030-12-31 23:59:59` or `2030-12-31T23:59:59Z`");
  }
  spec.at = std::chrono::time_point_cast<SystemTime::duration>(at);
  return {.value = std::move(spec), .error = ""};
}

}  // namespace

Parsed<CronSchedule> ParseCron(std::string_view text) {
  std::string error;
  std::optional<CronSchedule> schedule = cron::Parse(text, &error);
  return {.value = std::move(schedule), .error = std::move(error)};
}

std::optional<SystemTime> NextFireTime(const CronSchedule& schedule, const cctz::time_zone& zone,
                                       SystemTime after) {
  using std::chrono::seconds;
  const auto after_seconds = std::chrono::floor<seconds>(after);
  // Candidates are local civil minutes, from the one after `after`'s; each maps to the instant
  // it fires at (see the header for gaps and folds), which must lie after `after`.
  cctz::civil_minute minute = cctz::civil_minute(cctz::convert(after_seconds, zone)) + 1;
  const cctz::year_t last_year = minute.year() + 400;
  while (minute.year() <= last_year) {
    if (!schedule.months[static_cast<size_t>(minute.month())]) {
      minute = cctz::civil_minute(cctz::civil_month(minute) + 1);
      continue;
    }
    if (!DayMatches(schedule, cctz::civil_day(minute))) {
      minute = cctz::civil_minute(cctz::civil_day(minute) + 1);
      continue;
    }
    if (!schedule.hours[static_cast<size_t>(minute.hour())]) {
      minute = cctz::civil_minute(cctz::civil_hour(minute) + 1);
      continue;
    }
    if (!schedule.minutes[static_cast<size_t>(minute.minute())]) {
      minute += 1;
      continue;
    }
    const cctz::time_zone::civil_lookup lookup = zone.lookup(cctz::civil_second(minute));
    // SKIPPED: `trans` is the first instant after the gap. REPEATED: `pre` (the offset before
    // the transition) is the first occurrence. UNIQUE: pre == post.
    const auto instant =
        lookup.kind == cctz::time_zone::civil_lookup::SKIPPED ? lookup.trans : lookup.pre;
    if (instant > after) return std::chrono::time_point_cast<SystemTime::duration>(instant);
    minute += 1;
  }
  return std::nullopt;
}

Parsed<cctz::time_zone> LoadTimeZone(std::string_view name) {
  cctz::time_zone zone;
  if (name.empty() || name.find("..") != std::string_view::npos ||
      !cctz::load_time_zone(std::string(name), &zone)) {
    return {.value = std::nullopt, .error = "unknown time zone `" + std::string(name) + "`"};
  }
  return {.value = zone, .error = ""};
}

bool IsTimerTrigger(std::string_view trigger) {
  return trigger == "core.timer" || trigger == "core.cron" || trigger == "core.st2.IntervalTimer" ||
         trigger == "core.st2.DateTimer" || trigger == "core.st2.CronTimer";
}

Parsed<TimerSpec> ParseTimerSpec(std::string_view trigger, std::string_view parameters_json) {
  if (!IsTimerTrigger(trigger))
    return Fail("`" + std::string(trigger) + "` is not a timer trigger");
  if (trigger == "core.st2.CronTimer") {
    return Fail("`core.st2.CronTimer` is not supported; write `cron \"<schedule>\"` (core.cron)");
  }
  Parsed<Json> parameters = ParseParameters(parameters_json);
  if (!parameters.ok()) return Fail(parameters.error);
  if (trigger == "core.timer") return ParseInterval(*parameters.value, /*squall_timer=*/true);
  if (trigger == "core.st2.IntervalTimer") {
    return ParseInterval(*parameters.value, /*squall_timer=*/false);
  }
  if (trigger == "core.cron") return ParseCronTimer(*parameters.value);
  return ParseDateTimer(*parameters.value);
}

std::string FormatUtc(SystemTime time) {
  const auto millis = std::chrono::time_point_cast<std::chrono::milliseconds>(time);
  return cctz::format("%Y-%m-%dT%H:%M:%E3SZ", millis, cctz::utc_time_zone());
}

}  // namespace squall::sources
