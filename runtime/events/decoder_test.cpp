#include "runtime/events/decoder.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace squall::events {
namespace {

using types::TypeKind;

std::vector<DecoderPlan> OnePlan(std::string trigger, std::vector<FieldPath> paths) {
  std::vector<DecoderPlan> plans;
  plans.emplace_back(std::move(trigger), paths);
  return plans;
}

Decoder EnvelopeDecoder(std::vector<FieldPath> paths, DecoderOptions options = {}) {
  return Decoder(std::move(options), OnePlan("t", std::move(paths)));
}

// ---------------------------------------------------------------------------------------------
// Type rules: one slot `v` of each kind against every kind of JSON value.

struct TypeRuleCase {
  std::string name;
  TypeKind kind;
  std::string value;  // JSON text of payload.v; empty: no `v` key
  SlotState state;
  int64_t integer = 0;  // int, time, duration
  double number = 0;    // float
  bool boolean = false;
  std::string text;  // string, json, list, map, record
};

void PrintTo(const TypeRuleCase& c, std::ostream* os) { *os << c.name; }

class TypeRuleTest : public testing::TestWithParam<TypeRuleCase> {};

TEST_P(TypeRuleTest, FillsTheSlot) {
  const TypeRuleCase& c = GetParam();
  Decoder decoder = EnvelopeDecoder({{.segments = {"v"}, .kind = c.kind}});
  const std::string line = c.value.empty()
                               ? R"({"trigger": "t", "payload": {"w": 1}})"
                               : R"({"trigger": "t", "payload": {"v": )" + c.value + "}}";
  DecodedEvent event;
  DecodeResult result = decoder.Decode(line, event);
  ASSERT_TRUE(result.ok()) << line << ": " << result.message;
  ASSERT_EQ(event.slots.size(), 1u);
  const Slot& slot = event.slots[0];
  ASSERT_EQ(SlotStateName(slot.state), SlotStateName(c.state)) << line;
  if (slot.state != SlotState::kPresent) return;
  switch (c.kind) {
    case TypeKind::kInt:
    case TypeKind::kTime:
    case TypeKind::kDuration:
      EXPECT_EQ(slot.integer, c.integer);
      break;
    case TypeKind::kFloat:
      EXPECT_EQ(slot.number, c.number);
      break;
    case TypeKind::kBool:
      EXPECT_EQ(slot.boolean, c.boolean);
      break;
    default:
      EXPECT_EQ(slot.text, c.text);
      break;
  }
}

constexpr SlotState kAbsent = SlotState::kAbsent;
constexpr SlotState kNull = SlotState::kNull;
constexpr SlotState kPresent = SlotState::kPresent;
constexpr SlotState kWrong = SlotState::kWrongType;

INSTANTIATE_TEST_SUITE_P(
    Int, TypeRuleTest,
    testing::Values(
        TypeRuleCase{.name = "int_integer",
                     .kind = TypeKind::kInt,
                     .value = "42",
                     .state = kPresent,
                     .integer = 42},
        TypeRuleCase{.name = "int_negative",
                     .kind = TypeKind::kInt,
                     .value = "-7",
                     .state = kPresent,
                     .integer = -7},
        TypeRuleCase{.name = "int_max",
                     .kind = TypeKind::kInt,
                     .value = "9223372036854775807",
                     .state = kPresent,
                     .integer = std::numeric_limits<int64_t>::max()},
        TypeRuleCase{.name = "int_min",
                     .kind = TypeKind::kInt,
                     .value = "-9223372036854775808",
                     .state = kPresent,
                     .integer = std::numeric_limits<int64_t>::min()},
        TypeRuleCase{.name = "int_above_max",
                     .kind = TypeKind::kInt,
                     .value = "9223372036854775808",
                     .state = kWrong},
        TypeRuleCase{.name = "int_above_uint64",
                     .kind = TypeKind::kInt,
                     .value = "123456789012345678901234567890",
                     .state = kWrong},
        TypeRuleCase{.name = "int_integral_float",
                     .kind = TypeKind::kInt,
                     .value = "3.0",
                     .state = kPresent,
                     .integer = 3},
        TypeRuleCase{.name = "int_exponent",
                     .kind = TypeKind::kInt,
                     .value = "1e3",
                     .state = kPresent,
                     .integer = 1000},
        TypeRuleCase{.name = "int_negative_zero",
                     .kind = TypeKind::kInt,
                     .value = "-0.0",
                     .state = kPresent,
                     .integer = 0},
        TypeRuleCase{
            .name = "int_fraction", .kind = TypeKind::kInt, .value = "3.5", .state = kWrong},
        TypeRuleCase{
            .name = "int_float_2p63", .kind = TypeKind::kInt, .value = "9.3e18", .state = kWrong},
        TypeRuleCase{.name = "int_float_overflow",
                     .kind = TypeKind::kInt,
                     .value = "1e400",
                     .state = kWrong},
        TypeRuleCase{
            .name = "int_string", .kind = TypeKind::kInt, .value = R"("42")", .state = kWrong},
        TypeRuleCase{.name = "int_bool", .kind = TypeKind::kInt, .value = "true", .state = kWrong},
        TypeRuleCase{.name = "int_object", .kind = TypeKind::kInt, .value = "{}", .state = kWrong},
        TypeRuleCase{.name = "int_array", .kind = TypeKind::kInt, .value = "[1]", .state = kWrong},
        TypeRuleCase{.name = "int_null", .kind = TypeKind::kInt, .value = "null", .state = kNull},
        TypeRuleCase{.name = "int_absent", .kind = TypeKind::kInt, .value = "", .state = kAbsent}),
    [](const auto& p) { return p.param.name; });

INSTANTIATE_TEST_SUITE_P(
    Float, TypeRuleTest,
    testing::Values(
        TypeRuleCase{.name = "float_float",
                     .kind = TypeKind::kFloat,
                     .value = "61.06",
                     .state = kPresent,
                     .number = 61.06},
        TypeRuleCase{.name = "float_integer",
                     .kind = TypeKind::kFloat,
                     .value = "42",
                     .state = kPresent,
                     .number = 42},
        TypeRuleCase{.name = "float_exponent",
                     .kind = TypeKind::kFloat,
                     .value = "-2.5E-3",
                     .state = kPresent,
                     .number = -0.0025},
        TypeRuleCase{.name = "float_uint64",
                     .kind = TypeKind::kFloat,
                     .value = "18446744073709551615",
                     .state = kPresent,
                     .number = 18446744073709551615.0},
        TypeRuleCase{.name = "float_underflow",
                     .kind = TypeKind::kFloat,
                     .value = "1e-400",
                     .state = kPresent,
                     .number = 0},
        TypeRuleCase{
            .name = "float_overflow", .kind = TypeKind::kFloat, .value = "1e400", .state = kWrong},
        TypeRuleCase{
            .name = "float_string", .kind = TypeKind::kFloat, .value = R"("1.5")", .state = kWrong},
        TypeRuleCase{
            .name = "float_bool", .kind = TypeKind::kFloat, .value = "false", .state = kWrong},
        TypeRuleCase{
            .name = "float_array", .kind = TypeKind::kFloat, .value = "[1.5]", .state = kWrong},
        TypeRuleCase{
            .name = "float_null", .kind = TypeKind::kFloat, .value = "null", .state = kNull},
        TypeRuleCase{
            .name = "float_absent", .kind = TypeKind::kFloat, .value = "", .state = kAbsent}),
    [](const auto& p) { return p.param.name; });

INSTANTIATE_TEST_SUITE_P(
    String, TypeRuleTest,
    testing::Values(
        TypeRuleCase{.name = "string_string",
                     .kind = TypeKind::kString,
                     .value = R"("disk")",
                     .state = kPresent,
                     .text = "disk"},
        TypeRuleCase{.name = "string_empty",
                     .kind = TypeKind::kString,
                     .value = R"("")",
                     .state = kPresent,
                     .text = ""},
        TypeRuleCase{.name = "string_escapes",
                     .kind = TypeKind::kString,
                     .value = R"("a\"b\\c\nd\u00e9\ud83d\ude00")",
                     .state = kPresent,
                     .text = "a\"b\\c\nd\u00e9\U0001F600"},
        TypeRuleCase{.name = "string_unicode",
                     .kind = TypeKind::kString,
                     .value = "\"日本語 ✓\"",
                     .state = kPresent,
                     .text = "日本語 ✓"},
        TypeRuleCase{
            .name = "string_number", .kind = TypeKind::kString, .value = "42", .state = kWrong},
        TypeRuleCase{
            .name = "string_bool", .kind = TypeKind::kString, .value = "true", .state = kWrong},
        TypeRuleCase{.name = "string_object",
                     .kind = TypeKind::kString,
                     .value = R"({"a": "b"})",
                     .state = kWrong},
        TypeRuleCase{.name = "string_array",
                     .kind = TypeKind::kString,
                     .value = R"(["a"])",
                     .state = kWrong},
        TypeRuleCase{
            .name = "string_null", .kind = TypeKind::kString, .value = "null", .state = kNull},
        TypeRuleCase{
            .name = "string_absent", .kind = TypeKind::kString, .value = "", .state = kAbsent}),
    [](const auto& p) { return p.param.name; });

INSTANTIATE_TEST_SUITE_P(
    Bool, TypeRuleTest,
    testing::Values(
        TypeRuleCase{.name = "bool_true",
                     .kind = TypeKind::kBool,
                     .value = "true",
                     .state = kPresent,
                     .boolean = true},
        TypeRuleCase{.name = "bool_false",
                     .kind = TypeKind::kBool,
                     .value = "false",
                     .state = kPresent,
                     .boolean = false},
        TypeRuleCase{.name = "bool_number", .kind = TypeKind::kBool, .value = "1", .state = kWrong},
        TypeRuleCase{
            .name = "bool_string", .kind = TypeKind::kBool, .value = R"("true")", .state = kWrong},
        TypeRuleCase{
            .name = "bool_object", .kind = TypeKind::kBool, .value = "{}", .state = kWrong},
        TypeRuleCase{.name = "bool_null", .kind = TypeKind::kBool, .value = "null", .state = kNull},
        TypeRuleCase{
            .name = "bool_absent", .kind = TypeKind::kBool, .value = "", .state = kAbsent}),
    [](const auto& p) { return p.param.name; });

constexpr int64_t k20240502T10 = 1'714'644'000'000;  // 2024-05-02T10:00:00Z

INSTANTIATE_TEST_SUITE_P(
    Time, TypeRuleTest,
    testing::Values(
        TypeRuleCase{.name = "time_rfc3339",
                     .kind = TypeKind::kTime,
                     .value = R"("2024-05-02T10:00:00Z")",
                     .state = kPresent,
                     .integer = k20240502T10},
        TypeRuleCase{.name = "time_offset_fraction",
                     .kind = TypeKind::kTime,
                     .value = R"("2024-05-02 10:00:00.5+02:00")",
                     .state = kPresent,
                     .integer = k20240502T10 - 7'200'000 + 500},
        TypeRuleCase{.name = "time_epoch_millis",
                     .kind = TypeKind::kTime,
                     .value = "1700000000017",
                     .state = kPresent,
                     .integer = 1'700'000'000'017},
        TypeRuleCase{.name = "time_integral_float",
                     .kind = TypeKind::kTime,
                     .value = "1.7e12",
                     .state = kPresent,
                     .integer = 1'700'000'000'000},
        TypeRuleCase{.name = "time_fractional_millis",
                     .kind = TypeKind::kTime,
                     .value = "1700000000.5",
                     .state = kWrong},
        TypeRuleCase{.name = "time_date_only",
                     .kind = TypeKind::kTime,
                     .value = R"("2024-05-02")",
                     .state = kWrong},
        TypeRuleCase{.name = "time_text",
                     .kind = TypeKind::kTime,
                     .value = R"("yesterday")",
                     .state = kWrong},
        TypeRuleCase{
            .name = "time_bool", .kind = TypeKind::kTime, .value = "true", .state = kWrong},
        TypeRuleCase{
            .name = "time_object", .kind = TypeKind::kTime, .value = "{}", .state = kWrong},
        TypeRuleCase{.name = "time_null", .kind = TypeKind::kTime, .value = "null", .state = kNull},
        TypeRuleCase{
            .name = "time_absent", .kind = TypeKind::kTime, .value = "", .state = kAbsent}),
    [](const auto& p) { return p.param.name; });

INSTANTIATE_TEST_SUITE_P(Duration, TypeRuleTest,
                         testing::Values(TypeRuleCase{.name = "duration_text",
                                                      .kind = TypeKind::kDuration,
                                                      .value = R"("1h30m")",
                                                      .state = kPresent,
                                                      .integer = 5'400'000},
                                         TypeRuleCase{.name = "duration_millis",
                                                      .kind = TypeKind::kDuration,
                                                      .value = "250",
                                                      .state = kPresent,
                                                      .integer = 250},
                                         TypeRuleCase{.name = "duration_integral_float",
                                                      .kind = TypeKind::kDuration,
                                                      .value = "250.0",
                                                      .state = kPresent,
                                                      .integer = 250},
                                         TypeRuleCase{.name = "duration_bare_number_text",
                                                      .kind = TypeKind::kDuration,
                                                      .value = R"("250")",
                                                      .state = kWrong},
                                         TypeRuleCase{.name = "duration_fractional_millis",
                                                      .kind = TypeKind::kDuration,
                                                      .value = R"("1.5ms")",
                                                      .state = kWrong},
                                         TypeRuleCase{.name = "duration_bool",
                                                      .kind = TypeKind::kDuration,
                                                      .value = "false",
                                                      .state = kWrong},
                                         TypeRuleCase{.name = "duration_null",
                                                      .kind = TypeKind::kDuration,
                                                      .value = "null",
                                                      .state = kNull},
                                         TypeRuleCase{.name = "duration_absent",
                                                      .kind = TypeKind::kDuration,
                                                      .value = "",
                                                      .state = kAbsent}),
                         [](const auto& p) { return p.param.name; });

INSTANTIATE_TEST_SUITE_P(
    Json, TypeRuleTest,
    testing::Values(
        TypeRuleCase{.name = "json_object",
                     .kind = TypeKind::kJson,
                     .value = R"({ "a" : [1, {"b": null}] , "c":"\u0041" })",
                     .state = kPresent,
                     .text = R"({ "a" : [1, {"b": null}] , "c":"\u0041" })"},
        TypeRuleCase{.name = "json_array",
                     .kind = TypeKind::kJson,
                     .value = "[1, 2 ,3]",
                     .state = kPresent,
                     .text = "[1, 2 ,3]"},
        TypeRuleCase{.name = "json_empty_object",
                     .kind = TypeKind::kJson,
                     .value = "{}",
                     .state = kPresent,
                     .text = "{}"},
        TypeRuleCase{.name = "json_string",
                     .kind = TypeKind::kJson,
                     .value = R"("a\"b")",
                     .state = kPresent,
                     .text = R"("a\"b")"},
        TypeRuleCase{.name = "json_number",
                     .kind = TypeKind::kJson,
                     .value = "-1.5e3",
                     .state = kPresent,
                     .text = "-1.5e3"},
        TypeRuleCase{.name = "json_huge_number",
                     .kind = TypeKind::kJson,
                     .value = "1e400",
                     .state = kPresent,
                     .text = "1e400"},
        TypeRuleCase{.name = "json_bool",
                     .kind = TypeKind::kJson,
                     .value = "true",
                     .state = kPresent,
                     .text = "true"},
        TypeRuleCase{.name = "json_null", .kind = TypeKind::kJson, .value = "null", .state = kNull},
        TypeRuleCase{.name = "json_absent", .kind = TypeKind::kJson, .value = "", .state = kAbsent},
        TypeRuleCase{.name = "list_array",
                     .kind = TypeKind::kList,
                     .value = R"(["a", "b"])",
                     .state = kPresent,
                     .text = R"(["a", "b"])"},
        TypeRuleCase{
            .name = "list_object", .kind = TypeKind::kList, .value = "{}", .state = kWrong},
        TypeRuleCase{
            .name = "list_string", .kind = TypeKind::kList, .value = R"("a")", .state = kWrong},
        TypeRuleCase{.name = "map_object",
                     .kind = TypeKind::kMap,
                     .value = R"({"a": 1})",
                     .state = kPresent,
                     .text = R"({"a": 1})"},
        TypeRuleCase{.name = "map_array", .kind = TypeKind::kMap, .value = "[]", .state = kWrong},
        TypeRuleCase{.name = "record_object",
                     .kind = TypeKind::kRecord,
                     .value = R"({"pid": 1})",
                     .state = kPresent,
                     .text = R"({"pid": 1})"},
        TypeRuleCase{
            .name = "record_number", .kind = TypeKind::kRecord, .value = "1", .state = kWrong},
        TypeRuleCase{
            .name = "record_null", .kind = TypeKind::kRecord, .value = "null", .state = kNull}),
    [](const auto& p) { return p.param.name; });

// ---------------------------------------------------------------------------------------------
// Paths: nesting, odd keys, duplicates, several slots at one place.

struct PathCase {
  std::string name;
  std::vector<FieldPath> paths;
  std::string payload;
  // One entry per slot: state and, when present, the value as text (integers in decimal).
  std::vector<std::pair<SlotState, std::string>> expected;
};

void PrintTo(const PathCase& c, std::ostream* os) { *os << c.name; }

std::string SlotValueText(const DecoderPlan& plan, SlotIndex index, const Slot& slot) {
  switch (plan.slot_kind(index)) {
    case TypeKind::kInt:
    case TypeKind::kTime:
    case TypeKind::kDuration:
      return std::to_string(slot.integer);
    case TypeKind::kFloat:
      return std::to_string(slot.number);
    case TypeKind::kBool:
      return slot.boolean ? "true" : "false";
    default:
      return std::string(slot.text);
  }
}

class PathTest : public testing::TestWithParam<PathCase> {};

TEST_P(PathTest, FillsTheSlots) {
  const PathCase& c = GetParam();
  Decoder decoder = EnvelopeDecoder(c.paths);
  const std::string line = R"({"trigger":"t","payload":)" + c.payload + "}";
  DecodedEvent event;
  DecodeResult result = decoder.Decode(line, event);
  ASSERT_TRUE(result.ok()) << line << ": " << result.message;
  ASSERT_EQ(event.slots.size(), c.expected.size());
  for (size_t i = 0; i < c.expected.size(); ++i) {
    const Slot& slot = event.slots[i];
    EXPECT_EQ(SlotStateName(slot.state), SlotStateName(c.expected[i].first)) << "slot " << i;
    if (slot.state == SlotState::kPresent) {
      EXPECT_EQ(SlotValueText(*event.plan, static_cast<SlotIndex>(i), slot), c.expected[i].second)
          << "slot " << i;
    }
  }
}

FieldPath Str(std::vector<std::string> segments) {
  return {.segments = std::move(segments), .kind = TypeKind::kString};
}
FieldPath Json(std::vector<std::string> segments) {
  return {.segments = std::move(segments), .kind = TypeKind::kJson};
}
FieldPath Int(std::vector<std::string> segments) {
  return {.segments = std::move(segments), .kind = TypeKind::kInt};
}

std::string Nested(int depth, const std::string& leaf) {
  std::string text;
  for (int i = 0; i < depth; ++i) text += R"({"k":)";
  text += leaf;
  for (int i = 0; i < depth; ++i) text += "}";
  return text;
}

INSTANTIATE_TEST_SUITE_P(
    Paths, PathTest,
    testing::Values(PathCase{.name = "nested",
                             .paths = {Str({"labels", "team"}), Int({"labels", "n"})},
                             .payload = R"({"labels": {"n": 3, "team": "ops"}})",
                             .expected = {{kPresent, "ops"}, {kPresent, "3"}}},
                    PathCase{.name = "nested_missing",
                             .paths = {Str({"labels", "team"})},
                             .payload = R"({"labels": {"owner": "x"}})",
                             .expected = {{kAbsent, ""}}},
                    PathCase{.name = "parent_not_an_object",
                             .paths = {Str({"labels", "team"})},
                             .payload = R"({"labels": "ops"})",
                             .expected = {{kAbsent, ""}}},
                    PathCase{.name = "parent_null",
                             .paths = {Str({"labels", "team"})},
                             .payload = R"({"labels": null})",
                             .expected = {{kAbsent, ""}}},
                    PathCase{.name = "parent_array",
                             .paths = {Str({"labels", "team"})},
                             .payload = R"({"labels": [{"team": "ops"}]})",
                             .expected = {{kAbsent, ""}}},
                    PathCase{.name = "key_with_dot",
                             .paths = {Str({"a.b"}), Str({"a", "b"})},
                             .payload = R"({"a.b": "dotted", "a": {"b": "nested"}})",
                             .expected = {{kPresent, "dotted"}, {kPresent, "nested"}}},
                    PathCase{.name = "unicode_key",
                             .paths = {Str({"ключ"}), Str({"🔑"})},
                             .payload = R"({"ключ": "значение", "🔑": "x"})",
                             .expected = {{kPresent, "значение"}, {kPresent, "x"}}},
                    PathCase{.name = "escaped_key",
                             .paths = {Str({"team"}), Str({"a\"b"}), Str({"é"})},
                             .payload = R"({"t\u0065am": "ops", "a\"b": "q", "\u00e9": "e"})",
                             .expected = {{kPresent, "ops"}, {kPresent, "q"}, {kPresent, "e"}}},
                    PathCase{.name = "empty_key",
                             .paths = {Str({""})},
                             .payload = R"({"": "empty"})",
                             .expected = {{kPresent, "empty"}}},
                    PathCase{.name = "duplicate_key_first_wins",
                             .paths = {Str({"host"})},
                             .payload = R"({"host": "first", "host": "second"})",
                             .expected = {{kPresent, "first"}}},
                    PathCase{.name = "duplicate_parent_first_wins_whole",
                             .paths = {Str({"l", "a"}), Str({"l", "b"})},
                             .payload = R"({"l": {"a": "1"}, "l": {"a": "2", "b": "3"}})",
                             .expected = {{kPresent, "1"}, {kAbsent, ""}}},
                    PathCase{.name = "duplicate_first_null_wins",
                             .paths = {Str({"host"})},
                             .payload = R"({"host": null, "host": "second"})",
                             .expected = {{kNull, ""}}},
                    PathCase{.name = "deep_path",
                             .paths = {Int(std::vector<std::string>(40, "k"))},
                             .payload = Nested(40, "7"),
                             .expected = {{kPresent, "7"}}},
                    PathCase{.name = "deep_skipped_value",
                             .paths = {Int({"n"})},
                             .payload = R"({"skip": )" + std::string(5000, '[') +
                                        std::string(5000, ']') + R"(, "n": 1})",
                             .expected = {{kPresent, "1"}}},
                    PathCase{.name = "json_and_child_at_one_node",
                             .paths = {Json({"labels"}), Str({"labels", "team"})},
                             .payload = R"({"labels": {"team": "ops", "tier": [1, 2]}, "x": 1})",
                             .expected = {{kPresent, R"({"team": "ops", "tier": [1, 2]})"},
                                          {kPresent, "ops"}}},
                    PathCase{.name = "json_and_string_same_path",
                             .paths = {Json({"host"}), Str({"host"})},
                             .payload = R"({"host": "web\u0031"})",
                             .expected = {{kPresent, R"("web\u0031")"}, {kPresent, "web1"}}},
                    PathCase{.name = "json_last_field",
                             .paths = {Json({"a"})},
                             .payload = R"({"a": [1, 2]   })",
                             .expected = {{kPresent, "[1, 2]"}}},
                    PathCase{.name = "whole_payload",
                             .paths = {{.segments = {}, .kind = TypeKind::kRecord}, Int({"n"})},
                             .payload = R"({"n": 1, "m": [true]} )",
                             .expected = {{kPresent, R"({"n": 1, "m": [true]})"}, {kPresent, "1"}}},
                    PathCase{.name = "whole_payload_as_string",
                             .paths = {Str({})},
                             .payload = R"({"n": 1})",
                             .expected = {{kWrong, ""}}},
                    PathCase{.name = "whitespace_everywhere",
                             .paths = {Str({"a"}), Int({"b"})},
                             .payload = " \t{ \"a\" :\t\"x\" ,\r\n \"b\"  :  2 } ",
                             .expected = {{kPresent, "x"}, {kPresent, "2"}}}),
    [](const auto& p) { return p.param.name; });

// ---------------------------------------------------------------------------------------------
// Rejections: every reason, and what is not rejected.

struct RejectCase {
  std::string name;
  std::string line;
  std::optional<RejectReason> reason;  // nullopt: decoded
  DecoderOptions options = {};
};

void PrintTo(const RejectCase& c, std::ostream* os) { *os << c.name; }

class RejectTest : public testing::TestWithParam<RejectCase> {};

TEST_P(RejectTest, Rejects) {
  const RejectCase& c = GetParam();
  Decoder decoder = EnvelopeDecoder({Str({"v"}), Json({"j"})}, c.options);
  DecodedEvent event;
  DecodeResult result = decoder.Decode(c.line, event);
  if (!c.reason) {
    EXPECT_TRUE(result.ok()) << result.message;
    EXPECT_EQ(decoder.stats().events, 1u);
    EXPECT_EQ(decoder.stats().rejected, 0u);
    return;
  }
  ASSERT_EQ(result.outcome, DecodeResult::Outcome::kRejected);
  EXPECT_EQ(RejectReasonName(result.reason), RejectReasonName(*c.reason)) << result.message;
  EXPECT_FALSE(result.message.empty());
  EXPECT_EQ(decoder.stats().rejected, 1u);
  EXPECT_EQ(decoder.stats().rejected_for(*c.reason), 1u);
  EXPECT_EQ(decoder.stats().events, 0u);
}

constexpr RejectReason kMalformed = RejectReason::kMalformedJson;

INSTANTIATE_TEST_SUITE_P(
    Envelope, RejectTest,
    testing::Values(
        RejectCase{.name = "ok", .line = R"({"trigger":"t","payload":{}})"},
        RejectCase{.name = "unclosed_object",
                   .line = R"({"trigger":"t","payload":{})",
                   .reason = kMalformed},
        RejectCase{.name = "unclosed_string",
                   .line = R"({"trigger":"t,"payload":{}})",
                   .reason = kMalformed},
        RejectCase{.name = "trailing_comma",
                   .line = R"({"trigger":"t","payload":{},})",
                   .reason = kMalformed},
        RejectCase{.name = "missing_colon",
                   .line = R"({"trigger" "t","payload":{}})",
                   .reason = kMalformed},
        RejectCase{.name = "single_quotes",
                   .line = R"({'trigger':'t','payload':{}})",
                   .reason = kMalformed},
        RejectCase{.name = "trailing_text",
                   .line = R"({"trigger":"t","payload":{}} x)",
                   .reason = kMalformed},
        RejectCase{.name = "two_objects",
                   .line = R"({"trigger":"t","payload":{}}{})",
                   .reason = kMalformed},
        RejectCase{.name = "invalid_utf8",
                   .line = "{\"trigger\":\"t\xff\",\"payload\":{}}",
                   .reason = kMalformed},
        RejectCase{.name = "invalid_utf8_in_skipped_value",
                   .line = "{\"trigger\":\"t\",\"payload\":{\"other\":\"\xc3\x28\"}}",
                   .reason = kMalformed},
        RejectCase{.name = "control_char_in_string",
                   .line = "{\"trigger\":\"t\",\"payload\":{\"v\":\"a\x01\"}}",
                   .reason = kMalformed},
        RejectCase{.name = "bad_escape_in_read_string",
                   .line = R"({"trigger":"t","payload":{"v":"a\x"}})",
                   .reason = kMalformed},
        RejectCase{.name = "lone_surrogate_in_read_string",
                   .line = R"({"trigger":"t","payload":{"v":"\ud800"}})",
                   .reason = kMalformed},
        RejectCase{.name = "bad_literal_in_read_value",
                   .line = R"({"trigger":"t","payload":{"v":tru}})",
                   .reason = kMalformed},
        RejectCase{.name = "bad_number_in_read_string_slot",
                   .line = R"({"trigger":"t","payload":{"v":-01}})",
                   .reason = kMalformed},
        RejectCase{.name = "bad_number_in_json_value",
                   .line = R"({"trigger":"t","payload":{"j":[1, 01]}})",
                   .reason = kMalformed},
        RejectCase{.name = "bad_nested_literal_in_json_value",
                   .line = R"({"trigger":"t","payload":{"j":{"a":[nul]}}})",
                   .reason = kMalformed},
        RejectCase{.name = "json_value_too_deep",
                   .line = R"({"trigger":"t","payload":{"j":)" + std::string(600, '[') +
                           std::string(600, ']') + "}}",
                   .reason = kMalformed},
        // Documented On-Demand behaviour: a value no slot reads is skipped, not parsed.
        RejectCase{.name = "bad_literal_in_skipped_value_is_not_seen",
                   .line = R"({"trigger":"t","payload":{"other":tru}})"},
        RejectCase{.name = "colon_after_id",
                   .line = R"({"trigger":"t","payload":{},"id":"x": 1})",
                   .reason = kMalformed},
        RejectCase{.name = "colon_after_read_string",
                   .line = R"({"trigger":"t","payload":{"v":"x": 1}})",
                   .reason = kMalformed},
        RejectCase{.name = "full_validation_colon_after_skipped_string",
                   .line = R"({"trigger":"t","payload":{"other":"x": 1}})",
                   .reason = kMalformed,
                   .options = {.full_validation = true}},
        RejectCase{.name = "missing_comma_in_skipped_value_is_not_seen",
                   .line = R"({"trigger":"t","payload":{"other":[1 2]}})"},
        RejectCase{.name = "full_validation_bad_literal",
                   .line = R"({"trigger":"t","payload":{"other":tru}})",
                   .reason = kMalformed,
                   .options = {.full_validation = true}},
        RejectCase{.name = "full_validation_missing_comma",
                   .line = R"({"trigger":"t","payload":{"other":{"a":[1 2]}}})",
                   .reason = kMalformed,
                   .options = {.full_validation = true}},
        RejectCase{.name = "full_validation_envelope_key",
                   .line = R"({"trigger":"t","payload":{},"meta":{"a" 1}})",
                   .reason = kMalformed,
                   .options = {.full_validation = true}},
        RejectCase{.name = "full_validation_duplicate_key",
                   .line = R"({"trigger":"t","payload":{},"trigger":01})",
                   .reason = kMalformed,
                   .options = {.full_validation = true}},
        RejectCase{.name = "full_validation_unknown_trigger",
                   .line = R"({"trigger":"u","payload":{"x":nul}})",
                   .reason = kMalformed,
                   .options = {.full_validation = true}},
        RejectCase{.name = "full_validation_payload_first",
                   .line = R"({"payload":{"x":"\q"},"trigger":"t"})",
                   .reason = kMalformed,
                   .options = {.full_validation = true}},
        RejectCase{.name = "full_validation_bad_escape_in_a_nested_key",
                   .line = R"({"trigger":"t","payload":{"o":{"\uu00e9":1}}})",
                   .reason = kMalformed,
                   .options = {.full_validation = true}},
        RejectCase{.name = "bad_escape_in_a_key_below_a_json_slot",
                   .line = R"({"trigger":"t","payload":{"j":{"o":{"\uu00e9":1}}}})",
                   .reason = kMalformed},
        RejectCase{.name = "full_validation_ok",
                   .line = R"({"payload":{"x":[1,{"y":null}],"v":"s"},"trigger":"t","z":-1e5})",
                   .options = {.full_validation = true}},
        RejectCase{.name = "scalar", .line = "42", .reason = RejectReason::kNotAnObject},
        RejectCase{.name = "string", .line = R"("x")", .reason = RejectReason::kNotAnObject},
        RejectCase{.name = "array",
                   .line = R"([{"trigger":"t","payload":{}}])",
                   .reason = RejectReason::kNotAnObject},
        RejectCase{.name = "null", .line = "null", .reason = RejectReason::kNotAnObject},
        RejectCase{.name = "no_trigger",
                   .line = R"({"payload":{}})",
                   .reason = RejectReason::kMissingTrigger},
        RejectCase{.name = "trigger_number",
                   .line = R"({"trigger":5,"payload":{}})",
                   .reason = RejectReason::kInvalidTrigger},
        RejectCase{.name = "trigger_null",
                   .line = R"({"trigger":null,"payload":{}})",
                   .reason = RejectReason::kInvalidTrigger},
        RejectCase{.name = "trigger_empty",
                   .line = R"({"trigger":"","payload":{}})",
                   .reason = RejectReason::kInvalidTrigger},
        RejectCase{.name = "no_payload",
                   .line = R"({"trigger":"t"})",
                   .reason = RejectReason::kMissingPayload},
        RejectCase{.name = "payload_array",
                   .line = R"({"trigger":"t","payload":[]})",
                   .reason = RejectReason::kInvalidPayload},
        RejectCase{.name = "payload_null",
                   .line = R"({"trigger":"t","payload":null})",
                   .reason = RejectReason::kInvalidPayload},
        RejectCase{.name = "payload_string",
                   .line = R"({"payload":"{}","trigger":"t"})",
                   .reason = RejectReason::kInvalidPayload},
        RejectCase{.name = "id_float",
                   .line = R"({"trigger":"t","payload":{},"id":1.5})",
                   .reason = RejectReason::kInvalidId},
        RejectCase{.name = "id_object",
                   .line = R"({"trigger":"t","payload":{},"id":{}})",
                   .reason = RejectReason::kInvalidId},
        RejectCase{.name = "id_null_is_no_id", .line = R"({"trigger":"t","payload":{},"id":null})"},
        RejectCase{.name = "unknown_trigger_accepted", .line = R"({"trigger":"u","payload":{}})"},
        RejectCase{.name = "unknown_trigger_rejected",
                   .line = R"({"trigger":"u","payload":{}})",
                   .reason = RejectReason::kUnknownTrigger,
                   .options = {.known_triggers_only = true}},
        RejectCase{.name = "known_trigger_accepted",
                   .line = R"({"trigger":"t","payload":{}})",
                   .options = {.known_triggers_only = true}},
        RejectCase{.name = "too_long",
                   .line = R"({"trigger":"t","payload":{"v":"0123456789"}})",
                   .reason = RejectReason::kLineTooLong,
                   .options = {.max_line_bytes = 40}},
        RejectCase{.name = "at_limit",
                   .line = R"({"trigger":"t","payload":{"v":"012"}})",
                   .options = {.max_line_bytes = 37}}),
    [](const auto& p) { return p.param.name; });

TEST(DecoderTest, CountsEveryReason) {
  DecoderOptions options;
  options.known_triggers_only = true;
  options.max_line_bytes = 100;
  Decoder decoder = EnvelopeDecoder({Str({"v"})}, options);
  const std::vector<std::string> lines = {
      R"({"trigger":"t","payload":{"v":"a"}})",
      "",
      "{",
      "[]",
      R"({"payload":{}})",
      R"({"trigger":1,"payload":{}})",
      R"({"trigger":"t"})",
      R"({"trigger":"t","payload":1})",
      R"({"trigger":"t","payload":{},"id":true})",
      R"({"trigger":"nope","payload":{}})",
      std::string(101, ' ') + "{}",
      "   ",
      R"({"trigger":"t","payload":{"v":"b"}})",
      "{",
  };
  DecodedEvent event;
  for (const std::string& line : lines) (void)decoder.Decode(line, event);
  const DecoderStats& stats = decoder.stats();
  EXPECT_EQ(stats.lines, lines.size());
  EXPECT_EQ(stats.blank, 2u);
  EXPECT_EQ(stats.events, 2u);
  EXPECT_EQ(stats.rejected, 10u);
  EXPECT_EQ(stats.rejected_for(RejectReason::kMalformedJson), 2u);
  for (size_t i = 1; i < kRejectReasonCount; ++i) {
    EXPECT_EQ(stats.by_reason[i], 1u) << RejectReasonName(static_cast<RejectReason>(i));
  }
}

// ---------------------------------------------------------------------------------------------
// Envelope details.

TEST(DecoderTest, BlankLinesAreSkipped) {
  Decoder decoder = EnvelopeDecoder({});
  DecodedEvent event;
  for (std::string_view line : {"", " ", "\t", "\r", " \t \r"}) {
    EXPECT_EQ(decoder.Decode(line, event).outcome, DecodeResult::Outcome::kBlank);
  }
  EXPECT_EQ(decoder.stats().blank, 5u);
  EXPECT_EQ(decoder.stats().rejected, 0u);
}

TEST(DecoderTest, TriggerIdAndLine) {
  Decoder decoder = EnvelopeDecoder({Str({"v"})});
  DecodedEvent event;
  ASSERT_TRUE(
      decoder.Decode(R"({"id":"e-1","trigger":"t","payload":{"v":"x"},"extra":[1]})", event).ok());
  EXPECT_EQ(event.trigger, "t");
  EXPECT_EQ(event.id, "e-1");
  EXPECT_FALSE(event.id_assigned);
  EXPECT_EQ(event.line, 1u);
  EXPECT_EQ(event.plan, decoder.FindPlan("t"));
  EXPECT_EQ(event.plan_index, 0u);

  ASSERT_EQ(decoder.Decode("", event).outcome, DecodeResult::Outcome::kBlank);
  ASSERT_TRUE(decoder.Decode(R"({"trigger":"t","payload":{}})", event).ok());
  EXPECT_EQ(event.id, "event-3");  // blank lines count
  EXPECT_TRUE(event.id_assigned);
  EXPECT_EQ(event.line, 3u);
  EXPECT_EQ(event.slots[0].state, SlotState::kAbsent);

  ASSERT_TRUE(decoder.Decode(R"({"trigger":"t","payload":{},"id":-17})", event).ok());
  EXPECT_EQ(event.id, "-17");
  ASSERT_TRUE(decoder.Decode(R"({"trigger":"t","payload":{},"id":"a\u00e9\n"})", event).ok());
  EXPECT_EQ(event.id, "a\u00e9\n");
  ASSERT_TRUE(decoder.Decode(R"({"trigger":"t","payload":{},"id":""})", event).ok());
  EXPECT_EQ(event.id, "event-6");
}

TEST(DecoderTest, PayloadBeforeTrigger) {
  Decoder decoder = EnvelopeDecoder({Str({"v"}), Int({"n"})});
  DecodedEvent event;
  ASSERT_TRUE(
      decoder
          .Decode(R"({"payload":{"v":"x","n":2},"id":"i","trigger":"t","payload":{"v":"y"}})",
                  event)
          .ok());
  EXPECT_EQ(event.trigger, "t");
  EXPECT_EQ(event.id, "i");
  ASSERT_EQ(event.slots.size(), 2u);
  EXPECT_EQ(event.slots[0].text, "x");  // the first payload
  EXPECT_EQ(event.slots[1].integer, 2);
}

TEST(DecoderTest, FirstTriggerWinsAndEscapedKeysMatch) {
  Decoder decoder = EnvelopeDecoder({Str({"v"})});
  DecodedEvent event;
  ASSERT_TRUE(
      decoder.Decode(R"({"tr\u0069gger":"t","trigger":"u","payload":{"v":"x"}})", event).ok());
  EXPECT_EQ(event.trigger, "t");
  EXPECT_EQ(event.slots[0].text, "x");
}

TEST(DecoderTest, UnknownTriggerHasNoSlots) {
  Decoder decoder = EnvelopeDecoder({Str({"v"})});
  DecodedEvent event;
  ASSERT_TRUE(decoder.Decode(R"({"trigger":"other","payload":{"v":"x"}})", event).ok());
  EXPECT_EQ(event.trigger, "other");
  EXPECT_EQ(event.plan, nullptr);
  EXPECT_EQ(event.plan_index, DecodedEvent::kNoPlan);
  EXPECT_TRUE(event.slots.empty());
}

TEST(DecoderTest, SeveralTriggers) {
  std::vector<DecoderPlan> plans;
  const std::vector<FieldPath> a = {Str({"host"})};
  const std::vector<FieldPath> b = {Int({"free"}), Str({"host"})};
  plans.emplace_back("disk.low", a);
  plans.emplace_back("cpu.high", b);
  Decoder decoder({}, std::move(plans));
  DecodedEvent event;
  ASSERT_TRUE(
      decoder.Decode(R"({"trigger":"cpu.high","payload":{"host":"h","free":3}})", event).ok());
  EXPECT_EQ(event.plan_index, 1u);
  ASSERT_EQ(event.slots.size(), 2u);
  EXPECT_EQ(event.slots[0].integer, 3);
  EXPECT_EQ(event.slots[1].text, "h");
  ASSERT_TRUE(decoder.Decode(R"({"trigger":"disk.low","payload":{"host":"g"}})", event).ok());
  EXPECT_EQ(event.plan_index, 0u);
  ASSERT_EQ(event.slots.size(), 1u);
  EXPECT_EQ(event.slots[0].text, "g");
}

TEST(DecoderTest, CrlfAndSurroundingWhitespace) {
  Decoder decoder = EnvelopeDecoder({Str({"v"})});
  DecodedEvent event;
  ASSERT_TRUE(decoder.Decode(" \t{\"trigger\":\"t\",\"payload\":{\"v\":\"x\"}} \r", event).ok());
  EXPECT_EQ(event.slots[0].text, "x");
}

TEST(DecoderTest, DecodePaddedMatchesDecode) {
  Decoder decoder = EnvelopeDecoder({Str({"v"}), Json({"j"})});
  std::string buffer = R"({"trigger":"t","payload":{"v":"x\ty","j":{"a": [1]}}})";
  const size_t size = buffer.size();
  buffer.append(kInputPadding, 'X');  // any bytes
  DecodedEvent event;
  ASSERT_TRUE(decoder.DecodePadded(std::string_view(buffer.data(), size), event).ok());
  EXPECT_EQ(event.slots[0].text, "x\ty");
  EXPECT_EQ(event.slots[1].text, R"({"a": [1]})");
  EXPECT_EQ(event.slots[1].text.data(), buffer.data() + buffer.find("{\"a\""));  // no copy
}

// Found by fuzzing: an unclosed object must not be closed by the bytes after the line (the
// walk below `j` used to run past the line; UBSan saw the text computed from there).
TEST(DecoderTest, BytesAfterTheLineDoNotCloseIt) {
  for (DecodeMode mode : {DecodeMode::kBare, DecodeMode::kEnvelope}) {
    DecoderOptions options;
    options.mode = mode;
    options.bare_trigger = "t";
    Decoder decoder(options, OnePlan("t", {Json({"j"}), Json({}), Int({"j", "l"})}));
    for (std::string line : {R"({"j": {"l": 1})", R"({"trigger":"t","payload":{"j":{"l":1}})",
                             R"({"j": {"l": {"m": 1e2)"}) {
      const size_t size = line.size();
      line.append(kInputPadding, '}');
      DecodedEvent event;
      EXPECT_EQ(decoder.DecodePadded(std::string_view(line.data(), size), event).reason,
                RejectReason::kMalformedJson)
          << line.substr(0, size);
    }
  }
}

TEST(DecoderTest, DetachKeepsTextsPastTheNextDecode) {
  Decoder decoder = EnvelopeDecoder({Str({"v"}), Json({"j"})});
  DecodedEvent first;
  ASSERT_TRUE(decoder.Decode(R"({"trigger":"t","payload":{"v":"one","j":[1]}})", first).ok());
  first.Detach();
  DecodedEvent second;
  ASSERT_TRUE(decoder.Decode(R"({"trigger":"t","payload":{"v":"TWO","j":[2]}})", second).ok());
  EXPECT_EQ(first.slots[0].text, "one");
  EXPECT_EQ(first.slots[1].text, "[1]");
  DecodedEvent moved = std::move(first);
  EXPECT_EQ(moved.slots[0].text, "one");
  moved.Detach();  // twice is fine
  EXPECT_EQ(moved.slots[1].text, "[1]");
}

TEST(DecoderTest, ReusedEventIsReset) {
  Decoder decoder = EnvelopeDecoder({Str({"v"}), Int({"n"})});
  DecodedEvent event;
  ASSERT_TRUE(decoder.Decode(R"({"trigger":"t","payload":{"v":"x","n":1},"id":"a"})", event).ok());
  ASSERT_TRUE(decoder.Decode(R"({"trigger":"t","payload":{"n":"s"}})", event).ok());
  EXPECT_EQ(event.slots[0].state, SlotState::kAbsent);
  EXPECT_EQ(event.slots[1].state, SlotState::kWrongType);
  EXPECT_EQ(event.id, "event-2");
}

TEST(DecoderTest, LongLinesGrowTheBuffers) {
  Decoder decoder = EnvelopeDecoder({Str({"v"}), Str({"w"})});
  DecodedEvent event;
  for (size_t size : {10u, 100'000u, 50u, 300'000u}) {
    const std::string big(size, 'a');
    ASSERT_TRUE(
        decoder.Decode(R"({"trigger":"t","payload":{"v":")" + big + R"(","w":"z"}})", event).ok());
    EXPECT_EQ(event.slots[0].text, big);
    EXPECT_EQ(event.slots[1].text, "z");
  }
}

// ---------------------------------------------------------------------------------------------
// Bare mode.

Decoder BareDecoder(std::vector<FieldPath> paths, std::string id_field = "id") {
  DecoderOptions options;
  options.mode = DecodeMode::kBare;
  options.bare_trigger = "monitoring.alert";
  options.bare_id_field = std::move(id_field);
  return Decoder(std::move(options), OnePlan("monitoring.alert", std::move(paths)));
}

constexpr std::string_view kBenchLine =
    R"({"id":"evt-0","type":"monitoring.alert","source":"sensor.web","severity":"warning",)"
    R"("cpu":61.06,"message":"for host after for service request latency",)"
    R"("host":"host-001.us-west-2.example.internal","region":"ap-south-1","ts":1700000000000})";

TEST(DecoderBareTest, DecodesTheBenchmarkFormat) {
  Decoder decoder = BareDecoder({Str({"severity"}),
                                 {.segments = {"cpu"}, .kind = TypeKind::kFloat},
                                 Str({"message"}),
                                 {.segments = {"ts"}, .kind = TypeKind::kTime},
                                 Str({"id"})});
  DecodedEvent event;
  DecodeResult result = decoder.Decode(kBenchLine, event);
  ASSERT_TRUE(result.ok()) << result.message;
  EXPECT_EQ(event.trigger, "monitoring.alert");
  EXPECT_EQ(event.id, "evt-0");
  EXPECT_FALSE(event.id_assigned);
  ASSERT_EQ(event.slots.size(), 5u);
  EXPECT_EQ(event.slots[0].text, "warning");
  EXPECT_EQ(event.slots[1].number, 61.06);
  EXPECT_EQ(event.slots[2].text, "for host after for service request latency");
  EXPECT_EQ(event.slots[3].integer, 1'700'000'000'000);
  EXPECT_EQ(event.slots[4].text, "evt-0");  // the id field is also a payload field
}

TEST(DecoderBareTest, Ids) {
  Decoder decoder = BareDecoder({Str({"trigger"})});
  DecodedEvent event;
  ASSERT_TRUE(decoder.Decode(R"({"trigger":"x"})", event).ok());
  EXPECT_EQ(event.id, "event-1");
  EXPECT_EQ(event.trigger, "monitoring.alert");  // `trigger` is a payload field here
  EXPECT_EQ(event.slots[0].text, "x");
  ASSERT_TRUE(decoder.Decode(R"({"id":7})", event).ok());
  EXPECT_EQ(event.id, "7");
  ASSERT_TRUE(decoder.Decode(R"({"id":[7]})", event).ok());  // not an id: assigned
  EXPECT_EQ(event.id, "event-3");
  ASSERT_TRUE(decoder.Decode(R"({"id":"a","id":"b"})", event).ok());
  EXPECT_EQ(event.id, "a");

  Decoder no_ids = BareDecoder({}, "");
  ASSERT_TRUE(no_ids.Decode(R"({"id":"a"})", event).ok());
  EXPECT_EQ(event.id, "event-1");
}

TEST(DecoderBareTest, Rejections) {
  Decoder decoder = BareDecoder({Str({"v"})});
  DecodedEvent event;
  EXPECT_EQ(decoder.Decode("[1]", event).reason, RejectReason::kNotAnObject);
  EXPECT_EQ(decoder.Decode(R"({"v":"x"} {})", event).reason, RejectReason::kMalformedJson);
  EXPECT_EQ(decoder.Decode(R"({"v":"x",)", event).reason, RejectReason::kMalformedJson);
  EXPECT_EQ(decoder.Decode(R"({"v":"x"},)", event).reason, RejectReason::kMalformedJson);
  EXPECT_EQ(decoder.Decode(R"({"id":"\q"})", event).reason, RejectReason::kMalformedJson);
  EXPECT_EQ(decoder.Decode(R"({"id":"x": 1})", event).reason, RejectReason::kMalformedJson);
  EXPECT_EQ(decoder.stats().rejected, 6u);
}

TEST(DecoderBareTest, FullValidation) {
  DecoderOptions options;
  options.mode = DecodeMode::kBare;
  options.bare_trigger = "x";
  options.full_validation = true;
  Decoder decoder(options, {});
  DecodedEvent event;
  EXPECT_TRUE(decoder.Decode(kBenchLine, event).ok());
  EXPECT_EQ(decoder.Decode(R"({"a":[1 2]})", event).reason, RejectReason::kMalformedJson);
  EXPECT_EQ(decoder.Decode(R"({"id":"a","b":{"c":falsy}})", event).reason,
            RejectReason::kMalformedJson);
}

TEST(DecoderBareTest, WholePayloadSlot) {
  Decoder decoder = BareDecoder({{.segments = {}, .kind = TypeKind::kJson}});
  DecodedEvent event;
  ASSERT_TRUE(decoder.Decode(R"( {"a": [1, {"b": 2}]}  )", event).ok());
  EXPECT_EQ(event.slots[0].text, R"({"a": [1, {"b": 2}]})");
  EXPECT_EQ(decoder.Decode(R"({"a": [1, {"b": 2}], "c": tru})", event).reason,
            RejectReason::kMalformedJson);
}

TEST(DecoderBareTest, WithoutAPlanEventsHaveNoSlots) {
  DecoderOptions options;
  options.mode = DecodeMode::kBare;
  options.bare_trigger = "x";
  Decoder decoder(options, {});
  DecodedEvent event;
  ASSERT_TRUE(decoder.Decode(kBenchLine, event).ok());
  EXPECT_EQ(event.trigger, "x");
  EXPECT_EQ(event.id, "evt-0");
  EXPECT_TRUE(event.slots.empty());
  EXPECT_EQ(decoder.Decode(R"({"a":1} 2)", event).reason, RejectReason::kMalformedJson);
}

// ---------------------------------------------------------------------------------------------
// Batches: StartBatch + DecodeNext give exactly what DecodePadded gives line by line.

// Everything a decode produces for one line, comparable.
struct LineOutcome {
  DecodeResult::Outcome outcome = DecodeResult::Outcome::kBlank;
  RejectReason reason = RejectReason::kMalformedJson;
  std::string message;
  uint64_t line = 0;
  std::string trigger;
  std::string id;
  bool id_assigned = false;
  uint32_t plan_index = DecodedEvent::kNoPlan;
  std::vector<std::string> slots;  // "state" or "state=value"

  friend bool operator==(const LineOutcome&, const LineOutcome&) = default;
};

void PrintTo(const LineOutcome& o, std::ostream* os) {
  *os << "line " << o.line << ": ";
  switch (o.outcome) {
    case DecodeResult::Outcome::kBlank:
      *os << "blank";
      return;
    case DecodeResult::Outcome::kRejected:
      *os << "rejected " << RejectReasonName(o.reason) << ": " << o.message;
      return;
    case DecodeResult::Outcome::kEvent:
      *os << "event trigger " << o.trigger << " id " << o.id << (o.id_assigned ? " (assigned)" : "")
          << " plan " << o.plan_index << " slots";
      for (const std::string& slot : o.slots) *os << " [" << slot << "]";
      return;
  }
}

LineOutcome Outcome(const DecodeResult& result, const DecodedEvent& event) {
  LineOutcome o{.outcome = result.outcome, .line = result.line};
  if (result.outcome == DecodeResult::Outcome::kRejected) {
    o.reason = result.reason;
    o.message = std::string(result.message);
  } else if (result.outcome == DecodeResult::Outcome::kEvent) {
    EXPECT_EQ(event.line, result.line);
    o.trigger = event.trigger;
    o.id = event.id;
    o.id_assigned = event.id_assigned;
    o.plan_index = event.plan_index;
    for (size_t i = 0; i < event.slots.size(); ++i) {
      const Slot& slot = event.slots[i];
      std::string text(SlotStateName(slot.state));
      if (slot.state == SlotState::kPresent) {
        text += "=" + SlotValueText(*event.plan, static_cast<SlotIndex>(i), slot);
      }
      o.slots.push_back(std::move(text));
    }
  }
  return o;
}

// `text` followed by kInputPadding bytes of `padding` (as in a LineReader buffer, whatever follows
// the lines may be any bytes).
struct PaddedText {
  explicit PaddedText(std::string_view text, char padding = ' ')
      : bytes(std::string(text) + std::string(kInputPadding, padding)) {}
  std::string_view view() const { return std::string_view(bytes).substr(0, size()); }
  size_t size() const { return bytes.size() - kInputPadding; }
  std::string bytes;
};

// Line by line as LineReader splits: DecodePadded on each line in place.
std::vector<LineOutcome> DecodeLines(Decoder& decoder, std::string_view text) {
  std::vector<LineOutcome> outcomes;
  DecodedEvent event;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t stop = text.find('\n', pos);
    const size_t next = stop == std::string_view::npos ? text.size() : stop + 1;
    if (stop == std::string_view::npos) stop = text.size();
    std::string_view line = text.substr(pos, stop - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const DecodeResult result = decoder.DecodePadded(line, event);
    outcomes.push_back(Outcome(result, event));
    pos = next;
  }
  return outcomes;
}

std::vector<LineOutcome> DecodeBatch(Decoder& decoder, std::string_view text) {
  std::vector<LineOutcome> outcomes;
  DecodedEvent event;
  DecodeResult result;
  decoder.StartBatch(text);
  while (decoder.DecodeNext(event, result)) outcomes.push_back(Outcome(result, event));
  EXPECT_FALSE(decoder.DecodeNext(event, result));  // stays done
  return outcomes;
}

void ExpectSameStats(const DecoderStats& a, const DecoderStats& b) {
  EXPECT_EQ(a.lines, b.lines);
  EXPECT_EQ(a.blank, b.blank);
  EXPECT_EQ(a.events, b.events);
  EXPECT_EQ(a.rejected, b.rejected);
  EXPECT_EQ(a.by_reason, b.by_reason);
}

// A decoder of each kind: bare and envelope, lax and fully validating, over plans with a slot
// of every kind, nested paths, raw-text slots and the id field as a slot.
std::vector<std::pair<std::string, std::function<Decoder()>>> BatchDecoders(
    size_t max_line_bytes = size_t{1} << 20) {
  const std::vector<FieldPath> paths = {
      Str({"severity"}),
      {.segments = {"cpu"}, .kind = TypeKind::kFloat},
      Str({"message"}),
      Int({"n"}),
      {.segments = {"b"}, .kind = TypeKind::kBool},
      {.segments = {"ts"}, .kind = TypeKind::kTime},
      {.segments = {"d"}, .kind = TypeKind::kDuration},
      Json({"j"}),
      {.segments = {"l"}, .kind = TypeKind::kList},
      Str({"labels", "team"}),
      Int({"labels", "deep", "x"}),
      Str({"id"}),
      Str({"t\u00e9"}),
      Str({"k\"q"}),
  };
  auto make = [=](DecodeMode mode, bool full_validation, bool whole_payload) {
    return [=] {
      DecoderOptions options;
      options.mode = mode;
      options.bare_trigger = "t";
      options.full_validation = full_validation;
      options.max_line_bytes = max_line_bytes;
      std::vector<FieldPath> plan_paths = paths;
      if (whole_payload) plan_paths.push_back({.segments = {}, .kind = TypeKind::kRecord});
      std::vector<DecoderPlan> plans;
      plans.emplace_back("t", plan_paths);
      plans.emplace_back("u", std::vector<FieldPath>{Str({"severity"})});
      return Decoder(std::move(options), std::move(plans));
    };
  };
  return {
      {"bare", make(DecodeMode::kBare, false, false)},
      {"bare_whole_payload", make(DecodeMode::kBare, false, true)},
      {"bare_full_validation", make(DecodeMode::kBare, true, false)},
      {"envelope", make(DecodeMode::kEnvelope, false, false)},
      {"envelope_full_validation", make(DecodeMode::kEnvelope, true, true)},
  };
}

// Decodes `text` both ways with a fresh decoder of each kind; returns the outcomes of the first
// kind (bare) for further checks.
std::vector<LineOutcome> ExpectBatchMatchesLines(std::string_view text, char padding = ' ',
                                                 size_t max_line_bytes = size_t{1} << 20) {
  const PaddedText padded(text, padding);
  std::vector<LineOutcome> first;
  for (const auto& [name, make] : BatchDecoders(max_line_bytes)) {
    Decoder by_line = make();
    Decoder by_batch = make();
    const std::vector<LineOutcome> lines = DecodeLines(by_line, padded.view());
    const std::vector<LineOutcome> batch = DecodeBatch(by_batch, padded.view());
    EXPECT_EQ(batch.size(), lines.size()) << name;
    for (size_t i = 0; i < std::min(batch.size(), lines.size()); ++i) {
      EXPECT_EQ(batch[i], lines[i]) << name << ", line " << i + 1;
    }
    ExpectSameStats(by_batch.stats(), by_line.stats());
    EXPECT_EQ(by_line.stats().batch_lines_alone, 0u);
    if (first.empty()) first = lines;
  }
  return first;
}

constexpr std::string_view kGoodLine =
    R"({"id":"e1","severity":"warning","cpu":61.06,"message":"m\u00e9","n":3,"b":true,)"
    R"("ts":"2024-01-02T03:04:05Z","d":"1h30m","j":{"x":[1,2]},"l":[1],"labels":{"team":"ops",)"
    R"("deep":{"x":7}},"t\u00e9":"escaped key","k\"q":"quote key","host":"h1"})";

std::string Lines(std::initializer_list<std::string_view> lines, std::string_view end = "\n") {
  std::string text;
  for (std::string_view line : lines) {
    text += line;
    text += end;
  }
  return text;
}

struct BatchCase {
  std::string name;
  std::string text;
  char padding = ' ';  // the bytes after the text
  size_t max_line_bytes = size_t{1} << 20;
};

void PrintTo(const BatchCase& c, std::ostream* os) { *os << c.name; }

class BatchTest : public testing::TestWithParam<BatchCase> {};

TEST_P(BatchTest, MatchesLineByLine) {
  const BatchCase& c = GetParam();
  ExpectBatchMatchesLines(c.text, c.padding, c.max_line_bytes);
}

std::string Envelope(std::string_view payload) {
  return R"({"trigger":"t","payload":)" + std::string(payload) + "}";
}

INSTANTIATE_TEST_SUITE_P(
    Batches, BatchTest,
    testing::Values(
        BatchCase{.name = "empty", .text = ""}, BatchCase{.name = "one_newline", .text = "\n"},
        BatchCase{.name = "good_lines", .text = Lines({kGoodLine, kGoodLine, kGoodLine})},
        BatchCase{.name = "last_line_without_newline",
                  .text = Lines({kGoodLine, kGoodLine}) + std::string(kGoodLine)},
        BatchCase{.name = "crlf", .text = Lines({kGoodLine, "", kGoodLine}, "\r\n")},
        BatchCase{.name = "crlf_last_line_without_newline",
                  .text = Lines({kGoodLine}, "\r\n") + std::string(kGoodLine) + "\r"},
        BatchCase{.name = "blank_and_whitespace_lines",
                  .text = Lines({"", kGoodLine, " \t", "", "\r", kGoodLine, "  "})},
        BatchCase{.name = "unclosed_object_does_not_take_the_next_line",
                  .text = Lines({kGoodLine, R"({"severity":"x","cpu":1)", R"("n":2})", kGoodLine,
                                 R"({"severity":"x",)", R"("n":2})", kGoodLine})},
        BatchCase{.name = "object_over_two_lines",
                  .text = Lines({kGoodLine, R"({"severity":)", R"("x"})", kGoodLine})},
        BatchCase{.name = "closing_brace_on_the_next_line",
                  .text = Lines({R"({"n":1)", "}", kGoodLine})},
        BatchCase{.name = "unclosed_last_line_followed_by_braces",
                  .text = Lines({kGoodLine}) + R"({"j":{"x":1)",
                  .padding = '}'},
        BatchCase{.name = "unclosed_string",
                  .text = Lines({kGoodLine, R"({"severity":"x})", kGoodLine, R"({"a":"})", R"("})",
                                 kGoodLine})},
        BatchCase{.name = "two_objects_on_a_line",
                  .text = Lines({kGoodLine, R"({"n":1} {"n":2})", R"({"n":1}{"n":2})", kGoodLine})},
        BatchCase{.name = "trailing_text",
                  .text = Lines({kGoodLine, R"({"n":1} x)", R"({"n":1},)", kGoodLine})},
        // The last line of a range: simdjson drops an incomplete last document (or an unclosed
        // string) without an error; the decoder must still see the text after the object.
        BatchCase{.name = "trailing_text_on_the_last_line",
                  .text = Lines({kGoodLine, R"({"n":1} x"y",)"
                                            "\"z\":1}"})},
        BatchCase{.name = "trailing_open_object_on_the_last_line",
                  .text = Lines({kGoodLine, R"({"n":1} {"a":)"})},
        BatchCase{.name = "trailing_quote_on_the_last_line",
                  .text = Lines({kGoodLine, R"({"n":1} ")"})},
        BatchCase{.name = "unclosed_string_on_the_last_line",
                  .text = Lines({kGoodLine, R"({"severity":"x})"})},
        BatchCase{.name = "partial_utf8_at_the_end_of_a_line",
                  .text = Lines({kGoodLine, "{\"n\":1}\xf7", kGoodLine, "{\"n\":1}\xe2\x82",
                                 "{\"n\":1}\xf7"})},
        BatchCase{.name = "not_objects",
                  .text = Lines({"42", kGoodLine, R"("x")", "null", "[1,2]", "nope", "tru",
                                 kGoodLine, "}", "]", ":", ","})},
        BatchCase{.name = "invalid_utf8",
                  .text = Lines({kGoodLine, "{\"severity\":\"\xff\"}", kGoodLine,
                                 "{\"other\":\"\xc3\x28\"}", kGoodLine, "\xe2\x82"})},
        BatchCase{.name = "control_characters",
                  .text = Lines({kGoodLine, "{\"severity\":\"a\x01b\"}", kGoodLine, "{\"n\":1}\x01",
                                 "\x0c{}", kGoodLine})},
        BatchCase{.name = "malformed_values",
                  .text = Lines({R"({"n":01})", R"({"cpu":-})", R"({"b":tru})", R"({"x":tru})",
                                 R"({"x":[1 2]})", R"({"j":[1 2]})", R"({"severity":"\q"})",
                                 R"({"id":"\ud800"})", R"({"id":{}})", R"({"id":7})",
                                 R"({"id":1.5})", R"({"n":1e400,"cpu":1e400})", kGoodLine})},
        BatchCase{.name = "duplicate_keys",
                  .text = Lines({R"({"severity":"a","severity":"b","id":"1","id":"2"})",
                                 R"({"labels":{"team":"a"},"labels":{"team":"b"}})", kGoodLine})},
        BatchCase{.name = "too_long_lines",
                  .text = Lines({kGoodLine, std::string(500, ' ') + "{}", kGoodLine,
                                 R"({"message":")" + std::string(400, 'm') + R"("})", kGoodLine,
                                 std::string(kGoodLine) + std::string(100, ' ')}),
                  .max_line_bytes = 400},
        BatchCase{.name = "too_long_unclosed",
                  .text = Lines({kGoodLine, R"({"message":")" + std::string(400, 'm'), kGoodLine}),
                  .max_line_bytes = 400},
        BatchCase{.name = "deep",
                  .text = Lines({kGoodLine,
                                 R"({"j":)" + std::string(600, '[') + std::string(600, ']') + "}",
                                 R"({"x":)" + std::string(5000, '[') + std::string(5000, ']') + "}",
                                 kGoodLine})},
        BatchCase{
            .name = "envelopes",
            .text = Lines({Envelope(kGoodLine), R"({"payload":{"severity":"p"},"trigger":"t"})",
                           R"({"trigger":"u","payload":{"severity":"s"},"id":5})",
                           R"({"trigger":"none","payload":{}})", R"({"payload":{}})",
                           R"({"trigger":"t"})", R"({"trigger":"t","payload":[]})",
                           R"({"trigger":"t","payload":{},"id":1.5})",
                           R"({"trigger":"","payload":{}})", Envelope(kGoodLine)})}),
    [](const auto& p) { return p.param.name; });

// Good lines come from the batch's stage 1; only the last line of a range (here the last
// terminated one) and an unterminated last line are parsed alone.
TEST(BatchTest, GoodLinesAreNotParsedAlone) {
  for (const auto& [name, make] : BatchDecoders()) {
    Decoder decoder = make();
    const std::string line =
        name.starts_with("envelope") ? Envelope(kGoodLine) : std::string(kGoodLine);
    const PaddedText text(Lines({line, "", line, " ", line}) + line);
    std::vector<LineOutcome> outcomes = DecodeBatch(decoder, text.view());
    ASSERT_EQ(outcomes.size(), 6u) << name;
    EXPECT_EQ(decoder.stats().events, 4u) << name;
    EXPECT_EQ(decoder.stats().batch_lines_alone, 2u) << name;
  }
}

// A line longer than a batch's ranges (64 KiB) but within the line limit.
TEST(BatchTest, LinesLongerThanARange) {
  const std::string big = R"({"message":")" + std::string(100'000, 'm') + R"(","n":1})";
  const std::vector<LineOutcome> outcomes =
      ExpectBatchMatchesLines(Lines({kGoodLine, big, kGoodLine, big}) + big);
  ASSERT_EQ(outcomes.size(), 5u);
  EXPECT_EQ(outcomes[1].outcome, DecodeResult::Outcome::kEvent);
  EXPECT_EQ(outcomes[4].slots[2], "present=" + std::string(100'000, 'm'));
}

// Many ranges of good lines with bad lines among them: bad lines do not change their
// neighbours' results, and only slow down a few lines around them.
TEST(BatchTest, BadLinesAmongManyGoodOnes) {
  std::string text;
  uint64_t bad = 0;
  for (int i = 0; i < 6000; ++i) {
    bad += i % 997 == 5 || i % 1009 == 700 || i % 887 == 3 ? 1 : 0;
    if (i % 997 == 5) {
      text += R"({"severity":"bad",)";  // unclosed
    } else if (i % 1009 == 700) {
      text += "{\"severity\":\"\xff\"}";  // invalid UTF-8: its range fails stage 1
    } else if (i % 887 == 3) {
      text += "[1]";
    } else {
      text += R"({"id":"e)" + std::to_string(i) + R"(","severity":"s)" + std::to_string(i % 7) +
              R"(","cpu":)" + std::to_string(i) + ".5}";
    }
    text += "\n";
  }
  const std::vector<LineOutcome> outcomes = ExpectBatchMatchesLines(text);
  ASSERT_EQ(outcomes.size(), 6000u);
  EXPECT_EQ(outcomes[5999].id, "e5999");
  Decoder decoder = BareDecoder({Str({"severity"})});
  const PaddedText padded(text);
  DecodeBatch(decoder, padded.view());
  EXPECT_EQ(decoder.stats().rejected, bad);
  // The bad lines, and the good ones of the smallest range around an invalid UTF-8 line.
  EXPECT_GE(decoder.stats().batch_lines_alone, bad);
  EXPECT_LT(decoder.stats().batch_lines_alone, 6000u / 20);
}

// Random lines: valid ones and mutations of them (a byte deleted, inserted or replaced, the
// line cut), blank lines, long lines. Every decoder kind gives the same results both ways.
TEST(BatchTest, RandomLinesMatchLineByLine) {
  std::mt19937 random(20261125);
  auto pick = [&](size_t n) { return static_cast<size_t>(random() % n); };
  const std::vector<std::string> values = {R"("x")",
                                           R"("a\"b")",
                                           R"("\u00e9t\u00e9")",
                                           "12",
                                           "-0.5",
                                           "1e3",
                                           "true",
                                           "null",
                                           R"({"x":[1,{}]})",
                                           "[]",
                                           R"({"team":"t","deep":{"x":1}})",
                                           R"("2024-01-02T03:04:05Z")",
                                           R"("90s")",
                                           "[1,[2,[3]]]"};
  const std::vector<std::string> keys = {"severity", "cpu",  "message", "n",      "b",  "ts",
                                         "d",        "j",    "l",       "labels", "id", "t\u00e9",
                                         "k\\\"q",   "host", "",        "sev"};
  const std::string noise =
      "{}[]\":,\\ \t\r\n\x01\x7f\xff\xc3\xa9"
      "a1e-";
  auto object = [&] {
    std::string line = "{";
    const size_t fields = pick(8);
    for (size_t f = 0; f < fields; ++f) {
      if (f > 0) line += pick(10) == 0 ? " , " : ",";
      line += "\"" + keys[pick(keys.size())] + "\":" + values[pick(values.size())];
    }
    return line + "}";
  };
  for (int round = 0; round < 12; ++round) {
    std::string text;
    const size_t lines = 300 + pick(1500);
    for (size_t i = 0; i < lines; ++i) {
      std::string line;
      switch (pick(12)) {
        case 0:
          line = std::string(pick(3), ' ');
          break;
        case 1:
          line = Envelope(object());
          break;
        case 2:
          line = R"({"payload":)" + object() + R"(,"trigger":"t","id":)" +
                 values[pick(values.size())] + "}";
          break;
        default:
          line = object();
          break;
      }
      for (size_t m = pick(4) == 0 ? 1 + pick(3) : 0; m > 0 && !line.empty(); --m) {
        const size_t at = pick(line.size());
        switch (pick(4)) {
          case 0:
            line.erase(at, 1);
            break;
          case 1:
            line.insert(at, 1, noise[pick(noise.size())]);
            break;
          case 2:
            line[at] = noise[pick(noise.size())];
            break;
          default:
            line.resize(at);
            break;
        }
      }
      text += line;
      if (i + 1 < lines || pick(2) == 0) text += pick(8) == 0 ? "\r\n" : "\n";
    }
    const char padding = "} \"]x"[pick(5)];
    SCOPED_TRACE("round " + std::to_string(round));
    ExpectBatchMatchesLines(text, padding, pick(3) == 0 ? 120 : size_t{1} << 20);
  }
}

TEST(BatchTest, EveryResultHasItsLineNumber) {
  Decoder decoder = BareDecoder({Str({"v"})});
  const PaddedText text(Lines({R"({"v":"a"})", "", "[1]", R"({"v":)", R"({"v":"b"})"}));
  DecodedEvent event;
  DecodeResult result;
  decoder.StartBatch(text.view());
  std::vector<std::pair<uint64_t, DecodeResult::Outcome>> lines;
  while (decoder.DecodeNext(event, result)) lines.emplace_back(result.line, result.outcome);
  using enum DecodeResult::Outcome;
  EXPECT_EQ(lines, (std::vector<std::pair<uint64_t, DecodeResult::Outcome>>{
                       {1, kEvent}, {2, kBlank}, {3, kRejected}, {4, kRejected}, {5, kEvent}}));
  EXPECT_EQ(event.line, 5u);
}

TEST(BatchTest, DecodeNextWithoutABatch) {
  Decoder decoder = BareDecoder({Str({"v"})});
  DecodedEvent event;
  DecodeResult result;
  EXPECT_FALSE(decoder.DecodeNext(event, result));
  decoder.StartBatch("");
  EXPECT_FALSE(decoder.DecodeNext(event, result));
  EXPECT_EQ(decoder.stats().lines, 0u);
}

TEST(BatchTest, InterleavedWithDecodeAndRestarted) {
  Decoder decoder = BareDecoder({Str({"v"})});
  const PaddedText text(Lines({R"({"v":"a"})", R"({"v":"b"})", R"({"v":"c"})"}));
  DecodedEvent event;
  DecodeResult result;
  decoder.StartBatch(text.view());
  ASSERT_TRUE(decoder.DecodeNext(event, result));
  EXPECT_EQ(event.slots[0].text, "a");
  EXPECT_EQ(event.line, 1u);
  ASSERT_TRUE(decoder.Decode(R"({"v":"between"})", event).ok());  // line 2
  EXPECT_EQ(event.line, 2u);
  ASSERT_TRUE(decoder.DecodeNext(event, result));
  EXPECT_EQ(event.slots[0].text, "b");
  EXPECT_EQ(event.line, 3u);
  EXPECT_EQ(event.id, "event-3");
  // A new batch abandons the rest of the first.
  decoder.StartBatch(text.view());
  std::vector<std::string> texts;
  while (decoder.DecodeNext(event, result)) texts.emplace_back(event.slots[0].text);
  EXPECT_EQ(texts, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(decoder.stats().lines, 6u);
  EXPECT_EQ(decoder.stats().events, 6u);
}

TEST(BatchTest, DetachedEventsOutliveTheBatch) {
  Decoder decoder = BareDecoder({Str({"v"}), Json({"j"})});
  DecodedEvent first;
  DecodeResult result;
  {
    const PaddedText text(Lines({R"({"v":"one\n","j":[1]})", R"({"v":"two","j":[2]})"}));
    decoder.StartBatch(text.view());
    ASSERT_TRUE(decoder.DecodeNext(first, result));
    first.Detach();
    DecodedEvent second;
    ASSERT_TRUE(decoder.DecodeNext(second, result));
    EXPECT_EQ(second.slots[0].text, "two");
  }
  EXPECT_EQ(first.slots[0].text, "one\n");
  EXPECT_EQ(first.slots[1].text, "[1]");
}

TEST(DecoderDeathTest, DuplicatePlansAreACallerBug) {
  std::vector<DecoderPlan> plans;
  plans.emplace_back("t", std::span<const FieldPath>());
  plans.emplace_back("t", std::span<const FieldPath>());
  EXPECT_DEATH(Decoder({}, std::move(plans)), "two plans");
}

}  // namespace
}  // namespace squall::events
