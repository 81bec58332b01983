// The AST the parser builds for each construct of the grammar: expression shapes and
// precedence, rule triggers, policies, workflow statements, tests, annotations, literals,
// ranges, node ids, comments, and every example of the language sketch.
#include "compiler/parse/parser.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "compiler/parse/parse_test_util.h"

namespace squall::parse {
namespace {

using testing::Parse;
using testing::Parsed;
using testing::Sexpr;

// The value of `const x = <source>`, checked to parse without diagnostics.
std::string ExprShape(const std::string& expression) {
  const Parsed parsed = Parse("const x = " + expression + "\n");
  EXPECT_TRUE(parsed.diagnostics.empty()) << expression << "\n" << parsed.Messages();
  if (parsed.file->decls.size() != 1) return "<no decl>";
  return Sexpr(*ast::Cast<ast::ConstDecl>(*parsed.file->decls[0]).value);
}

struct ShapeCase {
  std::string source;
  std::string shape;
};

class ExpressionShapeTest : public ::testing::TestWithParam<ShapeCase> {};

TEST_P(ExpressionShapeTest, BuildsTheExpectedTree) {
  EXPECT_EQ(ExprShape(GetParam().source), GetParam().shape) << GetParam().source;
}

INSTANTIATE_TEST_SUITE_P(
    Precedence, ExpressionShapeTest,
    ::testing::Values(
        ShapeCase{.source = "a or b and not c == d + e * -f",
                  .shape = "(or a (and b (not (== c (+ d (* e (- f)))))))"},
        ShapeCase{.source = "not a in b", .shape = "(not (in a b))"},
        ShapeCase{.source = "a not in b", .shape = "(not in a b)"},
        ShapeCase{.source = "a ?? b == c", .shape = "(== (?? a b) c)"},
        ShapeCase{.source = "a + b ?? c", .shape = "(?? (+ a b) c)"},
        ShapeCase{.source = "a - b - c", .shape = "(- (- a b) c)"},
        ShapeCase{.source = "a / b % c * d", .shape = "(* (% (/ a b) c) d)"},
        ShapeCase{.source = "(a + b) * c", .shape = "(* (+ a b) c)"},
        ShapeCase{.source = "-a.b", .shape = "(- (. a b))"},
        ShapeCase{.source = "a or b or c", .shape = "(or (or a b) c)"},
        ShapeCase{.source = "a and b or c and d", .shape = "(or (and a b) (and c d))"},
        ShapeCase{.source = "not not a", .shape = "(not (not a))"},
        ShapeCase{.source = "event.at > now() - 5m", .shape = "(> (. event at) (- (call now) 5m))"},
        ShapeCase{.source = "x like \"web*\"", .shape = "(like x \"web*\")"},
        ShapeCase{.source = "x matches r\"^a\\d\"", .shape = "(matches x \"^a\\d\")"},
        ShapeCase{.source = "s contains \"a\" and s startswith \"b\" or s endswith \"c\"",
                  .shape = "(or (and (contains s \"a\") (startswith s \"b\")) (endswith s \"c\"))"},
        ShapeCase{.source = "a != b", .shape = "(!= a b)"},
        ShapeCase{.source = "a <= b", .shape = "(<= a b)"},
        ShapeCase{.source = "a >= b", .shape = "(>= a b)"}));

INSTANTIATE_TEST_SUITE_P(
    Postfix, ExpressionShapeTest,
    ::testing::Values(ShapeCase{.source = "a.b?.c[0]", .shape = "([] (?. (. a b) c) 0)"},
                      ShapeCase{.source = "f(1, k: 2)(3)", .shape = "(call (call f 1 k:2) 3)"},
                      ShapeCase{.source = "exists(event.x)", .shape = "(call exists (. event x))"},
                      ShapeCase{.source = "event.if.rule", .shape = "(. (. event if) rule)"},
                      ShapeCase{.source = "f(if: 1, times: 2,)", .shape = "(call f if:1 times:2)"},
                      ShapeCase{.source = "kv(\"name\")", .shape = "(call kv \"name\")"},
                      ShapeCase{.source = "`weird-name`.x", .shape = "(. weird-name x)"},
                      ShapeCase{.source = "after + times", .shape = "(+ after times)"}));

INSTANTIATE_TEST_SUITE_P(
    Literals, ExpressionShapeTest,
    ::testing::Values(
        ShapeCase{.source = "[1, 2.5, true, false, null,]", .shape = "[1 2.5 true false null]"},
        ShapeCase{.source = "{a: 1, \"x-y\": 2, if: 3}", .shape = "{a:1 x-y:2 if:3}"},
        ShapeCase{.source = "{}", .shape = "{}"}, ShapeCase{.source = "[]", .shape = "[]"},
        ShapeCase{.source = "1_000_000", .shape = "1_000_000"},
        ShapeCase{.source = "1h30m", .shape = "1h30m"}, ShapeCase{.source = "2x", .shape = "2x"},
        ShapeCase{.source = "\"a\\n\\t\\\"\\\\\\{\\}\\u{41}\"", .shape = "\"a\n\t\"\\{}A\""},
        ShapeCase{.source = "\"x {{a + 1}} y\"", .shape = "\"x {{(+ a 1)}} y\""},
        ShapeCase{.source = "\"{{a}}{{b}}\"", .shape = "\"{{a}}{{b}}\""},
        ShapeCase{.source = "\"a } b }}\"", .shape = "\"a } b }}\""},
        ShapeCase{.source = "\"{a}\"", .shape = "\"{a}\""},
        ShapeCase{.source = "\"{{ {k: 1}.k }}\"", .shape = "\"{{(. {k:1} k)}}\""},
        ShapeCase{.source = "\"outer {{ \"inner {{x}}\" }}\"",
                  .shape = "\"outer {{\"inner {{x}}\"}}\""},
        ShapeCase{.source = "r\"C:\\path{{x}}\"", .shape = "\"C:\\path{{x}}\""},
        ShapeCase{.source = "\"\"\"line 1\n  line \"2\" {{n}}\n\"\"\"",
                  .shape = "\"line 1\n  line \"2\" {{n}}\n\""},
        ShapeCase{.source = "\"h\\u{e9}llo \\u{1F600}\"",
                  .shape = "\"h\xC3\xA9llo \xF0\x9F\x98\x80\""}));

TEST(ParserTest, LiteralValues) {
  const Parsed parsed = Parse(
      "const a = 9_223_372_036_854_775_807\nconst b = 1h30m\nconst c = 1.5x\nconst d = 1.5h\n"
      "const e = 2.5e3\nconst f = 250ms\n");
  ASSERT_TRUE(parsed.diagnostics.empty()) << parsed.Messages();
  const auto value = [&](size_t i) -> const ast::Expr& {
    return *ast::Cast<ast::ConstDecl>(*parsed.file->decls[i]).value;
  };
  EXPECT_EQ(ast::Cast<ast::IntLiteral>(value(0)).value, INT64_MAX);
  EXPECT_EQ(ast::Cast<ast::DurationLiteral>(value(1)).milliseconds, 5'400'000);
  EXPECT_DOUBLE_EQ(ast::Cast<ast::FactorLiteral>(value(2)).value, 1.5);
  EXPECT_EQ(ast::Cast<ast::DurationLiteral>(value(3)).milliseconds, 5'400'000);
  EXPECT_DOUBLE_EQ(ast::Cast<ast::FloatLiteral>(value(4)).value, 2500);
  EXPECT_EQ(ast::Cast<ast::DurationLiteral>(value(5)).milliseconds, 250);
}

TEST(ParserTest, StringPartsKeepSpellingAndMergeText) {
  const Parsed parsed = Parse("const s = \"a\\tb {{x}}}c\"\n");
  ASSERT_TRUE(parsed.diagnostics.empty()) << parsed.Messages();
  const auto& string =
      ast::Cast<ast::StringLiteral>(*ast::Cast<ast::ConstDecl>(*parsed.file->decls[0]).value);
  EXPECT_EQ(string.style, ast::StringStyle::kQuoted);
  ASSERT_EQ(string.parts.size(), 3u);
  EXPECT_EQ(string.parts[0].text, "a\tb ");
  EXPECT_EQ(string.parts[0].spelling, "a\\tb ");
  EXPECT_EQ(parsed.Text(string.parts[0].range), "a\\tb ");
  EXPECT_EQ(parsed.Text(string.parts[1].range), "{{x}}");
  EXPECT_EQ(string.parts[2].text, "}c");
  EXPECT_EQ(parsed.Text(string.range), "\"a\\tb {{x}}}c\"");
}

TEST(ParserTest, ImportsConstsAndTriggers) {
  const Parsed parsed = Parse(R"(import core
import slack as chat
const limit: int = 3
trigger disk.low {
  host: string
  tags: list<string> = [],
  owner: string?
  meta: {a: int, b: map<json>?}
}
)");
  ASSERT_TRUE(parsed.diagnostics.empty()) << parsed.Messages();
  ASSERT_EQ(parsed.file->decls.size(), 4u);
  const auto& core = ast::Cast<ast::ImportDecl>(*parsed.file->decls[0]);
  EXPECT_EQ(core.pack.ToString(), "core");
  EXPECT_FALSE(core.alias.has_value());
  const auto& slack = ast::Cast<ast::ImportDecl>(*parsed.file->decls[1]);
  EXPECT_EQ(slack.alias->name, "chat");
  const auto& limit = ast::Cast<ast::ConstDecl>(*parsed.file->decls[2]);
  EXPECT_EQ(ast::Cast<ast::NamedType>(*limit.type).name.ToString(), "int");
  const auto& trigger = ast::Cast<ast::TriggerDecl>(*parsed.file->decls[3]);
  EXPECT_EQ(trigger.name.ToString(), "disk.low");
  ASSERT_EQ(trigger.fields.size(), 4u);
  const auto& tags = ast::Cast<ast::NamedType>(*trigger.fields[1]->type);
  EXPECT_EQ(tags.args.size(), 1u);
  EXPECT_EQ(Sexpr(trigger.fields[1]->default_value.get()), "[]");
  EXPECT_TRUE(trigger.fields[2]->type->optional);
  const auto& meta = ast::Cast<ast::RecordType>(*trigger.fields[3]->type);
  ASSERT_EQ(meta.fields.size(), 2u);
  EXPECT_TRUE(meta.fields[1]->type->optional);
}

struct TriggerCase {
  std::string trigger;
  ast::RuleTriggerKind kind;
  std::vector<std::string> atoms;  // name[(params)], or `webhook`, `every`, `cron`
  std::string where;
  std::string within;
};

class RuleTriggerTest : public ::testing::TestWithParam<TriggerCase> {};

TEST_P(RuleTriggerTest, BuildsTheTrigger) {
  const TriggerCase& c = GetParam();
  const Parsed parsed = Parse("rule r {\n  if " + c.trigger + "\n  then core.noop()\n}\n");
  ASSERT_TRUE(parsed.diagnostics.empty()) << c.trigger << "\n" << parsed.Messages();
  const auto& rule = ast::Cast<ast::RuleDecl>(*parsed.file->decls[0]);
  EXPECT_EQ(rule.trigger->kind, c.kind);
  std::vector<std::string> atoms;
  for (const auto& atom : rule.trigger->atoms) {
    switch (atom->kind) {
      case ast::TriggerAtomKind::kNamed:
        atoms.push_back(atom->name.ToString());
        if (atom->has_args) {
          atoms.back() += "(";
          for (size_t i = 0; i < atom->args.size(); ++i) {
            if (i > 0) atoms.back() += " ";
            atoms.back() += atom->args[i].name->name + ":" + Sexpr(*atom->args[i].value);
          }
          atoms.back() += ")";
        }
        break;
      case ast::TriggerAtomKind::kWebhook:
        atoms.push_back("webhook " + Sexpr(*atom->argument));
        break;
      case ast::TriggerAtomKind::kTimer:
        atoms.push_back("every " + Sexpr(*atom->argument));
        break;
      case ast::TriggerAtomKind::kCron:
        atoms.push_back("cron " + Sexpr(*atom->argument) + " " + Sexpr(atom->time_zone.get()));
        break;
    }
    if (atom->alias.has_value()) atoms.back() += " as " + atom->alias->name;
    if (atom->filter != nullptr) atoms.back() += " where " + Sexpr(*atom->filter);
  }
  EXPECT_EQ(atoms, c.atoms);
  EXPECT_EQ(Sexpr(rule.trigger->where.get()), c.where);
  EXPECT_EQ(Sexpr(rule.trigger->within.get()), c.within);
}

INSTANTIATE_TEST_SUITE_P(
    AllForms, RuleTriggerTest,
    ::testing::Values(
        TriggerCase{.trigger = "disk.low",
                    .kind = ast::RuleTriggerKind::kSimple,
                    .atoms = {"disk.low"},
                    .where = "<null>",
                    .within = "<null>"},
        TriggerCase{.trigger = "disk.low as d where d.free_pct < 10",
                    .kind = ast::RuleTriggerKind::kSimple,
                    .atoms = {"disk.low as d"},
                    .where = "(< (. d free_pct) 10)",
                    .within = "<null>"},
        TriggerCase{.trigger = "webhook \"deploy\" where event.body.branch == \"main\"",
                    .kind = ast::RuleTriggerKind::kSimple,
                    .atoms = {"webhook \"deploy\""},
                    .where = "(== (. (. event body) branch) \"main\")",
                    .within = "<null>"},
        TriggerCase{.trigger = "every 5m",
                    .kind = ast::RuleTriggerKind::kSimple,
                    .atoms = {"every 5m"},
                    .where = "<null>",
                    .within = "<null>"},
        TriggerCase{.trigger = "cron \"0 3 * * 1-5\" tz \"Europe/Paris\" as tick",
                    .kind = ast::RuleTriggerKind::kSimple,
                    .atoms = {"cron \"0 3 * * 1-5\" \"Europe/Paris\" as tick"},
                    .where = "<null>",
                    .within = "<null>"},
        TriggerCase{
            .trigger = "intf.down as d and not intf.up where event.intf == d.intf within 5m",
            .kind = ast::RuleTriggerKind::kAbsence,
            .atoms = {"intf.down as d", "intf.up"},
            .where = "(== (. event intf) (. d intf))",
            .within = "5m"},
        TriggerCase{.trigger = "intf.down as a followed by intf.up as b followed by x.y "
                               "where b.intf == a.intf within 30s",
                    .kind = ast::RuleTriggerKind::kSequence,
                    .atoms = {"intf.down as a", "intf.up as b", "x.y"},
                    .where = "(== (. b intf) (. a intf))",
                    .within = "30s"},
        TriggerCase{.trigger = "(intf.down as a where a.speed > 10) followed by intf.up within 1m",
                    .kind = ast::RuleTriggerKind::kSequence,
                    .atoms = {"intf.down as a where (> (. a speed) 10)", "intf.up"},
                    .where = "<null>",
                    .within = "1m"},
        TriggerCase{.trigger = "5 of auth.failed within 1m by event.user",
                    .kind = ast::RuleTriggerKind::kCount,
                    .atoms = {"auth.failed"},
                    .where = "<null>",
                    .within = "1m"}));

INSTANTIATE_TEST_SUITE_P(
    TriggerParameters, RuleTriggerTest,
    ::testing::Values(
        TriggerCase{.trigger = "linux.file_watch.line(file_path: \"/var/log/auth.log\") as l "
                               "where l.line contains \"Failed\"",
                    .kind = ast::RuleTriggerKind::kSimple,
                    .atoms = {"linux.file_watch.line(file_path:\"/var/log/auth.log\") as l"},
                    .where = "(contains (. l line) \"Failed\")",
                    .within = "<null>"},
        TriggerCase{.trigger = "core.st2.IntervalTimer(unit: \"seconds\", delta: 30,)",
                    .kind = ast::RuleTriggerKind::kSimple,
                    .atoms = {"core.st2.IntervalTimer(unit:\"seconds\" delta:30)"},
                    .where = "<null>",
                    .within = "<null>"},
        TriggerCase{.trigger = "x.y()",
                    .kind = ast::RuleTriggerKind::kSimple,
                    .atoms = {"x.y()"},
                    .where = "<null>",
                    .within = "<null>"},
        TriggerCase{.trigger = "t(if: a.b, timeout: 1 + 2, `x-y`: [1])",
                    .kind = ast::RuleTriggerKind::kSimple,
                    .atoms = {"t(if:(. a b) timeout:(+ 1 2) x-y:[1])"},
                    .where = "<null>",
                    .within = "<null>"},
        TriggerCase{.trigger = "(f.line(file_path: p) as l where l.line contains \"x\") and not "
                               "f.line(file_path: p) where event.n == l.n within 5m",
                    .kind = ast::RuleTriggerKind::kAbsence,
                    .atoms = {"f.line(file_path:p) as l where (contains (. l line) \"x\")",
                              "f.line(file_path:p)"},
                    .where = "(== (. event n) (. l n))",
                    .within = "5m"},
        TriggerCase{.trigger = "a.b(k: 1) as a followed by c.d(k: 2) within 30s",
                    .kind = ast::RuleTriggerKind::kSequence,
                    .atoms = {"a.b(k:1) as a", "c.d(k:2)"},
                    .where = "<null>",
                    .within = "30s"},
        TriggerCase{.trigger = "5 of f.line(file_path: \"/a\") within 1m by event.line",
                    .kind = ast::RuleTriggerKind::kCount,
                    .atoms = {"f.line(file_path:\"/a\")"},
                    .where = "<null>",
                    .within = "1m"}));

TEST(ParserTest, TriggerParameterRanges) {
  const Parsed parsed = Parse(
      "rule r {\n  if (w.line(file_path: \"/x\", n: 2) as l where l.ok) then c.d()\n}\n"
      "rule s { if t() as u then c.d() }\n");
  ASSERT_TRUE(parsed.diagnostics.empty()) << parsed.Messages();
  const auto& atom = *ast::Cast<ast::RuleDecl>(*parsed.file->decls[0]).trigger->atoms[0];
  EXPECT_EQ(parsed.Text(atom.range), "(w.line(file_path: \"/x\", n: 2) as l where l.ok)");
  EXPECT_EQ(parsed.Text(atom.name.range), "w.line");
  EXPECT_TRUE(atom.has_args);
  EXPECT_EQ(parsed.Text(atom.args_range), "(file_path: \"/x\", n: 2)");
  ASSERT_EQ(atom.args.size(), 2u);
  EXPECT_EQ(parsed.Text(atom.args[0].range), "file_path: \"/x\"");
  EXPECT_EQ(parsed.Text(atom.args[0].name->range), "file_path");
  EXPECT_EQ(parsed.Text(atom.args[0].value->range), "\"/x\"");
  EXPECT_EQ(parsed.Text(atom.args[1].range), "n: 2");
  EXPECT_EQ(parsed.Text(atom.alias->range), "l");

  const auto& empty = *ast::Cast<ast::RuleDecl>(*parsed.file->decls[1]).trigger->atoms[0];
  EXPECT_TRUE(empty.has_args);
  EXPECT_TRUE(empty.args.empty());
  EXPECT_EQ(parsed.Text(empty.range), "t() as u");
  EXPECT_EQ(parsed.Text(empty.args_range), "()");
}

TEST(ParserTest, TriggerParametersInGivenAndWait) {
  const Parsed parsed = Parse(R"(test "t" {
  given disk.low {host: "web1"}
  given f.line(file_path: "/x") {line: "a"} after 5s
  given f.line() {line: "b"}
  given f.line(file_path: "/x")
  given disk.low
}
workflow w() {
  let m = wait f.line(file_path: "/x") as l where l.line contains "ok" timeout 1m
  wait core.st2.IntervalTimer(unit: "seconds", delta: 5)
}
)");
  ASSERT_TRUE(parsed.diagnostics.empty()) << parsed.Messages();
  const auto& test = ast::Cast<ast::TestDecl>(*parsed.file->decls[0]);
  ASSERT_EQ(test.steps.size(), 5u);
  // A map literal right after the name is the payload, not parameters.
  const auto& plain = ast::Cast<ast::GivenStep>(*test.steps[0]);
  EXPECT_FALSE(plain.trigger->has_args);
  EXPECT_EQ(Sexpr(plain.payload.get()), "{host:\"web1\"}");
  const auto& with_args = ast::Cast<ast::GivenStep>(*test.steps[1]);
  EXPECT_TRUE(with_args.trigger->has_args);
  ASSERT_EQ(with_args.trigger->args.size(), 1u);
  EXPECT_EQ(with_args.trigger->args[0].name->name, "file_path");
  EXPECT_EQ(Sexpr(with_args.payload.get()), "{line:\"a\"}");
  EXPECT_EQ(Sexpr(with_args.after.get()), "5s");
  EXPECT_EQ(parsed.Text(with_args.trigger->range), "f.line(file_path: \"/x\")");
  const auto& empty_args = ast::Cast<ast::GivenStep>(*test.steps[2]);
  EXPECT_TRUE(empty_args.trigger->has_args);
  EXPECT_TRUE(empty_args.trigger->args.empty());
  EXPECT_EQ(Sexpr(empty_args.payload.get()), "{line:\"b\"}");
  const auto& no_payload = ast::Cast<ast::GivenStep>(*test.steps[3]);
  EXPECT_TRUE(no_payload.trigger->has_args);
  EXPECT_EQ(no_payload.payload, nullptr);
  EXPECT_FALSE(ast::Cast<ast::GivenStep>(*test.steps[4]).trigger->has_args);

  const auto& body = ast::Cast<ast::WorkflowDecl>(*parsed.file->decls[1]).body->statements;
  ASSERT_EQ(body.size(), 2u);
  const auto& wait = ast::Cast<ast::WaitExpr>(*ast::Cast<ast::LetStmt>(*body[0]).value);
  EXPECT_EQ(wait.trigger->args.size(), 1u);
  EXPECT_EQ(wait.trigger->alias->name, "l");
  EXPECT_EQ(Sexpr(wait.where.get()), "(contains (. l line) \"ok\")");
  EXPECT_EQ(Sexpr(wait.timeout.get()), "1m");
  const auto& timer = ast::Cast<ast::WaitExpr>(*ast::Cast<ast::ExprStmt>(*body[1]).expr);
  EXPECT_EQ(timer.trigger->name.ToString(), "core.st2.IntervalTimer");
  EXPECT_EQ(timer.trigger->args.size(), 2u);
}

TEST(ParserTest, FilteredTriggerRangeIncludesParentheses) {
  const Parsed parsed = Parse("rule r { if (a.b where x) then c.d() }\n");
  ASSERT_TRUE(parsed.diagnostics.empty()) << parsed.Messages();
  const auto& rule = ast::Cast<ast::RuleDecl>(*parsed.file->decls[0]);
  EXPECT_EQ(parsed.Text(rule.trigger->atoms[0]->range), "(a.b where x)");
}

TEST(ParserTest, CountTriggerByAndNamedCount) {
  const Parsed parsed = Parse("rule r { if n of a.b within 1m by event.user then c.d() }\n");
  ASSERT_TRUE(parsed.diagnostics.empty()) << parsed.Messages();
  const auto& trigger = *ast::Cast<ast::RuleDecl>(*parsed.file->decls[0]).trigger;
  EXPECT_EQ(Sexpr(trigger.count.get()), "n");
  EXPECT_EQ(Sexpr(trigger.by.get()), "(. event user)");
}

TEST(ParserTest, ActionClausePoliciesAndOutcomes) {
  const Parsed parsed = Parse(R"(rule r {
  if disk.low
  then core.local(cmd: "x", timeout: 60)
    retry 3 times every 10s backoff 2x up to 5m when error.status == "timed_out"
    timeout 2m
    concurrency 2 by event.host
    throttle 1 per 10m by event.user
  on success then a.b()
  on failure then chat.post(message: "{{error.message}}") timeout 1m
}
)");
  ASSERT_TRUE(parsed.diagnostics.empty()) << parsed.Messages();
  const auto& rule = ast::Cast<ast::RuleDecl>(*parsed.file->decls[0]);
  EXPECT_EQ(Sexpr(*rule.action->call), "(call (. core local) cmd:\"x\" timeout:60)");
  ASSERT_TRUE(ast::CalleePath(*rule.action->call->callee).has_value());
  EXPECT_EQ(ast::CalleePath(*rule.action->call->callee)->ToString(), "core.local");
  ASSERT_EQ(rule.action->policies.size(), 4u);
  const auto& retry = ast::Cast<ast::RetryPolicy>(*rule.action->policies[0]);
  EXPECT_EQ(Sexpr(retry.count.get()), "3");
  EXPECT_EQ(Sexpr(retry.every.get()), "10s");
  EXPECT_EQ(Sexpr(retry.backoff.get()), "2x");
  EXPECT_EQ(Sexpr(retry.up_to.get()), "5m");
  EXPECT_EQ(Sexpr(retry.when.get()), "(== (. error status) \"timed_out\")");
  EXPECT_EQ(Sexpr(ast::Cast<ast::TimeoutPolicy>(*rule.action->policies[1]).duration.get()), "2m");
  const auto& concurrency = ast::Cast<ast::ConcurrencyPolicy>(*rule.action->policies[2]);
  EXPECT_EQ(Sexpr(concurrency.limit.get()), "2");
  EXPECT_EQ(Sexpr(concurrency.by.get()), "(. event host)");
  const auto& throttle = ast::Cast<ast::ThrottlePolicy>(*rule.action->policies[3]);
  EXPECT_EQ(Sexpr(throttle.count.get()), "1");
  EXPECT_EQ(Sexpr(throttle.period.get()), "10m");
  EXPECT_EQ(Sexpr(throttle.by.get()), "(. event user)");
  ASSERT_EQ(rule.outcomes.size(), 2u);
  EXPECT_EQ(rule.outcomes[0]->outcome, ast::Outcome::kSuccess);
  EXPECT_EQ(rule.outcomes[1]->outcome, ast::Outcome::kFailure);
  EXPECT_EQ(rule.outcomes[1]->action->policies.size(), 1u);
  EXPECT_EQ(parsed.Text(rule.action->call->range), "core.local(cmd: \"x\", timeout: 60)");
  EXPECT_EQ(parsed.Text(rule.action->call->args[1].range), "timeout: 60");
}

TEST(ParserTest, WorkflowStatements) {
  const Parsed parsed = Parse(R"(workflow w(a: string, n: int = 3,) -> string {
  let x: int = f(a) retry 2 times
  x = x + 1
  if x > 1 { break } else if x < 0 { continue } else { return }
  parallel first 1 { a.b() { c.d() } }
  for v in items concurrency 4 { yield v }
  let ys = for v in items { yield v }
  while x < 10 { sleep 1s }
  try { fail "no" with {a: 1} } catch err { return err }
  try { f() } catch { }
  let ok = wait approval.granted where event.t == a timeout 1h
  wait approval.granted
  let r = ask "Reboot?" {approved: bool, reason: string?} timeout 4h
  ask "ok?" bool
  { nested() }
  return "done"
}
)");
  ASSERT_TRUE(parsed.diagnostics.empty()) << parsed.Messages();
  const auto& workflow = ast::Cast<ast::WorkflowDecl>(*parsed.file->decls[0]);
  EXPECT_EQ(workflow.name.name, "w");
  ASSERT_EQ(workflow.params.size(), 2u);
  EXPECT_EQ(Sexpr(workflow.params[1]->default_value.get()), "3");
  EXPECT_EQ(ast::Cast<ast::NamedType>(*workflow.return_type).name.ToString(), "string");
  const auto& body = workflow.body->statements;
  ASSERT_EQ(body.size(), 15u);
  const auto& let = ast::Cast<ast::LetStmt>(*body[0]);
  EXPECT_EQ(let.name.name, "x");
  EXPECT_NE(let.type, nullptr);
  EXPECT_EQ(let.policies.size(), 1u);
  EXPECT_EQ(Sexpr(ast::Cast<ast::AssignStmt>(*body[1]).value.get()), "(+ x 1)");
  const auto& if_stmt = ast::Cast<ast::IfStmt>(*body[2]);
  const auto& else_if = ast::Cast<ast::IfStmt>(*if_stmt.else_branch);
  EXPECT_EQ(Sexpr(else_if.condition.get()), "(< x 0)");
  EXPECT_EQ(else_if.else_branch->kind, ast::StmtKind::kBlock);
  EXPECT_EQ(ast::Cast<ast::BreakStmt>(*if_stmt.then_block->statements[0]).kind,
            ast::StmtKind::kBreak);
  const auto& parallel = ast::Cast<ast::ParallelStmt>(*body[3]);
  EXPECT_EQ(Sexpr(parallel.first.get()), "1");
  ASSERT_EQ(parallel.branches.size(), 2u);
  EXPECT_EQ(parallel.branches[1]->kind, ast::StmtKind::kBlock);
  EXPECT_EQ(Sexpr(ast::Cast<ast::ExprStmt>(*body[4]).expr.get()), "(for v items 1)");
  EXPECT_EQ(
      Sexpr(ast::Cast<ast::ForExpr>(*ast::Cast<ast::ExprStmt>(*body[4]).expr).concurrency.get()),
      "4");
  EXPECT_EQ(Sexpr(ast::Cast<ast::LetStmt>(*body[5]).value.get()), "(for v items 1)");
  EXPECT_EQ(ast::Cast<ast::WhileStmt>(*body[6]).body->statements[0]->kind, ast::StmtKind::kSleep);
  const auto& try_stmt = ast::Cast<ast::TryStmt>(*body[7]);
  EXPECT_EQ(try_stmt.error_name->name, "err");
  const auto& fail = ast::Cast<ast::FailStmt>(*try_stmt.body->statements[0]);
  EXPECT_EQ(Sexpr(fail.details.get()), "{a:1}");
  EXPECT_FALSE(ast::Cast<ast::TryStmt>(*body[8]).error_name.has_value());
  EXPECT_EQ(Sexpr(ast::Cast<ast::LetStmt>(*body[9]).value.get()),
            "(wait approval.granted (== (. event t) a) 1h)");
  EXPECT_EQ(Sexpr(ast::Cast<ast::ExprStmt>(*body[10]).expr.get()),
            "(wait approval.granted <null> <null>)");
  const auto& ask = ast::Cast<ast::AskExpr>(*ast::Cast<ast::LetStmt>(*body[11]).value);
  EXPECT_EQ(ast::Cast<ast::RecordType>(*ask.answer_type).fields.size(), 2u);
  EXPECT_EQ(Sexpr(ast::Cast<ast::ExprStmt>(*body[12]).expr.get()), "(ask \"ok?\" <null>)");
  EXPECT_EQ(body[13]->kind, ast::StmtKind::kBlock);
  EXPECT_EQ(Sexpr(ast::Cast<ast::ReturnStmt>(*body[14]).value.get()), "\"done\"");
  const auto& else_block = ast::Cast<ast::BlockStmt>(*else_if.else_branch);
  EXPECT_EQ(ast::Cast<ast::ReturnStmt>(*else_block.statements[0]).value, nullptr);
}

TEST(ParserTest, TestDeclarations) {
  const Parsed parsed = Parse(R"(test "cleans only /var/log" {
  given disk.low {host: "web1", free_pct: 3.0}
  given every 5m after 10s
  expect core.local(cmd: _)
  expect a.b() after 1m
  expect nothing
  when core.local returns {exit_code: 1}
  when core.local fails with "boom"
  expect nothing after 5m
  expect nothing(x: 1)
}
)");
  ASSERT_TRUE(parsed.diagnostics.empty()) << parsed.Messages();
  const auto& test = ast::Cast<ast::TestDecl>(*parsed.file->decls[0]);
  EXPECT_EQ(test.name->Text(), "cleans only /var/log");
  ASSERT_EQ(test.steps.size(), 9u);
  const auto& given = ast::Cast<ast::GivenStep>(*test.steps[0]);
  EXPECT_EQ(given.trigger->name.ToString(), "disk.low");
  EXPECT_EQ(Sexpr(given.payload.get()), "{host:\"web1\" free_pct:3.0}");
  const auto& timer = ast::Cast<ast::GivenStep>(*test.steps[1]);
  EXPECT_EQ(timer.trigger->kind, ast::TriggerAtomKind::kTimer);
  EXPECT_EQ(timer.payload, nullptr);
  EXPECT_EQ(Sexpr(timer.after.get()), "10s");
  EXPECT_EQ(Sexpr(ast::Cast<ast::ExpectCallStep>(*test.steps[2]).call.get()),
            "(call (. core local) cmd:_)");
  EXPECT_EQ(Sexpr(ast::Cast<ast::ExpectCallStep>(*test.steps[3]).after.get()), "1m");
  EXPECT_EQ(ast::Cast<ast::ExpectNothingStep>(*test.steps[4]).after, nullptr);
  EXPECT_EQ(parsed.Text(test.steps[4]->range), "expect nothing");
  const auto& nothing_after = ast::Cast<ast::ExpectNothingStep>(*test.steps[7]);
  EXPECT_EQ(Sexpr(nothing_after.after.get()), "5m");
  EXPECT_EQ(parsed.Text(nothing_after.range), "expect nothing after 5m");
  EXPECT_EQ(parsed.Text(nothing_after.after->range), "5m");
  // `nothing` is a soft keyword: with arguments it names an action.
  EXPECT_EQ(Sexpr(ast::Cast<ast::ExpectCallStep>(*test.steps[8]).call.get()), "(call nothing x:1)");
  EXPECT_EQ(Sexpr(ast::Cast<ast::WhenReturnsStep>(*test.steps[5]).value.get()), "{exit_code:1}");
  EXPECT_EQ(ast::Cast<ast::WhenFailsStep>(*test.steps[6]).action.ToString(), "core.local");
}

TEST(ParserTest, Annotations) {
  const Parsed parsed = Parse("@disabled\n@owner(\"ops\", 2,)\n@x()\nrule r { if a then b() }\n");
  ASSERT_TRUE(parsed.diagnostics.empty()) << parsed.Messages();
  const auto& rule = *parsed.file->decls[0];
  ASSERT_EQ(rule.annotations.size(), 3u);
  EXPECT_EQ(rule.annotations[0]->name.name, "disabled");
  EXPECT_FALSE(rule.annotations[0]->has_parens);
  EXPECT_EQ(rule.annotations[1]->args.size(), 2u);
  EXPECT_TRUE(rule.annotations[2]->has_parens);
  EXPECT_TRUE(rule.annotations[2]->args.empty());
  EXPECT_EQ(parsed.Text(rule.annotations[1]->range), "@owner(\"ops\", 2,)");
  EXPECT_EQ(parsed.Text(rule.range), "rule r { if a then b() }");
}

TEST(ParserTest, RangesAreExactBytes) {
  // Non-ASCII text before the nodes: ranges are bytes, not code points.
  const Parsed parsed = Parse(
      "# h\xC3\xA9h\xC3\xA9 \xF0\x9F\x98\x80\nconst `\xC3\xA9t\xC3\xA9` = \"\xC3\xA9\" + b.c\n");
  ASSERT_TRUE(parsed.diagnostics.empty()) << parsed.Messages();
  const auto& decl = ast::Cast<ast::ConstDecl>(*parsed.file->decls[0]);
  EXPECT_EQ(decl.name.name, "\xC3\xA9t\xC3\xA9");
  EXPECT_EQ(parsed.Text(decl.name.range), "`\xC3\xA9t\xC3\xA9`");
  const auto& sum = ast::Cast<ast::BinaryExpr>(*decl.value);
  EXPECT_EQ(parsed.Text(sum.range), "\"\xC3\xA9\" + b.c");
  EXPECT_EQ(parsed.Text(sum.op_range), "+");
  EXPECT_EQ(parsed.Text(sum.lhs->range), "\"\xC3\xA9\"");
  EXPECT_EQ(ast::Cast<ast::StringLiteral>(*sum.lhs).Text(), "\xC3\xA9");
  EXPECT_EQ(parsed.Text(sum.rhs->range), "b.c");
  EXPECT_EQ(parsed.Text(ast::Cast<ast::MemberExpr>(*sum.rhs).member.range), "c");
  EXPECT_EQ(parsed.Text(decl.range), "const `\xC3\xA9t\xC3\xA9` = \"\xC3\xA9\" + b.c");
  EXPECT_EQ(parsed.Text(parsed.file->comments[0].range), "# h\xC3\xA9h\xC3\xA9 \xF0\x9F\x98\x80");
}

TEST(ParserTest, NodeIdsAreDenseAndUnique) {
  for (const std::string& source :
       {std::string("rule r { if a.b where x == 1 then c.d(e: [1, {f: \"{{g}}\"}]) retry 2 times "
                    "on failure then h.i() }\n"),
        std::string("@tag(1)\nworkflow w(p: list<int> = []) -> {a: int?} {\n"
                    "  let x = for v in y { yield v }\n  if x { a() } else if b { c() } else { }\n"
                    "  let r = ask \"q\" {ok: bool} timeout 1h\n  wait a.b where c\n}\n"),
        std::string(
            "test \"t\" { given a.b {x: 1} after 1s\n expect c.d(x: _)\n when c.d returns 1 }\n"
            "trigger t { a: string = \"x\" }\nconst k: int = -1\n"),
        std::string("rule r { if (f.line(file_path: \"/{{p}}\", n: [1]) as l where l.x) "
                    "then c.d() }\n"
                    "test \"t\" {\n given f.line(file_path: p) {line: \"x\"} after 1s\n"
                    " expect nothing after 1m + 1s\n expect nothing\n}\n"
                    "workflow w() { wait t(a: 1) where b }\n"),
        std::string("rule r { if f.line(1, file_path: 2) then c.d() }\n"),
        std::string("const broken = (1 + \nrule r { if then }\n")}) {
    const Parsed parsed = Parse(source);
    std::vector<int> seen(parsed.file->node_count, 0);
    size_t visited = 0;
    testing::ForEachNode(*parsed.file, [&](const ast::Node& node) {
      ASSERT_LT(node.id.value, parsed.file->node_count) << source;
      ++seen[node.id.value];
      ++visited;
      // Every range lies within the file.
      EXPECT_LE(node.range.begin, node.range.end);
      EXPECT_LE(node.range.end, source.size());
    });
    EXPECT_EQ(visited, parsed.file->node_count) << source;
    for (size_t id = 0; id < seen.size(); ++id) EXPECT_EQ(seen[id], 1) << source << " id " << id;
  }
}

TEST(ParserTest, CommentsAreKept) {
  const Parsed parsed = Parse("# one\nrule r { # two\n  if a then b() }\n# three");
  ASSERT_TRUE(parsed.diagnostics.empty()) << parsed.Messages();
  ASSERT_EQ(parsed.file->comments.size(), 3u);
  EXPECT_EQ(parsed.Text(parsed.file->comments[0].range), "# one");
  EXPECT_EQ(parsed.Text(parsed.file->comments[1].range), "# two");
  EXPECT_EQ(parsed.Text(parsed.file->comments[2].range), "# three");
}

TEST(ParserTest, LanguageSketchExamplesParseWithoutErrors) {
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(SQUALL_LANGUAGE_EXAMPLES_DIR)) {
    if (entry.path().extension() != ".rule") continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    const Parsed parsed = Parse(text.str());
    EXPECT_TRUE(parsed.diagnostics.empty()) << entry.path() << "\n" << parsed.Messages();
    EXPECT_FALSE(parsed.file->decls.empty()) << entry.path();
    ++files;
  }
  EXPECT_EQ(files, 6);
}

TEST(ParserTest, ParseExpression) {
  source::SourceManager sources;
  const source::FileId id = sources.AddFile("expr", "a + b * c");
  diag::DiagnosticEngine engine(sources);
  const auto expr = ParseExpression(sources, id, engine);
  EXPECT_TRUE(engine.Finish().empty());
  EXPECT_EQ(Sexpr(*expr), "(+ a (* b c))");
  EXPECT_EQ(expr->id.value, 1u);  // `a` first, then the sum, then its right operand

  const source::FileId bad = sources.AddFile("expr", "a b");
  const auto partial = ParseExpression(sources, bad, engine);
  const auto diagnostics = engine.Finish();
  ASSERT_EQ(diagnostics.size(), 1u);
  EXPECT_EQ(diagnostics[0].kind, diag::Kind::UnexpectedToken);
  EXPECT_EQ(Sexpr(*partial), "a");
}

// Incomplete and stray input never crashes the expression parser: a diagnostic and an
// (error) expression come back.
TEST(ParserTest, ParseExpressionOnBrokenInput) {
  for (const char* text : {"1 +", "a +", "", "(", ")", "not", "x.", "[1,", "{a:", "f(", "\"{{",
                           "a ==", "-", "1 + * 2"}) {
    SCOPED_TRACE(text);
    source::SourceManager sources;
    const source::FileId id = sources.AddFile("expr", text);
    diag::DiagnosticEngine engine(sources);
    const auto expr = ParseExpression(sources, id, engine);
    ASSERT_NE(expr, nullptr);
    EXPECT_FALSE(engine.Finish().empty());
  }
}

}  // namespace
}  // namespace squall::parse

namespace squall::parse {
namespace {

TEST(ParserTest, KeywordsComeFromTheLexer) {
  const std::vector<std::string>& words = Keywords();
  for (const char* word : {"rule", "workflow", "within", "null", "true", "expect", "tz"}) {
    EXPECT_TRUE(std::binary_search(words.begin(), words.end(), word)) << word;
  }
  // Punctuation and operators are not keywords.
  EXPECT_FALSE(std::binary_search(words.begin(), words.end(), "??"));
  EXPECT_TRUE(std::is_sorted(words.begin(), words.end()));
  EXPECT_GT(words.size(), 60u);
}

}  // namespace
}  // namespace squall::parse
