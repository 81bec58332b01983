#include "runtime/sources/timer_source.h"

#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "runtime/sources/event_queue.h"

namespace squall::sources {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

WallTime Utc(const std::string& text) {
  WallTime at;
  EXPECT_TRUE(cctz::parse("%Y-%m-%dT%H:%M:%SZ", text, cctz::utc_time_zone(), &at)) << text;
  return at;
}

// The events queued now (the timer thread is idle: everything due was pushed).
std::vector<SourceEvent> Drain(EventQueue& queue) {
  std::vector<SourceEvent> out;
  queue.PopBatch(out, 1000, std::chrono::steady_clock::now());
  return out;
}

nlohmann::json Payload(const SourceEvent& event) {
  return nlohmann::json::parse(event.payload_json);
}

class TimerSourceTest : public testing::Test {
 protected:
  // Advances the fake clock and waits until the timer thread has caught up.
  std::vector<SourceEvent> AdvanceAndDrain(std::chrono::nanoseconds delta) {
    clock_.Advance(delta);
    EXPECT_TRUE(timers_.WaitIdle(seconds(10)));
    return Drain(queue_);
  }

  FakeClock clock_{Utc("2024-03-30T23:00:00Z")};
  EventQueue queue_;
  TimerSource timers_{queue_, clock_};
};

TEST_F(TimerSourceTest, IntervalFiresEveryIntervalWithItsPayload) {
  const std::string parameters = R"({"delta":5,"unit":"minutes"})";
  EXPECT_TRUE(timers_.Replace({{.trigger = "core.timer", .parameters_json = parameters}}).empty());
  timers_.Start();
  ASSERT_TRUE(timers_.WaitIdle(seconds(10)));
  EXPECT_TRUE(Drain(queue_).empty());
  EXPECT_TRUE(AdvanceAndDrain(minutes(4) + seconds(59)).empty());
  std::vector<SourceEvent> events = AdvanceAndDrain(seconds(1));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].trigger, "core.timer");
  EXPECT_EQ(events[0].parameters_json, parameters);
  EXPECT_EQ(events[0].source, "timer:core.timer");
  EXPECT_EQ(events[0].external_id, "");
  EXPECT_EQ(Payload(events[0]), nlohmann::json::parse(R"({"executed_at":"2024-03-30T23:05:00.000Z",
                                      "schedule":{"delta":5,"unit":"minutes"}})"));
  EXPECT_EQ(events[0].received_at_ms,
            std::chrono::duration_cast<milliseconds>(Utc("2024-03-30T23:05:00Z").time_since_epoch())
                .count());
  EXPECT_EQ(AdvanceAndDrain(minutes(5)).size(), 1u);
  // Held up for 12 minutes: the missed ticks collapse into one, and the phase is kept.
  EXPECT_EQ(AdvanceAndDrain(minutes(12)).size(), 1u);  // at 23:22 (ticks 23:15, 23:20)
  EXPECT_TRUE(AdvanceAndDrain(minutes(2) + seconds(59)).empty());
  EXPECT_EQ(AdvanceAndDrain(seconds(1)).size(), 1u);  // 23:25
  EXPECT_EQ(timers_.fired(), 4u);
}

TEST_F(TimerSourceTest, EqualInstancesAreMerged) {
  std::vector<TimerError> errors = timers_.Replace(
      {{.trigger = "core.timer", .parameters_json = R"({"delta":1,"unit":"hours"})"},
       {.trigger = "core.timer", .parameters_json = R"({"unit":"hours","delta":1})"},
       {.trigger = "core.timer", .parameters_json = R"({"delta":0,"unit":"hours"})"}});
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].index, 2u);
  EXPECT_EQ(errors[0].error, "`delta` must be at least 1");
  EXPECT_EQ(timers_.Scheduled().size(), 1u);
  timers_.Start();
  EXPECT_EQ(AdvanceAndDrain(hours(1)).size(), 1u);
}

TEST_F(TimerSourceTest, ReplaceKeepsThePhaseOfUnchangedInstances) {
  const TimerInstance every_10m{.trigger = "core.timer",
                                .parameters_json = R"({"delta":10,"unit":"minutes"})"};
  timers_.Replace({every_10m});
  timers_.Start();
  EXPECT_TRUE(AdvanceAndDrain(minutes(7)).empty());
  // Reload at 23:07 with one more instance: every_10m still fires at 23:10, the new 1-minute
  // timer one minute after it was added.
  const TimerInstance every_1m{.trigger = "core.st2.IntervalTimer",
                               .parameters_json = R"({"delta":1,"unit":"minutes"})"};
  EXPECT_TRUE(timers_.Replace({every_10m, every_1m}).empty());
  ASSERT_TRUE(timers_.WaitIdle(seconds(10)));
  std::vector<SourceEvent> events = AdvanceAndDrain(minutes(1));  // 23:08
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].trigger, "core.st2.IntervalTimer");
  EXPECT_EQ(Payload(events[0])["schedule"], nullptr);
  EXPECT_EQ(AdvanceAndDrain(minutes(1)).size(), 1u);  // 23:09
  events = AdvanceAndDrain(minutes(1));               // 23:10
  ASSERT_EQ(events.size(), 2u);
  // Dropping the 10-minute timer: it fires no more.
  timers_.Replace({every_1m});
  ASSERT_TRUE(timers_.WaitIdle(seconds(10)));
  EXPECT_EQ(AdvanceAndDrain(minutes(10)).size(), 1u);  // the 1-minute timer, collapsed
  // Re-adding it starts a new phase: 10 minutes from now.
  timers_.Replace({every_10m});
  ASSERT_TRUE(timers_.WaitIdle(seconds(10)));
  EXPECT_TRUE(AdvanceAndDrain(minutes(9)).empty());
  EXPECT_EQ(AdvanceAndDrain(minutes(1)).size(), 1u);
}

TEST_F(TimerSourceTest, CronFiresOnTheWallClockAcrossDst) {
  // Europe/Paris springs forward at 2024-03-31T01:00Z: 02:30 local does not exist that day.
  const std::string parameters = R"({"schedule":"30 2 * * *","timezone":"Europe/Paris"})";
  EXPECT_TRUE(
      timers_
          .Replace(
              {{.trigger = "core.cron", .parameters_json = parameters, .source = "timer:nightly"}})
          .empty());
  std::vector<ScheduledTimer> scheduled = timers_.Scheduled();
  ASSERT_EQ(scheduled.size(), 1u);
  EXPECT_EQ(FormatUtc(scheduled[0].next), "2024-03-31T01:00:00.000Z");
  timers_.Start();
  EXPECT_TRUE(AdvanceAndDrain(hours(1) + minutes(59)).empty());   // 00:59Z
  std::vector<SourceEvent> events = AdvanceAndDrain(minutes(1));  // 01:00Z
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].source, "timer:nightly");
  EXPECT_EQ(Payload(events[0]), nlohmann::json::parse(R"({"executed_at":"2024-03-31T01:00:00.000Z",
                                      "schedule":"30 2 * * *","timezone":"Europe/Paris"})"));
  EXPECT_TRUE(AdvanceAndDrain(hours(23)).empty());  // 2024-04-01T00:00Z
  events = AdvanceAndDrain(minutes(30));            // 00:30Z = 02:30 CEST
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(Payload(events[0])["executed_at"], "2024-04-01T00:30:00.000Z");
}

TEST_F(TimerSourceTest, CronWallClockStepForwardFiresOnce) {
  timers_.Replace({{.trigger = "core.cron", .parameters_json = R"({"schedule":"*/10 * * * *"})"}});
  timers_.Start();
  ASSERT_TRUE(timers_.WaitIdle(seconds(10)));
  clock_.SetWall(Utc("2024-03-31T00:35:00Z"));  // an hour and a half later
  ASSERT_TRUE(timers_.WaitIdle(seconds(10)));
  std::vector<SourceEvent> events = Drain(queue_);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(Payload(events[0])["executed_at"], "2024-03-30T23:10:00.000Z");
  EXPECT_TRUE(AdvanceAndDrain(minutes(4)).empty());
  EXPECT_EQ(AdvanceAndDrain(minutes(1)).size(), 1u);  // 00:40
}

TEST_F(TimerSourceTest, DateTimerFiresOnce) {
  timers_.Replace(
      {{.trigger = "core.st2.DateTimer", .parameters_json = R"({"date":"2024-03-31T00:00:00Z"})"},
       {.trigger = "core.st2.DateTimer",
        .parameters_json = R"({"date":"2020-01-01 00:00:00"})"}});  // past: never
  timers_.Start();
  std::vector<SourceEvent> events = AdvanceAndDrain(hours(1));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(Payload(events[0])["executed_at"], "2024-03-31T00:00:00.000Z");
  EXPECT_TRUE(AdvanceAndDrain(hours(1000)).empty());
}

TEST_F(TimerSourceTest, StopUnblocksAFullSink) {
  EventQueue small(EventQueueOptions{.max_events = 1});
  TimerSource timers(small, clock_);
  timers.Replace({{.trigger = "core.timer", .parameters_json = R"({"delta":1,"unit":"seconds"})"},
                  {.trigger = "core.timer", .parameters_json = R"({"delta":2,"unit":"seconds"})"}});
  timers.Start();
  clock_.Advance(seconds(2));  // two events due, room for one
  while (small.blocked_pushes() == 0) std::this_thread::sleep_for(milliseconds(1));
  const auto start = std::chrono::steady_clock::now();
  timers.Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, seconds(1));
  EXPECT_EQ(timers.fired(), 1u);
}

TEST(TimerSourceRealClockTest, FiresEvery100Milliseconds) {
  EventQueue queue;
  TimerSource timers(queue);
  timers.Replace(
      {{.trigger = "core.timer", .parameters_json = R"({"delta":100,"unit":"milliseconds"})"}});
  const auto start = std::chrono::steady_clock::now();
  timers.Start();
  std::vector<SourceEvent> events;
  while (events.size() < 3) {
    ASSERT_GT(queue.PopBatch(events, 3, std::chrono::steady_clock::now() + seconds(10)), 0u);
  }
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_GE(elapsed, milliseconds(300));
  EXPECT_LT(elapsed, seconds(5));
  const auto stop_start = std::chrono::steady_clock::now();
  timers.Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - stop_start, seconds(1));
  EXPECT_EQ(Payload(events[2])["schedule"]["unit"], "milliseconds");
}

}  // namespace
}  // namespace squall::sources
