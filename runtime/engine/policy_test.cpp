// EvaluatedPolicy's JSON form, the retry delay schedule and throttle windows.
#include "runtime/engine/policy.h"

#include <gtest/gtest.h>

#include "runtime/engine/throttle.h"

namespace squall::engine {
namespace {

TEST(PolicyJson, RoundTripsEveryField) {
  EvaluatedPolicy policy;
  policy.call = 1;
  policy.step = 7;
  policy.retry = RetryPolicy{
      .count = 3, .every_ms = 10000, .backoff = 2.5, .up_to_ms = 60000, .has_when = true};
  policy.timeout_ms = 120000;
  policy.concurrency = 2;
  policy.concurrency_key = "web1";
  policy.throttle = 1;
  policy.throttle_period_ms = 600000;
  policy.throttle_key = "alice";
  std::string error;
  std::optional<EvaluatedPolicy> back = PolicyFromJson(PolicyToJson(policy), &error);
  ASSERT_TRUE(back) << error;
  EXPECT_EQ(*back, policy);
}

TEST(PolicyJson, EmptyPolicyIsAnEmptyObject) {
  EXPECT_EQ(PolicyToJson(EvaluatedPolicy{}), "{}");
  std::string error;
  EXPECT_EQ(PolicyFromJson("{}", &error), EvaluatedPolicy{});
}

TEST(PolicyJson, RejectsMalformedText) {
  for (std::string_view text : {"", "[]", "{\"retry\":{\"count\":\"x\"}}", "{\"retry\":{}}"}) {
    std::string error;
    EXPECT_FALSE(PolicyFromJson(text, &error)) << text;
    EXPECT_FALSE(error.empty()) << text;
  }
}

struct DelayCase {
  RetryPolicy retry;
  int retry_number;
  int64_t expected_ms;
};

class RetryDelay : public testing::TestWithParam<DelayCase> {};

TEST_P(RetryDelay, FollowsEveryBackoffAndCap) {
  EXPECT_EQ(RetryDelayMs(GetParam().retry, GetParam().retry_number), GetParam().expected_ms);
}

INSTANTIATE_TEST_SUITE_P(
    Schedules, RetryDelay,
    testing::Values(DelayCase{{.count = 3, .every_ms = 10000}, 1, 10000},
                    DelayCase{{.count = 3, .every_ms = 10000}, 3, 10000},
                    DelayCase{{.count = 3, .every_ms = 10000, .backoff = 2}, 1, 10000},
                    DelayCase{{.count = 3, .every_ms = 10000, .backoff = 2}, 2, 20000},
                    DelayCase{{.count = 3, .every_ms = 10000, .backoff = 2}, 3, 40000},
                    DelayCase{
                        {.count = 9, .every_ms = 1000, .backoff = 2, .up_to_ms = 5000}, 4, 5000},
                    DelayCase{{.count = 1, .every_ms = 0}, 1, 0},
                    // Never more than a day, however large the factor.
                    DelayCase{{.count = 50, .every_ms = 1000, .backoff = 10}, 40, 86400000}));

TEST(Throttle, AdmitsLimitPerWindowPerKey) {
  ThrottleWindows windows;
  EXPECT_TRUE(windows.Admit("r", "alice", 1000, 2, 60000));
  EXPECT_TRUE(windows.Admit("r", "alice", 2000, 2, 60000));
  EXPECT_FALSE(windows.Admit("r", "alice", 3000, 2, 60000));
  EXPECT_TRUE(windows.Admit("r", "bob", 3000, 2, 60000));     // another key
  EXPECT_TRUE(windows.Admit("r2", "alice", 3000, 2, 60000));  // another rule
  // The first admission leaves the window after 60 s.
  EXPECT_TRUE(windows.Admit("r", "alice", 61001, 2, 60000));
  EXPECT_FALSE(windows.Admit("r", "alice", 61002, 2, 60000));
}

TEST(Throttle, RecordedEnforcementsCountAfterARestart) {
  ThrottleWindows windows;
  windows.Record("r", "", 5000);
  EXPECT_FALSE(windows.Admit("r", "", 6000, 1, 10000));
  EXPECT_TRUE(windows.Admit("r", "", 15001, 1, 10000));
}

TEST(Throttle, ExpireDropsIdleWindows) {
  ThrottleWindows windows;
  windows.Admit("r", "a", 1000, 1, 10);
  windows.Admit("r", "b", 5000, 1, 10);
  windows.Expire(2000);
  EXPECT_EQ(windows.size(), 1u);
}

}  // namespace
}  // namespace squall::engine
