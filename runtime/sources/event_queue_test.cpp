#include "runtime/sources/event_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

namespace squall::sources {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

SourceEvent Event(int n, size_t payload_bytes = 10) {
  return SourceEvent{.trigger = "t",
                     .payload_json = std::string(payload_bytes, 'x'),
                     .source = "test",
                     .external_id = std::to_string(n)};
}

TEST(EventQueueTest, FifoBatches) {
  EventQueue queue;
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(queue.Push(Event(i), {}));
  EXPECT_EQ(queue.depth(), 5u);
  std::vector<SourceEvent> out;
  EXPECT_EQ(queue.PopBatch(out, 3, steady_clock::now()), 3u);
  EXPECT_EQ(queue.PopBatch(out, 10, steady_clock::now()), 2u);
  ASSERT_EQ(out.size(), 5u);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(out[static_cast<size_t>(i)].external_id, std::to_string(i));
  EXPECT_EQ(queue.depth(), 0u);
  EXPECT_EQ(queue.bytes(), 0u);
  EXPECT_EQ(queue.pushed_total(), 5u);
}

TEST(EventQueueTest, PopTimesOutWhenEmpty) {
  EventQueue queue;
  std::vector<SourceEvent> out;
  const auto start = steady_clock::now();
  EXPECT_EQ(queue.PopBatch(out, 10, start + milliseconds(50)), 0u);
  EXPECT_GE(steady_clock::now() - start, milliseconds(50));
}

TEST(EventQueueTest, PopWakesOnPush) {
  EventQueue queue;
  std::thread producer([&] {
    std::this_thread::sleep_for(milliseconds(20));
    queue.Push(Event(1), {});
  });
  std::vector<SourceEvent> out;
  EXPECT_EQ(queue.PopBatch(out, 10, steady_clock::now() + std::chrono::seconds(10)), 1u);
  producer.join();
}

TEST(EventQueueTest, ProducerBlocksWhenFullAndResumesAfterPop) {
  EventQueue queue(EventQueueOptions{.max_events = 2});
  ASSERT_TRUE(queue.Push(Event(0), {}));
  ASSERT_TRUE(queue.Push(Event(1), {}));
  SourceEvent spare = Event(9);
  EXPECT_FALSE(queue.TryPush(spare));
  std::atomic<bool> pushed{false};
  std::thread producer([&] {
    EXPECT_TRUE(queue.Push(Event(2), {}));
    pushed = true;
  });
  // The producer is blocked until there is room: wait until it has registered as blocked.
  while (queue.blocked_pushes() == 0) std::this_thread::yield();
  EXPECT_FALSE(pushed);
  EXPECT_EQ(queue.depth(), 2u);
  std::vector<SourceEvent> out;
  ASSERT_EQ(queue.PopBatch(out, 1, steady_clock::now()), 1u);
  producer.join();
  EXPECT_TRUE(pushed);
  out.clear();
  queue.PopBatch(out, 10, steady_clock::now());
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].external_id, "1");
  EXPECT_EQ(out[1].external_id, "2");
}

TEST(EventQueueTest, ByteCapacity) {
  const size_t one = Event(0, 1000).ByteSize();
  EventQueue queue(EventQueueOptions{.max_events = 100, .max_bytes = one * 2});
  ASSERT_TRUE(queue.Push(Event(0, 1000), {}));
  ASSERT_TRUE(queue.Push(Event(1, 1000), {}));
  SourceEvent third = Event(2, 1000);
  EXPECT_FALSE(queue.TryPush(third));
  EXPECT_EQ(queue.bytes(), one * 2);
  // An event bigger than the whole capacity still goes in when the queue is empty.
  std::vector<SourceEvent> out;
  queue.PopBatch(out, 10, steady_clock::now());
  SourceEvent huge = Event(3, one * 10);
  EXPECT_TRUE(queue.TryPush(huge));
}

TEST(EventQueueTest, StopTokenUnblocksAProducer) {
  EventQueue queue(EventQueueOptions{.max_events = 1});
  ASSERT_TRUE(queue.Push(Event(0), {}));
  std::stop_source stop;
  auto result =
      std::async(std::launch::async, [&] { return queue.Push(Event(1), stop.get_token()); });
  while (queue.blocked_pushes() == 0) std::this_thread::yield();
  stop.request_stop();
  EXPECT_FALSE(result.get());
  EXPECT_EQ(queue.depth(), 1u);
}

TEST(EventQueueTest, CloseUnblocksProducersAndDrains) {
  EventQueue queue(EventQueueOptions{.max_events = 1});
  ASSERT_TRUE(queue.Push(Event(0), {}));
  auto result = std::async(std::launch::async, [&] { return queue.Push(Event(1), {}); });
  while (queue.blocked_pushes() == 0) std::this_thread::yield();
  queue.Close();
  EXPECT_FALSE(result.get());
  EXPECT_FALSE(queue.Push(Event(2), {}));
  std::vector<SourceEvent> out;
  EXPECT_EQ(queue.PopBatch(out, 10, steady_clock::now() + std::chrono::seconds(10)), 1u);
  // Closed and drained: returns at once.
  const auto start = steady_clock::now();
  EXPECT_EQ(queue.PopBatch(out, 10, start + std::chrono::seconds(10)), 0u);
  EXPECT_LT(steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(EventQueueTest, ManyProducersOneConsumer) {
  EventQueue queue(EventQueueOptions{.max_events = 16});
  constexpr int kProducers = 4;
  constexpr int kEach = 2000;
  std::vector<std::thread> producers;
  for (int p = 0; p < kProducers; ++p) {
    producers.emplace_back([&, p] {
      for (int i = 0; i < kEach; ++i) ASSERT_TRUE(queue.Push(Event(p * kEach + i), {}));
    });
  }
  std::vector<SourceEvent> out;
  std::vector<int> last(kProducers, -1);
  while (out.size() < kProducers * kEach) {
    const size_t before = out.size();
    queue.PopBatch(out, 7, steady_clock::now() + std::chrono::seconds(10));
    ASSERT_GT(out.size(), before);
    EXPECT_LE(queue.depth(), 16u);
  }
  for (auto& t : producers) t.join();
  // Each producer's events arrive in order.
  for (const SourceEvent& e : out) {
    const int n = std::stoi(e.external_id);
    EXPECT_GT(n % kEach, last[static_cast<size_t>(n / kEach)]);
    last[static_cast<size_t>(n / kEach)] = n % kEach;
  }
}

}  // namespace
}  // namespace squall::sources
