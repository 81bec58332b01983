#include "compiler/diag/json_renderer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace squall::diag {
namespace {

using source::FileId;
using source::SourceRange;

class RenderJsonTest : public testing::Test {
 protected:
  RenderJsonTest() {
    // `"60"` is bytes [14, 18) on line 2, columns 7..11: the two-byte 'é' is one column.
    rule_id_ = sources_.AddFile("ops.rule", "rule r\n  \xC3\xA9 = \"60\"\n");
    yaml_id_ = sources_.AddFile("packs/core/local.yaml", "timeout: int\n");
  }

  source::SourceManager sources_;
  FileId rule_id_;
  FileId yaml_id_;
};

TEST_F(RenderJsonTest, Empty) {
  EXPECT_EQ(RenderJson({}, sources_), R"({"diagnostics":[],"errors":0,"warnings":0})");
}

TEST_F(RenderJsonTest, DiagnosticWithNotes) {
  const std::vector<Diagnostic> diagnostics = {
      Diagnostic{.kind = Kind::TestError,
                 .severity = Severity::Error,
                 .range = {.file = rule_id_, .begin = 14, .end = 18},
                 .message = "expects `int`, found `string`",
                 .notes = {Note{.kind = Kind::DeclaredHere,
                                .range = {.file = yaml_id_, .begin = 0, .end = 7},
                                .message = "parameter `timeout` declared here"},
                           Note{.kind = Kind::PreviousDefinition,
                                .range = SourceRange::Invalid(),
                                .message = "previous definition of `r` is here"}}}};
  EXPECT_EQ(
      RenderJson(diagnostics, sources_),
      R"({"diagnostics":[{"kind":"TestError","severity":"error","message":"expects `int`, found `string`",)"
      R"("file":"ops.rule","range":{"start":{"line":2,"column":7,"offset":14},)"
      R"("end":{"line":2,"column":11,"offset":18}},)"
      R"("notes":[{"kind":"DeclaredHere","severity":"note","message":"parameter `timeout` declared here",)"
      R"("file":"packs/core/local.yaml","range":{"start":{"line":1,"column":1,"offset":0},)"
      R"("end":{"line":1,"column":8,"offset":7}}},)"
      R"({"kind":"PreviousDefinition","severity":"note","message":"previous definition of `r` is here",)"
      R"("file":null,"range":null}]}],"errors":1,"warnings":0})");
}

TEST_F(RenderJsonTest, CountsBySeverityAndEscapes) {
  const std::vector<Diagnostic> diagnostics = {
      Diagnostic{.kind = Kind::CannotReadFile,
                 .severity = Severity::Error,
                 .range = SourceRange::Invalid(),
                 .message = "cannot read `a\"b\\c\xFF.rule`: No such file or directory",
                 .notes = {}},
      Diagnostic{.kind = Kind::TestWarning,
                 .severity = Severity::Warning,
                 .range = {.file = rule_id_, .begin = 19, .end = 19},
                 .message = "test warning `\n`",
                 .notes = {}},
      Diagnostic{.kind = Kind::TestWarning,
                 .severity = Severity::Warning,
                 .range = {.file = rule_id_, .begin = 0, .end = 4},
                 .message = "w",
                 .notes = {}},
  };
  EXPECT_EQ(RenderJson(diagnostics, sources_),
            R"({"diagnostics":[)"
            R"({"kind":"CannotReadFile","severity":"error",)"
            "\"message\":\"cannot read `a\\\"b\\\\c\xEF\xBF\xBD.rule`: No such file or directory\","
            R"("file":null,"range":null,"notes":[]},)"
            R"({"kind":"TestWarning","severity":"warning","message":"test warning `\u000a`",)"
            R"("file":"ops.rule","range":{"start":{"line":3,"column":1,"offset":19},)"
            R"("end":{"line":3,"column":1,"offset":19}},"notes":[]},)"
            R"({"kind":"TestWarning","severity":"warning","message":"w",)"
            R"("file":"ops.rule","range":{"start":{"line":1,"column":1,"offset":0},)"
            R"("end":{"line":1,"column":5,"offset":4}},"notes":[]}],"errors":1,"warnings":2})");
}

}  // namespace
}  // namespace squall::diag
