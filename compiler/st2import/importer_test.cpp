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

}  // namespace
}  // namespace squall::st2import
