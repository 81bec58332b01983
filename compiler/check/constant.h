// Compile-time values: what the checker knows of an expression built only from literals and
// `const`s. Used to check values against a parameter's `enum`, policy bounds, cron schedules,
// regular expressions, and to warn about conditions that are always false.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace squall::check {

struct ConstValue {
  enum class Kind : uint8_t { kNull, kBool, kInt, kFloat, kString, kDuration, kList, kMap };
  Kind kind = Kind::kNull;
  bool boolean = false;
  int64_t integer = 0;               // kInt; kDuration in milliseconds
  double number = 0;                 // kFloat
  std::string text;                  // kString
  std::vector<ConstValue> elements;  // kList
  struct Entry;
  std::vector<Entry> entries;  // kMap, in source order

  static ConstValue Null();
  static ConstValue Bool(bool value);
  static ConstValue Int(int64_t value);
  static ConstValue Float(double value);
  static ConstValue String(std::string value);
  static ConstValue Duration(int64_t milliseconds);

  // The value as compact JSON, the form pack YAML enums and defaults are kept in: `"GET"`,
  // `60`, `1.5`, `true`, `null`, `[1,2]`, `{"a":1}`. A duration is its number of seconds.
  std::string ToJson() const;
  // The value as Squall source, for messages: `"GET"`, `60`, `30s`, `[1, 2]`.
  std::string ToSource() const;
};

struct ConstValue::Entry {
  std::string key;
  ConstValue value;
};

// Spells a number of milliseconds as a duration literal: `90000` -> `1m30s`.
std::string DurationSpelling(int64_t milliseconds);

// Equality as `==` sees it: numbers by value (`60 == 60.0`), lists in order, maps by key.
bool SameValue(const ConstValue& a, const ConstValue& b);

// The value of a JSON text (`"a\tb"`, `[1, 2]`, `{"a": 1}`), as pack YAML enums and defaults
// are kept; nullopt when it is not valid JSON. A duration never comes out of JSON.
std::optional<ConstValue> ParseJson(std::string_view text);

// Whether a JSON text from pack YAML equals `value` (SameValue; a duration counts as its
// number of seconds). Invalid JSON equals nothing.
bool JsonEquals(const std::string& json, const ConstValue& value);

}  // namespace squall::check
