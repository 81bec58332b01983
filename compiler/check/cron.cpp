#include "compiler/check/cron.h"

#include <array>
#include <cctype>
#include <charconv>
#include <vector>

namespace squall::check {
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
    size_t at = text.find(separator, start);
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

std::optional<std::string> CheckField(std::string_view field, const FieldSpec& spec, int index) {
  std::string where = "field " + std::to_string(index + 1) + " (" + spec.name + "): ";
  std::string range = std::to_string(spec.min) + "-" + std::to_string(spec.max);
  for (std::string_view item : Split(field, ',')) {
    if (item.empty()) return where + "empty list item";
    std::string_view base = item;
    if (size_t slash = item.find('/'); slash != std::string_view::npos) {
      base = item.substr(0, slash);
      std::string_view step_text = item.substr(slash + 1);
      int step = 0;
      auto [end, ec] = std::from_chars(step_text.data(), step_text.data() + step_text.size(), step);
      if (ec != std::errc() || end != step_text.data() + step_text.size() || step <= 0) {
        return where + "step `" + std::string(step_text) + "` must be a positive number";
      }
    }
    if (base == "*") continue;
    std::string_view low_text = base;
    std::string_view high_text;
    if (size_t dash = base.find('-'); dash != std::string_view::npos) {
      low_text = base.substr(0, dash);
      high_text = base.substr(dash + 1);
    }
    std::optional<int> low = ParseValue(low_text, spec);
    if (!low) return where + "`" + std::string(low_text) + "` is not a number or name";
    if (*low < spec.min || *low > spec.max) {
      return where + std::to_string(*low) + " is out of range " + range;
    }
    if (!high_text.empty()) {
      std::optional<int> high = ParseValue(high_text, spec);
      if (!high) return where + "`" + std::string(high_text) + "` is not a number or name";
      if (*high < spec.min || *high > spec.max) {
        return where + std::to_string(*high) + " is out of range " + range;
      }
      if (*high < *low) {
        return where + "range `" + std::string(base) + "` goes backwards";
      }
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> ValidateCron(std::string_view schedule) {
  std::vector<std::string_view> fields;
  size_t i = 0;
  while (i < schedule.size()) {
    while (i < schedule.size() && std::isspace(static_cast<unsigned char>(schedule[i]))) ++i;
    size_t start = i;
    while (i < schedule.size() && !std::isspace(static_cast<unsigned char>(schedule[i]))) ++i;
    if (i > start) fields.push_back(schedule.substr(start, i - start));
  }
  if (fields.size() != 5) {
    return "expected 5 fields (minute hour day-of-month month day-of-week), found " +
           std::to_string(fields.size());
  }
  for (int f = 0; f < 5; ++f) {
    if (auto error = CheckField(fields[f], kFields[f], f)) return error;
  }
  return std::nullopt;
}

}  // namespace squall::check
