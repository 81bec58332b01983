// Runs one lowered `test` block (compiler/ir/test_case.h) on a fresh Simulator and judges its
// expectations.
//
// Step semantics (docs/language.md "Tests" and docs/testing-rules.md are the reference):
//   given T {p} [after D]   time moves D, then the event is sent and everything it causes at
//                           that instant runs
//   when A returns V / fails with M   from now on, attempts of A end that way
//   expect A(args)          some call of A that no earlier `expect` matched has these
//                           arguments (only the ones named; `_` matches anything); it is
//                           matched now
//   expect A(args) after D  time moves D, and such a call was made during those D
//   expect nothing [after D]  (time moves D, then) every call made so far was matched; as a
//                           test's last step without `after`, time first runs until nothing
//                           is pending (retries)
// A test stops at its first failed step. On failure the report says what was called instead
// (closest call with a per-argument diff) or why no rule made the call (which rule, which
// condition was false for the last event, or that it was throttled).
//
// Thread safety: none; the program is used by one test at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "compiler/ir/test_case.h"
#include "compiler/source/source_manager.h"
#include "runtime/engine/loaded_program.h"
#include "runtime/simulate/simulator.h"

namespace squall::simulate {

struct StepFailure {
  source::SourceRange range;         // the step that failed
  std::string message;               // one line: `expected core.local(cmd: "x"), not called`
  std::vector<std::string> details;  // further lines: argument diffs, explanations, the calls
};

struct TestResult {
  std::string name;
  source::SourceRange range;
  std::vector<StepFailure> failures;  // empty: passed (at most one: a test stops there)
  std::vector<Call> calls;            // every attempt made, in order
  int64_t virtual_ms = 0;             // virtual time the test covered
  bool passed() const { return failures.empty(); }
};

// Runs `test` against `program` (fresh simulation state each time). `sources` renders source
// text (expected arguments, conditions) in reports.
TestResult RunTest(const ir::TestCase& test, std::shared_ptr<engine::LoadedProgram> program,
                   const source::SourceManager& sources);

// `+1m30s`: a virtual time for reports.
std::string FormatOffset(int64_t ms);

}  // namespace squall::simulate
