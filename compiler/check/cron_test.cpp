#include "compiler/check/cron.h"

#include <gtest/gtest.h>

namespace squall::check {
namespace {

struct CronCase {
  std::string schedule;
  std::string error;  // empty: valid
};

class CronTest : public testing::TestWithParam<CronCase> {};

TEST_P(CronTest, Validates) {
  EXPECT_EQ(ValidateCron(GetParam().schedule).value_or(""), GetParam().error)
      << GetParam().schedule;
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
                    CronCase{"1,,2 * * * *", "field 1 (minute): empty list item"}));

}  // namespace
}  // namespace squall::check
