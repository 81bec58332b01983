#include "runtime/interp/interpreter.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "compiler/check/checker.h"
#include "compiler/diag/diagnostic_engine.h"
#include "compiler/ir/lower.h"
#include "compiler/parse/parser.h"
#include "runtime/events/decoder.h"

namespace squall::interp {
namespace {

// Compiles `trigger t {...}` + one rule `r` whose condition is `condition`, decodes `payload`
// as a `t` event and returns whether `r` fires and the rendered first argument.
struct Outcome {
  bool fires = false;
  std::string argument;  // JSON of the action's first argument when it fires
};

Outcome Evaluate(const std::string& condition, const std::string& payload,
                 const std::string& argument = "\"x\"") {
  source::SourceManager sources;
  diag::DiagnosticEngine diags(sources);
  source::FileId id = sources.AddFile(
      "t.rule",
      "import core\n"
      "trigger t {\n  s: string\n  n: int\n  f: float\n  b: bool\n  o: string?\n"
      "  d: string = \"dflt\"\n  l: list<string> = []\n  m: map<int>\n  j: json\n  t: time\n"
      "  rec: {a: int, b: string?}?\n}\n"
      "rule r { if t where " +
          condition + " then core.echo(message: " + argument + ") }\n");
  std::unique_ptr<const ast::File> file = parse::ParseFile(sources, id, diags);
  types::TypeContext types;
  schema::PackLoader packs(schema::LoaderOptions{}, sources, diags, types);
  const ast::File* files[] = {file.get()};
  check::CheckedProgram checked = check::Check(files, packs, types, sources, diags);
  if (diags.HasErrors()) {
    ADD_FAILURE() << "does not check: " << condition;
    return {};
  }
  ir::Program program = ir::Lower(checked);
  Interpreter interpreter(program);
  events::Decoder decoder(events::DecoderOptions{}, interpreter.DecoderPlans());
  events::DecodedEvent event;
  events::DecodeResult result =
      decoder.Decode("{\"trigger\": \"t\", \"payload\": " + payload + "}", event);
  if (!result.ok()) {
    ADD_FAILURE() << "event rejected: " << result.message;
    return {};
  }
  std::vector<match::RuleRef> firings;
  interpreter.Match(event, firings);
  Outcome out;
  out.fires = !firings.empty();
  if (out.fires) out.argument = ToJson(interpreter.Arguments(firings[0], event)[0]);
  return out;
}

struct Case {
  std::string name;
  std::string condition;
  std::string payload;
  bool fires;
};

class SemanticsTest : public testing::TestWithParam<Case> {};

TEST_P(SemanticsTest, Fires) {
  EXPECT_EQ(Evaluate(GetParam().condition, GetParam().payload).fires, GetParam().fires)
      << GetParam().condition << " on " << GetParam().payload;
}

INSTANTIATE_TEST_SUITE_P(
    Interpreter, SemanticsTest,
    testing::Values(
        Case{"eq", "event.s == \"a\"", R"({"s": "a"})", true},
        Case{"eq_missing", "event.s == \"a\"", R"({})", false},
        Case{"eq_wrong_type", "event.s == \"a\"", R"({"s": 1})", false},
        Case{"ne_missing_is_true", "event.s != \"a\"", R"({})", true},
        Case{"int_float_compare", "event.n < 2.5", R"({"n": 2})", true},
        Case{"float_from_int_json", "event.f == 3", R"({"f": 3})", true},
        Case{"lt_missing", "event.n < 5", R"({})", false},
        Case{"not_of_missing_predicate", "not (event.n < 5)", R"({})", true},
        Case{"optional_present_test", "event.o != null", R"({"o": "x"})", true},
        Case{"optional_null", "event.o != null", R"({"o": null})", false},
        Case{"eq_null_means_absent", "event.o == null", R"({})", true},
        Case{"default_fills_missing", "event.d == \"dflt\"", R"({})", true},
        Case{"default_fills_null", "event.d == \"dflt\"", R"({"d": null})", true},
        Case{"default_not_for_wrong_type", "event.d == \"dflt\"", R"({"d": 5})", false},
        Case{"list_default_empty", "not (\"x\" in event.l)", R"({})", true},
        Case{"in_list", "\"db\" in event.l", R"({"l": ["web", "db"]})", true},
        Case{"contains_substring", "event.s contains \"isk\"", R"({"s": "disk full"})", true},
        Case{"map_key", "\"a\" in event.m", R"({"m": {"a": 1}})", true},
        Case{"map_index", "event.m[\"a\"] == 1", R"({"m": {"a": 1}})", true},
        Case{"map_index_missing", "event.m[\"z\"] == 1", R"({"m": {"a": 1}})", false},
        Case{"like", "event.s like \"web-*\"", R"({"s": "web-01"})", true},
        Case{"like_question", "event.s like \"w?b\"", R"({"s": "web"})", true},
        Case{"matches", "event.s matches r\"^a+b$\"", R"({"s": "aab"})", true},
        Case{"matches_search", "event.s matches \"b\"", R"({"s": "abc"})", true},
        Case{"startswith", "event.s startswith \"ab\"", R"({"s": "abc"})", true},
        Case{"endswith_missing", "event.s endswith \"c\"", R"({})", false},
        Case{"json_string", "event.j == \"x\"", R"({"j": "x"})", true},
        Case{"json_wrong_type", "event.j == \"x\"", R"({"j": 1})", false},
        Case{"json_nested", "event.j.k.v > 2", R"({"j": {"k": {"v": 3}}})", true},
        Case{"json_order_vs_string", "event.j > 2", R"({"j": "3"})", false},
        Case{"time", "event.t > now() - 3650d", R"({"t": "2024-05-02T10:00:00Z"})", true},
        Case{"time_bad_text", "event.t > now() - 3650d", R"({"t": "yesterday"})", false},
        Case{"arith_overflow_absent", "event.n * 9223372036854775807 > 0", R"({"n": 2})", false},
        Case{"division_by_zero_absent", "event.n / 0 > 0", R"({"n": 2})", false},
        Case{"coalesce", "(event.o ?? \"none\") == \"none\"", R"({})", true},
        Case{"safe_access", "event.rec?.a == 1", R"({"rec": {"a": 1}})", true},
        Case{"safe_access_missing", "event.rec?.a == 1", R"({})", false},
        Case{"or_short_circuit", "event.b or event.n > 1", R"({"n": 2})", true},
        Case{"bool_wrong_type", "event.b", R"({"b": "true"})", false},
        Case{"len_code_points", "len(event.s) == 4", R"({"s": "caf\u00e9"})", true},
        // The first of duplicate keys counts inside json values too, as for fields.
        Case{"json_duplicate_keys_first_wins", "len(keys(event.j)) == 1 and event.j.a == 1",
             R"({"j": {"a": 1, "a": 2}})", true},
        Case{"lower", "lower(event.s) == \"abc\"", R"({"s": "AbC"})", true},
        Case{"split_join", "join(split(event.s, \",\"), \"-\") == \"a-b\"", R"({"s": "a,b"})",
             true},
        Case{"int_of_string", "int(event.s) == 42", R"({"s": " 42 "})", true},
        Case{"unicode_eq", "event.s == \"\u2603\"", R"({"s": "\u2603"})", true}),
    [](const testing::TestParamInfo<Case>& param_info) { return param_info.param.name; });

struct RenderCase {
  std::string argument;
  std::string payload;
  std::string json;
};

class RenderTest : public testing::TestWithParam<RenderCase> {};

TEST_P(RenderTest, Renders) {
  EXPECT_EQ(Evaluate("true", GetParam().payload, GetParam().argument).argument, GetParam().json)
      << GetParam().argument;
}

INSTANTIATE_TEST_SUITE_P(
    Interpreter, RenderTest,
    testing::Values(
        RenderCase{"\"{{event.s}}!\"", R"({"s": "hi"})", "\"hi!\""},
        RenderCase{"\"[{{event.o}}]\"", R"({})", "\"[]\""},
        RenderCase{"\"{{event.l}}\"", R"({"l": ["a", "b"]})", "\"[\\\"a\\\",\\\"b\\\"]\""},
        RenderCase{"\"{{1m30s}} {{2.5}} {{true}}\"", R"({})", "\"1m30s 2.5 true\""},
        RenderCase{"\"{{event.t}}\"", R"({"t": "2024-05-02T12:00:00+02:00"})",
                   "\"2024-05-02T10:00:00Z\""},
        RenderCase{"\"{{event.j}}\"", R"({"j": {"a": [1, null]}})", "\"{\\\"a\\\":[1,null]}\""}),
    [](const testing::TestParamInfo<RenderCase>& param_info) {
      return "case" + std::to_string(param_info.index);
    });

}  // namespace
}  // namespace squall::interp
