// The cron parser; see cron.h.
#include "compiler/cron/cron.h"

#include <array>
#include <cctype>
#include <charconv>
#include <vector>

namespace squall::cron {
namespace {

struct FieldSpec {
  const char* name;
  int min;
  int max;
  std::array<const char*, 12> names;  // names[i] stands for min + i; null-terminated
};

constexpr FieldSpec kFields[] = {
    {"minute", 0, 59, {}},
    {"hour", 0, 23, {}},
    {"day of month", 1, 31, {}},
    {"month",
     1,
     12,
     {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}},
    {"day of week", 0, 7, {"sun", "mon", "tue", "wed", "thu", "fri", "sat"}},
};

std::vector<std::string_view> Split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    const size_t at = text.find(separator, start);
    parts.push_back(text.substr(start, at == std::string_view::npos ? text.npos : at - start));
    if (at == std::string_view::npos) return parts;
    start = at + 1;
  }
}

std::optional<int> ParseValue(std::string_view text, const FieldSpec& spec) {
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec == std::errc() && end == text.data() + text.size() && !text.empty()) return value;
  std::string lower;
  for (char c : text) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (size_t i = 0; i < spec.names.size() && spec.names[i] != nullptr; ++i) {
    if (lower == spec.names[i]) return spec.min + static_cast<int>(i);
  }
  return std::nullopt;
}

// Parses one field into `bits` (bit v set when value v matches; indexes are the field's own
// values, 0..7 for day of week). Returns the error, if any.
std::optional<std::string> ParseField(std::string_view field, const FieldSpec& spec, int index,
                                      std::bitset<64>& bits) {
  const std::string where = "field " + std::to_string(index + 1) + " (" + spec.name + "): ";
  const std::string range = std::to_string(spec.min) + "-" + std::to_string(spec.max);
  for (std::string_view item : Split(field, ',')) {
    if (item.empty()) return where + "empty list item";
    std::string_view base = item;
    int step = 1;
    bool has_step = false;
    if (size_t slash = item.find('/'); slash != std::string_view::npos) {
      base = item.substr(0, slash);
      std::string_view step_text = item.substr(slash + 1);
      auto [end, ec] = std::from_chars(step_text.data(), step_text.data() + step_text.size(), step);
      if (ec != std::errc() || end != step_text.data() + step_text.size() || step <= 0) {
        return where + "step `" + std::string(step_text) + "` must be a positive number";
      }
      has_step = true;
    }
    int low = spec.min;
    int high = spec.max;
    if (base != "*") {
      std::string_view low_text = base;
      std::string_view high_text;
      if (size_t dash = base.find('-'); dash != std::string_view::npos) {
        low_text = base.substr(0, dash);
        high_text = base.substr(dash + 1);
      }
      std::optional<int> parsed_low = ParseValue(low_text, spec);
      if (!parsed_low) return where + "`" + std::string(low_text) + "` is not a number or name";
      if (*parsed_low < spec.min || *parsed_low > spec.max) {
        return where + std::to_string(*parsed_low) + " is out of range " + range;
      }
      low = *parsed_low;
      // `a/n` runs from a to the field's maximum (as in cronie); a plain `a` is just a.
      high = has_step ? spec.max : low;
      if (!high_text.empty()) {
        std::optional<int> parsed_high = ParseValue(high_text, spec);
        if (!parsed_high) {
          return where + "`" + std::string(high_text) + "` is not a number or name";
        }
        if (*parsed_high < spec.min || *parsed_high > spec.max) {
          return where + std::to_string(*parsed_high) + " is out of range " + range;
        }
        if (*parsed_high < low) return where + "range `" + std::string(base) + "` goes backwards";
        high = *parsed_high;
      }
    }
    for (int v = low; v <= high; v += step) bits.set(static_cast<size_t>(v));
  }
  return std::nullopt;
}

template <size_t N>
std::bitset<N> Narrow(const std::bitset<64>& bits) {
  std::bitset<N> out;
  for (size_t i = 0; i < N; ++i) out[i] = bits[i];
  return out;
}

}  // namespace

std::optional<Schedule> Parse(std::string_view text, std::string* error) {
  std::vector<std::string_view> fields;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    const size_t start = i;
    while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    if (i > start) fields.push_back(text.substr(start, i - start));
  }
  if (fields.size() != 5) {
    *error = "expected 5 fields (minute hour day-of-month month day-of-week), found " +
             std::to_string(fields.size());
    return std::nullopt;
  }
  std::bitset<64> bits[5];
  for (int f = 0; f < 5; ++f) {
    if (auto problem = ParseField(fields[static_cast<size_t>(f)], kFields[f], f, bits[f])) {
      *error = std::move(*problem);
      return std::nullopt;
    }
  }
  Schedule schedule;
  schedule.minutes = Narrow<60>(bits[0]);
  schedule.hours = Narrow<24>(bits[1]);
  schedule.days = Narrow<32>(bits[2]);
  schedule.months = Narrow<13>(bits[3]);
  schedule.weekdays = Narrow<7>(bits[4]);
  if (bits[4][7]) schedule.weekdays.set(0);  // 7 is Sunday too
  schedule.days_star = fields[2].front() == '*';
  schedule.weekdays_star = fields[4].front() == '*';
  schedule.text = std::string(text);
  return schedule;
}

}  // namespace squall::cron
