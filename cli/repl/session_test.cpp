// The REPL session without a terminal: entries in, text out. Every case uses the built-in
// `core` pack (embedded in the binary), so no pack directory is needed.
#include "cli/repl/session.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace squall::repl {
namespace {

constexpr std::string_view kTrigger = "trigger disk.low { host: string, free_pct: float }";
constexpr std::string_view kRule =
    "rule low { if disk.low where event.free_pct < 5.0 then core.local(cmd: \"echo "
    "{{event.host}}\") }";

// A correlation rule (an absence) and a sequence, over two triggers.
constexpr std::string_view kLinkTriggers =
    "trigger l.d { port: string }\ntrigger l.u { port: string }";
constexpr std::string_view kAbsence =
    "rule gone { if l.d as d and not l.u where event.port == d.port within 5m then "
    "core.echo(message: \"gone {{d.port}}\") }";
constexpr std::string_view kSequence =
    "rule flap { if l.d as d followed by l.u as u where u.port == d.port within 5m then "
    "core.echo(message: \"flap {{u.port}}\") }";
constexpr std::string_view kWorkflow =
    "workflow fix(port: string) { core.echo(message: port) }\n"
    "rule fixit { if l.u then fix(port: event.port) }";

struct SessionCase {
  std::string name;
  std::vector<std::string> entries;
  std::vector<std::string> out_has;     // substrings of the output of the last entry
  std::vector<std::string> out_lacks;   // not substrings of it
  std::vector<std::string> err_has;     // substrings of its error output
  std::vector<std::string> err_lacks;   // not substrings of it
  std::vector<std::string> source_has;  // substrings of the session source at the end
  std::vector<std::string> source_lacks;
  bool err_empty = false;
};

class SessionTest : public testing::TestWithParam<SessionCase> {};

TEST_P(SessionTest, LastEntry) {
  const SessionCase& c = GetParam();
  Session session(SessionOptions{});
  std::ostringstream out, err;
  for (const std::string& entry : c.entries) {
    out.str("");
    err.str("");
    session.Submit(entry, out, err);
  }
  for (const std::string& s : c.out_has)
    EXPECT_NE(out.str().find(s), std::string::npos) << s << "\nout:\n"
                                                    << out.str() << "\nerr:\n"
                                                    << err.str();
  for (const std::string& s : c.out_lacks)
    EXPECT_EQ(out.str().find(s), std::string::npos) << s << "\nout:\n" << out.str();
  for (const std::string& s : c.err_has)
    EXPECT_NE(err.str().find(s), std::string::npos) << s << "\nerr:\n" << err.str();
  for (const std::string& s : c.err_lacks)
    EXPECT_EQ(err.str().find(s), std::string::npos) << s << "\nerr:\n" << err.str();
  for (const std::string& s : c.source_has)
    EXPECT_NE(session.Source().find(s), std::string::npos) << s;
  for (const std::string& s : c.source_lacks)
    EXPECT_EQ(session.Source().find(s), std::string::npos) << s;
  if (c.err_empty) {
    EXPECT_EQ(err.str(), "");
  }
}

INSTANTIATE_TEST_SUITE_P(
    Entries, SessionTest,
    testing::Values(
        SessionCase{.name = "declarations_are_added",
                    .entries = {"import core", std::string(kTrigger), std::string(kRule)},
                    .out_has = {"added rule low"},
                    .source_has = {"rule low {", "trigger disk.low"},
                    .err_empty = true},
        SessionCase{.name = "multi_line_rule_is_one_entry",
                    .entries = {"import core", std::string(kTrigger),
                                "rule low {\n  if disk.low\n  then core.local(cmd: \"x\")\n}"},
                    .out_has = {"added rule low"},
                    .err_empty = true},
        SessionCase{
            .name = "bad_line_shows_check_diagnostic_and_is_not_added",
            .entries = {"import core", "rule bad { if nope.x then core.local(cmd: \"x\") }"},
            .err_has = {"<repl>:2:", "error:", "^", "[Unknown"},
            .source_lacks = {"rule bad"}},
        SessionCase{.name = "syntax_error_points_at_its_session_line",
                    .entries = {"import core", "const x = 1", "const y = )"},
                    .err_has = {"<repl>:3:11: error:", "    3 | const y = )"},
                    .source_lacks = {"const y"}},
        SessionCase{.name = "redefinition_replaces",
                    .entries = {"import core", std::string(kTrigger), std::string(kRule),
                                "rule low { if disk.low then core.local(cmd: \"second\") }"},
                    .out_has = {"replaced rule low"},
                    .source_has = {"second"},
                    .source_lacks = {"echo {{event.host}}"}},
        SessionCase{.name = "send_shows_rendered_mocked_action",
                    .entries = {"import core", std::string(kTrigger), std::string(kRule),
                                ":send disk.low {host: \"web1\", free_pct: 3.5}"},
                    .out_has = {"rule low fires: core.local(cmd: \"echo 'web1'\")", "[mocked]"},
                    .err_empty = true},
        SessionCase{.name = "send_that_matches_nothing",
                    .entries = {"import core", std::string(kTrigger), std::string(kRule),
                                ":send disk.low {host: \"web1\", free_pct: 50.0}"},
                    .out_has = {"no rule fires"}},
        SessionCase{.name = "send_payload_checked_against_trigger_type",
                    .entries = {"import core", std::string(kTrigger),
                                ":send disk.low {host: 1, free_pct: 3.5}"},
                    .err_has = {"<repl>:", "[TypeMismatch]", "{host: 1, free_pct: 3.5}", "^"}},
        SessionCase{.name = "send_feeds_a_correlation_and_fires_no_empty_action",
                    .entries = {"import core", std::string(kLinkTriggers), std::string(kAbsence),
                                ":send l.d {port: \"p\"}"},
                    .out_has = {"rule gone: event recorded for its correlation (absence, "
                                "waiting 5m)"},
                    .out_lacks = {"fires", "()", "no rule fires"},
                    .err_empty = true},
        SessionCase{.name = "live_send_feeding_a_correlation_runs_nothing",
                    .entries = {"import core", std::string(kLinkTriggers), std::string(kAbsence),
                                ":live on", ":send l.d {port: \"p\"}"},
                    .out_has = {"rule gone: event recorded for its correlation"},
                    .out_lacks = {"is a workflow", "not run", "fires"},
                    .err_empty = true},
        SessionCase{.name = "send_that_completes_a_sequence_fires_its_action",
                    .entries = {"import core", std::string(kLinkTriggers), std::string(kSequence),
                                ":send l.d {port: \"p\"}", ":send l.u {port: \"p\"}"},
                    .out_has = {"rule flap: event recorded for its correlation (sequence, step 2 "
                                "of 2 within 5m)",
                                "correlation flap completes: event correlation.flap",
                                "rule flap fires: core.echo(message: \"flap p\")  [mocked]"},
                    .err_empty = true},
        SessionCase{.name = "sequence_state_is_per_key",
                    .entries = {"import core", std::string(kLinkTriggers), std::string(kSequence),
                                ":send l.d {port: \"p\"}", ":send l.u {port: \"other\"}"},
                    .out_has = {"step 2 of 2"},
                    .out_lacks = {"completes", "fires"},
                    .err_empty = true},
        SessionCase{
            .name = "send_to_a_rule_that_starts_a_workflow",
            .entries = {"import core", std::string(kLinkTriggers), std::string(kWorkflow),
                        ":live on", ":send l.u {port: \"p\"}"},
            .out_has = {"rule fixit fires: fix(port: \"p\")", "not run: `fix` is a workflow"},
            .err_empty = true},
        SessionCase{.name = "send_without_payload_is_checked_as_empty",
                    .entries = {"import core", std::string(kLinkTriggers), ":send l.d"},
                    .out_lacks = {"event l.d"},
                    .err_has = {"[MissingPayloadField]", "port"}},
        SessionCase{.name = "explain_last_send",
                    .entries = {"import core", std::string(kTrigger), std::string(kRule),
                                ":send disk.low {host: \"db\", free_pct: 9.0}", ":explain"},
                    .out_has = {"rule low: does not fire", "failed", "event.free_pct = 9"}},
        SessionCase{.name = "live_runs_the_action",
                    .entries = {"import core", std::string(kTrigger), std::string(kRule),
                                ":live on", ":send disk.low {host: \"live-host\", free_pct: 1.0}"},
                    .out_has = {"succeeded", "\"stdout\": \"live-host\""}},
        SessionCase{.name = "type_of_free_expression",
                    .entries = {"const n = 3", ":type n * 2 + 1"},
                    .out_has = {"int"},
                    .err_empty = true},
        SessionCase{.name = "type_of_trigger_field",
                    .entries = {std::string(kTrigger), ":type disk.low.free_pct"},
                    .out_has = {"float"},
                    .err_empty = true},
        SessionCase{.name = "type_error_has_caret",
                    .entries = {":type 1 + \"a\""},
                    .err_has = {"<repl>:", "^"}},
        SessionCase{.name = "type_syntax_error_names_the_command_not_the_wrapper",
                    .entries = {":type )))"},
                    .err_has = {"expected an expression after `:type`, found `)`", "^"},
                    .err_lacks = {"`=`", "__repl"}},
        SessionCase{.name = "packs_before_any_declaration",
                    .entries = {":packs"},
                    .out_has = {"no pack imported yet", "available:", " core"}},
        SessionCase{.name = "rules_lists_rules",
                    .entries = {"import core", std::string(kTrigger), std::string(kRule), ":rules"},
                    .out_has = {"low  if disk.low then core.local  (<repl>:3)"}},
        SessionCase{.name = "rejected_entry_keeps_earlier_ones",
                    .entries = {"import core", std::string(kTrigger), std::string(kRule),
                                "rule bad { if disk.low then core.nope(cmd: \"x\") }", ":rules"},
                    .out_has = {"low  if disk.low then core.local"},
                    .source_has = {"rule low {", "import core"},
                    .source_lacks = {"rule bad"}},
        SessionCase{.name = "caret_line_is_the_typed_line",
                    .entries = {"import core", std::string(kTrigger),
                                "rule bad { if disk.low then core.nope(cmd: \"x\") }"},
                    .err_has = {"<repl>:3:34: error:",
                                "    3 | rule bad { if disk.low then core.nope(cmd: \"x\") }"}},
        SessionCase{.name = "packs_lists_imports",
                    .entries = {"import core", ":packs"},
                    .out_has = {"imported:", "core: core"}},
        SessionCase{.name = "unknown_command",
                    .entries = {":frobnicate"},
                    .err_has = {"unknown command `:frobnicate`"}},
        SessionCase{.name = "explain_without_send",
                    .entries = {":explain"},
                    .err_has = {"nothing to explain"}}),
    [](const testing::TestParamInfo<SessionCase>& param_info) { return param_info.param.name; });

TEST(SessionTest, LoadAddsAFilesDeclarations) {
  std::filesystem::path dir = testing::TempDir();
  std::filesystem::path file = dir / "repl_load_test.rule";
  std::ofstream(file) << "import core\n" << kTrigger << "\n" << kRule << "\n";
  Session session(SessionOptions{});
  std::ostringstream out, err;
  session.Submit(":load " + file.string(), out, err);
  EXPECT_NE(out.str().find("loaded 3 declarations"), std::string::npos) << out.str() << err.str();
  out.str("");
  session.Submit(":send disk.low {host: \"h\", free_pct: 1.0}", out, err);
  EXPECT_NE(out.str().find("rule low fires"), std::string::npos) << out.str() << err.str();
  out.str("");
  session.Submit(":rules", out, err);
  EXPECT_NE(out.str().find(file.string()), std::string::npos) << out.str();
}

TEST(SessionTest, LoadReportsTheFilesOwnDiagnostics) {
  std::filesystem::path file = std::filesystem::path(testing::TempDir()) / "repl_bad.rule";
  std::ofstream(file) << "const x = )\n";
  Session session(SessionOptions{});
  std::ostringstream out, err;
  session.Submit(":load " + file.string(), out, err);
  EXPECT_NE(err.str().find("repl_bad.rule:1:11: error:"), std::string::npos) << err.str();
  EXPECT_EQ(session.Source().find("const x"), std::string::npos);
}

TEST(SessionTest, QuitStopsTheSession) {
  Session session(SessionOptions{});
  std::ostringstream out, err;
  EXPECT_FALSE(session.quit_requested());
  session.Submit(":quit", out, err);
  EXPECT_TRUE(session.quit_requested());
}

struct NeedsMoreCase {
  std::string entry;
  bool more;
};

class NeedsMoreTest : public testing::TestWithParam<NeedsMoreCase> {};

TEST_P(NeedsMoreTest, Decides) {
  Session session(SessionOptions{});
  EXPECT_EQ(session.NeedsMore(GetParam().entry), GetParam().more) << GetParam().entry;
}

INSTANTIATE_TEST_SUITE_P(Entries, NeedsMoreTest,
                         testing::Values(NeedsMoreCase{"rule r {", true},
                                         NeedsMoreCase{"rule r {\n  if disk.low", true},
                                         NeedsMoreCase{"rule r { if disk.low then", true},
                                         NeedsMoreCase{"const x = 1 +", true},
                                         NeedsMoreCase{"const x = [1,", true},
                                         NeedsMoreCase{"const x = \"\"\"text", true},
                                         NeedsMoreCase{"const x = 1", false},
                                         NeedsMoreCase{"rule r { if a.b then c.d() }", false},
                                         NeedsMoreCase{"rule 1 {", false},  // error before the end
                                         NeedsMoreCase{"", false}, NeedsMoreCase{":rules", false},
                                         NeedsMoreCase{":send disk.low {host: \"a\",", true},
                                         NeedsMoreCase{":send disk.low {host: \"a\"}", false},
                                         NeedsMoreCase{":type 1 +", true}));

struct CompleteCase {
  std::string name;
  std::string line;
  std::string want;          // must be among the candidates
  std::string pending = "";  // earlier lines of the entry
  std::string reject = "";   // must not be among them
};

class CompleteTest : public testing::TestWithParam<CompleteCase> {};

TEST_P(CompleteTest, Offers) {
  const CompleteCase& c = GetParam();
  Session session(SessionOptions{});
  std::ostringstream out, err;
  session.Submit("import core", out, err);
  session.Submit(std::string(kTrigger), out, err);
  Completion completion = session.Complete(c.pending, c.line, c.line.size());
  const auto& got = completion.candidates;
  EXPECT_NE(std::find(got.begin(), got.end(), c.want), got.end()) << testing::PrintToString(got);
  if (!c.reject.empty()) {
    EXPECT_EQ(std::find(got.begin(), got.end(), c.reject), got.end());
  }
  for (const std::string& candidate : got) {
    EXPECT_TRUE(candidate.starts_with(c.line.substr(completion.start))) << candidate;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Words, CompleteTest,
    testing::Values(
        CompleteCase{.name = "keyword", .line = "wor", .want = "workflow"},
        CompleteCase{.name = "command", .line = ":se", .want = ":send"},
        CompleteCase{
            .name = "action", .line = "rule r { if disk.low then core.lo", .want = "core.local"},
        CompleteCase{.name = "trigger", .line = "rule r { if dis", .want = "disk.low"},
        CompleteCase{.name = "send_trigger", .line = ":send d", .want = "disk.low"},
        CompleteCase{
            .name = "pack_after_import", .line = "import co", .want = "core", .reject = "const"},
        CompleteCase{
            .name = "parameter", .line = "rule r { if disk.low then core.local(", .want = "cmd:"},
        CompleteCase{.name = "second_parameter_on_next_line",
                     .line = "  ti",
                     .want = "timeout:",
                     .pending = "rule r { if disk.low then core.local(cmd: \"x\","},
        CompleteCase{.name = "not_parameters_inside_a_value",
                     .line = "rule r { if disk.low then core.local(cmd: eve",
                     .want = "every",
                     .reject = "cmd:"}),
    [](const testing::TestParamInfo<CompleteCase>& param_info) { return param_info.param.name; });

}  // namespace
}  // namespace squall::repl
