#include "compiler/parse/literals.h"

#include <array>
#include <charconv>
#include <cmath>
#include <limits>
#include <system_error>

#include "compiler/source/utf8.h"

namespace squall::parse {
namespace {

std::string WithoutSeparators(std::string_view spelling) {
  std::string digits;
  digits.reserve(spelling.size());
  for (char c : spelling) {
    if (c != '_') digits.push_back(c);
  }
  return digits;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

struct Unit {
  std::string_view name;
  int64_t milliseconds;
};
// Largest first: the order durations must be written in.
constexpr std::array<Unit, 5> kUnits = {{
    {"d", 86'400'000},
    {"h", 3'600'000},
    {"m", 60'000},
    {"s", 1'000},
    {"ms", 1},
}};

// One `<number><unit>` piece of a suffixed number: `1h` and `30m` in `1h30m`.
struct Component {
  std::string integer;   // digits, separators removed
  std::string fraction;  // digits after '.', empty when there is none
  std::string_view unit;
};

std::vector<Component> SplitComponents(std::string_view spelling) {
  std::vector<Component> components;
  size_t pos = 0;
  while (pos < spelling.size()) {
    Component component;
    while (pos < spelling.size() && (IsDigit(spelling[pos]) || spelling[pos] == '_')) {
      if (spelling[pos] != '_') component.integer.push_back(spelling[pos]);
      ++pos;
    }
    if (pos < spelling.size() && spelling[pos] == '.') {
      ++pos;
      while (pos < spelling.size() && (IsDigit(spelling[pos]) || spelling[pos] == '_')) {
        if (spelling[pos] != '_') component.fraction.push_back(spelling[pos]);
        ++pos;
      }
    }
    const size_t unit_begin = pos;
    while (pos < spelling.size() && IsLetter(spelling[pos])) ++pos;
    component.unit = spelling.substr(unit_begin, pos - unit_begin);
    components.push_back(std::move(component));
    if (unit_begin == pos) break;  // malformed input (the lexer never produces it): stop
  }
  return components;
}

std::optional<Problem> Overflow(std::string_view spelling) {
  return Problem{diag::Kind::DurationOverflow, {std::string(spelling)}};
}

}  // namespace

LiteralResult<int64_t> ReadInt(std::string_view spelling) {
  const std::string digits = WithoutSeparators(spelling);
  uint64_t value = 0;
  const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec == std::errc::result_out_of_range ||
      value > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return {.value = 0, .problem = Problem{diag::Kind::IntegerOverflow, {std::string(spelling)}}};
  }
  (void)ptr;
  return {.value = static_cast<int64_t>(value), .problem = std::nullopt};
}

LiteralResult<double> ReadFloat(std::string_view spelling) {
  const std::string digits = WithoutSeparators(spelling);
  double value = 0;
  const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  (void)ptr;
  if (ec == std::errc::result_out_of_range || !std::isfinite(value)) {
    return {.value = 0, .problem = Problem{diag::Kind::FloatOutOfRange, {std::string(spelling)}}};
  }
  return {.value = value, .problem = std::nullopt};
}

std::string DurationSpelling(int64_t milliseconds) {
  if (milliseconds == 0) return "0s";
  std::string out;
  for (const Unit& unit : kUnits) {
    const int64_t count = milliseconds / unit.milliseconds;
    if (count == 0) continue;
    out += std::to_string(count);
    out += unit.name;
    milliseconds -= count * unit.milliseconds;
  }
  return out;
}

LiteralResult<std::variant<Duration, Factor>> ReadSuffixedNumber(std::string_view spelling) {
  using Result = LiteralResult<std::variant<Duration, Factor>>;
  const std::vector<Component> components = SplitComponents(spelling);

  if (components.size() == 1 && components[0].unit == "x") {
    std::string number = components[0].integer;
    if (!components[0].fraction.empty()) {
      number += '.';
      number += components[0].fraction;
    }
    const LiteralResult<double> factor = ReadFloat(number);
    if (factor.problem.has_value()) {
      return {.value = Factor{},
              .problem = Problem{diag::Kind::FloatOutOfRange, {std::string(spelling)}}};
    }
    return {.value = Factor{factor.value}, .problem = std::nullopt};
  }

  // Check every unit before anything else: an unknown unit is the most likely typo (`5min`).
  std::vector<size_t> ranks;
  for (const Component& component : components) {
    size_t rank = kUnits.size();
    for (size_t i = 0; i < kUnits.size(); ++i) {
      if (kUnits[i].name == component.unit) rank = i;
    }
    if (rank == kUnits.size()) {
      return {.value = Duration{},
              .problem = Problem{diag::Kind::UnknownDurationUnit,
                                 {std::string(component.unit), std::string(spelling)}}};
    }
    ranks.push_back(rank);
  }

  int64_t total = 0;
  bool whole = true;
  for (size_t i = 0; i < components.size(); ++i) {
    const Component& component = components[i];
    const int64_t unit_ms = kUnits[ranks[i]].milliseconds;
    uint64_t count = 0;
    const auto [end, ec] = std::from_chars(
        component.integer.data(), component.integer.data() + component.integer.size(), count);
    (void)end;
    int64_t part = 0;
    if (ec != std::errc() || count > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) ||
        __builtin_mul_overflow(static_cast<int64_t>(count), unit_ms, &part) ||
        __builtin_add_overflow(total, part, &total)) {
      return {.value = Duration{}, .problem = Overflow(spelling)};
    }
    if (!component.fraction.empty()) {
      // Nine digits keep numerator * unit in range (10^9 * 1 day in ms < 2^63); a non-zero
      // digit beyond them is less than a millisecond of even a day.
      const size_t kept = std::min<size_t>(component.fraction.size(), 9);
      int64_t numerator = 0;
      std::from_chars(component.fraction.data(), component.fraction.data() + kept, numerator);
      int64_t denominator = 1;
      for (size_t d = 0; d < kept; ++d) denominator *= 10;
      const int64_t scaled = numerator * unit_ms;
      if (scaled % denominator != 0 ||
          component.fraction.find_first_not_of('0', kept) != std::string::npos) {
        whole = false;
      }
      if (__builtin_add_overflow(total, scaled / denominator, &total)) {
        return {.value = Duration{}, .problem = Overflow(spelling)};
      }
    }
  }
  const int64_t milliseconds = total;
  for (size_t i = 1; i < ranks.size(); ++i) {
    if (ranks[i] <= ranks[i - 1]) {
      return {.value = Duration{milliseconds},
              .problem = Problem{diag::Kind::MisorderedDurationUnits,
                                 {std::string(spelling),
                                  whole ? DurationSpelling(milliseconds) : std::string("...")}}};
    }
  }
  if (!whole) {
    return {.value = Duration{milliseconds},
            .problem = Problem{diag::Kind::FractionalDuration, {std::string(spelling)}}};
  }
  return Result{.value = Duration{milliseconds}, .problem = std::nullopt};
}

std::optional<Problem> DecodeEscape(std::string_view spelling, std::string& out) {
  if (spelling.size() < 2) return std::nullopt;  // lone `\` at the end of an unterminated string
  const char c = spelling[1];
  if (spelling.size() == 2) {
    switch (c) {
      case 'n':
        out += '\n';
        return std::nullopt;
      case 't':
        out += '\t';
        return std::nullopt;
      case 'r':
        out += '\r';
        return std::nullopt;
      case '0':
        out += '\0';
        return std::nullopt;
      case '\\':
      case '"':
      case '{':
      case '}':
        out += c;
        return std::nullopt;
      case 'u':
        out += spelling;
        return Problem{diag::Kind::InvalidUnicodeEscape,
                       {"\\u", "write the code point in hex inside braces, like `\\u{1F600}`"}};
      case '\n':
      case '\r':
        // Only `"""` strings reach here: a backslash before a line break is not a continuation.
        out += spelling;
        return Problem{diag::Kind::InvalidEscape, {"\\"}};
      default:
        break;
    }
  }
  if (c == 'u' && spelling.size() >= 4 && spelling[2] == '{' && spelling.back() == '}') {
    const std::string_view hex = spelling.substr(3, spelling.size() - 4);
    uint32_t code_point = 0;
    const auto [ptr, ec] = std::from_chars(hex.data(), hex.data() + hex.size(), code_point, 16);
    const bool parsed = ec == std::errc() && ptr == hex.data() + hex.size();
    if (!parsed || hex.size() > 6 || code_point > 0x10FFFF ||
        (code_point >= 0xD800 && code_point <= 0xDFFF)) {
      out += spelling;
      std::string reason(1, '`');
      reason += hex;
      reason += "` is not a Unicode scalar value (at most 10FFFF, and not D800 to DFFF)";
      return Problem{diag::Kind::InvalidUnicodeEscape, {std::string(spelling), reason}};
    }
    source::AppendUtf8(out, static_cast<char32_t>(code_point));
    return std::nullopt;
  }
  out += spelling;
  return Problem{diag::Kind::InvalidEscape, {std::string(spelling)}};
}

}  // namespace squall::parse
