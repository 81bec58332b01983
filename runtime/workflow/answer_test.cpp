// AnswerSchema and CheckAnswer: schemas of the types `ask` can declare, and what the check
// says about answers that do not fit (table-driven).
#include "runtime/workflow/answer.h"

#include <gtest/gtest.h>

namespace squall::workflow {
namespace {

using nlohmann::json;

class AnswerTest : public testing::Test {
 protected:
  // {approved: bool, reason: string?}
  const types::Type* Approval() {
    return types_.Record(
        {types::Field{.name = "approved", .type = types_.Bool()},
         types::Field{
             .name = "reason", .type = types_.Optional(types_.String()), .required = false}});
  }
  types::TypeContext types_;
};

TEST_F(AnswerTest, SchemasOfTypes) {
  struct Case {
    const types::Type* type;
    const char* schema;
  };
  const Case cases[] = {
      {nullptr, "{}"},
      {types_.Json(), "{}"},
      {types_.Bool(), R"({"type":"boolean"})"},
      {types_.Int(), R"({"type":"integer"})"},
      {types_.Float(), R"({"type":"number"})"},
      {types_.Optional(types_.String()), R"({"type":["string","null"]})"},
      {types_.Duration(), R"({"format":"duration","type":["string","integer"]})"},
      {types_.List(types_.Int()), R"({"items":{"type":"integer"},"type":"array"})"},
      {types_.List(types_.Json()), R"({"type":"array"})"},
      {types_.Map(types_.Bool()), R"({"additionalProperties":{"type":"boolean"},"type":"object"})"},
      {Approval(),
       R"({"additionalProperties":false,"properties":{"approved":{"type":"boolean"},)"
       R"("reason":{"type":["string","null"]}},"required":["approved"],"type":"object"})"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(AnswerSchema(c.type).dump(), c.schema) << types::ToString(c.type);
  }
}

TEST_F(AnswerTest, ChecksAnswers) {
  const types::Type* nested = types_.Record(
      {types::Field{.name = "hosts", .type = types_.List(types_.String())},
       types::Field{.name = "wait", .type = types_.Duration()},
       types::Field{.name = "at", .type = types_.Optional(types_.Time()), .required = false},
       types::Field{.name = "limits", .type = types_.Map(types_.Int())}});
  struct Case {
    const types::Type* type;
    const char* answer;
    const char* error;  // "" when it fits
  };
  const Case cases[] = {
      {Approval(), R"({"approved": true})", ""},
      {Approval(), R"({"approved": false, "reason": "not now"})", ""},
      {Approval(), R"({"approved": true, "reason": null})", ""},
      {Approval(), R"({"approved": "yes"})", R"(`approved`: expected a bool, found "yes")"},
      {Approval(), R"({"reason": "x"})", "missing `approved`"},
      {Approval(), R"({"aproved": true})", "unknown field `aproved` (expected: approved, reason)"},
      {Approval(), R"({"approved": null})", "`approved`: expected a bool, found null"},
      {Approval(), R"({"approved": true, "reason": 7})",
       "`reason`: expected a string or null, found 7"},
      {Approval(), "[1,2]", "the answer: expected an object, found [1,2]"},
      {Approval(), R"("yes")", R"(the answer: expected an object, found "yes")"},
      {nullptr, R"({"anything": [1, "goes"]})", ""},
      {types_.Int(), "3", ""},
      {types_.Int(), "3.5", "the answer: expected an int, found 3.5"},
      {types_.Float(), "3", ""},
      {types_.Optional(types_.String()), "null", ""},
      {nested, R"({"hosts": ["a", "b"], "wait": "1h30m", "limits": {"cpu": 2}})", ""},
      {nested, R"({"hosts": ["a", 3], "wait": "1h", "limits": {}})",
       "`hosts[1]`: expected a string, found 3"},
      {nested, R"({"hosts": [], "wait": "soon", "limits": {}})",
       R"(`wait`: expected a duration ("90s", "1h30m"), found "soon")"},
      {nested, R"({"hosts": [], "wait": 60000, "limits": {}})", ""},
      {nested, R"({"hosts": [], "wait": "1s", "at": "yesterday", "limits": {}})",
       R"(`at`: expected a time (RFC 3339), found "yesterday")"},
      {nested, R"({"hosts": [], "wait": "1s", "at": "2026-01-02T03:04:05Z", "limits": {}})", ""},
      {nested, R"({"hosts": [], "wait": "1s", "limits": {"cpu": "two"}})",
       R"(`limits.cpu`: expected an int, found "two")"},
      {types_.List(types_.Bool()), "[true, 1]", "`answer[1]`: expected a bool, found 1"},
  };
  for (const Case& c : cases) {
    json schema = AnswerSchema(c.type);
    std::optional<std::string> error = CheckAnswer(schema, json::parse(c.answer));
    EXPECT_EQ(error.value_or(""), c.error) << c.answer << " against " << schema.dump();
  }
}

TEST_F(AnswerTest, SchemaSpellingReadsBackTheType) {
  const types::Type* cases[] = {
      nullptr,
      types_.Bool(),
      types_.Optional(types_.Int()),
      types_.Duration(),
      types_.List(types_.Optional(types_.String())),
      types_.Map(types_.Float()),
      Approval(),
  };
  const char* spelled[] = {"json",
                           "bool",
                           "int?",
                           "duration",
                           "list<string?>",
                           "map<float>",
                           "{approved: bool, reason: string?}"};
  for (size_t i = 0; i < std::size(cases); ++i) {
    EXPECT_EQ(SchemaSpelling(AnswerSchema(cases[i])), spelled[i]);
  }
}

TEST_F(AnswerTest, LongValuesAreCut) {
  std::optional<std::string> error =
      CheckAnswer(AnswerSchema(types_.Int()), json(std::string(100, 'x')));
  ASSERT_TRUE(error);
  EXPECT_EQ(*error, "the answer: expected an int, found \"" + std::string(36, 'x') + "...");
}

TEST_F(AnswerTest, KeywordsOutsideTheSubsetAreIgnored) {
  json schema = {{"type", "string"}, {"pattern", "^a"}, {"minLength", 3}};
  EXPECT_FALSE(CheckAnswer(schema, "b"));
  EXPECT_FALSE(CheckAnswer(json("not a schema"), 3));
}

}  // namespace
}  // namespace squall::workflow
