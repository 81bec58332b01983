#include "compiler/schema/parameters.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "compiler/schema/schema_test_util.h"

namespace squall::schema {
namespace {

using ::testing::ElementsAre;
using testing::Snippet;

// "name: type [required] [default=JSON] [enum=[..]] [secret] [immutable] [position=N] [runner]"
std::string Describe(const Parameter& p) {
  std::string out = p.name + ": " + types::ToString(p.type);
  if (p.required) out += " required";
  if (p.default_json) out += " default=" + *p.default_json;
  if (!p.enum_json.empty()) {
    out += " enum=[";
    for (size_t i = 0; i < p.enum_json.size(); ++i) out += (i ? "," : "") + p.enum_json[i];
    out += "]";
  }
  if (p.secret) out += " secret";
  if (p.immutable) out += " immutable";
  if (p.position) out += " position=" + std::to_string(*p.position);
  if (p.from_runner) out += " runner";
  return out;
}

// A runner like local-shell-cmd, plus the oddities the merge rules are about.
constexpr std::string_view kRunner =
    "runner:\n"
    "  cmd: {type: string, description: Command.}\n"
    "  sudo: {type: boolean, default: false}\n"
    "  timeout: {type: integer, default: 60}\n"
    "  password: {type: string, secret: true}\n"
    "  dir: {type: string, default: /tmp, immutable: true}\n";

struct MergeCase {
  std::string name;
  std::string action;                   // the value of the action's `parameters:`, flow style
  std::vector<std::string> parameters;  // Describe() of each merged parameter
  std::vector<std::string> kinds = {};
};

const std::vector<std::string> kRunnerOnly = {
    "cmd: string runner", "sudo: bool default=false runner", "timeout: int default=60 runner",
    "password: string secret runner", "dir: string default=\"/tmp\" immutable runner"};

// The runner's parameters after `first`, in the runner's order.
std::vector<std::string> With(std::vector<std::string> first, std::vector<std::string> skip) {
  for (const std::string& line : kRunnerOnly) {
    std::string name = line.substr(0, line.find(':'));
    if (std::find(skip.begin(), skip.end(), name) == skip.end()) first.push_back(line);
  }
  return first;
}

class MergeTest : public ::testing::TestWithParam<MergeCase> {};

TEST_P(MergeTest, MergesLikeStackStorm) {
  Snippet snippet(std::string(kRunner) + "action: " + GetParam().action + "\n");
  SchemaConverter converter(snippet.file(), snippet.types());
  std::vector<AttributeJson> attributes;
  std::vector<Parameter> runner =
      ReadParameters(converter, snippet.file(), snippet.Entry("runner"), &attributes);
  ASSERT_EQ(snippet.Kinds(), std::vector<std::string>{});
  ASSERT_EQ(runner.size(), attributes.size());
  for (Parameter& parameter : runner) parameter.from_runner = true;  // as ReadRunnerFile does
  MapEntry action = snippet.Entry("action");
  std::vector<Parameter> merged = MergeParameters(
      converter, snippet.file(), &action,
      RunnerParameters{
          .runner_name = "test-runner", .parameters = runner, .attributes = attributes});
  std::vector<std::string> described;
  for (const Parameter& parameter : merged) described.push_back(Describe(parameter));
  EXPECT_EQ(described, GetParam().parameters);
  EXPECT_EQ(snippet.Kinds(), GetParam().kinds);
}

INSTANTIATE_TEST_SUITE_P(
    RunnerMerge, MergeTest,
    ::testing::Values(
        MergeCase{.name = "inherits_everything", .action = "{}", .parameters = kRunnerOnly},
        MergeCase{.name = "null_parameters", .action = "", .parameters = kRunnerOnly},
        MergeCase{.name = "override_required",
                  .action = "{cmd: {required: true, description: Run this.}}",
                  .parameters = With({"cmd: string required runner"}, {"cmd"})},
        MergeCase{.name = "core_local_sudo_immutable",
                  .action = "{sudo: {immutable: true}}",
                  .parameters = With({"sudo: bool default=false immutable runner"}, {"sudo"})},
        MergeCase{.name = "override_default",
                  .action = "{timeout: {default: 120}}",
                  .parameters = With({"timeout: int default=120 runner"}, {"timeout"})},
        MergeCase{.name = "override_enum",
                  .action = "{timeout: {enum: [30, 60]}}",
                  .parameters = With({"timeout: int default=60 enum=[30,60] runner"}, {"timeout"})},
        MergeCase{.name = "same_type_repeated",
                  .action = "{timeout: {type: integer, default: 5}}",
                  .parameters = With({"timeout: int default=5 runner"}, {"timeout"})},
        MergeCase{.name = "type_override",
                  .action = "{timeout: {type: string}}",
                  .parameters = With({"timeout: int default=60 runner"}, {"timeout"}),
                  .kinds = {"RunnerParameterTypeOverride"}},
        MergeCase{.name = "secret_not_overridable",
                  .action = "{password: {secret: false}}",
                  .parameters = With({"password: string secret runner"}, {"password"}),
                  .kinds = {"RunnerParameterOverride"}},
        MergeCase{.name = "position_not_overridable",
                  .action = "{cmd: {position: 0}}",
                  .parameters = With({"cmd: string runner"}, {"cmd"}),
                  .kinds = {"RunnerParameterOverride"}},
        MergeCase{.name = "runner_immutable",
                  .action = "{dir: {immutable: false}}",
                  .parameters = With({"dir: string default=\"/tmp\" runner"}, {"dir"}),
                  .kinds = {"ImmutableRunnerParameter"}},
        MergeCase{.name = "immutable_needs_default",
                  .action = "{cmd: {immutable: true}}",
                  .parameters = With({"cmd: string immutable runner"}, {"cmd"}),
                  .kinds = {"ImmutableWithoutDefault"}},
        MergeCase{.name = "immutable_with_default",
                  .action = "{cmd: {immutable: true, default: ls}}",
                  .parameters = With({"cmd: string default=\"ls\" immutable runner"}, {"cmd"})},
        MergeCase{.name = "own_immutable_needs_default",
                  .action = "{extra: {type: integer, immutable: true}}",
                  .parameters = With({"extra: int immutable"}, {}),
                  .kinds = {"ImmutableWithoutDefault"}},
        MergeCase{.name = "own_parameter_first",
                  .action = "{extra: {type: array, items: {type: string}, required: true, "
                            "position: 0}, cmd: {default: ls}}",
                  .parameters = With({"extra: list<string> required position=0",
                                      "cmd: string default=\"ls\" runner"},
                                     {"cmd"})},
        MergeCase{.name = "default_of_wrong_type",
                  .action = "{extra: {type: integer, default: x}}",
                  .parameters = With({"extra: int default=\"x\""}, {}),
                  .kinds = {"InvalidDefault"}},
        MergeCase{.name = "override_default_of_wrong_type",
                  .action = "{sudo: {default: \"yes\"}}",
                  .parameters = With({"sudo: bool default=\"yes\" runner"}, {"sudo"}),
                  .kinds = {"InvalidDefault"}},
        MergeCase{.name = "template_default",
                  .action = "{timeout: {default: \"{{ config_context.timeout }}\"}}",
                  .parameters = With({"timeout: int default=\"{{ config_context.timeout }}\" "
                                      "runner"},
                                     {"timeout"})},
        MergeCase{.name = "null_default",
                  .action = "{timeout: {default: null}}",
                  .parameters = With({"timeout: int default=null runner"}, {"timeout"})},
        MergeCase{.name = "sendmail_none",
                  .action = "{binary: {type: string, default: None}}",
                  .parameters = With({"binary: string default=\"None\""}, {})},
        MergeCase{.name = "enum_value_of_wrong_type",
                  .action = "{mode: {type: string, enum: [a, 1]}}",
                  .parameters = With({"mode: string enum=[\"a\",1]"}, {}),
                  .kinds = {"InvalidEnumValue"}},
        MergeCase{.name = "enum_gives_type",
                  .action = "{mode: {enum: [a, b]}}",
                  .parameters = With({"mode: string enum=[\"a\",\"b\"]"}, {})},
        MergeCase{.name = "no_type",
                  .action = "{args: {description: Arguments.}}",
                  .parameters = With({"args: json"}, {})},
        MergeCase{.name = "bad_name",
                  .action = "{bad-name: {type: string}}",
                  .parameters = With({"bad-name: string"}, {}),
                  .kinds = {"InvalidParameterName"}},
        MergeCase{.name = "unknown_attribute",
                  .action = "{cmd: {requird: true}}",
                  .parameters = With({"cmd: string runner"}, {"cmd"}),
                  .kinds = {"UnknownPackField"}},
        MergeCase{.name = "bad_required",
                  .action = "{extra: {type: string, required: \"yes\"}}",
                  .parameters = With({"extra: string"}, {}),
                  .kinds = {"PackFieldType"}},
        MergeCase{.name = "bare_runner_parameter",
                  .action = "{cmd: }",
                  .parameters = With({"cmd: string runner"}, {"cmd"})},
        MergeCase{.name = "scalar_declaration",
                  .action = "{cmd: x}",
                  .parameters = With({"cmd: string runner"}, {"cmd"}),
                  .kinds = {"PackFieldType"}},
        MergeCase{.name = "not_a_map",
                  .action = "[cmd]",
                  .parameters = kRunnerOnly,
                  .kinds = {"PackFieldType"}}),
    [](const ::testing::TestParamInfo<MergeCase>& p) { return p.param.name; });

TEST(MergeTest, OverrideDiagnosticsPointAtTheActionWithANoteAtTheRunner) {
  Snippet snippet(std::string(kRunner) + "action:\n  timeout:\n    type: string\n");
  SchemaConverter converter(snippet.file(), snippet.types());
  std::vector<AttributeJson> attributes;
  std::vector<Parameter> runner =
      ReadParameters(converter, snippet.file(), snippet.Entry("runner"), &attributes);
  MapEntry action = snippet.Entry("action");
  std::vector<Parameter> merged = MergeParameters(
      converter, snippet.file(), &action,
      RunnerParameters{
          .runner_name = "test-runner", .parameters = runner, .attributes = attributes});
  const Parameter* timeout = FindParameter(merged, "timeout");
  ASSERT_NE(timeout, nullptr);
  EXPECT_EQ(snippet.sources().GetLineCol(timeout->decl.file, timeout->decl.begin),
            (source::LineCol{.line = 8, .column = 3}));  // the action's key
  EXPECT_EQ(snippet.sources().GetLineCol(merged.back().decl.file, merged.back().decl.begin),
            (source::LineCol{.line = 6, .column = 3}));  // `dir`: the runner's key
  EXPECT_THAT(snippet.Diagnostics(), ElementsAre("RunnerParameterTypeOverride test.yaml:9:11",
                                                 "  note PreviousDeclaration test.yaml:4:3"));
}

TEST(MergeTest, OverrideMessageNamesBothTypes) {
  Snippet snippet(std::string(kRunner) + "action: {timeout: {type: string}}\n");
  SchemaConverter converter(snippet.file(), snippet.types());
  std::vector<AttributeJson> attributes;
  std::vector<Parameter> runner =
      ReadParameters(converter, snippet.file(), snippet.Entry("runner"), &attributes);
  MapEntry action = snippet.Entry("action");
  MergeParameters(
      converter, snippet.file(), &action,
      RunnerParameters{
          .runner_name = "test-runner", .parameters = runner, .attributes = attributes});
  EXPECT_THAT(snippet.Messages(),
              ElementsAre("parameter `timeout` cannot change the type `integer` that runner "
                          "`test-runner` gives it to `string`; an action may only override "
                          "`default`, `description`, `enum`, `immutable` and `required`"));
}

TEST(TriggerParametersTest, ReadsDraft3AndDraft4Requiredness) {
  Snippet snippet(
      "parameters_schema:\n"
      "  type: object\n"
      "  required: [unit]\n"
      "  properties:\n"
      "    file_path: {type: string, required: true, description: Path.}\n"
      "    unit: {enum: [s, m]}\n"
      "    delta: {type: integer, default: 5, x-odd-keyword: 1}\n"
      "    weird-name: {type: boolean}\n");
  SchemaConverter converter(snippet.file(), snippet.types());
  std::vector<Parameter> parameters =
      ReadSchemaParameters(converter, snippet.file(), snippet.Entry("parameters_schema"));
  std::vector<std::string> described;
  for (const Parameter& parameter : parameters) described.push_back(Describe(parameter));
  EXPECT_THAT(described,
              ElementsAre("file_path: string required", "unit: string required enum=[\"s\",\"m\"]",
                          "delta: int default=5", "weird-name: bool"));
  EXPECT_EQ(parameters[0].description, "Path.");
  EXPECT_TRUE(snippet.Kinds().empty());  // free-form JSON schema: no name or field checks
}

}  // namespace
}  // namespace squall::schema
