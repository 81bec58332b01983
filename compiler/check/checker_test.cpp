#include "compiler/check/checker.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "compiler/diag/diagnostic_engine.h"
#include "compiler/parse/parser.h"

namespace squall::check {
namespace {

namespace fs = std::filesystem;

// A small pack written to a temporary directory: one action with every kind of parameter
// property, one trigger type with required and optional payload fields and a parameter.
class PackFixture {
 public:
  PackFixture() {
    dir_ = fs::temp_directory_path() / ("squall_check_test_" + std::to_string(::getpid()));
    fs::create_directories(dir_ / "ops" / "actions");
    fs::create_directories(dir_ / "ops" / "triggers");
    Write("ops/pack.yaml", "ref: ops\nname: ops\nversion: 1.0.0\ndescription: test pack\n");
    Write("ops/actions/run.yaml", R"(---
name: run
runner_type: python-script
entry_point: run.py
description: Runs a thing.
parameters:
  cmd:
    type: string
    required: true
  timeout:
    type: integer
    default: 60
  mode:
    type: string
    enum: [fast, slow]
  token:
    type: string
    secret: true
  sudo:
    type: boolean
    default: false
    immutable: true
  hosts:
    type: array
    items:
      type: string
output_schema:
  type: object
  properties:
    stdout:
      type: string
      required: true
    code:
      type: integer
      required: true
)");
    Write("ops/triggers/alert.yaml", R"(---
name: alert
pack: ops
description: An alert.
parameters_schema:
  type: object
  properties:
    source:
      type: string
      required: true
  additionalProperties: false
payload_schema:
  type: object
  properties:
    host:
      type: string
      required: true
    level:
      type: integer
)");
  }
  ~PackFixture() {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }
  const fs::path& dir() const { return dir_; }

 private:
  void Write(const std::string& relative, const std::string& text) {
    std::ofstream(dir_ / relative) << text;
  }
  fs::path dir_;
};

struct Expected {
  std::string kind;
  uint32_t line;
  uint32_t column;
  friend bool operator==(const Expected&, const Expected&) = default;
};

std::ostream& operator<<(std::ostream& os, const Expected& e) {
  return os << e.kind << "@" << e.line << ":" << e.column;
}

struct CheckCase {
  std::string name;
  std::string source;
  std::vector<Expected> diagnostics;  // in the engine's order; notes not included
};

class CheckerTest : public testing::TestWithParam<CheckCase> {
 protected:
  static void SetUpTestSuite() { fixture_ = new PackFixture(); }
  static void TearDownTestSuite() {
    delete fixture_;
    fixture_ = nullptr;
  }
  static PackFixture* fixture_;
};

PackFixture* CheckerTest::fixture_ = nullptr;

TEST_P(CheckerTest, ReportsExactly) {
  const CheckCase& c = GetParam();
  source::SourceManager sources;
  diag::DiagnosticEngine diags(sources, diag::EngineOptions{.error_limit = 0});
  source::FileId file_id = sources.AddFile("test.rule", c.source);
  std::unique_ptr<const ast::File> file = parse::ParseFile(sources, file_id, diags);
  ASSERT_FALSE(diags.HasErrors()) << "the case must parse";
  types::TypeContext types;
  schema::PackLoader loader(schema::LoaderOptions{.search_path = {fixture_->dir()}}, sources, diags,
                            types);
  const ast::File* files[] = {file.get()};
  Check(files, loader, types, sources, diags);
  std::vector<Expected> actual;
  for (const diag::Diagnostic& d : diags.Finish()) {
    source::LineCol at =
        d.range.IsValid() ? sources.GetLineCol(d.range.file, d.range.begin) : source::LineCol{};
    actual.push_back(Expected{std::string(diag::Info(d.kind).name), at.line, at.column});
  }
  EXPECT_EQ(actual, c.diagnostics) << c.source;
}

INSTANTIATE_TEST_SUITE_P(
    Checker, CheckerTest,
    testing::Values(
        CheckCase{
            "clean_rule",
            "import ops\n"
            "rule r {\n"
            "  if ops.alert(source: \"x\") where event.host like \"web*\" and event.level > 3\n"
            "  then ops.run(cmd: \"echo {{event.host}}\", mode: \"fast\", timeout: 2m)\n"
            "  on success then ops.run(cmd: result.stdout)\n"
            "}\n",
            {}},
        CheckCase{"unknown_parameter",
                  "import ops\ntrigger t { h: string }\n"
                  "rule r { if t then ops.run(cmd: \"x\", comand: \"y\") }\n",
                  {{"UnknownParameter", 3, 38}}},
        CheckCase{
            "missing_required",
            "import ops\ntrigger t { h: string }\nrule r { if t then ops.run(mode: \"fast\") }\n",
            {{"MissingParameter", 3, 20}}},
        CheckCase{"wrong_type",
                  "import ops\ntrigger t { h: string }\nrule r { if t then ops.run(cmd: 42) }\n",
                  {{"ArgumentTypeMismatch", 3, 33}}},
        CheckCase{"enum",
                  "import ops\ntrigger t { h: string }\n"
                  "rule r { if t then ops.run(cmd: \"x\", mode: \"medium\") }\n",
                  {{"ValueNotInEnum", 3, 44}}},
        CheckCase{"immutable",
                  "import ops\ntrigger t { h: string }\n"
                  "rule r { if t then ops.run(cmd: \"x\", sudo: true) }\n",
                  {{"ImmutableParameter", 3, 38}}},
        CheckCase{"duration_to_seconds",
                  "import ops\ntrigger t { h: string }\n"
                  "rule r { if t then ops.run(cmd: \"x\", timeout: 1500ms) }\n",
                  {{"DurationNotWholeSeconds", 3, 47}}},
        CheckCase{
            "optional_to_required",
            "import ops\ntrigger t { h: string? }\nrule r { if t then ops.run(cmd: event.h) }\n",
            {{"ArgumentMayBeNull", 3, 33}}},
        CheckCase{"optional_to_optional_param",
                  "import ops\ntrigger t { h: string? }\n"
                  "rule r { if t then ops.run(cmd: event.h ?? \"\", mode: event.h) }\n",
                  {}},
        CheckCase{"unknown_field",
                  "import ops\ntrigger t { host: string }\n"
                  "rule r { if t where event.hots == \"a\" then ops.run(cmd: \"x\") }\n",
                  {{"UnknownField", 3, 27}}},
        CheckCase{"unknown_trigger",
                  "import ops\nrule r { if ops.alrt(source: \"x\") then ops.run(cmd: \"x\") }\n",
                  {{"UnknownTrigger", 2, 13}}},
        CheckCase{"missing_trigger_parameter",
                  "import ops\nrule r { if ops.alert then ops.run(cmd: \"x\") }\n",
                  {{"MissingTriggerParameter", 2, 13}}},
        CheckCase{
            "unused_import", "import ops\ntrigger t { h: string }\n", {{"UnusedImport", 1, 1}}},
        CheckCase{"unknown_pack", "import opz\n", {{"UnknownPack", 1, 8}}},
        CheckCase{"not_imported",
                  "trigger t { h: string }\nrule r { if t then ops.run(cmd: \"x\") }\n",
                  {{"PackNotImported", 2, 20}}},
        CheckCase{"bad_regex",
                  "import ops\ntrigger t { h: string }\n"
                  "rule r { if t where event.h matches \"(a\" then ops.run(cmd: \"x\") }\n",
                  {{"InvalidRegex", 3, 37}}},
        CheckCase{"operand_types",
                  "import ops\ntrigger t { h: string }\n"
                  "rule r { if t where event.h > 3 then ops.run(cmd: \"x\") }\n",
                  {{"OperandTypes", 3, 29}}},
        CheckCase{"always_false",
                  "import ops\ntrigger t { h: string }\n"
                  "rule r { if t where 1 > 2 and event.h == \"a\" then ops.run(cmd: \"x\") }\n",
                  {{"ConditionAlwaysFalse", 3, 21}}},
        CheckCase{"retry_count",
                  "import ops\ntrigger t { h: string }\n"
                  "rule r { if t then ops.run(cmd: \"x\") retry 0 times every 0s }\n",
                  {{"PolicyOutOfRange", 3, 44}, {"PolicyOutOfRange", 3, 58}}},
        CheckCase{
            "duplicate_rule",
            "import ops\ntrigger t { h: string }\n"
            "rule r { if t then ops.run(cmd: \"x\") }\nrule r { if t then ops.run(cmd: \"y\") }\n",
            {{"DuplicateDeclaration", 4, 6}}},
        CheckCase{
            "unused_alias",
            "import ops\ntrigger t { h: string }\nrule r { if t as x then ops.run(cmd: \"x\") }\n",
            {{"UnusedBinding", 3, 18}}},
        CheckCase{"result_outside_outcome",
                  "import ops\ntrigger t { h: string }\n"
                  "rule r { if t where result.code == 1 then ops.run(cmd: \"x\") }\n",
                  {{"NameNotAvailable", 3, 21}}},
        CheckCase{"workflow_return",
                  "workflow w(n: int) -> string {\n  return n\n}\n",
                  {{"ReturnTypeMismatch", 2, 10}}},
        CheckCase{"workflow_steps",
                  "import ops\n"
                  "workflow w(hosts: list<string>) -> int {\n"
                  "  let total = 0\n"
                  "  for h in hosts concurrency 2 {\n"
                  "    let out = ops.run(cmd: \"uptime\", hosts: [h]) retry 2 times\n"
                  "    total = total + out.result.code\n"
                  "  }\n"
                  "  return total\n"
                  "}\n",
                  {}},
        CheckCase{"cron",
                  "import ops\nrule r { if cron \"0 25 * * *\" then ops.run(cmd: \"x\") }\n",
                  {{"InvalidCron", 2, 18}}},
        CheckCase{"test_payload",
                  "import ops\ntrigger t { host: string\n level: int }\n"
                  "rule r { if t then ops.run(cmd: event.host) }\n"
                  "test \"x\" {\n  given t {host: \"a\", levle: 2}\n  expect ops.run(cmd: _)\n}\n",
                  {{"MissingPayloadField", 6, 11}, {"UnknownField", 6, 23}}}),
    [](const testing::TestParamInfo<CheckCase>& param_info) { return param_info.param.name; });

}  // namespace
}  // namespace squall::check
