#include "compiler/diag/diagnostic_engine.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace squall::diag {
namespace {

using source::FileId;
using source::SourceRange;

constexpr FileId kA{0};
constexpr FileId kB{1};

// An Emit call: one argument, which ends up in the message.
struct EmitSpec {
  Kind kind;
  SourceRange range;
  std::string arg;
};

// What Finish() must return, matched by kind, severity and location (plus the argument,
// which tells equal-location diagnostics apart).
struct Expected {
  Kind kind;
  Severity severity;
  SourceRange range;
  std::string message;
};

struct EngineCase {
  std::string name;
  EngineOptions options;
  std::vector<EmitSpec> emits;
  uint32_t error_count;    // ErrorCount() before Finish()
  uint32_t warning_count;  // WarningCount() before Finish()
  std::vector<Expected> expected;

  friend void PrintTo(const EngineCase& c, std::ostream* os) { *os << c.name; }
};

constexpr SourceRange At(FileId file_id, uint32_t begin, uint32_t end) {
  return SourceRange{.file = file_id, .begin = begin, .end = end};
}

Expected Error(SourceRange range, std::string arg) {
  return {Kind::TestError, Severity::Error, range, "test error `" + arg + "`"};
}
Expected Warning(SourceRange range, std::string arg) {
  return {Kind::TestWarning, Severity::Warning, range, "test warning `" + arg + "`"};
}
Expected TooMany(uint32_t count) {
  return {Kind::TooManyErrors, Severity::Error, SourceRange::Invalid(),
          "too many errors emitted (" + std::to_string(count) + "); stopping"};
}

class EngineTest : public testing::TestWithParam<EngineCase> {
 protected:
  EngineTest() {
    sources_.AddFile("a.rule", std::string(100, 'a'));
    sources_.AddFile("b.rule", std::string(100, 'b'));
  }

  source::SourceManager sources_;
};

TEST_P(EngineTest, SortsDeduplicatesAndCaps) {
  const EngineCase& c = GetParam();
  DiagnosticEngine engine(sources_, c.options);
  for (const EmitSpec& emit : c.emits) engine.Emit(emit.kind, emit.range, {emit.arg});
  EXPECT_EQ(engine.ErrorCount(), c.error_count);
  EXPECT_EQ(engine.WarningCount(), c.warning_count);
  EXPECT_EQ(engine.HasErrors(), c.error_count > 0);

  const std::vector<Diagnostic> got = engine.Finish();
  ASSERT_EQ(got.size(), c.expected.size());
  for (size_t i = 0; i < got.size(); ++i) {
    SCOPED_TRACE("diagnostic " + std::to_string(i) + ": " + got[i].message);
    EXPECT_EQ(got[i].kind, c.expected[i].kind);
    EXPECT_EQ(got[i].severity, c.expected[i].severity);
    EXPECT_EQ(got[i].range, c.expected[i].range);
    EXPECT_EQ(got[i].message, c.expected[i].message);
  }
  EXPECT_FALSE(engine.HasErrors());
  EXPECT_EQ(engine.WarningCount(), 0u);
  EXPECT_TRUE(engine.Finish().empty());
}

INSTANTIATE_TEST_SUITE_P(
    Cases, EngineTest,
    testing::ValuesIn(std::vector<EngineCase>{
        {.name = "empty",
         .options = {},
         .emits = {},
         .error_count = 0,
         .warning_count = 0,
         .expected = {}},
        {.name = "sorts_by_file_then_begin_then_end",
         .options = {},
         .emits = {{Kind::TestError, At(kB, 0, 1), "b0"},
                   {Kind::TestError, At(kA, 5, 9), "a5-9"},
                   {Kind::TestError, At(kA, 5, 6), "a5-6"},
                   {Kind::TestError, At(kA, 1, 50), "a1"}},
         .error_count = 4,
         .warning_count = 0,
         .expected = {Error(At(kA, 1, 50), "a1"), Error(At(kA, 5, 6), "a5-6"),
                      Error(At(kA, 5, 9), "a5-9"), Error(At(kB, 0, 1), "b0")}},
        {.name = "location_less_first",
         .options = {},
         .emits = {{Kind::TestError, At(kA, 0, 0), "a"},
                   {Kind::TestError, SourceRange::Invalid(), "nowhere"}},
         .error_count = 2,
         .warning_count = 0,
         .expected = {Error(SourceRange::Invalid(), "nowhere"), Error(At(kA, 0, 0), "a")}},
        {.name = "same_location_by_kind_then_message",
         .options = {},
         .emits = {{Kind::TestWarning, At(kA, 3, 4), "w"},
                   {Kind::TestError, At(kA, 3, 4), "z"},
                   {Kind::TestError, At(kA, 3, 4), "m"}},
         .error_count = 2,
         .warning_count = 1,
         .expected = {Error(At(kA, 3, 4), "m"), Error(At(kA, 3, 4), "z"),
                      Warning(At(kA, 3, 4), "w")}},
        {.name = "exact_duplicates_dropped_and_not_counted",
         .options = {},
         .emits = {{Kind::TestError, At(kA, 3, 4), "x"},
                   {Kind::TestError, At(kA, 3, 4), "x"},
                   {Kind::TestWarning, At(kA, 3, 4), "x"},
                   {Kind::TestError, At(kA, 3, 5), "x"},
                   {Kind::TestError, At(kB, 3, 4), "x"},
                   {Kind::TestError, At(kA, 3, 4), "y"},
                   {Kind::TestError, At(kA, 3, 4), "x"}},
         .error_count = 4,
         .warning_count = 1,
         .expected = {Error(At(kA, 3, 4), "x"), Error(At(kA, 3, 4), "y"),
                      Warning(At(kA, 3, 4), "x"), Error(At(kA, 3, 5), "x"),
                      Error(At(kB, 3, 4), "x")}},
        {.name = "limit_keeps_first_errors_in_sorted_order_and_every_warning",
         .options = {.error_limit = 2},
         .emits = {{Kind::TestError, At(kB, 0, 1), "e4"},
                   {Kind::TestWarning, At(kB, 9, 9), "w2"},
                   {Kind::TestError, At(kA, 7, 8), "e2"},
                   {Kind::TestError, At(kA, 1, 2), "e1"},
                   {Kind::TestWarning, At(kA, 0, 1), "w1"},
                   {Kind::TestError, At(kA, 9, 9), "e3"}},
         .error_count = 4,
         .warning_count = 2,
         .expected = {Warning(At(kA, 0, 1), "w1"), Error(At(kA, 1, 2), "e1"),
                      Error(At(kA, 7, 8), "e2"), Warning(At(kB, 9, 9), "w2"), TooMany(4)}},
        {.name = "limit_reached_exactly_adds_nothing",
         .options = {.error_limit = 2},
         .emits = {{Kind::TestError, At(kA, 2, 3), "e2"}, {Kind::TestError, At(kA, 1, 2), "e1"}},
         .error_count = 2,
         .warning_count = 0,
         .expected = {Error(At(kA, 1, 2), "e1"), Error(At(kA, 2, 3), "e2")}},
        {.name = "duplicates_do_not_trip_the_limit",
         .options = {.error_limit = 1},
         .emits = {{Kind::TestError, At(kA, 1, 2), "e"}, {Kind::TestError, At(kA, 1, 2), "e"}},
         .error_count = 1,
         .warning_count = 0,
         .expected = {Error(At(kA, 1, 2), "e")}},
        {.name = "limit_zero_is_unlimited",
         .options = {.error_limit = 0},
         .emits = {{Kind::TestError, At(kA, 1, 2), "e1"},
                   {Kind::TestError, At(kA, 2, 3), "e2"},
                   {Kind::TestError, At(kA, 3, 4), "e3"}},
         .error_count = 3,
         .warning_count = 0,
         .expected = {Error(At(kA, 1, 2), "e1"), Error(At(kA, 2, 3), "e2"),
                      Error(At(kA, 3, 4), "e3")}},
        {.name = "warnings_as_errors_counts_and_caps_warnings",
         .options = {.error_limit = 1, .warnings_as_errors = true},
         .emits = {{Kind::TestWarning, At(kA, 5, 6), "w"}, {Kind::TestError, At(kA, 1, 2), "e"}},
         .error_count = 2,
         .warning_count = 0,
         .expected = {Error(At(kA, 1, 2), "e"), TooMany(2)}},
    }),
    [](const testing::TestParamInfo<EngineCase>& param_info) { return param_info.param.name; });

class EngineNotesTest : public testing::Test {
 protected:
  EngineNotesTest() {
    rule_id_ = sources_.AddFile("ops.rule", "rule r when x then y\n");
    yaml_id_ = sources_.AddFile("local.yaml", "timeout: int\n");
  }

  source::SourceManager sources_;
  FileId rule_id_;
  FileId yaml_id_;
};

TEST_F(EngineNotesTest, NotesTravelWithTheirDiagnosticAndKeepTheirOrder) {
  DiagnosticEngine engine(sources_);
  engine.Emit(Kind::TestError, At(rule_id_, 19, 20), {"y"})
      .AddNote(Kind::DeclaredHere, At(yaml_id_, 0, 7), {"parameter `timeout`"})
      .AddNote(Kind::PreviousDefinition, SourceRange::Invalid(), {"y"});
  engine.Emit(Kind::TestError, At(rule_id_, 0, 4), {"rule"});
  const std::vector<Diagnostic> got = engine.Finish();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_TRUE(got[0].notes.empty());
  ASSERT_EQ(got[1].notes.size(), 2u);
  EXPECT_EQ(got[1].notes[0],
            (Note{Kind::DeclaredHere, At(yaml_id_, 0, 7), "parameter `timeout` declared here"}));
  EXPECT_EQ(got[1].notes[1], (Note{Kind::PreviousDefinition, SourceRange::Invalid(),
                                   "previous definition of `y` is here"}));
}

TEST_F(EngineNotesTest, ReferencesStayValidAcrossLaterEmits) {
  DiagnosticEngine engine(sources_, {.error_limit = 0});
  Diagnostic& first = engine.Emit(Kind::TestError, At(rule_id_, 0, 4), {"first"});
  for (uint32_t i = 0; i < 1000; ++i) engine.Emit(Kind::TestError, At(rule_id_, 5, 6), {i});
  first.AddNote(Kind::DeclaredHere, At(yaml_id_, 0, 7), {"it"});
  const std::vector<Diagnostic> got = engine.Finish();
  ASSERT_EQ(got.size(), 1001u);
  EXPECT_EQ(got[0].message, "test error `first`");
  EXPECT_EQ(got[0].notes.size(), 1u);
}

TEST_F(EngineNotesTest, DuplicateKeepsTheFirstDiagnosticsNotes) {
  DiagnosticEngine engine(sources_);
  engine.Emit(Kind::TestError, At(rule_id_, 0, 4), {"r"})
      .AddNote(Kind::DeclaredHere, At(yaml_id_, 0, 7), {"first"});
  engine.Emit(Kind::TestError, At(rule_id_, 0, 4), {"r"})
      .AddNote(Kind::DeclaredHere, At(yaml_id_, 0, 7), {"second"});
  const std::vector<Diagnostic> got = engine.Finish();
  ASSERT_EQ(got.size(), 1u);
  ASSERT_EQ(got[0].notes.size(), 1u);
  EXPECT_EQ(got[0].notes[0].message, "first declared here");
}

TEST_F(EngineNotesTest, RuntimeArgumentsThroughSpans) {
  DiagnosticEngine engine(sources_);
  const std::vector<std::string> names = {"x.rule", "Permission denied"};
  const std::vector<Arg> args(names.begin(), names.end());
  const std::vector<Arg> note_args = {"`x`"};
  engine.Emit(Kind::CannotReadFile, SourceRange::Invalid(), args)
      .AddNote(Kind::DeclaredHere, At(rule_id_, 0, 4), note_args);
  const std::vector<Diagnostic> got = engine.Finish();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].message, "cannot read `x.rule`: Permission denied");
  ASSERT_EQ(got[0].notes.size(), 1u);
  EXPECT_EQ(got[0].notes[0].message, "`x` declared here");
}

TEST_F(EngineNotesTest, EndOfFileRangeIsAccepted) {
  DiagnosticEngine engine(sources_);
  const auto size = static_cast<uint32_t>(sources_.Text(rule_id_).size());
  engine.Emit(Kind::TestError, At(rule_id_, size, size), {"eof"});
  EXPECT_EQ(engine.Finish().size(), 1u);
}

using EngineDeathTest = EngineNotesTest;

TEST_F(EngineDeathTest, PreconditionsAbort) {
  DiagnosticEngine engine(sources_);
  EXPECT_DEATH(engine.Emit(Kind::DeclaredHere, At(rule_id_, 0, 1), {"x"}),
               "Emit of note kind DeclaredHere");
  EXPECT_DEATH(engine.Emit(Kind::TestError, At(rule_id_, 0, 99), {"x"}),
               "range \\[0, 99\\) outside ops.rule \\(size 21\\)");
  EXPECT_DEATH(engine.Emit(Kind::TestError, At(rule_id_, 3, 2), {"x"}), "range \\[3, 2\\)");
  EXPECT_DEATH(engine.Emit(Kind::TestError, At(FileId{9}, 0, 0), {"x"}), "unknown FileId 9");
  EXPECT_DEATH(engine.Emit(Kind::TestError, At(rule_id_, 0, 1)), "uses \\{0\\} but got 0");
  EXPECT_DEATH(engine.Emit(Kind::TestError, At(rule_id_, 0, 1), {"x"})
                   .AddNote(Kind::TestWarning, At(rule_id_, 0, 1), {"x"}),
               "AddNote with TestWarning, which is not a Note kind");
  EXPECT_DEATH(
      {
        engine.Emit(Kind::TestError, At(rule_id_, 0, 1), {"x"})
            .AddNote(Kind::DeclaredHere, At(yaml_id_, 0, 500), {"x"});
        engine.Finish();
      },
      "note DeclaredHere has range \\[0, 500\\) outside local.yaml");
}

}  // namespace
}  // namespace squall::diag
