#include "compiler/cron/cron.h"

#include <gtest/gtest.h>

namespace squall::cron {
namespace {

struct CronCase {
  std::string schedule;
  std::string error;  // empty: valid
};

class CronTest : public testing::TestWithParam<CronCase> {};

TEST_P(CronTest, Parses) {
  std::string error;
  std::optional<Schedule> schedule = Parse(GetParam().schedule, &error);
  EXPECT_EQ(error, GetParam().error) << GetParam().schedule;
  EXPECT_EQ(schedule.has_value(), GetParam().error.empty()) << GetParam().schedule;
}

INSTANTIATE_TEST_SUITE_P(
    Cron, CronTest,
    testing::Values(CronCase{"0 3 * * 1-5", ""}, CronCase{"*/5 * * * *", ""},
                    CronCase{"0,30 8-18/2 1 jan-mar MON", ""}, CronCase{"  0  0 * * 7 ", ""},
                    CronCase{"0 3 * *",
                             "expected 5 fields (minute hour day-of-month month day-of-week), "
                             "found 4"},
                    CronCase{"60 * * * *", "field 1 (minute): 60 is out of range 0-59"},
                    CronCase{"0 24 * * *", "field 2 (hour): 24 is out of range 0-23"},
                    CronCase{"0 0 0 * *", "field 3 (day of month): 0 is out of range 1-31"},
                    CronCase{"0 0 * foo *", "field 4 (month): `foo` is not a number or name"},
                    CronCase{"0 0 * * 5-1", "field 5 (day of week): range `5-1` goes backwards"},
                    CronCase{"*/0 * * * *", "field 1 (minute): step `0` must be a positive number"},
                    CronCase{"1,,2 * * * *", "field 1 (minute): empty list item"},
                    CronCase{"5/10 * * * *", ""}, CronCase{"0 0 * * 0-7", ""},
                    CronCase{"* * * * 8", "field 5 (day of week): 8 is out of range 0-7"},
                    CronCase{"*/x * * * *", "field 1 (minute): step `x` must be a positive number"},
                    CronCase{"",
                             "expected 5 fields (minute hour day-of-month month day-of-week), "
                             "found 0"},
                    CronCase{"0 0 * dec-jan *",
                             "field 4 (month): range `dec-jan` goes backwards"}));

TEST(CronFieldsTest, SundayIsZeroAndSeven) {
  std::string error;
  std::optional<Schedule> s = Parse("0,30 8-10 */10 feb 7", &error);
  ASSERT_TRUE(s) << error;
  EXPECT_TRUE(s->minutes[0] && s->minutes[30]);
  EXPECT_EQ(s->hours.count(), 3u);
  EXPECT_TRUE(s->days[1] && s->days[11] && s->days[21] && s->days[31]);
  EXPECT_TRUE(s->months[2]);
  EXPECT_TRUE(s->weekdays[0]);
  EXPECT_TRUE(s->days_star);
  EXPECT_FALSE(s->weekdays_star);
}

}  // namespace
}  // namespace squall::cron
