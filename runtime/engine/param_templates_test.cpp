#include "runtime/engine/param_templates.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace squall::engine {
namespace {

using Json = nlohmann::json;

struct TemplateCase {
  const char* name;
  Json given;                 // what the call gave
  Json defaults;              // the spec's defaults, by parameter name
  const char* shell_command;  // the name of the shell command parameter, or ""
  Json expected;              // every parameter after rendering
};

class RenderDefaultTemplatesTest : public testing::TestWithParam<TemplateCase> {};

TEST_P(RenderDefaultTemplatesTest, Renders) {
  const TemplateCase& c = GetParam();
  ir::ActionSpec spec;
  Json values = c.given;
  std::vector<std::string> defaulted;
  for (const auto& [name, value] : c.defaults.items()) {
    ir::ActionParameter p;
    p.name = name;
    p.default_json = value.dump();
    p.shell_command = name == c.shell_command;
    spec.parameters.push_back(p);
    if (!values.contains(name)) {
      values[name] = value;
      defaulted.push_back(name);
    }
  }
  RenderDefaultTemplates(spec, defaulted, values);
  EXPECT_EQ(values, c.expected);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, RenderDefaultTemplatesTest,
    testing::ValuesIn(std::vector<TemplateCase>{
        {"env_of_core_echo",
         {{"message", "it's $HOME"}},
         {{"env", {{"SQUALL_MESSAGE", "{{message}}"}}}},
         "",
         {{"message", "it's $HOME"}, {"env", {{"SQUALL_MESSAGE", "it's $HOME"}}}}},
        {"spaces_inside_braces",
         {{"x", "v"}},
         {{"y", "<{{ x }}>"}},
         "",
         {{"x", "v"}, {"y", "<v>"}}},
        {"jinja_text_of_values",
         {{"b", true}, {"n", nullptr}, {"i", 2}, {"f", 1.5}},
         {{"s", "{{b}} {{n}} {{i}} {{f}}"}},
         "",
         {{"b", true}, {"n", nullptr}, {"i", 2}, {"f", 1.5}, {"s", "True None 2 1.5"}}},
        {"one_reference_keeps_the_type",
         {{"t", 30}},
         {{"timeout", "{{ t }}"}},
         "",
         {{"t", 30}, {"timeout", 30}}},
        {"given_values_are_never_rendered",
         {{"x", "v"}, {"y", "{{x}}"}},
         {{"y", "{{x}}!"}},
         "",
         {{"x", "v"}, {"y", "{{x}}"}}},
        {"unknown_names_and_expressions_stay",
         {{"x", "v"}},
         {{"y", "{{ st2kv.system.k }} {{ x | upper }} {{nope}} {{x}}"}},
         "",
         {{"x", "v"}, {"y", "{{ st2kv.system.k }} {{ x | upper }} {{nope}} v"}}},
        {"defaults_referencing_defaults",
         {{"source", "a"}},
         {{"dest", "{{source}}.bak"}, {"cmd", "cp {{source}} {{dest}}"}},
         "cmd",
         {{"source", "a"}, {"dest", "a.bak"}, {"cmd", "cp a a.bak"}}},
        {"a_cycle_stays_as_written",
         Json::object(),
         {{"a", "{{b}}"}, {"b", "{{a}}"}},
         "",
         {{"a", "{{b}}"}, {"b", "{{a}}"}}},
        {"shell_plain_words_inserted_as_they_are",
         {{"args", "-r -f"}, {"n", 2}},
         {{"cmd", "cp {{args}} x && sleep {{n}}"}},
         "cmd",
         {{"args", "-r -f"}, {"n", 2}, {"cmd", "cp -r -f x && sleep 2"}}},
        {"shell_hostile_value_quoted_bare",
         {{"source", "a; rm -rf /"}},
         {{"cmd", "cp {{source}} /tmp"}},
         "cmd",
         {{"source", "a; rm -rf /"}, {"cmd", "cp 'a; rm -rf /' /tmp"}}},
        {"shell_value_inside_double_quotes",
         {{"t", "$(id) \"x\""}},
         {{"cmd", "if [ \"{{t}}\" = uuid1 ]; then :; fi"}},
         "cmd",
         {{"t", "$(id) \"x\""}, {"cmd", "if [ \"\\$(id) \\\"x\\\"\" = uuid1 ]; then :; fi"}}},
        {"shell_one_reference_is_text",
         {{"n", 5}},
         {{"cmd", "{{n}}"}},
         "cmd",
         {{"n", 5}, {"cmd", "5"}}},
    }),
    [](const testing::TestParamInfo<TemplateCase>& param_info) {
      return std::string(param_info.param.name);
    });

}  // namespace
}  // namespace squall::engine
