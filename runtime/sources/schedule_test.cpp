#include "runtime/sources/schedule.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace squall::sources {
namespace {

SystemTime Utc(const std::string& text) {
  std::chrono::time_point<std::chrono::system_clock, std::chrono::milliseconds> at;
  EXPECT_TRUE(cctz::parse("%Y-%m-%dT%H:%M:%E*SZ", text, cctz::utc_time_zone(), &at)) << text;
  return at;
}

std::string Minute(SystemTime time) {
  return cctz::format("%Y-%m-%dT%H:%MZ", std::chrono::floor<std::chrono::seconds>(time),
                      cctz::utc_time_zone());
}

struct CronCase {
  std::string name;
  std::string schedule;
  std::string zone = "UTC";
  std::string after;                  // UTC, `2024-01-01T00:00:00Z`
  std::vector<std::string> expected;  // the next fire times in UTC, `2024-01-01T00:15Z`
};

class CronTableTest : public testing::TestWithParam<CronCase> {};

TEST_P(CronTableTest, NextFireTimes) {
  const CronCase& c = GetParam();
  Parsed<CronSchedule> schedule = ParseCron(c.schedule);
  ASSERT_TRUE(schedule.ok()) << schedule.error;
  Parsed<cctz::time_zone> zone = LoadTimeZone(c.zone);
  ASSERT_TRUE(zone.ok()) << zone.error;
  SystemTime after = Utc(c.after);
  std::vector<std::string> got;
  for (size_t i = 0; i < c.expected.size(); ++i) {
    std::optional<SystemTime> next = NextFireTime(*schedule.value, *zone.value, after);
    if (!next) break;
    EXPECT_GT(*next, after);
    got.push_back(Minute(*next));
    after = *next;
  }
  EXPECT_EQ(got, c.expected);
}

INSTANTIATE_TEST_SUITE_P(
    Cron, CronTableTest,
    testing::Values(
        CronCase{.name = "every_15_minutes",
                 .schedule = "*/15 * * * *",
                 .after = "2024-01-01T00:07:30Z",
                 .expected = {"2024-01-01T00:15Z", "2024-01-01T00:30Z", "2024-01-01T00:45Z",
                              "2024-01-01T01:00Z"}},
        CronCase{.name = "exactly_at_a_fire_time_is_not_after_it",
                 .schedule = "0 * * * *",
                 .after = "2024-01-01T01:00:00Z",
                 .expected = {"2024-01-01T02:00Z"}},
        CronCase{.name = "just_before_a_fire_time",
                 .schedule = "0 * * * *",
                 .after = "2024-01-01T00:59:59.999Z",
                 .expected = {"2024-01-01T01:00Z"}},
        CronCase{.name = "range_with_step",
                 .schedule = "10-30/10 8 * * *",
                 .after = "2024-01-01T00:00:00Z",
                 .expected = {"2024-01-01T08:10Z", "2024-01-01T08:20Z", "2024-01-01T08:30Z",
                              "2024-01-02T08:10Z"}},
        CronCase{.name = "value_with_step_runs_to_the_maximum",
                 .schedule = "5/20 * * * *",
                 .after = "2024-01-01T00:00:00Z",
                 .expected = {"2024-01-01T00:05Z", "2024-01-01T00:25Z", "2024-01-01T00:45Z",
                              "2024-01-01T01:05Z"}},
        CronCase{.name = "feb_29",
                 .schedule = "0 0 29 2 *",
                 .after = "2023-03-01T00:00:00Z",
                 .expected = {"2024-02-29T00:00Z", "2028-02-29T00:00Z"}},
        CronCase{.name = "feb_29_skips_2100",
                 .schedule = "0 0 29 2 *",
                 .after = "2096-03-01T00:00:00Z",
                 .expected = {"2104-02-29T00:00Z"}},
        CronCase{.name = "dom_and_dow_restricted_is_either",
                 .schedule = "0 12 1 * mon",
                 .after = "2024-01-01T12:00:00Z",
                 .expected = {"2024-01-08T12:00Z", "2024-01-15T12:00Z", "2024-01-22T12:00Z",
                              "2024-01-29T12:00Z", "2024-02-01T12:00Z", "2024-02-05T12:00Z"}},
        CronCase{.name = "dom_starting_with_star_is_both",
                 .schedule = "0 0 */10 * 1",
                 .after = "2023-12-31T00:00:00Z",
                 .expected = {"2024-01-01T00:00Z", "2024-03-11T00:00Z", "2024-04-01T00:00Z",
                              "2024-07-01T00:00Z"}},
        CronCase{.name = "names",
                 .schedule = "0 9 * JAN,jul Mon-FRI",
                 .after = "2024-06-30T00:00:00Z",
                 .expected = {"2024-07-01T09:00Z", "2024-07-02T09:00Z"}},
        CronCase{.name = "dow_7_is_sunday",
                 .schedule = "0 0 * * 7",
                 .after = "2024-01-01T00:00:00Z",
                 .expected = {"2024-01-07T00:00Z", "2024-01-14T00:00Z"}},
        CronCase{.name = "never", .schedule = "0 0 30 2 *", .after = "2024-01-01T00:00:00Z"},
        CronCase{.name = "half_hour_offset_zone",
                 .schedule = "0 0 * * *",
                 .zone = "Asia/Kolkata",
                 .after = "2024-01-01T00:00:00Z",
                 .expected = {"2024-01-01T18:30Z", "2024-01-02T18:30Z"}},
        // Europe/Paris: 2024-03-31 02:00 CET -> 03:00 CEST (01:00 UTC).
        CronCase{.name = "paris_gap_fires_after_the_gap",
                 .schedule = "30 2 * * *",
                 .zone = "Europe/Paris",
                 .after = "2024-03-30T12:00:00Z",
                 .expected = {"2024-03-31T01:00Z", "2024-04-01T00:30Z"}},
        CronCase{.name = "paris_gap_fires_once_for_several_times",
                 .schedule = "*/15 2 * * *",
                 .zone = "Europe/Paris",
                 .after = "2024-03-31T00:00:00Z",
                 .expected = {"2024-03-31T01:00Z", "2024-04-01T00:00Z", "2024-04-01T00:15Z"}},
        CronCase{.name = "paris_gap_and_the_time_after_it_fire_once",
                 .schedule = "0,30 2,3 * * *",
                 .zone = "Europe/Paris",
                 .after = "2024-03-31T00:00:00Z",
                 .expected = {"2024-03-31T01:00Z", "2024-03-31T01:30Z", "2024-04-01T00:00Z"}},
        // Europe/Paris: 2024-10-27 03:00 CEST -> 02:00 CET (01:00 UTC); 02:xx happens twice.
        CronCase{.name = "paris_fold_fires_at_the_first_occurrence",
                 .schedule = "30 2 * * *",
                 .zone = "Europe/Paris",
                 .after = "2024-10-26T12:00:00Z",
                 .expected = {"2024-10-27T00:30Z", "2024-10-28T01:30Z"}},
        CronCase{.name = "paris_fold_does_not_repeat_minutes",
                 .schedule = "*/30 * * * *",
                 .zone = "Europe/Paris",
                 .after = "2024-10-27T00:00:00Z",
                 .expected = {"2024-10-27T00:30Z", "2024-10-27T02:00Z", "2024-10-27T02:30Z"}},
        CronCase{.name = "paris_after_inside_the_second_pass",
                 .schedule = "*/30 * * * *",
                 .zone = "Europe/Paris",
                 .after = "2024-10-27T01:10:00Z",
                 .expected = {"2024-10-27T02:00Z"}},
        // America/New_York: 2024-03-10 02:00 EST -> 03:00 EDT (07:00 UTC); 2024-11-03 02:00
        // EDT -> 01:00 EST (06:00 UTC).
        CronCase{.name = "new_york_gap",
                 .schedule = "30 2 * * *",
                 .zone = "America/New_York",
                 .after = "2024-03-09T12:00:00Z",
                 .expected = {"2024-03-10T07:00Z", "2024-03-11T06:30Z"}},
        CronCase{.name = "new_york_fold",
                 .schedule = "30 1 * * *",
                 .zone = "America/New_York",
                 .after = "2024-11-02T12:00:00Z",
                 .expected = {"2024-11-03T05:30Z", "2024-11-04T06:30Z"}},
        CronCase{.name = "new_york_hourly_across_the_fold",
                 .schedule = "0 * * * *",
                 .zone = "America/New_York",
                 .after = "2024-11-03T04:30:00Z",
                 .expected = {"2024-11-03T05:00Z", "2024-11-03T07:00Z", "2024-11-03T08:00Z"}},
        CronCase{.name = "new_york_weekdays_9am",
                 .schedule = "0 9 * * 1-5",
                 .zone = "America/New_York",
                 .after = "2024-03-08T15:00:00Z",  // Friday 10:00 EST
                 .expected = {"2024-03-11T13:00Z", "2024-03-12T13:00Z"}}),
    [](const testing::TestParamInfo<CronCase>& param_info) { return param_info.param.name; });

TEST(CronParseTest, Fields) {
  Parsed<CronSchedule> parsed = ParseCron("0,30 8-10 */10 feb 7");
  ASSERT_TRUE(parsed.ok());
  const CronSchedule& s = *parsed.value;
  EXPECT_EQ(s.minutes.count(), 2u);
  EXPECT_TRUE(s.minutes[0] && s.minutes[30]);
  EXPECT_EQ(s.hours.count(), 3u);
  EXPECT_TRUE(s.days[1] && s.days[11] && s.days[21] && s.days[31]);
  EXPECT_EQ(s.days.count(), 4u);
  EXPECT_TRUE(s.months[2]);
  EXPECT_EQ(s.months.count(), 1u);
  EXPECT_TRUE(s.weekdays[0]);
  EXPECT_EQ(s.weekdays.count(), 1u);
  EXPECT_TRUE(s.days_star);
  EXPECT_FALSE(s.weekdays_star);
}

TEST(TimeZoneTest, UnknownZoneIsAnError) {
  EXPECT_TRUE(LoadTimeZone("Europe/Paris").ok());
  EXPECT_TRUE(LoadTimeZone("UTC").ok());
  Parsed<cctz::time_zone> bad = LoadTimeZone("Mars/Olympus");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error, "unknown time zone `Mars/Olympus`");
  EXPECT_FALSE(LoadTimeZone("").ok());
  EXPECT_FALSE(LoadTimeZone("../../etc/passwd").ok());
}

struct SpecCase {
  std::string name;
  std::string trigger;
  std::string parameters;
  std::string error;  // "" when valid
  int64_t interval_ms = 0;
  std::string payload_schedule;
};

class TimerSpecTest : public testing::TestWithParam<SpecCase> {};

TEST_P(TimerSpecTest, Parses) {
  const SpecCase& c = GetParam();
  Parsed<TimerSpec> spec = ParseTimerSpec(c.trigger, c.parameters);
  if (!c.error.empty()) {
    ASSERT_FALSE(spec.ok());
    EXPECT_EQ(spec.error, c.error);
    return;
  }
  ASSERT_TRUE(spec.ok()) << spec.error;
  if (c.interval_ms != 0) {
    EXPECT_EQ(spec.value->kind, TimerSpec::Kind::kInterval);
    EXPECT_EQ(spec.value->interval.count(), c.interval_ms);
  }
  EXPECT_EQ(spec.value->payload_schedule_json, c.payload_schedule);
}

INSTANTIATE_TEST_SUITE_P(
    Timers, TimerSpecTest,
    testing::Values(
        SpecCase{.name = "every_5m",
                 .trigger = "core.timer",
                 .parameters = R"({"delta":5,"unit":"minutes"})",
                 .interval_ms = 300000,
                 .payload_schedule = R"({"delta":5,"unit":"minutes"})"},
        SpecCase{.name = "every_250ms",
                 .trigger = "core.timer",
                 .parameters = R"({"unit":"milliseconds","delta":250})",
                 .interval_ms = 250,
                 .payload_schedule = R"({"delta":250,"unit":"milliseconds"})"},
        SpecCase{.name = "weeks",
                 .trigger = "core.timer",
                 .parameters = R"({"delta":2,"unit":"weeks"})",
                 .interval_ms = 2 * 604800000LL,
                 .payload_schedule = R"({"delta":2,"unit":"weeks"})"},
        SpecCase{.name = "st2_interval",
                 .trigger = "core.st2.IntervalTimer",
                 .parameters = R"({"delta":30,"unit":"seconds","timezone":"UTC"})",
                 .interval_ms = 30000,
                 .payload_schedule = "null"},
        SpecCase{.name = "st2_interval_has_no_milliseconds",
                 .trigger = "core.st2.IntervalTimer",
                 .parameters = R"({"delta":30,"unit":"milliseconds"})",
                 .error = "`unit` `milliseconds` is not a known unit"},
        SpecCase{.name = "zero_delta",
                 .trigger = "core.timer",
                 .parameters = R"({"delta":0,"unit":"seconds"})",
                 .error = "`delta` must be at least 1"},
        SpecCase{.name = "float_delta",
                 .trigger = "core.timer",
                 .parameters = R"({"delta":1.5,"unit":"seconds"})",
                 .error = "`delta` must be an integer"},
        SpecCase{.name = "missing_unit",
                 .trigger = "core.timer",
                 .parameters = R"({"delta":1})",
                 .error = "missing parameter `unit`"},
        SpecCase{.name = "extra_key",
                 .trigger = "core.timer",
                 .parameters = R"({"delta":1,"unit":"seconds","x":1})",
                 .error = "unknown parameter `x`"},
        SpecCase{.name = "huge",
                 .trigger = "core.timer",
                 .parameters = R"({"delta":9223372036854775807,"unit":"weeks"})",
                 .error = "the interval is too long"},
        SpecCase{.name = "bad_json",
                 .trigger = "core.timer",
                 .parameters = "{",
                 .error = "parameters are not valid JSON"},
        SpecCase{.name = "cron",
                 .trigger = "core.cron",
                 .parameters = R"({"schedule":"0 3 * * 1-5","timezone":"Europe/Paris"})",
                 .payload_schedule = R"("0 3 * * 1-5")"},
        SpecCase{.name = "cron_bad_schedule",
                 .trigger = "core.cron",
                 .parameters = R"({"schedule":"0 24 * * *"})",
                 .error = "invalid cron schedule: field 2 (hour): 24 is out of range 0-23"},
        SpecCase{.name = "cron_bad_zone",
                 .trigger = "core.cron",
                 .parameters = R"({"schedule":"0 3 * * *","timezone":"Nowhere/City"})",
                 .error = "unknown time zone `Nowhere/City`"},
        SpecCase{.name = "date",
                 .trigger = "core.st2.DateTimer",
                 .parameters = R"({"date":"2030-12-31 23:59:59"})",
                 .payload_schedule = "null"},
        SpecCase{.name = "bad_date",
                 .trigger = "core.st2.DateTimer",
                 .parameters = R"({"date":"tomorrow"})",
                 .error = "`date` `tomorrow` is not a date like `2030-12-31 23:59:59` or "
                          "`2030-12-31T23:59:59Z`"},
        SpecCase{.name = "apscheduler_cron",
                 .trigger = "core.st2.CronTimer",
                 .parameters = R"({"minute":5})",
                 .error = "`core.st2.CronTimer` is not supported; write `cron \"<schedule>\"` "
                          "(core.cron)"},
        SpecCase{.name = "not_a_timer",
                 .trigger = "core.webhook",
                 .parameters = "{}",
                 .error = "`core.webhook` is not a timer trigger"}),
    [](const testing::TestParamInfo<SpecCase>& param_info) { return param_info.param.name; });

TEST(TimerSpecTest, DateFormsAndZones) {
  struct Case {
    std::string parameters;
    std::string expected;
  } cases[] = {
      {R"({"date":"2030-12-31 23:59:59"})", "2030-12-31T23:59:59.000Z"},
      {R"({"date":"2030-12-31T23:59:59Z"})", "2030-12-31T23:59:59.000Z"},
      {R"({"date":"2030-12-31T23:59:59.250+02:00"})", "2030-12-31T21:59:59.250Z"},
      {R"({"date":"2030-12-31 23:59:59","timezone":"America/New_York"})",
       "2031-01-01T04:59:59.000Z"},
      {R"({"date":"2030-07-01 12:00:00","timezone":"Europe/Paris"})", "2030-07-01T10:00:00.000Z"},
  };
  for (const Case& c : cases) {
    Parsed<TimerSpec> spec = ParseTimerSpec("core.st2.DateTimer", c.parameters);
    ASSERT_TRUE(spec.ok()) << c.parameters << ": " << spec.error;
    EXPECT_EQ(spec.value->kind, TimerSpec::Kind::kOnce);
    EXPECT_EQ(FormatUtc(spec.value->at), c.expected) << c.parameters;
  }
}

TEST(FormatUtcTest, Milliseconds) {
  EXPECT_EQ(FormatUtc(Utc("2024-03-31T01:00:00.123Z")), "2024-03-31T01:00:00.123Z");
  EXPECT_EQ(FormatUtc(Utc("1970-01-01T00:00:00Z")), "1970-01-01T00:00:00.000Z");
}

}  // namespace
}  // namespace squall::sources
