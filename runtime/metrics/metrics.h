// Prometheus metrics for the service: a Registry of counter, gauge and histogram families,
// rendered in the text exposition format 0.0.4 for `GET /metrics`.
//
// Ownership: the Registry owns its families and a family owns its children; references handed
// out by Add*() and With() stay valid for the Registry's lifetime, so hot paths look a child
// up once and keep the reference.
//
// Thread safety: every member function may be called from any thread. With() takes a shared
// lock (an exclusive one only to create a child); Inc/Set/Observe are lock-free atomics.
// Render() reads each value atomically but not the whole registry as one snapshot.
//
// Misuse (an invalid metric or label name, a name registered twice with different types or
// labels, With() given the wrong number of label values, unsorted histogram bounds) is a
// programmer error: the process prints the reason and aborts, so it shows up in the first test.
#pragma once

#include <atomic>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

namespace squall::metrics {

class Counter {
 public:
  // Negative amounts are ignored: a counter only goes up.
  void Inc(double amount = 1.0);
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

class Gauge {
 public:
  void Set(double value) { value_.store(value, std::memory_order_relaxed); }
  void Inc(double amount = 1.0);
  void Dec(double amount = 1.0) { Inc(-amount); }
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

class Histogram {
 public:
  // `bounds`: the upper bounds of the finite buckets, strictly increasing; +Inf is implicit.
  explicit Histogram(const std::vector<double>& bounds);

  // A value equal to a bound counts in that bound's bucket (Prometheus `le`).
  void Observe(double value);

  const std::vector<double>& bounds() const { return bounds_; }
  // Per-bucket (not cumulative) counts; the last one is the +Inf bucket.
  std::vector<uint64_t> BucketCounts() const;
  uint64_t Count() const { return count_.load(std::memory_order_relaxed); }
  double Sum() const { return sum_.load(std::memory_order_relaxed); }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;  // bounds_.size() + 1
  std::atomic<uint64_t> count_{0};
  std::atomic<double> sum_{0.0};
};

enum class Type { kCounter, kGauge, kHistogram };

// A named metric with fixed label names; one child per distinct tuple of label values.
template <typename T>
class Family {
 public:
  Family(std::string name, std::string help, std::vector<std::string> label_names,
         std::vector<double> bounds);

  // The child for these label values (one per label name, in order), created on first use.
  T& With(std::initializer_list<std::string_view> label_values);
  T& With(const std::vector<std::string>& label_values);

  const std::string& name() const { return name_; }
  const std::string& help() const { return help_; }
  const std::vector<std::string>& label_names() const { return label_names_; }

  // Calls fn(label_values, child) for every child, ordered by label values.
  template <typename Fn>
  void ForEach(Fn&& fn) const {
    std::shared_lock lock(mu_);
    for (const auto& [values, child] : children_) fn(values, *child);
  }

 private:
  T& Get(std::vector<std::string> label_values);

  std::string name_;
  std::string help_;
  std::vector<std::string> label_names_;
  std::vector<double> bounds_;  // histograms only
  mutable std::shared_mutex mu_;
  std::map<std::vector<std::string>, std::unique_ptr<T>> children_;
};

using CounterFamily = Family<Counter>;
using GaugeFamily = Family<Gauge>;
using HistogramFamily = Family<Histogram>;

class Registry {
 public:
  Registry();
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // Registering an existing name again with the same type and labels returns the existing
  // family (so two components can share one). A family without labels gets its only child at
  // once, so it renders as 0 before the first Inc().
  CounterFamily& AddCounter(std::string_view name, std::string_view help,
                            std::vector<std::string> label_names = {});
  GaugeFamily& AddGauge(std::string_view name, std::string_view help,
                        std::vector<std::string> label_names = {});
  HistogramFamily& AddHistogram(std::string_view name, std::string_view help,
                                std::vector<double> bounds,
                                std::vector<std::string> label_names = {});

  // The text exposition format 0.0.4: families sorted by name, each with HELP and TYPE lines,
  // children sorted by label values. Families with labels but no children are left out.
  std::string Render() const;

 private:
  struct Entry;
  Entry& Lookup(std::string_view name, std::string_view help, Type type,
                std::vector<std::string> label_names, std::vector<double> bounds);

  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<Entry>, std::less<>> families_;
};

// The content type of Render()'s output.
inline constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

// Sample values as the format wants them: shortest round-trip decimal, "+Inf", "-Inf", "NaN".
std::string FormatValue(double value);

}  // namespace squall::metrics
