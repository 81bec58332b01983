#include "compiler/st2import/cron.h"

#include <gtest/gtest.h>

namespace squall::st2import {
namespace {

struct CronCase {
  std::map<std::string, std::string> fields;
  std::string schedule;  // empty: not convertible
  std::string timezone = {};
};

class CronTest : public testing::TestWithParam<CronCase> {};

TEST_P(CronTest, Converts) {
  CronResult result = ConvertCronTimer(GetParam().fields);
  if (GetParam().schedule.empty()) {
    EXPECT_FALSE(result.problem.empty()) << result.schedule;
    return;
  }
  EXPECT_EQ(result.problem, "");
  EXPECT_EQ(result.schedule, GetParam().schedule);
  EXPECT_EQ(result.timezone, GetParam().timezone);
}

INSTANTIATE_TEST_SUITE_P(
    Table, CronTest,
    testing::Values(
        // APScheduler: fields below the least significant given one take their minimum.
        CronCase{{{"hour", "3"}}, "0 3 * * *"}, CronCase{{{"minute", "*/5"}}, "*/5 * * * *"},
        CronCase{{{"day_of_week", "0-4"}, {"hour", "9"}, {"minute", "30"}}, "30 9 * * mon-fri"},
        CronCase{{{"day_of_week", "6"}}, "0 0 * * sun"},
        CronCase{{{"day_of_week", "mon,WED"}}, "0 0 * * mon,wed"},
        CronCase{{{"day_of_week", "*"}, {"minute", "0"}}, "0 * * * *"},
        CronCase{{{"day_of_week", "*/2"}}, ""}, CronCase{{{"month", "6"}}, "0 0 1 6 *"},
        CronCase{{{"second", "0"}}, "* * * * *"},
        CronCase{{{"hour", "3"}, {"timezone", "Europe/Paris"}}, "0 3 * * *", "Europe/Paris"},
        CronCase{{}, "0 0 1 1 *"}, CronCase{{{"second", "30"}}, ""},
        CronCase{{{"year", "2030"}}, ""}, CronCase{{{"week", "5"}}, ""},
        CronCase{{{"day", "last"}}, ""}, CronCase{{{"day_of_week", "7"}}, ""},
        CronCase{{{"minutes", "5"}}, ""},
        // APScheduler ANDs `day` and `day_of_week`; cron ORs them unless one starts with `*`.
        CronCase{{{"day", "1"}, {"day_of_week", "mon"}}, ""},
        CronCase{{{"day", "1-7"}, {"day_of_week", "0"}, {"hour", "9"}}, ""},
        CronCase{{{"day", "*/2"}, {"day_of_week", "mon"}}, "0 0 */2 * mon"},
        CronCase{{{"day", "15"}, {"day_of_week", "*"}}, "0 0 15 * *"}));

TEST(CronTest, BothDayFieldsRestrictedSaysWhy) {
  CronResult result = ConvertCronTimer({{"day", "1-7"}, {"day_of_week", "fri"}});
  EXPECT_EQ(result.schedule, "");
  EXPECT_NE(result.problem.find("both `day: 1-7` and `day_of_week: fri`"), std::string::npos)
      << result.problem;
}

}  // namespace
}  // namespace squall::st2import
