// Run-time values of the reference interpreter, and their rendering as JSON and as text.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace squall::interp {

// A value as the IR computes with it. `kAbsent` stands for every "no value": a missing field,
// JSON null, a JSON value of the wrong type, the result of an operation that has no result
// (division by zero, integer overflow, an index out of range). ir.h defines how operators
// treat it.
struct Value {
  enum class Kind : uint8_t {
    kAbsent,
    kBool,
    kInt,
    kFloat,
    kString,
    kDuration,
    kTime,
    kList,
    kMap
  };
  Kind kind = Kind::kAbsent;
  bool boolean = false;
  int64_t integer = 0;  // kInt; kDuration and kTime in milliseconds (kTime: since the epoch)
  double number = 0;
  std::string text;
  std::vector<Value> elements;    // kList; kMap values
  std::vector<std::string> keys;  // kMap, parallel to `elements`

  static Value Absent() { return Value{}; }
  static Value Bool(bool v);
  static Value Int(int64_t v);
  static Value Float(double v);
  static Value String(std::string v);
  static Value Duration(int64_t ms);
  static Value Time(int64_t ms);

  bool present() const { return kind != Kind::kAbsent; }
  bool numeric() const { return kind == Kind::kInt || kind == Kind::kFloat; }
  double AsDouble() const { return kind == Kind::kInt ? static_cast<double>(integer) : number; }
};

// `==` on two present values: numbers by value, strings, bools, durations and times exactly,
// lists in order, maps by key; values of different kinds are not equal.
bool Equal(const Value& a, const Value& b);

// The value as JSON: absent is null, a duration is its number of seconds (`90`, `1.5`), a
// time its RFC 3339 UTC text.
std::string ToJson(const Value& value);

// The value as `{{...}}` renders it: strings as they are, absent as the empty string,
// durations as literals (`1m30s`), times in RFC 3339, lists and maps as JSON.
std::string ToText(const Value& value);

// Milliseconds since the epoch as `2024-05-02T10:00:00Z` (`.250` when there are millis).
std::string FormatTime(int64_t milliseconds);

// A JSON text (an event's json-typed slot) as a value: null is absent, numbers are ints when
// they are integers that fit, floats otherwise. Invalid JSON is absent.
Value FromJson(std::string_view json);

}  // namespace squall::interp
