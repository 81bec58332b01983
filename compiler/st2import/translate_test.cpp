#include "compiler/st2import/translate.h"

#include <gtest/gtest.h>

#include <string>

namespace squall::st2import {
namespace {

struct KeyCase {
  std::string key;
  std::string expr;  // empty: a problem is expected
  bool webhook = false;
  std::string top_field;
};

class CriteriaKeyTest : public testing::TestWithParam<KeyCase> {};

TEST_P(CriteriaKeyTest, Translates) {
  const KeyCase& c = GetParam();
  KeyResult result = TranslateCriteriaKey(c.key, c.webhook);
  if (c.expr.empty()) {
    ASSERT_TRUE(result.problem.has_value()) << result.expr;
    EXPECT_EQ(result.problem->kind, diag::Kind::ImportUnsupportedPath);
    return;
  }
  ASSERT_FALSE(result.problem.has_value()) << result.problem->args.back();
  EXPECT_EQ(result.expr, c.expr);
  if (!c.top_field.empty()) {
    EXPECT_EQ(result.top_field, c.top_field);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, CriteriaKeyTest,
    testing::Values(
        KeyCase{.key = "trigger", .expr = "event"},
        KeyCase{.key = "trigger.route", .expr = "event.route", .top_field = "route"},
        KeyCase{.key = "trigger.body.name", .expr = "event.body?.name", .top_field = "body"},
        KeyCase{.key = "trigger.a.b[0]", .expr = "event.a?.b[0]"},
        KeyCase{.key = "trigger.a[2].c", .expr = "event.a[2]?.c"},
        KeyCase{.key = "trigger.n#1", .expr = "event.n"},
        KeyCase{.key = "trigger.n#a.b[0]", .expr = "event.n"},
        KeyCase{.key = "trigger.a.'dotted.key'", .expr = "event.a?.`dotted.key`"},
        KeyCase{.key = "trigger.\"x y\"", .expr = "event.`x y`"},
        KeyCase{.key = "trigger.x-request-id", .expr = "event.`x-request-id`"},
        KeyCase{.key = "trigger.if", .expr = "event.if"},
        KeyCase{.key = "trigger.headers_lower.x-token",
                .expr = "event.headers?.`x-token`",
                .webhook = true,
                .top_field = "headers"},
        KeyCase{
            .key = "trigger.headers.X-Token", .expr = "event.headers?.`x-token`", .webhook = true},
        KeyCase{.key = "trigger.headers_lower.x", .expr = "event.headers_lower?.x"},
        KeyCase{.key = "trigger.a[*].b", .expr = ""}, KeyCase{.key = "trigger..b", .expr = ""},
        KeyCase{.key = "trigger.*", .expr = ""}, KeyCase{.key = "trigger.a[-1]", .expr = ""},
        KeyCase{.key = "trigger.a[1:2]", .expr = ""}, KeyCase{.key = "payload.a", .expr = ""},
        KeyCase{.key = "k1", .expr = ""}, KeyCase{.key = "trigger.a[0", .expr = ""}));

struct TemplateCase {
  std::string input;
  TemplateContext context = TemplateContext::kActionParameter;
  std::string text;  // the string literal; empty when a problem is expected
  std::string single = {};
  diag::Kind problem = diag::Kind::ImportUnsupportedJinja;
  bool webhook = false;
};

class TemplateTest : public testing::TestWithParam<TemplateCase> {};

TEST_P(TemplateTest, Translates) {
  const TemplateCase& c = GetParam();
  TemplateResult result = TranslateTemplate(c.input, c.context, c.webhook);
  if (c.text.empty()) {
    ASSERT_TRUE(result.problem.has_value()) << result.text;
    EXPECT_EQ(result.problem->kind, c.problem);
    return;
  }
  ASSERT_FALSE(result.problem.has_value()) << result.problem->args.back();
  EXPECT_EQ(result.text, c.text);
  EXPECT_EQ(result.single_expression, c.single);
}

constexpr TemplateContext kPattern = TemplateContext::kCriteriaPattern;

INSTANTIATE_TEST_SUITE_P(
    Table, TemplateTest,
    testing::Values(
        // Plain text.
        TemplateCase{.input = "abc", .text = "\"abc\""},
        TemplateCase{.input = "say \"hi\"\\", .text = "\"say \\\"hi\\\"\\\\\""},
        TemplateCase{.input = "awk '{print $1}'", .text = "\"awk '{print $1}'\""},
        // A plain parameter keeps its newline; a rendered pattern or template loses one.
        TemplateCase{.input = "abc\n", .text = "\"abc\\n\""},
        TemplateCase{.input = "abc\n", .context = kPattern, .text = "\"abc\""},
        TemplateCase{.input = "abc\n\n", .context = kPattern, .text = "\"abc\\n\""},
        TemplateCase{.input = "a\r\nb\r\n", .context = kPattern, .text = "\"a\\nb\""},
        TemplateCase{.input = "x {{trigger.a}}\n", .text = "\"x {{event.a}}\""},
        // Variables and paths.
        TemplateCase{.input = "{{trigger.a}}", .text = "\"{{event.a}}\"", .single = "event.a"},
        TemplateCase{.input = " {{ trigger.data.user }} ",
                     .text = "\" {{event.data?.user}} \"",
                     .single = "event.data?.user"},
        TemplateCase{.input = "{{trigger['a.b'][0]}}",
                     .text = "\"{{event.`a.b`[0]}}\"",
                     .single = "event.`a.b`[0]"},
        TemplateCase{.input = "{{ trigger }}", .text = "\"{{event}}\"", .single = "event"},
        TemplateCase{.input = "#{{ trigger.route }}", .text = "\"#{{event.route}}\""},
        TemplateCase{.input = "echo \"{{trigger.body}}\" >> f",
                     .text = "\"echo \\\"{{event.body}}\\\" >> f\""},
        TemplateCase{.input = "{{trigger.a}}-{{trigger.b}}", .text = "\"{{event.a}}-{{event.b}}\""},
        TemplateCase{.input = "{{trigger.headers_lower.host}}",
                     .text = "\"{{event.headers?.host}}\"",
                     .single = "event.headers?.host",
                     .webhook = true},
        // Braces next to interpolations stay text.
        TemplateCase{.input = "{ {{trigger.a}}}", .text = "\"{ {{event.a}}\\}\""},
        // Datastore.
        TemplateCase{.input = "{{ st2kv.system.api.url }}",
                     .text = "\"{{kv(\"api.url\") ?? \"\"}}\"",
                     .single = "kv(\"api.url\") ?? \"\""},
        TemplateCase{.input = "{{ system.k }}",
                     .text = "\"{{kv(\"k\") ?? \"\"}}\"",
                     .single = "kv(\"k\") ?? \"\""},
        TemplateCase{.input = "{{ st2kv.system.token | decrypt_kv }}",
                     .text = "\"{{secret(\"token\")}}\"",
                     .single = "secret(\"token\")"},
        TemplateCase{.input = "{{ st2kv.system.k | upper }}",
                     .text = "\"{{upper(kv(\"k\") ?? \"\")}}\"",
                     .single = "upper(kv(\"k\") ?? \"\")"},
        // Filters and literals.
        TemplateCase{.input = "{{ trigger.a | to_json_string }}",
                     .text = "\"{{to_json(event.a)}}\"",
                     .single = "to_json(event.a)"},
        TemplateCase{.input = "{{ trigger.a | lower | trim }}",
                     .text = "\"{{trim(lower(event.a))}}\"",
                     .single = "trim(lower(event.a))"},
        TemplateCase{.input = "{{ trigger.a | replace('-', '_') }}",
                     .text = "\"{{replace(event.a, \"-\", \"_\")}}\"",
                     .single = "replace(event.a, \"-\", \"_\")"},
        TemplateCase{.input = "{{ trigger.tags | join(\", \") }}",
                     .text = "\"{{join(event.tags, \", \")}}\"",
                     .single = "join(event.tags, \", \")"},
        TemplateCase{.input = "{{ trigger.tags | join }}",
                     .text = "\"{{join(event.tags, \"\")}}\"",
                     .single = "join(event.tags, \"\")"},
        TemplateCase{.input = "{{ trigger.n | int }}",
                     .text = "\"{{int(event.n)}}\"",
                     .single = "int(event.n)"},
        TemplateCase{.input = "{{ trigger.a | default('none') }}",
                     .text = "\"{{event.a ?? \"none\"}}\"",
                     .single = "event.a ?? \"none\""},
        TemplateCase{.input = "{{ trigger.a.b | default(5) | string }}",
                     .text = "\"{{string(event.a?.b ?? 5)}}\"",
                     .single = "string(event.a?.b ?? 5)"},
        TemplateCase{.input = "{{ trigger.xs | length }}",
                     .text = "\"{{len(event.xs)}}\"",
                     .single = "len(event.xs)"},
        TemplateCase{.input = "{{ trigger.msg | regex_search('disk (full|low)') }}",
                     .text = "\"{{st2_regex(event.msg, \"disk (full|low)\")}}\"",
                     .single = "st2_regex(event.msg, \"disk (full|low)\")"},
        TemplateCase{.input = "{{ trigger.msg | regex_match('a|b') }}",
                     .text = "\"{{st2_regex(event.msg, \"^(?:a|b)\")}}\"",
                     .single = "st2_regex(event.msg, \"^(?:a|b)\")"},
        TemplateCase{.input = "{{ trigger.msg | regex_match('(?i:a)b') }}",
                     .text = "\"{{st2_regex(event.msg, \"^(?:(?i:a)b)\")}}\"",
                     .single = "st2_regex(event.msg, \"^(?:(?i:a)b)\")"},
        TemplateCase{.input = "{{ trigger.hosts | first }}",
                     .text = "\"{{event.hosts[0]}}\"",
                     .single = "event.hosts[0]"},
        TemplateCase{.input = "{{ trigger.a | default('x') | first }}",
                     .text = "\"{{(event.a ?? \"x\")[0]}}\"",
                     .single = "(event.a ?? \"x\")[0]"},
        TemplateCase{.input = "{{ 42 }}", .text = "\"{{42}}\"", .single = "42"},
        TemplateCase{.input = "{{ 'x' }}", .text = "\"{{\"x\"}}\"", .single = "\"x\""},
        TemplateCase{.input = "{{ None }}", .text = "\"{{null}}\"", .single = "null"},
        TemplateCase{.input = "a{# note #}b", .text = "\"ab\""},
        // Not convertible.
        TemplateCase{.input = "{{ trigger.a | capitalize }}",
                     .text = "",
                     .problem = diag::Kind::ImportUnknownFilter},
        TemplateCase{.input = "{{ trigger.a | jsonpath_query('x') }}",
                     .text = "",
                     .problem = diag::Kind::ImportUnknownFilter},
        // StackStorm's filters without a faithful form: refused with the reason.
        TemplateCase{.input = "{{ trigger.a | to_yaml_string }}", .text = ""},
        TemplateCase{.input = "{{ trigger.a | regex_replace('x', 'y') }}", .text = ""},
        TemplateCase{.input = "{{ trigger.a | regex_substring('x') }}", .text = ""},
        TemplateCase{.input = "{{ trigger.a | basename }}", .text = ""},
        TemplateCase{.input = "{{ trigger.a | use_none }}", .text = ""},
        TemplateCase{.input = "{{ trigger.a | title }}", .text = ""},
        TemplateCase{.input = "{{ trigger.a | last }}", .text = ""},
        TemplateCase{.input = "{{ trigger.a | round }}", .text = ""},
        TemplateCase{.input = "{{ trigger.a | regex_search('x', true) }}", .text = ""},
        TemplateCase{.input = "{{ trigger.a | regex_search('x', ignorecase=true) }}", .text = ""},
        // re.match cannot be anchored by wrapping when a global flag group must come first.
        TemplateCase{.input = "{{ trigger.a | regex_match('(?i)x') }}", .text = ""},
        TemplateCase{.input = "{{ trigger.a | regex_match(5) }}", .text = ""},
        TemplateCase{.input = "{% if trigger.a %}x{% endif %}", .text = ""},
        TemplateCase{.input = "{{ trigger.a + 1 }}", .text = ""},
        TemplateCase{.input = "{{ trigger.a ~ 'x' }}", .text = ""},
        TemplateCase{.input = "{{ trigger.a }", .text = ""},
        TemplateCase{.input = "{{- trigger.a }}", .text = ""},
        TemplateCase{.input = "{{ trigger.a(1) }}", .text = ""},
        TemplateCase{.input = "{{ trigger.a | default(x, boolean=true) }}", .text = ""},
        TemplateCase{.input = "{{ message }}", .text = ""},
        TemplateCase{.input = "{{ 'k' | decrypt_kv }}", .text = ""},
        TemplateCase{.input = "{{ action_context.user }}",
                     .text = "",
                     .problem = diag::Kind::ImportUnsupportedVariable},
        TemplateCase{.input = "{{ config_context.url }}",
                     .text = "",
                     .problem = diag::Kind::ImportUnsupportedVariable},
        TemplateCase{.input = "{{ st2kv.user.k }}",
                     .text = "",
                     .problem = diag::Kind::ImportUnsupportedVariable}));

// ImportKvPattern exactly where StackStorm's `| to_complex` (appended inside the last `}}`
// of each line of a criteria pattern) receives the datastore lookup itself (st2#4043).
TEST(TemplateTest, KvInPatternWarnsWhereToComplexGetsTheLookup) {
  struct Case {
    std::string input;
    TemplateContext context;
    size_t warnings;
  };
  const Case cases[] = {
      {"{{ st2kv.system.k }}", kPattern, 1},
      {"pre{{ st2kv.system.k }}post", kPattern, 1},
      {"{{ (st2kv.system.k) }}", kPattern, 1},
      {"{{ st2kv.system.k | default('x') }}", kPattern, 1},
      {"{{ system.k }}", kPattern, 1},
      // Made text first: json.dumps gets a string.
      {"{{ st2kv.system.k | string }}", kPattern, 0},
      {"{{ st2kv.system.k | upper }}", kPattern, 0},
      {"{{ st2kv.system.k | decrypt_kv }}", kPattern, 0},
      // Not the last `}}` of its line: rendered with str().
      {"{{ st2kv.system.k }}-{{ trigger.a }}", kPattern, 0},
      {"{{ st2kv.system.k }}\n{{ trigger.a }}", kPattern, 1},
      // Action parameters are rendered without `to_complex`.
      {"{{ st2kv.system.k }}", TemplateContext::kActionParameter, 0},
  };
  for (const Case& c : cases) {
    TemplateResult result = TranslateTemplate(c.input, c.context);
    ASSERT_FALSE(result.problem.has_value()) << c.input;
    EXPECT_EQ(result.warnings.size(), c.warnings) << c.input;
    for (const Problem& warning : result.warnings) {
      EXPECT_EQ(warning.kind, diag::Kind::ImportKvPattern) << c.input;
    }
  }
}

TEST(TemplateTest, RecordsPayloadFields) {
  TemplateResult result = TranslateTemplate("{{trigger.a.b}} {{trigger['c']}} {{trigger[0]}}",
                                            TemplateContext::kActionParameter);
  EXPECT_EQ(result.top_fields, (std::vector<std::string>{"a", "c"}));
}

struct SpellCase {
  std::string in;
  std::string name;
  std::string any_name;
};

class SpellTest : public testing::TestWithParam<SpellCase> {};

TEST_P(SpellTest, Spells) {
  EXPECT_EQ(SpellName(GetParam().in), GetParam().name);
  EXPECT_EQ(SpellAnyName(GetParam().in), GetParam().any_name);
}

INSTANTIATE_TEST_SUITE_P(
    Table, SpellTest,
    testing::Values(SpellCase{"notify", "notify", "notify"},
                    SpellCase{"notify-errbot", "`notify-errbot`", "`notify-errbot`"},
                    SpellCase{"if", "`if`", "if"}, SpellCase{"event", "`event`", "event"},
                    SpellCase{"rule space", "`rule space`", "`rule space`"},
                    SpellCase{"a`b", "`a_b`", "`a_b`"}, SpellCase{"1st", "`1st`", "`1st`"},
                    // Every keyword of the grammar, soft ones too, and `error`.
                    SpellCase{"within", "`within`", "within"},
                    SpellCase{"after", "`after`", "after"}, SpellCase{"tz", "`tz`", "tz"},
                    SpellCase{"error", "`error`", "error"},
                    // No control character survives into a backquoted name.
                    SpellCase{"a\nrule b {", "`a_rule b {`", "`a_rule b {`"},
                    SpellCase{"a\r\tb\x1b", "`a__b_`", "`a__b_`"},
                    SpellCase{"a\u2028b\u0085c", "`a_b_c`", "`a_b_c`"},
                    SpellCase{"bad\xffutf8", "`bad_utf8`", "`bad_utf8`"}));

TEST(SpellTest, Dotted) {
  EXPECT_EQ(SpellDotted("examples.echochain-param"), "examples.`echochain-param`");
  EXPECT_EQ(SpellDotted("core.st2.IntervalTimer"), "core.st2.IntervalTimer");
}

TEST(StringLiteralTest, EscapesWhatSquallReads) {
  EXPECT_EQ(StringLiteral("a\tb\n"), "\"a\\tb\\n\"");
  EXPECT_EQ(StringLiteral("{{x}}"), "\"\\{{x}}\"");
  EXPECT_EQ(StringLiteral("{a}"), "\"{a}\"");
  EXPECT_EQ(StringLiteral(std::string("\x01", 1)), "\"\\u{1}\"");
  EXPECT_EQ(StringLiteral("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(StringLiteral("x\r\n}}{{y"), "\"x\\r\\n}}\\{{y\"");
  // C1 controls, DEL and the Unicode line separators are shown as escapes; invalid UTF-8
  // becomes U+FFFD; other text is kept.
  EXPECT_EQ(StringLiteral("a\u0085b\u2028c\u2029d\x7f"),
            "\"a\\u{85}b\\u{2028}c\\u{2029}d\\u{7F}\"");
  EXPECT_EQ(StringLiteral("\xff\xc3\xa9"), "\"\\u{FFFD}\xc3\xa9\"");
}

TEST(CommentTextTest, NothingEndsTheLine) {
  EXPECT_EQ(CommentText("p.r (x.yaml)"), "p.r (x.yaml)");
  EXPECT_EQ(CommentText("a\nrule x {\r}"), "a rule x { }");
  EXPECT_EQ(CommentText("a\u2028b\u2029c\u0085d\x0b\x0c\x1b\x7f"), "a b c d    ");
  EXPECT_EQ(CommentText("caf\xc3\xa9 \xff"), "caf\xc3\xa9  ");
}

TEST(TemplateTest, RequiredPathsAreWhatStrictUndefinedNeeds) {
  TemplateResult result = TranslateTemplate(
      "{{ trigger.a.b }}-{{ trigger.c | upper }}-{{ trigger.a.b }}-{{ trigger.d | default('x') }}"
      "-{{ (trigger.e) | int }}-{{ trigger | string }}-{{ st2kv.system.k | string }}",
      TemplateContext::kCriteriaPattern);
  ASSERT_FALSE(result.problem.has_value()) << result.problem->args.back();
  EXPECT_EQ(result.required_paths, (std::vector<std::string>{"event.a?.b", "event.c", "event.e"}));
  // `first` of an empty list is undefined too.
  result = TranslateTemplate("{{ trigger.xs | first | upper }}", TemplateContext::kCriteriaPattern);
  ASSERT_FALSE(result.problem.has_value()) << result.problem->args.back();
  EXPECT_EQ(result.required_paths, (std::vector<std::string>{"event.xs", "event.xs[0]"}));
}

}  // namespace
}  // namespace squall::st2import
