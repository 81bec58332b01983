#include "runtime/events/time_text.h"

namespace squall::events {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Reads exactly `count` digits at text[pos]; advances pos.
bool ReadDigits(std::string_view text, size_t& pos, int count, int& value) {
  if (pos + static_cast<size_t>(count) > text.size()) return false;
  value = 0;
  for (int i = 0; i < count; ++i) {
    char c = text[pos + static_cast<size_t>(i)];
    if (!IsDigit(c)) return false;
    value = value * 10 + (c - '0');
  }
  pos += static_cast<size_t>(count);
  return true;
}

bool Expect(std::string_view text, size_t& pos, char c) {
  if (pos >= text.size() || text[pos] != c) return false;
  ++pos;
  return true;
}

bool IsLeapYear(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int DaysInMonth(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && IsLeapYear(year) ? 29 : kDays[month - 1];
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
int64_t DaysFromCivil(int64_t year, int64_t month, int64_t day) {
  year -= month <= 2 ? 1 : 0;
  const int64_t era = (year >= 0 ? year : year - 399) / 400;
  const int64_t year_of_era = year - era * 400;
  const int64_t day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

}  // namespace

std::optional<int64_t> ParseTimestamp(std::string_view text) {
  size_t pos = 0;
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!ReadDigits(text, pos, 4, year) || !Expect(text, pos, '-') ||
      !ReadDigits(text, pos, 2, month) || !Expect(text, pos, '-') ||
      !ReadDigits(text, pos, 2, day)) {
    return std::nullopt;
  }
  if (pos >= text.size() || (text[pos] != 'T' && text[pos] != 't' && text[pos] != ' ')) {
    return std::nullopt;
  }
  ++pos;
  if (!ReadDigits(text, pos, 2, hour) || !Expect(text, pos, ':') ||
      !ReadDigits(text, pos, 2, minute) || !Expect(text, pos, ':') ||
      !ReadDigits(text, pos, 2, second)) {
    return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 || day > DaysInMonth(year, month) || hour > 23 ||
      minute > 59 || second > 60) {
    return std::nullopt;
  }
  int64_t millis = 0;
  if (pos < text.size() && (text[pos] == '.' || text[pos] == ',')) {
    ++pos;
    const size_t digits_start = pos;
    int64_t scale = 100;
    while (pos < text.size() && IsDigit(text[pos])) {
      millis += (text[pos] - '0') * scale;  // digits past the third add 0: truncation
      scale /= 10;
      ++pos;
    }
    if (pos == digits_start) return std::nullopt;
  }
  int offset_minutes = 0;
  if (pos < text.size()) {
    const char sign = text[pos++];
    if (sign == 'Z' || sign == 'z') {
      // UTC
    } else if (sign == '+' || sign == '-') {
      int offset_hours = 0, offset_mins = 0;
      if (!ReadDigits(text, pos, 2, offset_hours)) return std::nullopt;
      if (pos < text.size()) {
        Expect(text, pos, ':');  // optional: `+02:00` and `+0200`
        if (!ReadDigits(text, pos, 2, offset_mins)) return std::nullopt;
      }
      if (offset_hours > 23 || offset_mins > 59) return std::nullopt;
      offset_minutes = (offset_hours * 60 + offset_mins) * (sign == '-' ? -1 : 1);
    } else {
      return std::nullopt;
    }
  }
  if (pos != text.size()) return std::nullopt;
  const int64_t days = DaysFromCivil(year, month, day);
  const int64_t seconds = days * 86400 + hour * 3600 + minute * 60 + second;
  return (seconds - int64_t{offset_minutes} * 60) * 1000 + millis;
}

std::optional<int64_t> ParseDurationText(std::string_view text) {
  struct Unit {
    std::string_view name;
    int64_t millis;
  };
  // Longest spelling first where one is a prefix of another (`ms` before `m`).
  static constexpr Unit kUnits[] = {
      {"d", 86'400'000}, {"h", 3'600'000}, {"ms", 1}, {"m", 60'000}, {"s", 1'000}};
  // Position of each unit in the required largest-to-smallest order.
  static constexpr int kRank[] = {0, 1, 4, 2, 3};

  size_t pos = 0;
  const bool negative = !text.empty() && text[0] == '-';
  if (negative) ++pos;
  if (pos == text.size()) return std::nullopt;
  int64_t total = 0;
  int last_rank = -1;
  while (pos < text.size()) {
    // <digits>[.<digits>]
    int64_t whole = 0;
    const size_t start = pos;
    while (pos < text.size() && IsDigit(text[pos])) {
      if (__builtin_mul_overflow(whole, 10, &whole) ||
          __builtin_add_overflow(whole, text[pos] - '0', &whole)) {
        return std::nullopt;
      }
      ++pos;
    }
    if (pos == start) return std::nullopt;
    int64_t fraction = 0, fraction_scale = 1;
    if (pos < text.size() && text[pos] == '.') {
      ++pos;
      const size_t fraction_start = pos;
      while (pos < text.size() && IsDigit(text[pos])) {
        // Keep 9 digits (so fraction * unit fits in 64 bits); later ones must be zeros, since
        // no whole number of milliseconds needs them.
        if (fraction_scale == 1'000'000'000) {
          if (text[pos] != '0') return std::nullopt;
        } else {
          fraction = fraction * 10 + (text[pos] - '0');
          fraction_scale *= 10;
        }
        ++pos;
      }
      if (pos == fraction_start) return std::nullopt;
    }
    int unit_index = -1;
    for (int i = 0; i < 5; ++i) {
      if (text.substr(pos).starts_with(kUnits[i].name)) {
        unit_index = i;
        break;
      }
    }
    if (unit_index < 0) return std::nullopt;
    pos += kUnits[unit_index].name.size();
    if (kRank[unit_index] <= last_rank) return std::nullopt;
    last_rank = kRank[unit_index];
    const int64_t unit = kUnits[unit_index].millis;
    int64_t value = 0;
    if (__builtin_mul_overflow(whole, unit, &value)) return std::nullopt;
    if (fraction != 0) {
      const int64_t scaled = fraction * unit;  // < 1e9 * 8.64e7
      if (scaled % fraction_scale != 0) return std::nullopt;
      if (__builtin_add_overflow(value, scaled / fraction_scale, &value)) return std::nullopt;
    }
    if (__builtin_add_overflow(total, value, &total)) return std::nullopt;
  }
  return negative ? -total : total;
}

}  // namespace squall::events
