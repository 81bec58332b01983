#include "compiler/types/type.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>

namespace squall::types {
namespace {

using Builder = std::function<const Type*(TypeContext&)>;

const Type* Rec(TypeContext& ctx, std::vector<std::pair<std::string, const Type*>> fields,
                const Type* extra = nullptr, std::string name = {}) {
  std::vector<Field> out;
  for (auto& [field_name, type] : fields) {
    Field field;
    field.name = field_name;
    field.type = type;
    field.required = !type->IsOptional();
    out.push_back(std::move(field));
  }
  return ctx.Record(std::move(out), extra, std::move(name));
}

struct PrintCase {
  std::string expected;
  Builder build;
  bool expand = false;
};

class PrintTest : public testing::TestWithParam<PrintCase> {};

TEST_P(PrintTest, Prints) {
  TypeContext ctx;
  EXPECT_EQ(ToString(GetParam().build(ctx), GetParam().expand), GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(
    Types, PrintTest,
    testing::Values(
        PrintCase{.expected = "string", .build = [](TypeContext& c) { return c.String(); }},
        PrintCase{.expected = "list<int>", .build = [](TypeContext& c) { return c.List(c.Int()); }},
        PrintCase{.expected = "map<list<float>>?",
                  .build = [](TypeContext& c) { return c.Optional(c.Map(c.List(c.Float()))); }},
        PrintCase{.expected = "json", .build = [](TypeContext& c) { return c.Optional(c.Json()); }},
        PrintCase{.expected = "{a: int, b: string?}",
                  .build =
                      [](TypeContext& c) {
                        return Rec(c, {{"a", c.Int()}, {"b", c.Optional(c.String())}});
                      }},
        PrintCase{.expected = "{`x-id`: string, ...}",
                  .build =
                      [](TypeContext& c) {
                        return Rec(c, {{"x-id", c.String()}}, c.Json());
                      }},
        PrintCase{.expected = "disk.low",
                  .build =
                      [](TypeContext& c) {
                        return Rec(c, {{"host", c.String()}}, nullptr, "disk.low");
                      }},
        PrintCase{.expected = "{host: string}",
                  .build =
                      [](TypeContext& c) {
                        return Rec(c, {{"host", c.String()}}, nullptr, "disk.low");
                      },
                  .expand = true},
        PrintCase{.expected = "list<disk.low>",
                  .build =
                      [](TypeContext& c) {
                        return c.List(Rec(c, {{"host", c.String()}}, nullptr, "disk.low"));
                      },
                  .expand = true}));

struct AssignCase {
  std::string name;
  Builder from;
  Builder to;
  Assignability expected;
};

class AssignTest : public testing::TestWithParam<AssignCase> {};

TEST_P(AssignTest, Assigns) {
  TypeContext ctx;
  EXPECT_EQ(CheckAssignable(GetParam().from(ctx), GetParam().to(ctx)), GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(
    Types, AssignTest,
    testing::Values(
        AssignCase{"same", [](TypeContext& c) { return c.Int(); },
                   [](TypeContext& c) { return c.Int(); }, Assignability::kYes},
        AssignCase{"int_to_float", [](TypeContext& c) { return c.Int(); },
                   [](TypeContext& c) { return c.Float(); }, Assignability::kYes},
        AssignCase{"float_to_int", [](TypeContext& c) { return c.Float(); },
                   [](TypeContext& c) { return c.Int(); }, Assignability::kNo},
        AssignCase{"string_to_int", [](TypeContext& c) { return c.String(); },
                   [](TypeContext& c) { return c.Int(); }, Assignability::kNo},
        AssignCase{"json_to_int", [](TypeContext& c) { return c.Json(); },
                   [](TypeContext& c) { return c.Int(); }, Assignability::kRuntimeChecked},
        AssignCase{"record_to_json",
                   [](TypeContext& c) {
                     return Rec(c, {{"a", c.Int()}});
                   },
                   [](TypeContext& c) { return c.Json(); }, Assignability::kYes},
        AssignCase{"null_to_optional", [](TypeContext& c) { return c.Null(); },
                   [](TypeContext& c) { return c.Optional(c.String()); }, Assignability::kYes},
        AssignCase{"null_to_string", [](TypeContext& c) { return c.Null(); },
                   [](TypeContext& c) { return c.String(); }, Assignability::kMayBeNull},
        AssignCase{"optional_to_plain", [](TypeContext& c) { return c.Optional(c.String()); },
                   [](TypeContext& c) { return c.String(); }, Assignability::kMayBeNull},
        AssignCase{"optional_int_to_string", [](TypeContext& c) { return c.Optional(c.Int()); },
                   [](TypeContext& c) { return c.String(); }, Assignability::kNo},
        AssignCase{"empty_list", [](TypeContext& c) { return c.List(c.Nothing()); },
                   [](TypeContext& c) { return c.List(c.String()); }, Assignability::kYes},
        AssignCase{"list_covariant", [](TypeContext& c) { return c.List(c.Int()); },
                   [](TypeContext& c) { return c.List(c.Float()); }, Assignability::kYes},
        AssignCase{"list_of_json", [](TypeContext& c) { return c.List(c.Json()); },
                   [](TypeContext& c) { return c.List(c.String()); },
                   Assignability::kRuntimeChecked},
        AssignCase{"record_to_map",
                   [](TypeContext& c) {
                     return Rec(c, {{"a", c.String()}, {"b", c.String()}});
                   },
                   [](TypeContext& c) { return c.Map(c.String()); }, Assignability::kYes},
        AssignCase{"record_to_map_bad",
                   [](TypeContext& c) {
                     return Rec(c, {{"a", c.String()}, {"b", c.Int()}});
                   },
                   [](TypeContext& c) { return c.Map(c.String()); }, Assignability::kNo},
        AssignCase{"record_missing_required", [](TypeContext& c) { return Rec(c, {}); },
                   [](TypeContext& c) {
                     return Rec(c, {{"a", c.Int()}});
                   },
                   Assignability::kNo},
        AssignCase{"record_optional_missing", [](TypeContext& c) { return Rec(c, {}); },
                   [](TypeContext& c) {
                     return Rec(c, {{"a", c.Optional(c.Int())}});
                   },
                   Assignability::kYes},
        AssignCase{"record_extra_into_closed",
                   [](TypeContext& c) {
                     return Rec(c, {{"a", c.Int()}, {"z", c.Int()}});
                   },
                   [](TypeContext& c) {
                     return Rec(c, {{"a", c.Int()}});
                   },
                   Assignability::kNo},
        AssignCase{"record_extra_into_open",
                   [](TypeContext& c) {
                     return Rec(c, {{"a", c.Int()}, {"z", c.Int()}});
                   },
                   [](TypeContext& c) {
                     return Rec(c, {{"a", c.Int()}}, c.Json());
                   },
                   Assignability::kYes},
        AssignCase{"duration_to_int", [](TypeContext& c) { return c.Duration(); },
                   [](TypeContext& c) { return c.Int(); }, Assignability::kNo},
        AssignCase{"error_absorbs", [](TypeContext& c) { return c.Error(); },
                   [](TypeContext& c) { return c.Int(); }, Assignability::kYes}),
    [](const testing::TestParamInfo<AssignCase>& param_info) { return param_info.param.name; });

struct JoinCase {
  std::string name;
  Builder a;
  Builder b;
  std::string expected;
};

class JoinTest : public testing::TestWithParam<JoinCase> {};

TEST_P(JoinTest, Joins) {
  TypeContext ctx;
  EXPECT_EQ(ToString(ctx.Join(GetParam().a(ctx), GetParam().b(ctx))), GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(
    Types, JoinTest,
    testing::Values(JoinCase{"int_float", [](TypeContext& c) { return c.Int(); },
                             [](TypeContext& c) { return c.Float(); }, "float"},
                    JoinCase{"null_string", [](TypeContext& c) { return c.Null(); },
                             [](TypeContext& c) { return c.String(); }, "string?"},
                    JoinCase{"nothing_int", [](TypeContext& c) { return c.Nothing(); },
                             [](TypeContext& c) { return c.Int(); }, "int"},
                    JoinCase{"string_int", [](TypeContext& c) { return c.String(); },
                             [](TypeContext& c) { return c.Int(); }, "json"},
                    JoinCase{"lists", [](TypeContext& c) { return c.List(c.Int()); },
                             [](TypeContext& c) { return c.List(c.Float()); }, "list<float>"},
                    JoinCase{"optional_int_float",
                             [](TypeContext& c) { return c.Optional(c.Int()); },
                             [](TypeContext& c) { return c.Float(); }, "float?"}),
    [](const testing::TestParamInfo<JoinCase>& param_info) { return param_info.param.name; });

TEST(TypeContextTest, InternsNonRecordTypes) {
  TypeContext ctx;
  EXPECT_EQ(ctx.List(ctx.Int()), ctx.List(ctx.Int()));
  EXPECT_EQ(ctx.Optional(ctx.Optional(ctx.Int())), ctx.Optional(ctx.Int()));
  EXPECT_NE(ctx.Map(ctx.Int()), ctx.List(ctx.Int()));
}

TEST(TypeContextTest, RecordsCompareStructurally) {
  TypeContext ctx;
  const Type* a = Rec(ctx, {{"x", ctx.Int()}}, nullptr, "a");
  const Type* b = Rec(ctx, {{"x", ctx.Int()}}, nullptr, "b");
  const Type* c = Rec(ctx, {{"x", ctx.String()}});
  EXPECT_TRUE(SameType(a, b));
  EXPECT_FALSE(SameType(a, c));
  EXPECT_EQ(a->FindField("x")->type, ctx.Int());
  EXPECT_EQ(a->FindField("y"), nullptr);
}

}  // namespace
}  // namespace squall::types
