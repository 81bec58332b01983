#include "compiler/st2import/importer.h"

#include <gtest/gtest.h>

#include <string>

#include "compiler/diag/diagnostic_engine.h"

namespace squall::st2import {
namespace {

struct Imported {
  std::string text;
  std::vector<diag::Diagnostic> diags;
};

// Converts one YAML rule without packs (every referenced pack imported).
Imported Import(const std::string& yaml) {
  source::SourceManager sources;
  diag::DiagnosticEngine diags(sources);
  Importer importer(sources, diags, nullptr);
  importer.AddText(sources.AddFile("r.yaml", yaml), "p");
  std::string error;
  std::optional<std::string> text = importer.Render(std::nullopt, &error);
  EXPECT_TRUE(text.has_value()) << error;
  return {text.value_or(""), diags.Finish()};
}

TEST(ImporterTest, ConvertsTriggerCriteriaAndAction) {
  Imported out = Import(R"(name: on_error
pack: ops
description: Page on errors
enabled: true
trigger:
  type: ops.alert
criteria:
  trigger.severity:
    type: equals
    pattern: "critical\n"
  trigger.count:
    type: gt
    pattern: 3
action:
  ref: pager.page
  parameters:
    msg: "{{ trigger.host }} is down"
    urgent: true
)");
  EXPECT_TRUE(out.diags.empty());
  EXPECT_EQ(out.text,
            "# Converted from StackStorm rules by `squall import st2`.\n"
            "\n"
            "import ops\n"
            "import pager\n"
            "\n"
            "# ops.on_error (r.yaml)\n"
            "@description(\"Page on errors\")\n"
            "rule on_error {\n"
            "  if ops.alert where st2_equals(event.severity, \"critical\") and "
            "st2_greaterthan(event.count, 3)\n"
            "  then pager.page(msg: \"{{event.host}} is down\", urgent: true)\n"
            "}\n");
}

TEST(ImporterTest, DisabledBackstopAndEmptyPayloadGuard) {
  Imported out = Import(R"(name: r
trigger: {type: core.st2.webhook, parameters: {url: hook}}
type: {ref: backstop}
criteria:
  trigger.headers_lower.x-kind: {type: nequals, pattern: test}
action: {ref: core.noop}
)");
  EXPECT_TRUE(out.diags.empty());
  EXPECT_NE(out.text.find("# no `enabled`"), std::string::npos) << out.text;
  EXPECT_NE(out.text.find("@disabled\n@backstop\nrule r {"), std::string::npos) << out.text;
  EXPECT_NE(out.text.find("if webhook \"hook\" where len(keys(event)) > 0 and "
                          "st2_nequals(event.headers?.`x-kind`, \"test\")"),
            std::string::npos)
      << out.text;
}

TEST(ImporterTest, ProblemsAreDiagnosticsAtTheYaml) {
  Imported out = Import(R"(name: r
enabled: true
trigger: {type: a.b}
criteria:
  trigger.x:
    type: Equal
    pattern: 1
action:
  ref: core.local
  parameters:
    cmd: "{{ trigger.x | capitalize }}"
)");
  ASSERT_EQ(out.diags.size(), 2u);
  EXPECT_EQ(out.diags[0].kind, diag::Kind::ImportUnknownOperator);
  EXPECT_EQ(out.diags[1].kind, diag::Kind::ImportUnknownFilter);
  // The rule is left out, with a comment in its place.
  EXPECT_EQ(out.text.find("rule r"), std::string::npos);
  EXPECT_NE(out.text.find("# not converted"), std::string::npos);
}

TEST(ImporterTest, MissingFieldsAreReported) {
  Imported out = Import("name: r\ntrigger: {type: a.b}\ncriteria: {trigger.x: {type: exists}}\n");
  ASSERT_EQ(out.diags.size(), 2u);
  EXPECT_EQ(out.diags[0].kind, diag::Kind::MissingPackField);  // action
  EXPECT_EQ(out.diags[1].kind, diag::Kind::MissingPackField);  // pattern
  // Neither the rule nor the trigger type only it used is in the output.
  EXPECT_EQ(out.text.find("@disabled"), std::string::npos) << out.text;
  EXPECT_EQ(out.text.find("trigger a.b"), std::string::npos) << out.text;
}

// Counts the lines of `text` that start with `prefix`.
size_t CountLines(const std::string& text, const std::string& prefix) {
  size_t count = 0;
  for (size_t pos = 0; pos < text.size();) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    if (text.compare(pos, prefix.size(), prefix) == 0) ++count;
    pos = end + 1;
  }
  return count;
}

TEST(ImporterTest, YamlTextCannotBecomeSource) {
  // Line breaks (YAML escapes) in every text that reaches a comment, an annotation or a name.
  Imported out =
      Import(R"(name: "r\nrule injected {\n  if core.st2.webhook then core.noop()\n}\u2028x"
description: "d\") @disabled\n\\ {{ trigger.x }}\r\u0085"
enabled: true
trigger: {type: "ev\nimport evil.x"}
action: {ref: core.noop}
)");
  EXPECT_TRUE(out.diags.empty()) << out.diags.front().message;
  EXPECT_EQ(CountLines(out.text, "rule "), 1u) << out.text;
  EXPECT_EQ(CountLines(out.text, "import "), 2u) << out.text;  // `ev_import evil` and core
  EXPECT_EQ(CountLines(out.text, "  if "), 1u) << out.text;
  EXPECT_NE(out.text.find("# p.r rule injected {   if core.st2.webhook then core.noop() } x "
                          "(r.yaml)\n"),
            std::string::npos)
      << out.text;
  EXPECT_NE(out.text.find("@description(\"d\\\") @disabled\\n\\\\ \\{{ trigger.x }}\\r\\u{85}\")"),
            std::string::npos)
      << out.text;
  EXPECT_NE(out.text.find("rule `r_rule injected {_  if core.st2.webhook then core.noop()_}_x` {"),
            std::string::npos)
      << out.text;
}

TEST(ImporterTest, PackMustBeAPackRef) {
  for (const char* pack : {"../../x", "/tmp/x", "a.b", "A", "\"x\\ny\"", "''"}) {
    Imported out = Import(std::string("name: r\npack: ") + pack +
                          "\nenabled: true\ntrigger: {type: a.b}\naction: {ref: core.noop}\n");
    ASSERT_EQ(out.diags.size(), 1u) << pack;
    EXPECT_EQ(out.diags[0].kind, diag::Kind::PackFieldType) << pack;
    EXPECT_EQ(out.diags[0].range.begin, 14u) << pack;  // the value after `pack: `
    EXPECT_EQ(out.text.find("rule r"), std::string::npos) << out.text;
  }
  // The rule stays in the file's pack: nothing names an output file after the bad value.
  source::SourceManager sources;
  diag::DiagnosticEngine diags(sources);
  Importer importer(sources, diags, nullptr);
  importer.AddText(sources.AddFile("r.yaml",
                                   "name: r\npack: ../x\nenabled: true\ntrigger: "
                                   "{type: a.b}\naction: {ref: core.noop}\n"),
                   "p");
  EXPECT_EQ(importer.Packs(), std::vector<std::string>{"p"});
}

TEST(ImporterTest, EmptyPayloadGuardWhenACriterionCanHoldOnIt) {
  auto where = [](const std::string& criterion) {
    Imported out = Import("name: r\nenabled: true\ntrigger: {type: a.b}\ncriteria:\n  " +
                          criterion + "\naction: {ref: core.noop}\n");
    EXPECT_TRUE(out.diags.empty()) << criterion;
    size_t start = out.text.find("where ");
    size_t end = out.text.find("\n", start);
    return start == std::string::npos ? "" : out.text.substr(start, end - start);
  };
  const std::string guard = "where len(keys(event)) > 0 and ";
  // `None in [None]` holds.
  EXPECT_EQ(where("trigger.x: {type: inside, pattern: [a, null]}"),
            guard + "st2_inside(event.x, [\"a\", null])");
  EXPECT_EQ(where("trigger.x: {type: in, pattern: {k: 1}}"), guard + "st2_inside(event.x, {k: 1})");
  // `trigger` itself is the payload, `{}` on an empty one: `{} in [{}]` holds.
  EXPECT_EQ(where("trigger: {type: equals, pattern: {}}"), guard + "st2_equals(event, {})");
  // False for a missing value: no guard.
  EXPECT_EQ(where("trigger.x: {type: inside, pattern: [a, b]}"),
            "where st2_inside(event.x, [\"a\", \"b\"])");
  EXPECT_EQ(where("trigger.x: {type: inside, pattern: abc}"), "where st2_inside(event.x, \"abc\")");
  EXPECT_EQ(where("trigger.x: {type: equals, pattern: 1}"), "where st2_equals(event.x, 1)");
}

TEST(ImporterTest, TemplatePatternsNeedTheirFieldsPresent) {
  Imported out = Import(R"(name: r
enabled: true
trigger: {type: a.b}
criteria:
  trigger.x: {type: equals, pattern: "{{ trigger.a.b }}"}
  trigger.y: {type: nequals, pattern: "v-{{ trigger.c | upper }}-{{ trigger.d | default('') }}"}
action: {ref: core.noop}
)");
  EXPECT_TRUE(out.diags.empty());
  EXPECT_NE(out.text.find(
                "    where len(keys(event)) > 0\n"
                "      and st2_exists(event.a?.b)\n"
                "      and st2_equals(event.x, event.a?.b)\n"
                "      and st2_exists(event.c)\n"
                "      and st2_nequals(event.y, \"v-{{upper(event.c)}}-{{event.d ?? \"\"}}\")\n"),
            std::string::npos)
      << out.text;
}

TEST(ImporterTest, TemplatePatternsStackStormWouldDecodeAsJsonAreRefused) {
  for (const char* pattern :
       {"\"[{{ trigger.a }}]\"", "'{\"k\": \"{{ trigger.a }}\"}'", "' \"{{ trigger.a }}\"'"}) {
    Imported out = Import(std::string("name: r\nenabled: true\ntrigger: {type: a.b}\ncriteria:\n"
                                      "  trigger.x: {type: equals, pattern: ") +
                          pattern + "}\naction: {ref: core.noop}\n");
    ASSERT_EQ(out.diags.size(), 1u) << pattern;
    EXPECT_EQ(out.diags[0].kind, diag::Kind::ImportUnsupportedJinja) << pattern;
    EXPECT_NE(out.diags[0].message.find("as JSON"), std::string::npos) << out.diags[0].message;
  }
  // Text around an expression that cannot start JSON, or no `{{`: kept as text.
  for (const char* pattern : {"\"host-{{ trigger.a }}\"", "\"[x] {# c #}\""}) {
    Imported out = Import(std::string("name: r\nenabled: true\ntrigger: {type: a.b}\ncriteria:\n"
                                      "  trigger.x: {type: equals, pattern: ") +
                          pattern + "}\naction: {ref: core.noop}\n");
    EXPECT_TRUE(out.diags.empty()) << pattern;
  }
}

TEST(ImporterTest, ExistsPatternsAreRenderedToo) {
  Imported out = Import(R"(name: r
enabled: true
trigger: {type: a.b}
criteria:
  trigger.x: {type: exists, pattern: "{{ trigger.a }}"}
  trigger.y: {type: nexists, pattern: "v-{{ trigger.c | upper }}"}
  trigger.z: {type: exists, pattern: ""}
  trigger.w: {type: exists, pattern: "{{ trigger | frobnicate }}"}
action: {ref: core.noop}
)");
  // The unknown filter in the last pattern is reported: nothing is dropped silently.
  ASSERT_EQ(out.diags.size(), 1u);
  EXPECT_EQ(out.diags[0].kind, diag::Kind::ImportUnknownFilter);
  out = Import(R"(name: r
enabled: true
trigger: {type: a.b}
criteria:
  trigger.x: {type: exists, pattern: "{{ trigger.a }}"}
  trigger.y: {type: nexists, pattern: "v-{{ trigger.c | upper }}"}
  trigger.z: {type: exists, pattern: ""}
action: {ref: core.noop}
)");
  EXPECT_TRUE(out.diags.empty());
  EXPECT_NE(out.text.find("    where len(keys(event)) > 0\n"
                          "      and st2_exists(event.a)\n"
                          "      and st2_exists(event.x)\n"
                          "      and st2_exists(event.c)\n"
                          "      and st2_nexists(event.y)\n"
                          "      and st2_exists(event.z)\n"),
            std::string::npos)
      << out.text;
}

// Rule names shared by several packs are qualified the same way in every pack's file.
TEST(ImporterTest, SharedRuleNamesAreQualifiedInEveryPackFile) {
  source::SourceManager sources;
  diag::DiagnosticEngine diags(sources);
  Importer importer(sources, diags, nullptr);
  const std::string rule =
      "name: same\nenabled: true\ntrigger: {type: a.b}\n"
      "action: {ref: core.noop}\n";
  importer.AddText(sources.AddFile("a.yaml", rule), "a");
  importer.AddText(sources.AddFile("b.yaml", rule), "b");
  importer.AddText(sources.AddFile("c.yaml",
                                   "name: other\nenabled: true\n"
                                   "trigger: {type: a.b}\naction: {ref: core.noop}\n"),
                   "b");
  std::string error;
  for (const auto& [pack, name] :
       {std::pair<std::string, std::string>{"a", "rule `a.same` {"}, {"b", "rule `b.same` {"}}) {
    std::optional<std::string> text = importer.Render(pack, &error);
    ASSERT_TRUE(text.has_value()) << error;
    EXPECT_NE(text->find(name), std::string::npos) << *text;
  }
  std::optional<std::string> b = importer.Render("b", &error);
  ASSERT_TRUE(b.has_value()) << error;
  EXPECT_NE(b->find("rule other {"), std::string::npos) << *b;
  EXPECT_TRUE(diags.Finish().empty());
}

}  // namespace
}  // namespace squall::st2import
