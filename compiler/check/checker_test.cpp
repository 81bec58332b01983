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

// Every diagnostic of `diags` as kind@line:col, in the engine's order (notes not included).
std::vector<Expected> Collect(const source::SourceManager& sources, diag::DiagnosticEngine& diags) {
  std::vector<Expected> actual;
  for (const diag::Diagnostic& d : diags.Finish()) {
    source::LineCol at =
        d.range.IsValid() ? sources.GetLineCol(d.range.file, d.range.begin) : source::LineCol{};
    actual.push_back(Expected{std::string(diag::Info(d.kind).name), at.line, at.column});
  }
  return actual;
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
  std::vector<Expected> actual = Collect(sources, diags);
  EXPECT_EQ(actual, c.diagnostics) << c.source;
}

// Workflows are file-local: two files with a workflow of the same name but different return
// types are both fine, in either order.
TEST_F(CheckerTest, WorkflowResultTypesDoNotLeakAcrossFiles) {
  for (bool reversed : {false, true}) {
    source::SourceManager sources;
    diag::DiagnosticEngine diags(sources, diag::EngineOptions{.error_limit = 0});
    source::FileId a =
        sources.AddFile("a.rule",
                        "workflow w() -> int {\n  return 1\n}\nworkflow use_a() -> int {\n"
                        "  let x = w()\n  return x.result + 1\n}\n");
    source::FileId b = sources.AddFile(
        "b.rule",
        "workflow w() -> string {\n  return \"s\"\n}\nworkflow use_b() -> string {\n"
        "  let x = w()\n  return x.result + \"!\"\n}\n");
    std::unique_ptr<const ast::File> file_a = parse::ParseFile(sources, a, diags);
    std::unique_ptr<const ast::File> file_b = parse::ParseFile(sources, b, diags);
    types::TypeContext types;
    schema::PackLoader loader(schema::LoaderOptions{}, sources, diags, types);
    std::vector<const ast::File*> files = {file_a.get(), file_b.get()};
    if (reversed) std::swap(files[0], files[1]);
    Check(files, loader, types, sources, diags);
    EXPECT_EQ(Collect(sources, diags), std::vector<Expected>{}) << "reversed: " << reversed;
  }
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
        // A `date-time` trigger parameter takes the timestamp's text (StackStorm's form too).
        CheckCase{"trigger_time_parameter_as_text",
                  "import core\nimport ops\n"
                  "rule a { if core.st2.DateTimer(date: \"2030-01-01T10:00:00Z\") then "
                  "ops.run(cmd: \"x\") }\n"
                  "rule b { if core.st2.DateTimer(date: \"2030-01-01 10:00:00\", timezone: "
                  "\"UTC\") then ops.run(cmd: \"x\") }\n",
                  {}},
        CheckCase{"trigger_time_parameter_not_a_timestamp",
                  "import core\nimport ops\n"
                  "rule a { if core.st2.DateTimer(date: \"tomorrow\") then ops.run(cmd: \"x\") }\n"
                  "rule b { if core.st2.DateTimer(date: 5) then ops.run(cmd: \"x\") }\n",
                  {{"TypeMismatch", 3, 38}, {"ArgumentTypeMismatch", 4, 38}}},
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
        // StackStorm's operators take any values, as Python does.
        CheckCase{"st2_any_types",
                  "import ops\ntrigger t { h: string?, n: int, j: json }\n"
                  "rule r { if t where st2_equals(event.h, 5) and st2_lessthan(event.j, \"x\") "
                  "and st2_nexists(event.n) and st2_search(event.j, \"any\", "
                  "{\"item.a#1\": {type: \"equals\", pattern: [1, 2]}}) "
                  "then ops.run(cmd: \"x\") }\n",
                  {}},
        CheckCase{"st2_arity",
                  "import ops\ntrigger t { h: string }\n"
                  "rule r { if t where st2_equals(event.h) then ops.run(cmd: \"x\") }\n",
                  {{"FunctionArguments", 3, 21}}},
        CheckCase{"st2_search_condition",
                  "import ops\ntrigger t { j: json }\n"
                  "rule r { if t where st2_search(event.j, 1, {}) then ops.run(cmd: \"x\") }\n",
                  {{"TypeMismatch", 3, 41}}},
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
        // Regressions from review: each was wrong before.
        CheckCase{"wait_parameters_see_workflow_scope",
                  "import ops\n"
                  "workflow w(src: string) -> int {\n"
                  "  let a = wait ops.alert(source: src) where event.host == \"x\" timeout 5m\n"
                  "  return a.level ?? 0\n"
                  "}\n",
                  {}},
        CheckCase{
            "constant_folding",
            "import ops\n"
            "const a = 2 * 5m\nconst b = 10m / 2\nconst c = 10 / 4\nconst d = 7 % 2\n"
            "const e = null ?? 1\nconst f = \"a\" in [\"a\"]\nconst g = \"web-1\" like \"web-*\"\n"
            "const h = 1h % 7m\nconst i = \"x\" startswith \"x\"\n"
            "rule r { if every a + b then ops.run(cmd: \"{{c}}{{d}}{{e}}{{f}}{{g}}{{h}}{{i}}\") "
            "}\n",
            {}},
        CheckCase{"folded_zero_interval",
                  "import ops\nrule r { if every 2 * 0s then ops.run(cmd: \"x\") }\n",
                  {{"PolicyOutOfRange", 2, 19}}},
        CheckCase{"enum_null_for_optional",
                  "import ops\ntrigger t { h: string }\n"
                  "rule r { if t then ops.run(cmd: \"x\", mode: null) }\n",
                  {}},
        CheckCase{"coalesce_unrelated_default",
                  "import ops\ntrigger t { n: int? }\n"
                  "rule r { if t where (event.n ?? \"none\") == 1 then ops.run(cmd: \"x\") }\n",
                  {{"OperandTypes", 3, 30}}},
        CheckCase{"index_optional_record",
                  "import ops\ntrigger t { rec: {a: int}? }\n"
                  "rule r { if t where event.rec[\"a\"] + 1 > 2 then ops.run(cmd: \"x\") }\n",
                  {{"MaybeNull", 3, 21}}},
        CheckCase{"parallel_siblings_and_first",
                  "import ops\n"
                  "workflow w() -> string {\n"
                  "  parallel {\n"
                  "    let a = ops.run(cmd: \"x\")\n"
                  "    ops.run(cmd: a.result.stdout)\n"
                  "  }\n"
                  "  parallel first 1 {\n"
                  "    let p = ops.run(cmd: \"a\")\n"
                  "    let q = ops.run(cmd: \"b\")\n"
                  "  }\n"
                  "  return a.result.stdout + (p?.result?.stdout ?? \"\") + q.result.stdout\n"
                  "}\n",
                  {{"UnknownName", 5, 18}, {"OptionalMemberAccess", 11, 56}}},
        CheckCase{"nested_action_call_in_rule",
                  "import ops\ntrigger t { h: string }\n"
                  "rule r { if t then ops.run(cmd: ops.run(cmd: \"x\").result.stdout) }\n",
                  {{"ActionCallNotAllowed", 3, 33}}},
        CheckCase{"builtin_with_policies",
                  "workflow w() {\n  let x = len(\"abc\")\n    retry 3 times\n  return\n}\n",
                  {{"UnusedBinding", 2, 7}, {"RuleActionIsFunction", 2, 11}}},
        CheckCase{"const_workflow_clash",
                  "const notify = \"x\"\nworkflow notify(msg: string) {\n  return\n}\n",
                  {{"DuplicateDeclaration", 2, 10}}},
        CheckCase{"duration_to_workflow_int",
                  "workflow w(attempts: int) {\n  return\n}\n"
                  "rule r { if every 5m then w(attempts: 5m) }\n",
                  {{"ArgumentTypeMismatch", 4, 39}}},
        CheckCase{"negative_duration_seconds",
                  "import ops\ntrigger t { h: string }\n"
                  "rule r { if t then ops.run(cmd: \"x\", timeout: -5s) }\n",
                  {{"PolicyOutOfRange", 3, 47}}},
        CheckCase{"accumulate",
                  "workflow w(hosts: list<string>) -> list<string> {\n"
                  "  let xs = []\n  for h in hosts {\n    xs = xs + [h]\n  }\n"
                  "  let best = null\n  best = \"x\"\n  return xs + [best ?? \"\"]\n}\n",
                  {}},
        CheckCase{
            "filter_alias_is_used",
            "import ops\ntrigger up { i: string }\ntrigger down { i: string, admin: string }\n"
            "rule r {\n  if (down as d where d.admin == \"up\") and not up within 5m\n"
            "  then ops.run(cmd: \"x\")\n}\n",
            {}},
        CheckCase{
            "absence_false_condition_is_not_dead",
            "import ops\ntrigger up { i: string }\ntrigger down { i: string }\n"
            "rule r { if down as d and not up where false within 5m then ops.run(cmd: d.i) }\n",
            {}},
        CheckCase{"event_after_alias",
                  "import ops\ntrigger t { h: string }\n"
                  "rule r { if t as x where event.h == \"a\" then ops.run(cmd: x.h) }\n",
                  {{"NameNotAvailable", 3, 26}}},
        CheckCase{
            "pack_under_alias",
            "import ops as o\ntrigger t { h: string }\nrule r { if t then ops.run(cmd: \"x\") }\n",
            {{"NameNotAvailable", 3, 20}}},
        CheckCase{"negate_optional",
                  "import ops\ntrigger t { n: int? }\n"
                  "rule r { if t where -event.n < 0 then ops.run(cmd: \"x\") }\n",
                  {{"MaybeNull", 3, 22}}},
        CheckCase{
            "test_data_nested_and_builtin_atoms",
            "import ops\ntrigger done { window: {start: time, end: time}, at: list<time> }\n"
            "rule r { if done then ops.run(cmd: \"x\") }\n"
            "rule h { if webhook \"deploy\" then ops.run(cmd: \"y\") }\n"
            "test \"x\" {\n"
            "  given done {window: {start: \"2024-05-02T10:00:00Z\", end: \"2024-05-02 11:00:00\"},"
            " at: [\"2024-05-02T10:00:00+02:00\"]}\n"
            "  given webhook \"deploy\" {body: {branch: \"main\"}}\n"
            "  when ops.run returns {stdout: \"ok\"}\n"
            "  expect ops.run(cmd: _)\n"
            "}\n",
            {}},
        CheckCase{"test_payload",
                  "import ops\ntrigger t { host: string\n level: int }\n"
                  "rule r { if t then ops.run(cmd: event.host) }\n"
                  "test \"x\" {\n  given t {host: \"a\", levle: 2}\n  expect ops.run(cmd: _)\n}\n",
                  {{"MissingPayloadField", 6, 11}, {"UnknownField", 6, 23}}}),
    [](const testing::TestParamInfo<CheckCase>& param_info) { return param_info.param.name; });

// Path-sensitive checks of workflow bodies (check_flow.cpp).
INSTANTIATE_TEST_SUITE_P(
    Flow, CheckerTest,
    testing::Values(
        // MaybeUnset: a `{}` variable read on a path that skipped its assignment.
        CheckCase{
            "maybe_unset_after_catch",
            "import ops\n"
            "workflow w() -> string {\n"
            "  let out = {}\n"
            "  try {\n    out = ops.run(cmd: \"x\")\n  } catch {\n    ops.run(cmd: \"y\")\n  }\n"
            "  return out.result.stdout\n"
            "}\n",
            {{"MaybeUnset", 9, 10}}},
        CheckCase{"maybe_unset_after_if_without_else",
                  "import ops\n"
                  "workflow w(go: bool) -> int {\n"
                  "  let out = {}\n"
                  "  if go {\n    out = ops.run(cmd: \"x\")\n  }\n"
                  "  return out.result.code + out.result.code\n"
                  "}\n",
                  {{"MaybeUnset", 7, 10}}},
        CheckCase{"assigned_on_every_path",
                  "import ops\n"
                  "workflow w(go: bool) -> int {\n"
                  "  let out = {}\n"
                  "  if go {\n    out = ops.run(cmd: \"x\")\n  } else {\n"
                  "    out = ops.run(cmd: \"y\")\n  }\n"
                  "  return out.result.code\n"
                  "}\n",
                  {}},
        CheckCase{"assigned_before_break_of_while_true",
                  "import ops\n"
                  "workflow w() -> int {\n"
                  "  let out = {}\n"
                  "  while true {\n    out = ops.run(cmd: \"x\")\n"
                  "    if out.result.code == 0 {\n      break\n    }\n  }\n"
                  "  return out.result.code\n"
                  "}\n",
                  {}},
        CheckCase{"assigned_in_a_branch_of_parallel",
                  "import ops\n"
                  "workflow w() -> int {\n"
                  "  let out = {}\n"
                  "  parallel {\n    out = ops.run(cmd: \"x\")\n    ops.run(cmd: \"y\")\n  }\n"
                  "  return out.result.code\n"
                  "}\n",
                  {}},
        CheckCase{"assigned_in_a_branch_of_parallel_first",
                  "import ops\n"
                  "workflow w() -> int {\n"
                  "  let out = {}\n"
                  "  parallel first 1 {\n    out = ops.run(cmd: \"x\")\n    ops.run(cmd: \"y\")\n"
                  "  }\n"
                  "  return out.result.code\n"
                  "}\n",
                  {{"MaybeUnset", 8, 10}}},
        CheckCase{"null_start_is_optional_not_unset",
                  "import ops\n"
                  "workflow w(go: bool) -> int {\n"
                  "  let out = null\n"
                  "  if go {\n    out = ops.run(cmd: \"x\")\n  }\n"
                  "  return out?.result?.code ?? 0\n"
                  "}\n",
                  {}},
        // Names that scoping already rules out after their block: UnknownName (with a note).
        CheckCase{"let_in_try_used_after",
                  "import ops\n"
                  "workflow w() -> string {\n"
                  "  try {\n    let out = ops.run(cmd: \"x\")\n  } catch {\n    return \"\"\n  }\n"
                  "  return out.result.stdout\n"
                  "}\n",
                  {{"UnusedBinding", 4, 9}, {"UnknownName", 8, 10}}},
        CheckCase{
            "catch_binding_used_after",
            "import ops\n"
            "workflow w() {\n"
            "  try {\n    ops.run(cmd: \"x\")\n  } catch err {\n    ops.run(cmd: \"y\")\n  }\n"
            "  ops.run(cmd: err.message)\n"
            "}\n",
            {{"UnusedBinding", 5, 11}, {"UnknownName", 8, 16}}},
        CheckCase{"first_n_name_is_optional",
                  "import ops\n"
                  "workflow w() -> string {\n"
                  "  parallel first 1 {\n    let p = ops.run(cmd: \"a\")\n"
                  "    let q = ops.run(cmd: \"b\")\n  }\n"
                  "  return p.result.stdout + (q?.result?.stdout ?? \"\")\n"
                  "}\n",
                  {{"OptionalMemberAccess", 7, 10}}},
        // UnreachableCode.
        CheckCase{"unreachable_after_return",
                  "import ops\n"
                  "workflow w() {\n  return\n  let _x = 1\n  ops.run(cmd: \"y\")\n}\n",
                  {{"UnreachableCode", 4, 3}}},
        CheckCase{"unreachable_after_break_and_continue",
                  "import ops\n"
                  "workflow w(hosts: list<string>) {\n"
                  "  for h in hosts {\n    continue\n    ops.run(cmd: h)\n  }\n"
                  "  while hosts != [] {\n    break\n    ops.run(cmd: \"x\")\n  }\n"
                  "  ops.run(cmd: \"y\")\n"
                  "}\n",
                  {{"UnreachableCode", 5, 5}, {"UnreachableCode", 9, 5}}},
        CheckCase{"unreachable_after_if_else_and_try",
                  "import ops\n"
                  "workflow w(go: bool) {\n"
                  "  try {\n    if go {\n      return\n    } else {\n      fail \"no\"\n    }\n"
                  "  } catch {\n    fail \"caught\"\n  }\n"
                  "  ops.run(cmd: \"x\")\n"
                  "}\n",
                  {{"UnreachableCode", 12, 3}}},
        CheckCase{"reachable_after_if_without_else_and_try",
                  "import ops\n"
                  "workflow w(go: bool) {\n"
                  "  if go {\n    return\n  }\n"
                  "  try {\n    fail \"x\"\n  } catch {\n    ops.run(cmd: \"y\")\n  }\n"
                  "  ops.run(cmd: \"z\")\n"
                  "}\n",
                  {}},
        CheckCase{"unreachable_after_while_true_and_parallel",
                  "import ops\n"
                  "workflow w() {\n"
                  "  parallel {\n    ops.run(cmd: \"a\")\n    fail \"b\"\n  }\n"
                  "  ops.run(cmd: \"c\")\n"
                  "}\n"
                  "workflow v() {\n"
                  "  while true {\n    let r = ops.run(cmd: \"x\")\n"
                  "    if r.result.code == 0 {\n      return\n    }\n  }\n"
                  "  ops.run(cmd: \"y\")\n"
                  "}\n",
                  {{"UnreachableCode", 7, 3}, {"UnreachableCode", 16, 3}}},
        CheckCase{"parallel_first_needs_one_branch",
                  "import ops\n"
                  "workflow w() {\n"
                  "  parallel first 1 {\n    ops.run(cmd: \"a\")\n    fail \"b\"\n  }\n"
                  "  ops.run(cmd: \"c\")\n"
                  "}\n",
                  {}},
        // MissingReturn.
        CheckCase{"missing_return",
                  "workflow w(go: bool) -> int {\n  if go {\n    return 1\n  }\n}\n",
                  {{"MissingReturn", 5, 1}}},
        CheckCase{"every_path_returns_or_fails",
                  "workflow w(go: bool) -> int {\n  if go {\n    return 1\n  }\n  fail \"no\"\n}\n"
                  "workflow v() -> int {\n  while true {\n    return 1\n  }\n}\n"
                  "workflow u(go: bool) -> int? {\n  if go {\n    return 1\n  }\n}\n"
                  "workflow t(go: bool) {\n  if go {\n    return\n  }\n}\n",
                  {}},
        CheckCase{"empty_body_with_return_type",
                  "workflow w() -> string {\n}\n",
                  {{"MissingReturn", 2, 1}}},
        // LoopNeverEnds.
        CheckCase{"loop_condition_always_true",
                  "import ops\nconst forever = true\n"
                  "workflow w() {\n  while forever {\n    ops.run(cmd: \"x\")\n  }\n}\n",
                  {{"LoopNeverEnds", 4, 9}}},
        CheckCase{"loop_condition_never_changes",
                  "import ops\n"
                  "workflow w(limit: int) {\n  let n = 0\n"
                  "  while n < limit {\n    let n = 1\n    n = n + 1\n    ops.run(cmd: \"{{n}}\")\n"
                  "  }\n}\n",
                  {{"LoopNeverEnds", 4, 9}}},
        CheckCase{"loops_that_end",
                  "import ops\n"
                  "workflow w(limit: int) {\n  let n = 0\n"
                  "  while n < limit {\n    n = n + 1\n  }\n"
                  "  while ops.run(cmd: \"x\").result.code != 0 {\n    sleep 5s\n  }\n"
                  "  while limit > 0 {\n    if n > 3 {\n      fail \"too many\"\n    }\n  }\n"
                  "  while limit > 0 {\n    for _i in [1] {\n      break\n    }\n"
                  "    return\n  }\n"
                  "}\n",
                  {}}),
    [](const testing::TestParamInfo<CheckCase>& param_info) { return param_info.param.name; });

}  // namespace
}  // namespace squall::check
