// The `test` blocks of a checked program, lowered to plain data for `squall test`
// (runtime/simulate): events to feed, scripted action outcomes and the calls expected, with
// every value computed at compile time. Tests are not part of the runnable ir::Program: a
// program compiled for `squall run` carries none.
//
// Precondition: the program checked without errors.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "compiler/check/checked_program.h"
#include "compiler/source/source_range.h"

namespace squall::ir {

// An expected argument of `expect action(param: value)`: a value, `_` (anything, even a
// parameter the call does not have), or a list or map literal (compared element by element; a
// map only for the keys it names).
struct ExpectedValue {
  enum class Kind : uint8_t { kAny, kValue, kList, kMap };
  Kind kind = Kind::kAny;
  std::string json;                     // kValue: compact JSON (a duration is its seconds)
  std::vector<ExpectedValue> elements;  // kList, kMap (the values)
  std::vector<std::string> keys;        // kMap, parallel to `elements`
  source::SourceRange range;            // as written
};

struct TestStep {
  enum class Kind : uint8_t { kGiven, kExpectNothing, kExpectCall, kWhenReturns, kWhenFails };
  Kind kind = Kind::kGiven;
  source::SourceRange range;  // the whole step
  int64_t after_ms = 0;       // `after D`; 0 when not given (kWhen*: how long an attempt takes)
  // kGiven: the event.
  std::string trigger;          // `disk.low`, `core.webhook`
  std::string parameters_json;  // the trigger instance (Matcher::parameters_json)
  std::string payload_json;     // a JSON object; "{}" when the step gives none
  // kExpectCall, kWhenReturns, kWhenFails: the action (or workflow) ref.
  std::string action;
  std::vector<std::pair<std::string, ExpectedValue>> arguments;  // kExpectCall, as written
  std::string result_json;                                       // kWhenReturns
  std::string message;                                           // kWhenFails
};

struct TestCase {
  std::string name;
  source::SourceRange range;  // the name literal
  std::vector<TestStep> steps;
};

// Every test of `program`, in file and source order.
std::vector<TestCase> LowerTests(const check::CheckedProgram& program);

}  // namespace squall::ir
