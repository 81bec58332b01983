#include "compiler/schema/yaml_value.h"

#include <gtest/gtest.h>

#include <string>

#include "compiler/schema/schema_test_util.h"

namespace squall::schema {
namespace {

using testing::Snippet;

// How PyYAML (YAML 1.1, what StackStorm loads packs with) reads a scalar, and its JSON text.
struct ScalarCase {
  std::string yaml;  // the value after `v: `
  ValueKind kind;
  std::string json;
};

class ScalarTest : public ::testing::TestWithParam<ScalarCase> {};

TEST_P(ScalarTest, ResolvesLikePyYaml) {
  Snippet snippet("v: " + GetParam().yaml + "\n");
  YAML::Node node = snippet.Entry("v").value;
  EXPECT_EQ(KindOf(node), GetParam().kind) << GetParam().yaml;
  EXPECT_EQ(ToJson(node), GetParam().json) << GetParam().yaml;
}

INSTANTIATE_TEST_SUITE_P(
    Yaml11, ScalarTest,
    ::testing::Values(
        ScalarCase{.yaml = "60", .kind = ValueKind::kInt, .json = "60"},
        ScalarCase{.yaml = "\"60\"", .kind = ValueKind::kString, .json = "\"60\""},
        ScalarCase{.yaml = "'60'", .kind = ValueKind::kString, .json = "\"60\""},
        ScalarCase{.yaml = "-7", .kind = ValueKind::kInt, .json = "-7"},
        ScalarCase{.yaml = "+7", .kind = ValueKind::kInt, .json = "7"},
        ScalarCase{.yaml = "1_000", .kind = ValueKind::kInt, .json = "1000"},
        ScalarCase{.yaml = "0x1F", .kind = ValueKind::kInt, .json = "31"},
        ScalarCase{.yaml = "0755", .kind = ValueKind::kInt, .json = "493"},  // YAML 1.1 octal
        ScalarCase{.yaml = "0b101", .kind = ValueKind::kInt, .json = "5"},
        ScalarCase{.yaml = "1:30", .kind = ValueKind::kInt, .json = "90"},  // base 60
        ScalarCase{.yaml = "09", .kind = ValueKind::kString, .json = "\"09\""},
        ScalarCase{.yaml = "99999999999999999999",
                   .kind = ValueKind::kInt,
                   .json = "99999999999999999999"},
        ScalarCase{.yaml = "1.5", .kind = ValueKind::kFloat, .json = "1.5"},
        ScalarCase{.yaml = "1.0", .kind = ValueKind::kFloat, .json = "1.0"},
        ScalarCase{.yaml = "1.", .kind = ValueKind::kFloat, .json = "1.0"},
        ScalarCase{.yaml = ".5", .kind = ValueKind::kFloat, .json = "0.5"},
        ScalarCase{.yaml = "1.5e+3", .kind = ValueKind::kFloat, .json = "1500.0"},
        ScalarCase{.yaml = "1e5", .kind = ValueKind::kString, .json = "\"1e5\""},      // no dot
        ScalarCase{.yaml = "1.0e5", .kind = ValueKind::kString, .json = "\"1.0e5\""},  // no sign
        ScalarCase{.yaml = ".inf", .kind = ValueKind::kFloat, .json = "Infinity"},
        ScalarCase{.yaml = "-.inf", .kind = ValueKind::kFloat, .json = "-Infinity"},
        ScalarCase{.yaml = ".nan", .kind = ValueKind::kFloat, .json = "NaN"},
        ScalarCase{.yaml = "true", .kind = ValueKind::kBool, .json = "true"},
        ScalarCase{.yaml = "True", .kind = ValueKind::kBool, .json = "true"},
        ScalarCase{.yaml = "yes", .kind = ValueKind::kBool, .json = "true"},
        ScalarCase{.yaml = "off", .kind = ValueKind::kBool, .json = "false"},
        ScalarCase{.yaml = "\"true\"", .kind = ValueKind::kString, .json = "\"true\""},
        ScalarCase{.yaml = "tRUE", .kind = ValueKind::kString, .json = "\"tRUE\""},
        ScalarCase{.yaml = "null", .kind = ValueKind::kNull, .json = "null"},
        ScalarCase{.yaml = "~", .kind = ValueKind::kNull, .json = "null"},
        ScalarCase{.yaml = "", .kind = ValueKind::kNull, .json = "null"},
        ScalarCase{.yaml = "None", .kind = ValueKind::kString, .json = "\"None\""},  // sendmail
        ScalarCase{.yaml = "\"null\"", .kind = ValueKind::kString, .json = "\"null\""},
        ScalarCase{.yaml = "--", .kind = ValueKind::kString, .json = "\"--\""},
        ScalarCase{.yaml = "2014-07-30", .kind = ValueKind::kString, .json = "\"2014-07-30\""},
        ScalarCase{.yaml = "!!str 5", .kind = ValueKind::kString, .json = "\"5\""},
        ScalarCase{.yaml = "!!int \"5\"", .kind = ValueKind::kInt, .json = "5"},
        ScalarCase{.yaml = "!!float 1", .kind = ValueKind::kFloat, .json = "1.0"},
        ScalarCase{
            .yaml = "\"a \\\"q\\\"\\n\"", .kind = ValueKind::kString, .json = "\"a \\\"q\\\"\\n\""},
        ScalarCase{
            .yaml = "|\n  two\n  lines", .kind = ValueKind::kString, .json = "\"two\\nlines\\n\""},
        ScalarCase{.yaml = "[1, \"a\", null, [true]]",
                   .kind = ValueKind::kList,
                   .json = "[1, \"a\", null, [true]]"},
        ScalarCase{.yaml = "{a: 1, b: {c: x}}",
                   .kind = ValueKind::kMap,
                   .json = "{\"a\": 1, \"b\": {\"c\": \"x\"}}"}));

TEST(YamlValueTest, BoolAndIntValues) {
  Snippet snippet("a: yes\nb: 'yes'\nc: -0x10\nd: 9223372036854775808\ne: -9223372036854775808\n");
  EXPECT_EQ(BoolValue(snippet.Entry("a").value), true);
  EXPECT_EQ(BoolValue(snippet.Entry("b").value), std::nullopt);
  EXPECT_EQ(IntValue(snippet.Entry("c").value), -16);
  EXPECT_EQ(IntValue(snippet.Entry("d").value), std::nullopt);  // does not fit
  EXPECT_EQ(IntValue(snippet.Entry("e").value), INT64_MIN);
}

TEST(YamlValueTest, TemplatesAndAbbreviation) {
  Snippet snippet("a: '{{ x }}'\nb: '{% if y %}z{% endif %}'\nc: '{ x }'\nd: 5\n");
  EXPECT_TRUE(IsTemplate(snippet.Entry("a").value));
  EXPECT_TRUE(IsTemplate(snippet.Entry("b").value));
  EXPECT_FALSE(IsTemplate(snippet.Entry("c").value));
  EXPECT_FALSE(IsTemplate(snippet.Entry("d").value));
  EXPECT_EQ(Abbreviate("short"), "short");
  EXPECT_EQ(Abbreviate(std::string(70, 'x'), 10), "xxxxxxxxxx...");
  EXPECT_EQ(Abbreviate("\xC3\xA9\xC3\xA9", 3), "\xC3\xA9...");  // never splits a character
}

// Whether a value is a valid value of a type (defaults and enum values are checked with it).
struct FitCase {
  std::string yaml;
  std::function<const types::Type*(types::TypeContext&)> type;
  bool fits;
};

class FitsTest : public ::testing::TestWithParam<FitCase> {};

TEST_P(FitsTest, Fits) {
  Snippet snippet("v: " + GetParam().yaml + "\n");
  const types::Type* type = GetParam().type(snippet.types());
  EXPECT_EQ(FitsType(snippet.Entry("v").value, type), GetParam().fits)
      << GetParam().yaml << " as " << types::ToString(type);
}

using TC = types::TypeContext;
INSTANTIATE_TEST_SUITE_P(
    Types, FitsTest,
    ::testing::Values(
        FitCase{.yaml = "60", .type = [](TC& c) { return c.Int(); }, .fits = true},
        FitCase{.yaml = "\"60\"", .type = [](TC& c) { return c.Int(); }, .fits = false},
        FitCase{.yaml = "60", .type = [](TC& c) { return c.Float(); }, .fits = true},
        FitCase{.yaml = "1.5", .type = [](TC& c) { return c.Int(); }, .fits = false},
        FitCase{.yaml = "60", .type = [](TC& c) { return c.String(); }, .fits = false},
        FitCase{.yaml = "None", .type = [](TC& c) { return c.String(); }, .fits = true},
        FitCase{.yaml = "0", .type = [](TC& c) { return c.Bool(); }, .fits = false},
        FitCase{.yaml = "\"{{ x }}\"", .type = [](TC& c) { return c.Int(); }, .fits = true},
        FitCase{.yaml = "null", .type = [](TC& c) { return c.String(); }, .fits = false},
        FitCase{.yaml = "null", .type = [](TC& c) { return c.Optional(c.String()); }, .fits = true},
        FitCase{.yaml = "\"2014-07-30 05:04:24\"",
                .type = [](TC& c) { return c.Time(); },
                .fits = true},
        FitCase{.yaml = "[a, b]", .type = [](TC& c) { return c.List(c.String()); }, .fits = true},
        FitCase{.yaml = "[a, 1]", .type = [](TC& c) { return c.List(c.String()); }, .fits = false},
        FitCase{.yaml = "{a: 1}", .type = [](TC& c) { return c.Map(c.Int()); }, .fits = true},
        FitCase{.yaml = "{a: x}", .type = [](TC& c) { return c.Json(); }, .fits = true},
        FitCase{.yaml = "{a: 1}",
                .type =
                    [](TC& c) {
                      return c.Record({types::Field{.name = "a",
                                                    .type = c.Int(),
                                                    .required = true,
                                                    .default_json = {},
                                                    .description = {},
                                                    .decl = {}}});
                    },
                .fits = true},
        FitCase{.yaml = "{a: 1, b: 2}",
                .type =
                    [](TC& c) {
                      return c.Record({types::Field{.name = "a",
                                                    .type = c.Int(),
                                                    .required = true,
                                                    .default_json = {},
                                                    .description = {},
                                                    .decl = {}}});
                    },
                .fits = false}));

}  // namespace
}  // namespace squall::schema
