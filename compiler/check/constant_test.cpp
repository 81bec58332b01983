#include "compiler/check/constant.h"

#include <gtest/gtest.h>

namespace squall::check {
namespace {

ConstValue ListOf(std::vector<ConstValue> elements) {
  ConstValue v;
  v.kind = ConstValue::Kind::kList;
  v.elements = std::move(elements);
  return v;
}

struct RenderCase {
  ConstValue value;
  std::string json;
  std::string source;
};

class RenderTest : public testing::TestWithParam<RenderCase> {};

TEST_P(RenderTest, Renders) {
  EXPECT_EQ(GetParam().value.ToJson(), GetParam().json);
  EXPECT_EQ(GetParam().value.ToSource(), GetParam().source);
}

INSTANTIATE_TEST_SUITE_P(
    Constant, RenderTest,
    testing::Values(RenderCase{ConstValue::Null(), "null", "null"},
                    RenderCase{ConstValue::Bool(true), "true", "true"},
                    RenderCase{ConstValue::Int(-42), "-42", "-42"},
                    RenderCase{ConstValue::Float(1.5), "1.5", "1.5"},
                    RenderCase{ConstValue::String("a\"b"), "\"a\\\"b\"", "\"a\\\"b\""},
                    RenderCase{ConstValue::Duration(90'000), "90", "1m30s"},
                    RenderCase{ConstValue::Duration(1'500), "1.5", "1s500ms"},
                    RenderCase{ListOf({ConstValue::Int(1), ConstValue::String("x")}), "[1,\"x\"]",
                               "[1, \"x\"]"}));

struct JsonEqualsCase {
  std::string json;
  ConstValue value;
  bool equal;
};

class JsonEqualsTest : public testing::TestWithParam<JsonEqualsCase> {};

TEST_P(JsonEqualsTest, Compares) {
  EXPECT_EQ(JsonEquals(GetParam().json, GetParam().value), GetParam().equal) << GetParam().json;
}

INSTANTIATE_TEST_SUITE_P(Constant, JsonEqualsTest,
                         testing::Values(JsonEqualsCase{"\"GET\"", ConstValue::String("GET"), true},
                                         JsonEqualsCase{"\"GET\"", ConstValue::String("get"),
                                                        false},
                                         JsonEqualsCase{"60", ConstValue::Int(60), true},
                                         JsonEqualsCase{"60.0", ConstValue::Int(60), true},
                                         JsonEqualsCase{"60", ConstValue::Float(60.5), false},
                                         JsonEqualsCase{"true", ConstValue::Bool(true), true},
                                         JsonEqualsCase{"1", ConstValue::String("1"), false}));

TEST(DurationSpellingTest, LargestUnitsFirst) {
  EXPECT_EQ(DurationSpelling(0), "0s");
  EXPECT_EQ(DurationSpelling(86'400'000 + 3'600'000 + 1), "1d1h1ms");
  EXPECT_EQ(DurationSpelling(-30'000), "-30s");
}

}  // namespace
}  // namespace squall::check
