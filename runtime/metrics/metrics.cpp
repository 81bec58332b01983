#include "runtime/metrics/metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <type_traits>

namespace squall::metrics {
namespace {

[[noreturn]] void Misuse(const std::string& what) {
  std::fprintf(stderr, "squall::metrics misuse: %s\n", what.c_str());
  std::abort();
}

bool ValidName(std::string_view name, bool allow_colon) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
              (allow_colon && c == ':') || (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

void AppendEscaped(std::string& out, std::string_view text, bool quotes) {
  for (char c : text) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '"':
        out += quotes ? "\\\"" : "\"";
        break;
      default:
        out += c;
    }
  }
}

// `name{l1="v1",l2="v2"[,le="b"]} value\n`
void AppendSample(std::string& out, std::string_view name, std::string_view suffix,
                  const std::vector<std::string>& label_names,
                  const std::vector<std::string>& label_values, const std::string* le,
                  std::string_view value) {
  out += name;
  out += suffix;
  if (!label_names.empty() || le != nullptr) {
    out += '{';
    for (size_t i = 0; i < label_names.size(); ++i) {
      if (i > 0) out += ',';
      out += label_names[i];
      out += "=\"";
      AppendEscaped(out, label_values[i], true);
      out += '"';
    }
    if (le != nullptr) {
      if (!label_names.empty()) out += ',';
      out += "le=\"";
      out += *le;
      out += '"';
    }
    out += '}';
  }
  out += ' ';
  out += value;
  out += '\n';
}

void AppendHeader(std::string& out, std::string_view name, std::string_view help,
                  std::string_view type) {
  out += "# HELP ";
  out += name;
  out += ' ';
  AppendEscaped(out, help, false);
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

}  // namespace

std::string FormatValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto result = std::to_chars(buf, buf + sizeof(buf), value);
  return std::string(buf, result.ptr);
}

void Counter::Inc(double amount) {
  if (amount > 0) value_.fetch_add(amount, std::memory_order_relaxed);
}

void Gauge::Inc(double amount) { value_.fetch_add(amount, std::memory_order_relaxed); }

Histogram::Histogram(const std::vector<double>& bounds)
    : bounds_(bounds), buckets_(new std::atomic<uint64_t>[bounds.size() + 1]) {
  for (size_t i = 0; i < bounds_.size(); ++i) {
    if (!std::isfinite(bounds_[i]) || (i > 0 && !(bounds_[i - 1] < bounds_[i]))) {
      Misuse("histogram bounds must be finite and strictly increasing");
    }
  }
  for (size_t i = 0; i <= bounds_.size(); ++i) buckets_[i].store(0, std::memory_order_relaxed);
}

void Histogram::Observe(double value) {
  // First bound >= value; NaN lands in +Inf like in the Go client.
  size_t index = std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin();
  buckets_[index].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
}

std::vector<uint64_t> Histogram::BucketCounts() const {
  std::vector<uint64_t> counts(bounds_.size() + 1);
  for (size_t i = 0; i < counts.size(); ++i) {
    counts[i] = buckets_[i].load(std::memory_order_relaxed);
  }
  return counts;
}

template <typename T>
Family<T>::Family(std::string name, std::string help, std::vector<std::string> label_names,
                  std::vector<double> bounds)
    : name_(std::move(name)),
      help_(std::move(help)),
      label_names_(std::move(label_names)),
      bounds_(std::move(bounds)) {}

template <typename T>
T& Family<T>::With(std::initializer_list<std::string_view> label_values) {
  return Get(std::vector<std::string>(label_values.begin(), label_values.end()));
}

template <typename T>
T& Family<T>::With(const std::vector<std::string>& label_values) {
  return Get(label_values);
}

template <typename T>
T& Family<T>::Get(std::vector<std::string> label_values) {
  if (label_values.size() != label_names_.size()) {
    Misuse(name_ + ": With() got " + std::to_string(label_values.size()) + " label values for " +
           std::to_string(label_names_.size()) + " label names");
  }
  {
    std::shared_lock lock(mu_);
    auto it = children_.find(label_values);
    if (it != children_.end()) return *it->second;
  }
  std::unique_lock lock(mu_);
  auto& slot = children_[std::move(label_values)];
  if (slot == nullptr) {
    if constexpr (std::is_same_v<T, Histogram>) {
      slot = std::make_unique<Histogram>(bounds_);
    } else {
      slot = std::make_unique<T>();
    }
  }
  return *slot;
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

struct Registry::Entry {
  Type type;
  std::vector<std::string> label_names;
  std::vector<double> bounds;
  std::unique_ptr<CounterFamily> counter;
  std::unique_ptr<GaugeFamily> gauge;
  std::unique_ptr<HistogramFamily> histogram;
};

Registry::Registry() = default;
Registry::~Registry() = default;

Registry::Entry& Registry::Lookup(std::string_view name, std::string_view help, Type type,
                                  std::vector<std::string> label_names,
                                  std::vector<double> bounds) {
  if (!ValidName(name, true)) Misuse("invalid metric name '" + std::string(name) + "'");
  for (const std::string& label : label_names) {
    if (!ValidName(label, false) || label.starts_with("__") ||
        (type == Type::kHistogram && label == "le")) {
      Misuse(std::string(name) + ": invalid label name '" + label + "'");
    }
  }
  std::lock_guard lock(mu_);
  auto it = families_.find(name);
  if (it != families_.end()) {
    Entry& entry = *it->second;
    if (entry.type != type || entry.label_names != label_names || entry.bounds != bounds) {
      Misuse(std::string(name) + " registered twice with different types, labels or bounds");
    }
    return entry;
  }
  auto entry = std::make_unique<Entry>();
  entry->type = type;
  entry->label_names = label_names;
  entry->bounds = bounds;
  std::string name_text(name);
  std::string help_text(help);
  bool unlabeled = label_names.empty();
  switch (type) {
    case Type::kCounter:
      entry->counter = std::make_unique<CounterFamily>(name_text, help_text, std::move(label_names),
                                                       std::move(bounds));
      if (unlabeled) entry->counter->With({});
      break;
    case Type::kGauge:
      entry->gauge = std::make_unique<GaugeFamily>(name_text, help_text, std::move(label_names),
                                                   std::move(bounds));
      if (unlabeled) entry->gauge->With({});
      break;
    case Type::kHistogram:
      // Validates the bounds now rather than at the first With().
      Histogram check(bounds);
      entry->histogram = std::make_unique<HistogramFamily>(
          name_text, help_text, std::move(label_names), std::move(bounds));
      if (unlabeled) entry->histogram->With({});
      break;
  }
  Entry& result = *entry;
  families_.emplace(std::move(name_text), std::move(entry));
  return result;
}

CounterFamily& Registry::AddCounter(std::string_view name, std::string_view help,
                                    std::vector<std::string> label_names) {
  return *Lookup(name, help, Type::kCounter, std::move(label_names), {}).counter;
}

GaugeFamily& Registry::AddGauge(std::string_view name, std::string_view help,
                                std::vector<std::string> label_names) {
  return *Lookup(name, help, Type::kGauge, std::move(label_names), {}).gauge;
}

HistogramFamily& Registry::AddHistogram(std::string_view name, std::string_view help,
                                        std::vector<double> bounds,
                                        std::vector<std::string> label_names) {
  return *Lookup(name, help, Type::kHistogram, std::move(label_names), std::move(bounds)).histogram;
}

std::string Registry::Render() const {
  std::string out;
  std::lock_guard lock(mu_);
  for (const auto& [name, entry] : families_) {
    switch (entry->type) {
      case Type::kCounter:
      case Type::kGauge: {
        bool counter = entry->type == Type::kCounter;
        std::string body;
        auto render = [&](const std::vector<std::string>& values, const auto& child) {
          AppendSample(body, name, "", entry->label_names, values, nullptr,
                       FormatValue(child.Value()));
        };
        std::string_view help;
        if (counter) {
          entry->counter->ForEach(render);
          help = entry->counter->help();
        } else {
          entry->gauge->ForEach(render);
          help = entry->gauge->help();
        }
        if (body.empty()) break;
        AppendHeader(out, name, help, counter ? "counter" : "gauge");
        out += body;
        break;
      }
      case Type::kHistogram: {
        std::string body;
        std::vector<std::string> bound_texts;
        for (double bound : entry->bounds) bound_texts.push_back(FormatValue(bound));
        bound_texts.push_back("+Inf");
        entry->histogram->ForEach(
            [&](const std::vector<std::string>& values, const Histogram& child) {
              // Count from the buckets so that the +Inf bucket always equals _count, even while
              // another thread is in the middle of Observe().
              std::vector<uint64_t> counts = child.BucketCounts();
              uint64_t cumulative = 0;
              for (size_t i = 0; i < counts.size(); ++i) {
                cumulative += counts[i];
                AppendSample(body, name, "_bucket", entry->label_names, values, &bound_texts[i],
                             std::to_string(cumulative));
              }
              AppendSample(body, name, "_sum", entry->label_names, values, nullptr,
                           FormatValue(child.Sum()));
              AppendSample(body, name, "_count", entry->label_names, values, nullptr,
                           std::to_string(cumulative));
            });
        if (body.empty()) break;
        AppendHeader(out, name, entry->histogram->help(), "histogram");
        out += body;
        break;
      }
    }
  }
  return out;
}

}  // namespace squall::metrics
