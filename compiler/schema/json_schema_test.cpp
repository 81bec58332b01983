#include "compiler/schema/json_schema.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "compiler/schema/schema_test_util.h"

namespace squall::schema {
namespace {

using ::testing::ElementsAre;
using testing::Snippet;
using testing::Spell;

// The JSON schema -> type mapping of docs/packs.md, one row per rule.
struct MappingCase {
  std::string name;
  std::string schema;  // the value of `schema:`, in flow style
  std::string type;    // Spell() of the result
  std::vector<std::string> kinds = {};
};

class MappingTest : public ::testing::TestWithParam<MappingCase> {};

TEST_P(MappingTest, MapsSchemaToType) {
  Snippet snippet("schema: " + GetParam().schema + "\n");
  SchemaConverter converter(snippet.file(), snippet.types());
  EXPECT_EQ(Spell(converter.Convert(snippet.Entry("schema"))), GetParam().type)
      << GetParam().schema;
  EXPECT_EQ(snippet.Kinds(), GetParam().kinds) << GetParam().schema;
}

INSTANTIATE_TEST_SUITE_P(
    JsonSchema, MappingTest,
    ::testing::Values(
        MappingCase{.name = "string", .schema = "{type: string}", .type = "string"},
        MappingCase{
            .name = "date_time", .schema = "{type: string, format: date-time}", .type = "time"},
        MappingCase{
            .name = "other_format", .schema = "{type: string, format: uri}", .type = "string"},
        MappingCase{.name = "integer", .schema = "{type: integer}", .type = "int"},
        MappingCase{.name = "number", .schema = "{type: number}", .type = "float"},
        MappingCase{.name = "boolean", .schema = "{type: boolean}", .type = "bool"},
        MappingCase{.name = "null", .schema = "{type: \"null\"}", .type = "null"},
        MappingCase{.name = "draft3_any", .schema = "{type: any}", .type = "json"},
        MappingCase{.name = "array", .schema = "{type: array}", .type = "list<json>"},
        MappingCase{.name = "array_items",
                    .schema = "{type: array, items: {type: integer}}",
                    .type = "list<int>"},
        MappingCase{.name = "tuple_items",
                    .schema = "{type: array, items: [{type: integer}]}",
                    .type = "list<json>",
                    .kinds = {"UnsupportedSchema"}},
        MappingCase{.name = "object", .schema = "{type: object}", .type = "map<json>"},
        MappingCase{.name = "object_open",
                    .schema = "{type: object, additionalProperties: true}",
                    .type = "map<json>"},
        MappingCase{.name = "object_of",
                    .schema = "{type: object, additionalProperties: {type: string}}",
                    .type = "map<string>"},
        MappingCase{.name = "object_empty_closed",
                    .schema = "{type: object, additionalProperties: false}",
                    .type = "{}"},
        MappingCase{.name = "record_draft3",
                    .schema = "{type: object, properties: {a: {type: string, required: true}, "
                              "b: {type: integer}}}",
                    .type = "{a: string, b: int?}"},
        MappingCase{.name = "record_draft4",
                    .schema = "{type: object, required: [b], properties: {a: {type: string}, "
                              "b: {type: integer}}}",
                    .type = "{a: string?, b: int}"},
        MappingCase{.name = "record_open",
                    .schema = "{type: object, properties: {a: {}}, additionalProperties: true}",
                    .type = "{a: json, ...: json}"},
        MappingCase{.name = "record_extra_typed",
                    .schema = "{type: object, properties: {a: {type: integer}}, "
                              "additionalProperties: {type: integer}}",
                    .type = "{a: int?, ...: int}"},
        MappingCase{.name = "properties_without_type",
                    .schema = "{properties: {x: {type: boolean}}}",
                    .type = "{x: bool?}"},
        MappingCase{.name = "nested",
                    .schema = "{type: object, properties: {o: {type: object, required: [p], "
                              "properties: {p: {type: array, items: {type: object, properties: "
                              "{q: {type: string}}}}}}}}",
                    .type = "{o: {p: list<{q: string?}>}?}"},
        MappingCase{.name = "empty", .schema = "{}", .type = "json"},
        MappingCase{.name = "description_only", .schema = "{description: x}", .type = "json"},
        MappingCase{.name = "nullable", .schema = "{type: [string, \"null\"]}", .type = "string?"},
        MappingCase{.name = "union", .schema = "{type: [string, integer]}", .type = "json"},
        MappingCase{.name = "any_of_nullable",
                    .schema = "{anyOf: [{type: string}, {type: \"null\"}]}",
                    .type = "string?"},
        MappingCase{.name = "any_of",
                    .schema = "{anyOf: [{type: object}, {type: string}]}",
                    .type = "json"},
        MappingCase{.name = "one_of_single", .schema = "{oneOf: [{type: integer}]}", .type = "int"},
        MappingCase{.name = "enum_strings", .schema = "{enum: [a, b]}", .type = "string"},
        MappingCase{.name = "enum_numbers", .schema = "{enum: [1, 2.5]}", .type = "float"},
        MappingCase{.name = "enum_mixed", .schema = "{enum: [1, a]}", .type = "json"},
        MappingCase{.name = "enum_nullable", .schema = "{enum: [a, null]}", .type = "string?"},
        MappingCase{.name = "ref",
                    .schema = "{$ref: \"#/definitions/x\"}",
                    .type = "json",
                    .kinds = {"UnsupportedSchema"}},
        MappingCase{.name = "all_of",
                    .schema = "{allOf: [{type: string}]}",
                    .type = "json",
                    .kinds = {"UnsupportedSchema"}},
        MappingCase{.name = "not",
                    .schema = "{not: {type: string}}",
                    .type = "json",
                    .kinds = {"UnsupportedSchema"}},
        MappingCase{.name = "unknown_type",
                    .schema = "{type: strng}",
                    .type = "json",
                    .kinds = {"UnknownParameterType"}},
        MappingCase{
            .name = "not_a_map", .schema = "string", .type = "json", .kinds = {"PackFieldType"}},
        MappingCase{.name = "bad_type_value",
                    .schema = "{type: {a: 1}}",
                    .type = "json",
                    .kinds = {"PackFieldType"}},
        MappingCase{.name = "bad_default",
                    .schema = "{type: object, properties: {d: {type: integer, default: x}}}",
                    .type = "{d: int?}",
                    .kinds = {"InvalidDefault"}}),
    [](const ::testing::TestParamInfo<MappingCase>& p) { return p.param.name; });

TEST(JsonSchemaTest, UnknownTypesSuggestJsonSchemaNames) {
  Snippet snippet("a: {type: int}\nb: {type: dict}\nc: {type: strin}\nd: {type: zzz}\n");
  SchemaConverter converter(snippet.file(), snippet.types());
  for (const char* key : {"a", "b", "c", "d"}) converter.Convert(snippet.Entry(key));
  EXPECT_THAT(snippet.Messages(),
              ElementsAre("unknown type `int`; did you mean `integer`?",
                          "unknown type `dict`; did you mean `object`?",
                          "unknown type `strin`; did you mean `string`?",
                          "unknown type `zzz`; use `string`, `integer`, `number`, `boolean`, "
                          "`array`, `object` or `null`"));
}

TEST(JsonSchemaTest, RecordsKeepNamesDefaultsDescriptionsAndDeclarations) {
  Snippet snippet(
      "payload_schema:\n"
      "  type: object\n"
      "  properties:\n"
      "    executed_at:\n"
      "      type: string\n"
      "      format: date-time\n"
      "      default: \"2014-07-30 05:04:24.578325\"\n"
      "      required: true\n"
      "    tags:\n"
      "      type: array\n"
      "      description: Free tags.\n"
      "      default: []\n"
      "    inner: {type: object, properties: {x: {type: integer}}}\n");
  SchemaConverter converter(snippet.file(), snippet.types());
  const types::Type* type = converter.Convert(snippet.Entry("payload_schema"), "examples.event");
  ASSERT_EQ(type->kind(), types::TypeKind::kRecord);
  EXPECT_EQ(type->name(), "examples.event");
  EXPECT_EQ(types::ToString(type), "examples.event");
  ASSERT_EQ(type->fields().size(), 3u);
  const types::Field& executed_at = type->fields()[0];
  EXPECT_TRUE(executed_at.required);
  EXPECT_EQ(types::ToString(executed_at.type), "time");
  EXPECT_EQ(executed_at.default_json, "\"2014-07-30 05:04:24.578325\"");
  EXPECT_EQ(snippet.sources().GetLineCol(executed_at.decl.file, executed_at.decl.begin),
            (source::LineCol{.line = 4, .column = 5}));
  const types::Field& tags = type->fields()[1];
  EXPECT_FALSE(tags.required);
  EXPECT_EQ(types::ToString(tags.type), "list<json>?");
  EXPECT_EQ(tags.default_json, "[]");
  EXPECT_EQ(tags.description, "Free tags.");
  EXPECT_TRUE(type->fields()[2].type->NonOptional()->name().empty());  // nested: anonymous
  EXPECT_TRUE(snippet.Kinds().empty());
}

// StackStorm's two output_schema forms.
struct OutputCase {
  std::string name;
  std::string schema;
  std::string type;
};

class OutputTest : public ::testing::TestWithParam<OutputCase> {};

TEST_P(OutputTest, ReadsBothForms) {
  Snippet snippet("output_schema: " + GetParam().schema + "\n");
  SchemaConverter converter(snippet.file(), snippet.types());
  const types::Type* type = converter.ConvertOutput(snippet.Entry("output_schema"), "p.a.result");
  EXPECT_EQ(Spell(type), GetParam().type);
  if (type->kind() == types::TypeKind::kRecord) {
    EXPECT_EQ(type->name(), "p.a.result");
  }
  EXPECT_TRUE(snippet.Kinds().empty());
}

INSTANTIATE_TEST_SUITE_P(
    OutputSchema, OutputTest,
    ::testing::Values(
        OutputCase{.name = "full",
                   .schema = "{type: object, properties: {id: {type: integer, required: true}}, "
                             "additionalProperties: false}",
                   .type = "{id: int}"},
        OutputCase{.name = "legacy",
                   .schema = "{id: {type: integer, required: true}, name: {type: string}}",
                   .type = "{id: int, name: string?, ...: json}"},
        OutputCase{.name = "legacy_field_named_type",
                   .schema = "{kind: {type: string}, type: {type: string}}",
                   .type = "{kind: string?, type: string?, ...: json}"}),
    [](const ::testing::TestParamInfo<OutputCase>& p) { return p.param.name; });

}  // namespace
}  // namespace squall::schema
