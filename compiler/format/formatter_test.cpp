#include "compiler/format/formatter.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "compiler/ast/ast_printer.h"
#include "compiler/diag/diagnostic_engine.h"
#include "compiler/parse/parser.h"
#include "compiler/source/source_manager.h"

namespace squall::format {
namespace {

struct Parsed {
  source::SourceManager sources;
  std::unique_ptr<const ast::File> file;
  bool ok = false;
};

std::unique_ptr<Parsed> Parse(std::string text) {
  auto parsed = std::make_unique<Parsed>();
  const source::FileId file_id = parsed->sources.AddFile("test.rule", std::move(text));
  diag::DiagnosticEngine diags(parsed->sources);
  parsed->file = parse::ParseFile(parsed->sources, file_id, diags);
  parsed->ok = parsed->file != nullptr && !diags.HasErrors();
  return parsed;
}

std::string Format(const std::string& text, uint32_t width = 100) {
  const auto parsed = Parse(text);
  EXPECT_TRUE(parsed->ok) << "input does not parse:\n" << text;
  if (!parsed->ok) return "<parse error>";
  return FormatFile(*parsed->file, parsed->sources, {.line_width = width, .indent = 2});
}

// Comment texts in source order, trailing whitespace trimmed (as the formatter keeps them).
std::vector<std::string> CommentTexts(const Parsed& parsed) {
  std::vector<std::string> texts;
  const std::string_view text = parsed.sources.Text(parsed.file->file);
  for (const ast::Comment& comment : parsed.file->comments) {
    std::string_view body =
        text.substr(comment.range.begin, comment.range.end - comment.range.begin);
    while (!body.empty() && (body.back() == ' ' || body.back() == '\t' || body.back() == '\r')) {
      body.remove_suffix(1);
    }
    texts.emplace_back(body);
  }
  return texts;
}

// The tree without locations or comments (compared separately, trimmed).
std::string TreeShape(const Parsed& parsed) {
  const std::string tree = ast::PrintAst(*parsed.file, parsed.sources, {.locations = false});
  std::string shape;
  size_t begin = 0;
  while (begin < tree.size()) {
    const size_t end = tree.find('\n', begin) + 1;
    const std::string_view line(tree.data() + begin, end - begin);
    if (!line.starts_with("  Comment ")) shape += line;
    begin = end;
  }
  return shape;
}

struct FormatCase {
  std::string name = {};
  std::string input = {};
  std::string expected = {};
  uint32_t width = 100;
};

class FormatTest : public testing::TestWithParam<FormatCase> {};

// ---- input -> expected output, one case per construct --------------------------------------

const FormatCase kCases[] = {
    {.name = "Imports",
     .input = "import core   # the built-in pack\nimport   slack as chat\n",
     .expected = "import core # the built-in pack\nimport slack as chat\n"},
    {.name = "ImportAndConstRunsKeepTheirBlankLines",
     .input = "import core\n\n\n\nimport slack as chat\nconst a = 1\nconst b = 2\n\nconst c = 3\n"
              "rule r { if x then y() }\nconst d = 4\n",
     .expected =
         "import core\n\nimport slack as chat\n\nconst a = 1\nconst b = 2\n\nconst c = 3\n\n"
         "rule r {\n  if x\n  then y()\n}\n\nconst d = 4\n"},
    {.name = "ConstsAndTypes",
     .input = "const limits : map<int> = { cpu : 90 , \"disk-free\" : 10 }\n"
              "const maybe: list<list<string>>? = null\n"
              "const nums = [1,2.5,1_000,3e2]\n"
              "const durations = [30s, 1h30m, 250ms, 2x, 1.5x]\n"
              "const flags = [true, false, null]\n",
     .expected = "const limits: map<int> = {cpu: 90, \"disk-free\": 10}\n"
                 "const maybe: list<list<string>>? = null\n"
                 "const nums = [1, 2.5, 1_000, 3e2]\n"
                 "const durations = [30s, 1h30m, 250ms, 2x, 1.5x]\n"
                 "const flags = [true, false, null]\n"},
    {.name = "ParenthesesOnlyWherePrecedenceNeedsThem",
     .input = "const a = (x * y) + z\n"
              "const b = x * (y + z)\n"
              "const c = (x - y) - z\n"
              "const d = x - (y - z)\n"
              "const e = -(x + y)\n"
              "const f = (-x).y\n"
              "const g = not (x and y)\n"
              "const h = not x == y\n"
              "const i = (x or y) and z\n"
              "const j = x or (y and z)\n"
              "const k = x ?? (y ?? z)\n"
              "const l = (x ?? y) + 1\n"
              "const m = (x == y) == z\n"
              "const n = (((x)))\n"
              "const o = x not in [1, 2] and y startswith \"a\" or z matches r\"\\d+\"\n",
     .expected = "const a = x * y + z\n"
                 "const b = x * (y + z)\n"
                 "const c = x - y - z\n"
                 "const d = x - (y - z)\n"
                 "const e = -(x + y)\n"
                 "const f = (-x).y\n"
                 "const g = not (x and y)\n"
                 "const h = not x == y\n"
                 "const i = (x or y) and z\n"
                 "const j = x or y and z\n"
                 "const k = x ?? (y ?? z)\n"
                 "const l = (x ?? y) + 1\n"
                 "const m = (x == y) == z\n"
                 "const n = x\n"
                 "const o = x not in [1, 2] and y startswith \"a\" or z matches r\"\\d+\"\n"},
    {.name = "PostfixChains",
     .input = "const a = x . y ?. z [ 0 ] ( 1 , k : 2 ) . `odd-name` . if\n"
              "const b = `if` + `x`\n",
     .expected = "const a = x.y?.z[0](1, k: 2).`odd-name`.if\nconst b = `if` + x\n"},
    {.name = "Strings",
     .input = "const a = \"tab\\t quote\\\" brace } open { {{ event.host }} \\u{1F600}\"\n"
              "const b = r\"C:\\path\\{{not}}\"\n"
              "const c = \"\"\"line one\n  line \"two\" {{x + 1}}\n\"\"\"\n"
              "const d = \"\"\n",
     .expected = "const a = \"tab\\t quote\\\" brace } open { {{event.host}} \\u{1F600}\"\n"
                 "const b = r\"C:\\path\\{{not}}\"\n"
                 "const c = \"\"\"line one\n  line \"two\" {{x + 1}}\n\"\"\"\n"
                 "const d = \"\"\n"},
    {.name = "TriggerDecl",
     .input = "trigger disk.low {\n  host: string,\n  mount: string\n\n\n  free_pct: float\n"
              "  tags: list<string> = []    # default\n  owner: string?             # optional\n"
              "  meta: {approved: bool, reason: string?}\n}\ntrigger empty.one {}\n",
     .expected = "trigger disk.low {\n  host: string\n  mount: string\n\n  free_pct: float\n"
                 "  tags: list<string> = [] # default\n  owner: string? # optional\n"
                 "  meta: {approved: bool, reason: string?}\n}\n\ntrigger empty.one {}\n"},
    {.name = "RuleFromTheSketch",
     .input = R"sq(rule clean_var_log {
  if disk.low where event.mount == "/var/log" and event.free_pct < 10
                and event.host like "web*"
  then core.local(cmd: "logrotate -f /etc/logrotate.conf && rm -rf /tmp/*")
    retry 3 times every 10s backoff 2x
    timeout 2m
  on failure then chat.post_message(channel: "#ops",
                                    message: "cleanup failed on {{event.host}}: {{error.message}}")
}
)sq",
     .expected = R"sq(rule clean_var_log {
  if disk.low where event.mount == "/var/log" and event.free_pct < 10 and event.host like "web*"
  then core.local(cmd: "logrotate -f /etc/logrotate.conf && rm -rf /tmp/*")
    retry 3 times every 10s backoff 2x
    timeout 2m
  on failure then chat.post_message(
    channel: "#ops",
    message: "cleanup failed on {{event.host}}: {{error.message}}",
  )
}
)sq"},
    {.name = "LongWhereMovesToItsOwnLineThenBreaksAtAnd",
     .input =
         R"sq(rule r { if disk.low where event.mount == "/var/log/some/very/long/path" and event.free_pct < 10 and event.host like "web*" then core.local(cmd: "x") on success then audit.log(ok: true) })sq",
     .expected = R"sq(rule r {
  if disk.low
    where event.mount == "/var/log/some/very/long/path"
      and event.free_pct < 10
      and event.host like "web*"
  then core.local(cmd: "x")
  on success then audit.log(ok: true)
}
)sq"},
    {.name = "WhereOnOwnLineWhenOnlyThatFits",
     .input =
         R"sq(rule r { if some.rather_long_trigger_name as t where t.mount == "/var/log/some/long/path" and t.free_pct < 10 then x() })sq",
     .expected = R"sq(rule r {
  if some.rather_long_trigger_name as t
    where t.mount == "/var/log/some/long/path" and t.free_pct < 10
  then x()
}
)sq"},
    {.name = "CorrelationTriggers",
     .input = R"sq(rule still_down {
  if intf.down as d and not intf.up where event.intf == d.intf within 5m
  then net.bounce(host: d.switch, intf: d.intf)
}
rule flapping {
  if intf.down as a followed by intf.up as b followed by intf.down as c where b.intf == a.intf within 30s
  then chat.post_message(channel: "#net", message: "{{a.intf}} flapped")
}
rule brute_force {
  if 5 of auth.failed within 1m by event.user
  then idm.lock(user: event.user)
  throttle 1 per 10m by event.user
}
rule counted_by_name { if n of (auth.failed as f where f.user != "root") within 1h then x() }
)sq",
     .expected = R"sq(rule still_down {
  if intf.down as d and not intf.up where event.intf == d.intf within 5m
  then net.bounce(host: d.switch, intf: d.intf)
}

rule flapping {
  if intf.down as a followed by intf.up as b followed by intf.down as c
    where b.intf == a.intf
    within 30s
  then chat.post_message(channel: "#net", message: "{{a.intf}} flapped")
}

rule brute_force {
  if 5 of auth.failed within 1m by event.user
  then idm.lock(user: event.user)
    throttle 1 per 10m by event.user
}

rule counted_by_name {
  if n of (auth.failed as f where f.user != "root") within 1h
  then x()
}
)sq"},
    {.name = "BuiltInTriggers",
     .input = R"sq(rule a { if webhook "deploy" as w where w.body.branch == "main" then ci.run() }
rule b { if every 5m then health.check() }
rule c { if cron "0 3 * * 1-5" tz "Europe/Paris" as tick then backup.run(at: tick.time) }
rule d { if core.execution where event.action == "core.local" and event.status == "failed" then x() })sq",
     .expected = R"sq(rule a {
  if webhook "deploy" as w where w.body.branch == "main"
  then ci.run()
}

rule b {
  if every 5m
  then health.check()
}

rule c {
  if cron "0 3 * * 1-5" tz "Europe/Paris" as tick
  then backup.run(at: tick.time)
}

rule d {
  if core.execution where event.action == "core.local" and event.status == "failed"
  then x()
}
)sq"},
    {.name = "Policies",
     .input = R"sq(rule r {
  if t then a.b(x: 1) retry n + 1 times every 5s backoff 1.5x up to 1m when error.status == "timed_out" timeout 2m concurrency 2 by event.host throttle 10 per 1h
})sq",
     .expected = R"sq(rule r {
  if t
  then a.b(x: 1)
    retry n + 1 times every 5s backoff 1.5x up to 1m when error.status == "timed_out"
    timeout 2m
    concurrency 2 by event.host
    throttle 10 per 1h
}
)sq"},
    {.name = "LongArgumentsBreakOnePerLine",
     .input = R"sq(workflow w() {
  net.cli(host: switch_name, cmds: ["interface {{intf}}", "shutdown", "no shutdown", "write memory"], save: true)
  let m = {alpha: "aaaaaaaaaaaaaaaaaaaa", beta: "bbbbbbbbbbbbbbbbbbbbbbbb", gamma: ["cccccccccccccccccc", "dddddddddddd"]}
  let total = first_value_with_a_long_name + second_value_with_a_long_name + third_value_with_long_name
})sq",
     .expected = R"sq(workflow w() {
  net.cli(
    host: switch_name,
    cmds: ["interface {{intf}}", "shutdown", "no shutdown", "write memory"],
    save: true,
  )
  let m = {
    alpha: "aaaaaaaaaaaaaaaaaaaa",
    beta: "bbbbbbbbbbbbbbbbbbbbbbbb",
    gamma: ["cccccccccccccccccc", "dddddddddddd"],
  }
  let total = first_value_with_a_long_name
    + second_value_with_a_long_name
    + third_value_with_long_name
}
)sq"},
    {.name = "NarrowWidth",
     .input = "const x = f(a, [1, 2, 3], {k: v})\n",
     .expected = "const x = f(\n  a,\n  [1, 2, 3],\n  {k: v},\n)\n",
     .width = 20},
    {.name = "WorkflowStatements",
     .input =
         R"sq(workflow remediate_intf(switch: string, intf: string, attempts: int = 3) -> string {
  let st: json = net.get_intf(host: switch, name: intf) timeout 30s
  if st.result.oper == "up" { return "already up" } else if st.result.admin == "down" {
    fail "interface {{intf}} is administratively down" with {admin: st.result.admin}
  } else { net.cli(host: switch) retry attempts times every 5s }
  sleep 30s
  parallel { let logs = net.collect_logs(host: switch)
    { chat.post_message(channel: "#net") pagerduty.resolve(key: intf) } }
  parallel first 1 { dns.check(site: "a") dns.check(site: "b") }
  let snaps = for vm in vsphere.list_vms(host: switch).result.vms concurrency 4 {
    let s = vsphere.snapshot(vm: vm)
    yield s.result.id
  }
  for vm in snaps { continue }
  let n = 0
  while n < 10 { if probe.result.ok { break } n = n + 1 }
  try { redmine.open_ticket(subject: "x") } catch err { fail "could not open ticket" }
  try { a() } catch { return }
  let ok = wait approval.granted where event.ticket == intf timeout 1h
  wait approval.granted
  let reply = ask "Reboot {{switch}}?" {approved: bool, reason: string?} timeout 4h
  ask "Sure?" bool
  return "bounced"
}
workflow empty() {}
)sq",
     .expected =
         R"sq(workflow remediate_intf(switch: string, intf: string, attempts: int = 3) -> string {
  let st: json = net.get_intf(host: switch, name: intf)
    timeout 30s
  if st.result.oper == "up" {
    return "already up"
  } else if st.result.admin == "down" {
    fail "interface {{intf}} is administratively down" with {admin: st.result.admin}
  } else {
    net.cli(host: switch)
      retry attempts times every 5s
  }
  sleep 30s
  parallel {
    let logs = net.collect_logs(host: switch)
    {
      chat.post_message(channel: "#net")
      pagerduty.resolve(key: intf)
    }
  }
  parallel first 1 {
    dns.check(site: "a")
    dns.check(site: "b")
  }
  let snaps = for vm in vsphere.list_vms(host: switch).result.vms concurrency 4 {
    let s = vsphere.snapshot(vm: vm)
    yield s.result.id
  }
  for vm in snaps {
    continue
  }
  let n = 0
  while n < 10 {
    if probe.result.ok {
      break
    }
    n = n + 1
  }
  try {
    redmine.open_ticket(subject: "x")
  } catch err {
    fail "could not open ticket"
  }
  try {
    a()
  } catch {
    return
  }
  let ok = wait approval.granted where event.ticket == intf timeout 1h
  wait approval.granted
  let reply = ask "Reboot {{switch}}?" {approved: bool, reason: string?} timeout 4h
  ask "Sure?" bool
  return "bounced"
}

workflow empty() {}
)sq"},
    {.name = "BlankLinesInBodiesCollapse",
     .input = "workflow w() {\n\n\n  a()\n\n\n\n  b()\n  c()\n\n}\n",
     .expected = "workflow w() {\n  a()\n\n  b()\n  c()\n}\n"},
    {.name = "LongParametersBreak",
     .input = "workflow w(first_parameter: string, second_parameter: list<string>, third_param: "
              "int = 3) "
              "-> map<string> { return {} }\n",
     .expected = "workflow w(\n  first_parameter: string,\n  second_parameter: list<string>,\n"
                 "  third_param: int = 3,\n) -> map<string> {\n  return {}\n}\n"},
    {.name = "Tests",
     .input = R"sq(test "cleans only /var/log" {
  given disk.low {host: "web1", mount: "/var/log", free_pct: 3.0}
  expect core.local(cmd: _)                       # matched, with any cmd
  given disk.low {host: "db1", mount: "/data", free_pct: 3.0} after 5m
  expect nothing
  when core.local returns {exit_code: 1}
  when core.local fails with "boom"
  given every 5m
  expect core.local(cmd: "x") after 10s
}
test "empty" {}
)sq",
     .expected = R"sq(test "cleans only /var/log" {
  given disk.low {host: "web1", mount: "/var/log", free_pct: 3.0}
  expect core.local(cmd: _) # matched, with any cmd
  given disk.low {host: "db1", mount: "/data", free_pct: 3.0} after 5m
  expect nothing
  when core.local returns {exit_code: 1}
  when core.local fails with "boom"
  given every 5m
  expect core.local(cmd: "x") after 10s
}

test "empty" {}
)sq"},
    {.name = "TriggerParametersAndExpectNothingAfter",
     .input =
         R"sq(rule watch { if linux.file_watch.line( file_path : "/var/log/auth.log" ) as l where l.line contains "Failed" then chat.post(message: l.line) }
rule timer { if core.st2.IntervalTimer(unit: "seconds", delta: 30,) then x() }
rule empty { if x.y( ) then z() }
rule corr { if (f.line(file_path: p) as a where a.ok) followed by f.line(file_path: q) as b within 1m then z() }
rule counted { if 5 of f.line(file_path: "/a") within 1m by event.line then z() }
rule absent { if f.line(file_path: "/a") as a and not f.line(file_path: "/b") where event.x == a.x within 1m then z() }
test "t" {
  given f.line(file_path: "/x") {line: "a"} after 5s
  given f.line ( ) {line: "a"}
  given disk.low {host: "a"}
  expect nothing   after 1m
  expect nothing
}
workflow w() { let m = wait f.line(file_path: "/x") where event.line contains "ok" timeout 1m
 wait `odd-pack`.if(`x-y`: 1) }
)sq",
     .expected = R"sq(rule watch {
  if linux.file_watch.line(file_path: "/var/log/auth.log") as l where l.line contains "Failed"
  then chat.post(message: l.line)
}

rule timer {
  if core.st2.IntervalTimer(unit: "seconds", delta: 30)
  then x()
}

rule empty {
  if x.y()
  then z()
}

rule corr {
  if (f.line(file_path: p) as a where a.ok) followed by f.line(file_path: q) as b within 1m
  then z()
}

rule counted {
  if 5 of f.line(file_path: "/a") within 1m by event.line
  then z()
}

rule absent {
  if f.line(file_path: "/a") as a and not f.line(file_path: "/b") where event.x == a.x within 1m
  then z()
}

test "t" {
  given f.line(file_path: "/x") {line: "a"} after 5s
  given f.line() {line: "a"}
  given disk.low {host: "a"}
  expect nothing after 1m
  expect nothing
}

workflow w() {
  let m = wait f.line(file_path: "/x") where event.line contains "ok" timeout 1m
  wait `odd-pack`.if(`x-y`: 1)
}
)sq"},
    {.name = "LongTriggerParametersAndComments",
     .input =
         R"sq(rule r { if linux.file_watch.line(file_path: "/var/log/some/really/long/path/to/a/file/auth.log", other: "xxxxxxxxxxxx") as l where l.line contains "Failed" then x() }
rule s { if linux.file_watch.line(file_path: "/var/log/auth.log") as l where l.line contains "Failed password for" and l.file_name == "auth.log" then x() }
rule c {
  if f.line( # the watched file
    file_path: "/var/log/auth.log", # auth
    # more
    n: 2
    # last
  ) as l # after atom
  then x()
}
test "t" {
  # before
  expect nothing after 5m # quiet
  given f.line(file_path: "/x", # p
  ) {line: "a"}
  expect nothing after # why
    1m
}
)sq",
     .expected = R"sq(rule r {
  if linux.file_watch.line(
    file_path: "/var/log/some/really/long/path/to/a/file/auth.log",
    other: "xxxxxxxxxxxx",
  ) as l
    where l.line contains "Failed"
  then x()
}

rule s {
  if linux.file_watch.line(file_path: "/var/log/auth.log") as l
    where l.line contains "Failed password for" and l.file_name == "auth.log"
  then x()
}

rule c {
  if f.line( # the watched file
    file_path: "/var/log/auth.log", # auth
    # more
    n: 2,
    # last
  ) as l # after atom
  then x()
}

test "t" {
  # before
  expect nothing after 5m # quiet
  given f.line(
    file_path: "/x", # p
  ) {line: "a"}
  # why
  expect nothing after 1m
}
)sq"},
    {.name = "Annotations",
     .input = "@disabled @owner(\"ops\", 2) @flag()\nrule r { if t then a() }\n",
     .expected = "@disabled\n@owner(\"ops\", 2)\n@flag()\nrule r {\n  if t\n  then a()\n}\n"},
    {.name = "CommentsAroundDeclarations",
     .input = "# file header\n\n# about core\nimport core # trailing\n# before rule\n\n"
              "rule r { if t then a() }   # after rule\n\n\n# end of file 1   \n\n# end 2\n",
     .expected = "# file header\n\n# about core\nimport core # trailing\n\n# before rule\n\n"
                 "rule r {\n  if t\n  then a()\n} # after rule\n\n# end of file 1\n\n# end 2\n"},
    {.name = "CommentsInsideRules",
     .input = R"sq(rule r { # opening
  # before if
  if disk.low # after trigger
    # before where
    where event.a == 1 # after where
  # before then
  then core.local(cmd: "x") # after call
    # before retry
    retry 3 times # after retry
    timeout 2m
  # before on
  on failure then x() # after on
  # end of rule
})sq",
     .expected = R"sq(rule r { # opening
  # before if
  if disk.low # after trigger
    # before where
    where event.a == 1 # after where
  # before then
  then core.local(cmd: "x") # after call
    # before retry
    retry 3 times # after retry
    timeout 2m
  # before on
  on failure then x() # after on
  # end of rule
}
)sq"},
    {.name = "CommentsInsideWorkflows",
     .input = R"sq(workflow w() {
  # first
  a() # trailing a

  # section two
  if x { # inside if
    b()
    # end of then
  } else {
    # only comment
  }
  net.cli(host: h, # the host
          cmds: [ # commands
            "a", # first
            "b"
            # last
          ])
  let v = f(1) +
    # hoisted out of the expression
    2
  # end of body
})sq",
     .expected = R"sq(workflow w() {
  # first
  a() # trailing a

  # section two
  if x { # inside if
    b()
    # end of then
  } else {
    # only comment
  }
  net.cli(
    host: h, # the host
    cmds: [ # commands
      "a", # first
      "b",
      # last
    ],
  )
  let v = f(1)
    # hoisted out of the expression
    + 2
  # end of body
}
)sq"},
    {.name = "CommentsBetweenOperands",
     .input = "const ok = a # first\n  and b\n  # before c\n  or c\n",
     .expected = "const ok = a # first\n  and b\n  # before c\n  or c\n"},
    {.name = "OnlyComments",
     .input = "# just a comment\n\n\n# and another\n",
     .expected = "# just a comment\n\n# and another\n"},
    {.name = "Empty", .input = "", .expected = "\n"},
};

INSTANTIATE_TEST_SUITE_P(Constructs, FormatTest, testing::ValuesIn(kCases),
                         [](const testing::TestParamInfo<FormatCase>& param_info) {
                           return param_info.param.name;
                         });

TEST_P(FormatTest, ProducesExpectedLayout) {
  EXPECT_EQ(Format(GetParam().input, GetParam().width), GetParam().expected);
}

TEST_P(FormatTest, IsIdempotent) {
  const std::string once = Format(GetParam().input, GetParam().width);
  EXPECT_EQ(Format(once, GetParam().width), once);
}

TEST_P(FormatTest, KeepsEveryCommentInOrder) {
  const auto input = Parse(GetParam().input);
  ASSERT_TRUE(input->ok);
  const auto output = Parse(Format(GetParam().input, GetParam().width));
  ASSERT_TRUE(output->ok);
  EXPECT_EQ(CommentTexts(*output), CommentTexts(*input));
}

TEST_P(FormatTest, KeepsTheTree) {
  const auto input = Parse(GetParam().input);
  ASSERT_TRUE(input->ok);
  const auto output = Parse(Format(GetParam().input, GetParam().width));
  ASSERT_TRUE(output->ok);
  EXPECT_EQ(TreeShape(*output), TreeShape(*input));
}

TEST_P(FormatTest, EndsWithOneNewlineAndNoTrailingWhitespace) {
  const std::string out = Format(GetParam().input, GetParam().width);
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(out.back(), '\n');
  if (out != "\n") {
    EXPECT_NE(out[out.size() - 2], '\n');
  }
  // Multi-line string literals are the one place where trailing blanks are content.
  EXPECT_EQ(out.find(" \n"), std::string::npos) << out;
  EXPECT_EQ(out.find("\t\n"), std::string::npos) << out;
}

// ---- the examples of the language sketch: properties only ----------------------------------

const FormatCase kSketch[] = {
    {.name = "ImportsAndTrigger",
     .input = R"sq(import core                 # the built-in pack (stdlib/packs/core)
import slack as chat        # any pack on the pack path (--packs DIR, SQUALL_PACKS)

trigger disk.low {
  host: string
  mount: string
  free_pct: float
  tags: list<string> = []    # default
  owner: string?             # optional
}
)sq"},
    {.name = "Correlation",
     .input =
         R"sq(rule still_down {                     # absence: no intf.up for the same interface in 5m
  if intf.down as d and not intf.up where event.intf == d.intf within 5m
  then net.bounce(host: d.switch, intf: d.intf)
}
rule flapping {                       # sequence
  if intf.down as a followed by intf.up as b where b.intf == a.intf within 30s
  then chat.post_message(channel: "#net", message: "{{a.intf}} flapped")
}
rule brute_force {                    # counting per key
  if 5 of auth.failed within 1m by event.user
  then idm.lock(user: event.user)
  throttle 1 per 10m by event.user
}
)sq"},
    {.name = "Workflow",
     .input =
         R"sq(workflow remediate_intf(switch: string, intf: string, attempts: int = 3) -> string {
  let st = net.get_intf(host: switch, name: intf)
  if st.result.oper == "up" {
    return "already up"
  } else if st.result.admin == "down" {
    fail "interface {{intf}} is administratively down" with {admin: st.result.admin}
  } else {
    net.cli(host: switch, cmds: ["interface {{intf}}", "shutdown", "no shutdown"])
      retry attempts times every 5s backoff 2x when error.status == "timed_out"
  }
  sleep 30s                                  # a durable delay
  parallel {                                 # each statement is one branch; join waits for all
    let logs = net.collect_logs(host: switch)
    {                                        # a block groups several steps into one branch
      chat.post_message(channel: "#net", message: "bounced {{intf}} on {{switch}}")
      pagerduty.resolve(key: intf)
    }
  }
  parallel first 1 {                         # join after the first branch succeeds; cancel the rest
    dns.check(site: "a")
    dns.check(site: "b")
  }
  let snaps = for vm in vsphere.list_vms(host: switch).result.vms concurrency 4 {
    let s = vsphere.snapshot(vm: vm)
    yield s.result.id                        # a `for` used as a value is the list of yields, in input order
  }
  let n = 0
  while n < 10 {                             # loops; the checker warns when nothing can end one
    let probe = net.ping(host: switch)
    if probe.result.ok { break }
    n = n + 1
    sleep 10s
  }
  try {
    redmine.open_ticket(subject: "intf {{intf}} bounced", body: logs.result.text)
  } catch err {                              # err: {message, action, status, result}
    chat.post_message(channel: "#ops", message: "ticket failed: {{err.message}}")
    fail "could not open ticket"
  }
  let ok = wait approval.granted where event.ticket == intf timeout 1h   # any event, correlated
  let reply = ask "Reboot {{switch}}?" {approved: bool, reason: string?} timeout 4h   # a human answers
  return "bounced"
}

rule bounce {
  if intf.down then remediate_intf(switch: event.switch, intf: event.intf)
}
)sq"},
    {.name = "Test", .input = R"sq(test "cleans only /var/log" {
  given disk.low {host: "web1", mount: "/var/log", free_pct: 3.0}
  expect core.local(cmd: _)                       # matched, with any cmd
  given disk.low {host: "db1", mount: "/data", free_pct: 3.0}
  expect nothing
}
)sq"},
    // Not from the sketch: comments in awkward places (after keywords, inside empty brackets,
    // inside operator chains, between `}` and `else`).
    {.name = "CommentsInAwkwardPlaces", .input = R"sq(rule r {
  if # c1
  disk.low # c2
  then # c3
  x( # c4
  ) # c5
}
workflow w(a: int, # pa
  b: int # pb
) # after params
{
  let x = [ # l
  ]
  let y = {
    # only comment in map
  }
  if a # cond
  {
    b()
  }
  # before else
  else {
  }
  f(
    1,
    2 # last
  )
  let s = "{{ a }}" # str
  let t = a +
    b * # mid
    c
}
# eof
)sq"},
};

class SketchTest : public testing::TestWithParam<FormatCase> {};

INSTANTIATE_TEST_SUITE_P(LanguageSketch, SketchTest, testing::ValuesIn(kSketch),
                         [](const testing::TestParamInfo<FormatCase>& param_info) {
                           return param_info.param.name;
                         });

TEST_P(SketchTest, IsStableAndLossless) {
  const auto input = Parse(GetParam().input);
  ASSERT_TRUE(input->ok);
  const std::string once = FormatFile(*input->file, input->sources);
  const auto output = Parse(once);
  ASSERT_TRUE(output->ok) << once;
  EXPECT_EQ(FormatFile(*output->file, output->sources), once);
  EXPECT_EQ(CommentTexts(*output), CommentTexts(*input));
  EXPECT_EQ(TreeShape(*output), TreeShape(*input));
  size_t line_begin = 0;
  while (line_begin < once.size()) {
    const size_t line_end = once.find('\n', line_begin);
    const std::string_view line(once.data() + line_begin, line_end - line_begin);
    // Lines may only run long when a comment or an unbreakable string forces it.
    if (line.find('#') == std::string_view::npos) {
      EXPECT_LE(line.size(), 100u) << line;
    }
    line_begin = line_end + 1;
  }
}

TEST(SketchTest, WorkflowLayout) {
  const std::string out = Format(kSketch[2].input);
  EXPECT_NE(out.find("  sleep 30s # a durable delay\n"), std::string::npos) << out;
  EXPECT_NE(out.find("  } catch err { # err: {message, action, status, result}\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("    if probe.result.ok {\n      break\n    }\n"), std::string::npos) << out;
  EXPECT_NE(out.find("\n\nrule bounce {\n  if intf.down\n  then remediate_intf("),
            std::string::npos)
      << out;
}

// Long operator and member chains are flattened iteratively.
TEST(FormatLimitsTest, LongChains) {
  constexpr int kTerms = 9000;  // the parser caps chains at 10k (ParseOptions)
  std::string sum = "const x = a";
  std::string path = "const y = a";
  for (int i = 1; i < kTerms; ++i) {
    sum += " + a";
    path += ".a";
  }
  const std::string out = Format(sum + "\n" + path + "\n");
  EXPECT_EQ(out.substr(0, 20), "const x = a\n  + a\n  ");
  EXPECT_NE(out.find("const y = a.a.a"), std::string::npos);
  EXPECT_EQ(Format(out), out);
}

// Found by fuzzing: a `not` operand of a comparison is printed in parentheses, so each level of
// `x == not x == not x ...` gains a bracket. The output must still be within the parser's
// nesting limit (200), which the input reaches.
TEST(FormatLimitsTest, NotOperandsAtTheNestingLimit) {
  std::string source = "const a = x";
  std::string expected = "const a = x";
  for (int i = 0; i < 200; ++i) {
    source += " == not x";
    expected += "\n" + std::string(2 * (i + 1), ' ') + "== (not x";
  }
  expected += std::string(200, ')') + "\n";
  const std::string out = Format(source + "\n");
  EXPECT_EQ(out, expected);
  EXPECT_EQ(Format(out), out);
}

}  // namespace
}  // namespace squall::format
