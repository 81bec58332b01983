#include "runtime/events/decoder.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <optional>
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

TEST(DecoderDeathTest, DuplicatePlansAreACallerBug) {
  std::vector<DecoderPlan> plans;
  plans.emplace_back("t", std::span<const FieldPath>());
  plans.emplace_back("t", std::span<const FieldPath>());
  EXPECT_DEATH(Decoder({}, std::move(plans)), "two plans");
}

}  // namespace
}  // namespace squall::events
