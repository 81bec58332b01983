#include "runtime/metrics/metrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <thread>
#include <vector>

namespace squall::metrics {
namespace {

TEST(MetricsTest, GoldenRendering) {
  Registry registry;
  auto& events = registry.AddCounter("squall_events_total", "Events accepted.", {"source"});
  auto& queue = registry.AddGauge("squall_queue_depth", "Events waiting.");
  auto& latency =
      registry.AddHistogram("squall_action_seconds", "Action run time.", {0.1, 0.5, 1}, {"action"});
  events.With({"webhook"}).Inc();
  events.With({"webhook"}).Inc(2);
  events.With({"cron"}).Inc(0.5);
  queue.With({}).Set(7);
  auto& run = latency.With({"core.local"});
  run.Observe(0.05);
  run.Observe(0.5);
  run.Observe(3);
  EXPECT_EQ(registry.Render(),
            "# HELP squall_action_seconds Action run time.\n"
            "# TYPE squall_action_seconds histogram\n"
            "squall_action_seconds_bucket{action=\"core.local\",le=\"0.1\"} 1\n"
            "squall_action_seconds_bucket{action=\"core.local\",le=\"0.5\"} 2\n"
            "squall_action_seconds_bucket{action=\"core.local\",le=\"1\"} 2\n"
            "squall_action_seconds_bucket{action=\"core.local\",le=\"+Inf\"} 3\n"
            "squall_action_seconds_sum{action=\"core.local\"} 3.55\n"
            "squall_action_seconds_count{action=\"core.local\"} 3\n"
            "# HELP squall_events_total Events accepted.\n"
            "# TYPE squall_events_total counter\n"
            "squall_events_total{source=\"cron\"} 0.5\n"
            "squall_events_total{source=\"webhook\"} 3\n"
            "# HELP squall_queue_depth Events waiting.\n"
            "# TYPE squall_queue_depth gauge\n"
            "squall_queue_depth 7\n");
}

TEST(MetricsTest, UnlabeledFamiliesRenderZeroAndLabeledEmptyOnesAreOmitted) {
  Registry registry;
  registry.AddCounter("a_total", "A.");
  registry.AddCounter("b_total", "B.", {"rule"});
  registry.AddHistogram("c_seconds", "C.", {1});
  EXPECT_EQ(registry.Render(),
            "# HELP a_total A.\n# TYPE a_total counter\na_total 0\n"
            "# HELP c_seconds C.\n# TYPE c_seconds histogram\n"
            "c_seconds_bucket{le=\"1\"} 0\nc_seconds_bucket{le=\"+Inf\"} 0\n"
            "c_seconds_sum 0\nc_seconds_count 0\n");
}

TEST(MetricsTest, EscapesLabelValuesAndHelp) {
  Registry registry;
  auto& family = registry.AddCounter("x_total", "Line one\\two\nthree \"q\"", {"rule"});
  family.With({"a\\b\"c\nd"}).Inc();
  EXPECT_EQ(registry.Render(),
            "# HELP x_total Line one\\\\two\\nthree \"q\"\n"
            "# TYPE x_total counter\n"
            "x_total{rule=\"a\\\\b\\\"c\\nd\"} 1\n");
}

TEST(MetricsTest, FormatsSpecialValues) {
  EXPECT_EQ(FormatValue(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(FormatValue(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(FormatValue(std::nan("")), "NaN");
  EXPECT_EQ(FormatValue(0), "0");
  EXPECT_EQ(FormatValue(-2.5), "-2.5");
  EXPECT_EQ(FormatValue(0.1), "0.1");
  EXPECT_EQ(FormatValue(1e21), "1e+21");
  EXPECT_EQ(FormatValue(123456789), "123456789");
  Registry registry;
  auto& gauge = registry.AddGauge("g", "G.");
  gauge.With({}).Set(std::numeric_limits<double>::infinity());
  EXPECT_EQ(registry.Render(), "# HELP g G.\n# TYPE g gauge\ng +Inf\n");
}

TEST(MetricsTest, HistogramValueEqualToBoundCountsInThatBucket) {
  Histogram histogram({1, 2, 5});
  for (double value : {0.0, 1.0, 1.0000001, 2.0, 5.0, 5.1, -3.0}) histogram.Observe(value);
  EXPECT_EQ(histogram.BucketCounts(), (std::vector<uint64_t>{3, 2, 1, 1}));
  EXPECT_EQ(histogram.Count(), 7u);
}

TEST(MetricsTest, CounterIgnoresNegativeAndGaugeGoesBothWays) {
  Registry registry;
  Counter& counter = registry.AddCounter("c_total", "C.").With({});
  counter.Inc(-5);
  EXPECT_EQ(counter.Value(), 0);
  Gauge& gauge = registry.AddGauge("g", "G.").With({});
  gauge.Inc(3);
  gauge.Dec(5);
  EXPECT_EQ(gauge.Value(), -2);
}

TEST(MetricsTest, WithReturnsStableChildrenAndReRegistrationSharesTheFamily) {
  Registry registry;
  auto& family = registry.AddCounter("r_total", "R.", {"rule"});
  Counter* first = &family.With({"rule_a"});
  for (int i = 0; i < 100; ++i) family.With({"rule_" + std::to_string(i)});
  EXPECT_EQ(first, &family.With({"rule_a"}));
  EXPECT_EQ(first, &family.With(std::vector<std::string>{"rule_a"}));
  EXPECT_EQ(&family, &registry.AddCounter("r_total", "R.", {"rule"}));
}

TEST(MetricsDeathTest, MisuseAborts) {
  Registry registry;
  auto& family = registry.AddCounter("d_total", "D.", {"rule"});
  EXPECT_DEATH(family.With({"a", "b"}), "2 label values for 1 label names");
  EXPECT_DEATH(registry.AddGauge("d_total", "D.", {"rule"}), "registered twice");
  EXPECT_DEATH(registry.AddCounter("9bad", "B."), "invalid metric name");
  EXPECT_DEATH(registry.AddHistogram("h", "H.", {1}, {"le"}), "invalid label name");
  EXPECT_DEATH(registry.AddHistogram("h", "H.", {2, 1}), "strictly increasing");
}

TEST(MetricsTest, ConcurrentIncrementsAreNotLost) {
  Registry registry;
  auto& counters = registry.AddCounter("hits_total", "Hits.", {"rule"});
  auto& histograms = registry.AddHistogram("lat", "Lat.", {1, 10}, {"rule"});
  constexpr int kThreads = 8;
  constexpr int kPerThread = 20000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        std::string rule = "rule_" + std::to_string(i % 4);
        counters.With({rule}).Inc();
        histograms.With({rule}).Observe(t);
        if (i % 1000 == 0) (void)registry.Render();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  double total = 0;
  uint64_t observed = 0;
  counters.ForEach([&](const std::vector<std::string>&, const Counter& c) { total += c.Value(); });
  histograms.ForEach(
      [&](const std::vector<std::string>&, const Histogram& h) { observed += h.Count(); });
  EXPECT_EQ(total, kThreads * kPerThread);
  EXPECT_EQ(observed, uint64_t{kThreads} * kPerThread);
  // Values 0 and 1 are <= 1; 2..7 are <= 10.
  EXPECT_EQ(histograms.With({"rule_0"}).BucketCounts(),
            (std::vector<uint64_t>{2 * kPerThread / 4, 6 * kPerThread / 4, 0}));
}

}  // namespace
}  // namespace squall::metrics
