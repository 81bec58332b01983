#include "runtime/sources/envelope.h"

#include <gtest/gtest.h>

#include <string>

namespace squall::sources {
namespace {

struct EnvelopeCase {
  std::string name;
  std::string line;
  LineReject reason = LineReject::kNone;
  std::string trigger;
  std::string payload;
  std::string id;
  std::string parameters;
  std::string bare_trigger;
};

class EnvelopeTest : public testing::TestWithParam<EnvelopeCase> {};

TEST_P(EnvelopeTest, Parses) {
  const EnvelopeCase& c = GetParam();
  EnvelopeParser parser(EnvelopeOptions{.bare_trigger = c.bare_trigger});
  Envelope envelope;
  EnvelopeResult result = parser.Parse(c.line, envelope);
  EXPECT_EQ(LineRejectName(result.reason), LineRejectName(c.reason)) << result.message;
  if (c.reason != LineReject::kNone) {
    EXPECT_FALSE(result.message.empty());
    return;
  }
  EXPECT_EQ(envelope.trigger, c.trigger);
  EXPECT_EQ(envelope.payload_json, c.payload);
  EXPECT_EQ(envelope.id, c.id);
  EXPECT_EQ(envelope.parameters_json, c.parameters);
}

INSTANTIATE_TEST_SUITE_P(
    Lines, EnvelopeTest,
    testing::Values(
        EnvelopeCase{
            .name = "basic",
            .line = R"({"trigger": "disk.low", "payload": {"host": "web-1"}, "id": "ev-1"})",
            .trigger = "disk.low",
            .payload = R"({"host": "web-1"})",
            .id = "ev-1"},
        EnvelopeCase{
            .name = "keys_in_any_order_text_kept",
            .line = R"(  {"id": 42, "payload" : { "a" : [1, 2.50, 1e400] } , "trigger":"t"}  )",
            .trigger = "t",
            .payload = R"({ "a" : [1, 2.50, 1e400] })",
            .id = "42"},
        EnvelopeCase{.name = "parameters",
                     .line = R"({"trigger":"core.webhook","parameters":{"url":"x"},"payload":{}})",
                     .trigger = "core.webhook",
                     .payload = "{}",
                     .parameters = R"({"url":"x"})"},
        EnvelopeCase{.name = "null_parameters_and_id",
                     .line = R"({"trigger":"t","parameters":null,"payload":{},"id":null})",
                     .trigger = "t",
                     .payload = "{}"},
        EnvelopeCase{.name = "escaped_id",
                     .line = R"({"trigger":"t","payload":{},"id":"a\u0062\n"})",
                     .trigger = "t",
                     .payload = "{}",
                     .id = "ab\n"},
        EnvelopeCase{.name = "first_occurrence_counts",
                     .line = R"({"trigger":"a","trigger":5,"payload":{"x":1},"payload":[]})",
                     .trigger = "a",
                     .payload = R"({"x":1})"},
        EnvelopeCase{.name = "escaped_key",
                     .line = R"({"trigg\u0065r":"t","payload":{}})",
                     .trigger = "t",
                     .payload = "{}"},
        EnvelopeCase{.name = "big_integer_payload",
                     .line = R"({"trigger":"t","payload":{"n":123456789012345678901234567890}})",
                     .trigger = "t",
                     .payload = R"({"n":123456789012345678901234567890})"},
        EnvelopeCase{.name = "bare",
                     .line = R"({"id":"e-7","trigger":"ignored","cpu":1.5})",
                     .trigger = "monitoring.alert",
                     .payload = R"({"id":"e-7","trigger":"ignored","cpu":1.5})",
                     .id = "e-7",
                     .bare_trigger = "monitoring.alert"},
        EnvelopeCase{.name = "bare_float_id_is_no_id",
                     .line = R"({"id":1.5})",
                     .trigger = "b",
                     .payload = R"({"id":1.5})",
                     .bare_trigger = "b"},
        EnvelopeCase{.name = "malformed",
                     .line = R"({"trigger":"t","payload":{})",
                     .reason = LineReject::kMalformedJson},
        EnvelopeCase{.name = "malformed_literal_in_ignored_key",
                     .line = R"({"trigger":"t","payload":{},"x":[tru]})",
                     .reason = LineReject::kMalformedJson},
        EnvelopeCase{.name = "malformed_number_in_payload",
                     .line = R"({"trigger":"t","payload":{"a":01}})",
                     .reason = LineReject::kMalformedJson},
        EnvelopeCase{.name = "bad_escape",
                     .line = R"({"trigger":"t","payload":{"a":"\q"}})",
                     .reason = LineReject::kMalformedJson},
        EnvelopeCase{.name = "raw_control_character",
                     .line = "{\"trigger\":\"t\",\"payload\":{\"a\":\"x\x01\"}}",
                     .reason = LineReject::kMalformedJson},
        EnvelopeCase{.name = "invalid_utf8",
                     .line = "{\"trigger\":\"t\",\"payload\":{\"a\":\"\xff\"}}",
                     .reason = LineReject::kMalformedJson},
        EnvelopeCase{.name = "text_after",
                     .line = R"({"trigger":"t","payload":{}} x)",
                     .reason = LineReject::kMalformedJson},
        EnvelopeCase{.name = "two_objects",
                     .line = R"({"trigger":"t","payload":{}}{"trigger":"t","payload":{}})",
                     .reason = LineReject::kMalformedJson},
        EnvelopeCase{.name = "missing_comma",
                     .line = R"({"trigger":"t" "payload":{}})",
                     .reason = LineReject::kMalformedJson},
        EnvelopeCase{
            .name = "not_an_object", .line = R"([1,2])", .reason = LineReject::kNotAnObject},
        EnvelopeCase{.name = "missing_trigger",
                     .line = R"({"payload":{}})",
                     .reason = LineReject::kMissingTrigger},
        EnvelopeCase{.name = "empty_trigger",
                     .line = R"({"trigger":"","payload":{}})",
                     .reason = LineReject::kInvalidTrigger},
        EnvelopeCase{.name = "number_trigger",
                     .line = R"({"trigger":5,"payload":{}})",
                     .reason = LineReject::kInvalidTrigger},
        EnvelopeCase{.name = "missing_payload",
                     .line = R"({"trigger":"t"})",
                     .reason = LineReject::kMissingPayload},
        EnvelopeCase{.name = "array_payload",
                     .line = R"({"trigger":"t","payload":[1]})",
                     .reason = LineReject::kInvalidPayload},
        EnvelopeCase{.name = "float_id",
                     .line = R"({"trigger":"t","payload":{},"id":1.5})",
                     .reason = LineReject::kInvalidId},
        EnvelopeCase{.name = "object_id",
                     .line = R"({"trigger":"t","payload":{},"id":{}})",
                     .reason = LineReject::kInvalidId},
        EnvelopeCase{.name = "string_parameters",
                     .line = R"({"trigger":"t","payload":{},"parameters":"x"})",
                     .reason = LineReject::kInvalidParameters},
        EnvelopeCase{.name = "bare_not_object",
                     .line = R"("x")",
                     .reason = LineReject::kNotAnObject,
                     .bare_trigger = "b"}),
    [](const testing::TestParamInfo<EnvelopeCase>& param_info) { return param_info.param.name; });

TEST(EnvelopeDepthTest, DeepNestingIsRejectedNotACrash) {
  std::string deep = R"({"trigger":"t","payload":{"a":)";
  for (int i = 0; i < 2000; ++i) deep += '[';
  for (int i = 0; i < 2000; ++i) deep += ']';
  deep += "}}";
  EnvelopeParser parser;
  Envelope envelope;
  EXPECT_EQ(parser.Parse(deep, envelope).reason, LineReject::kMalformedJson);
  // The parser is reusable after an error.
  EXPECT_TRUE(parser.Parse(R"({"trigger":"t","payload":{}})", envelope).ok());
  EXPECT_EQ(envelope.trigger, "t");
}

}  // namespace
}  // namespace squall::sources
