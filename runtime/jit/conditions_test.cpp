// Workflow conditions in native code (codegen::ConditionName functions) decide exactly as the
// reference interpreter does, over frames of every shape: values of the declared types,
// absent variables, nulls, values of the wrong type, and the event of a `wait`.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "compiler/ir/lowered_for_test.h"
#include "runtime/events/decoder.h"
#include "runtime/interp/interpreter.h"
#include "runtime/jit/jit_engine.h"

namespace squall::jit {
namespace {

using Json = nlohmann::json;

constexpr const char* kSource = R"(import core

trigger deploy.done {
  service: string
  ok: bool
  took: duration?
}

workflow rollout(service: string, n: int, ratio: float, hosts: list<string>, force: bool?) {
  let i = 0
  while i < n {
    core.noop()
    i = i + 1
  }
  if service == "web" and force ?? false {
    core.noop()
  }
  if ratio >= 0.5 or not (service != "db") {
    core.noop()
  }
  if hosts contains "db-1" {
    core.noop()
  }
  if lower(service) == "web" and n * 2 > 5 {
    core.noop()
  }
  wait deploy.done where event.service == service and event.ok timeout 1h
  wait deploy.done where event.took > 5m or i >= n timeout 1h
}
)";

// Every combination of these per-variable choices (absent when the value is "absent").
std::vector<Json> Frames() {
  const std::vector<std::pair<std::string, std::vector<Json>>> choices = {
      {"i", {0, 2, 7, "absent", nullptr, "x"}},
      {"n", {0, 3, "absent", 2.5}},
      {"service", {"web", "db", "WEB", "", "absent", 1}},
      {"force", {true, false, nullptr, "absent"}},
      {"ratio", {0.25, 0.5, 1, "absent"}},
      {"hosts", {Json::array({"db-1", "web-1"}), Json::array(), "absent", "db-1"}},
      {"#event",
       {Json{{"service", "web"}, {"ok", true}, {"took", "10m"}},
        Json{{"service", "db"}, {"ok", false}}, Json{{"service", "web"}, {"ok", true}},
        Json{{"ok", "yes"}, {"took", "1s"}}, "absent"}},
  };
  std::vector<Json> frames = {Json::object()};
  for (const auto& [key, values] : choices) {
    std::vector<Json> next;
    for (const Json& frame : frames) {
      for (const Json& value : values) {
        Json f = frame;
        if (value != "absent") f[key] = value;
        next.push_back(std::move(f));
      }
    }
    frames = std::move(next);
  }
  return frames;
}

TEST(WorkflowConditionsTest, NativeCodeDecidesAsTheInterpreter) {
  ir::LoweredForTest lowered(kSource);
  ASSERT_TRUE(lowered.ok());
  const ir::Program& program = lowered.program();
  ASSERT_EQ(program.workflows.size(), 1u);
  const ir::Workflow& workflow = program.workflows[0];
  std::vector<uint32_t> conditions = ir::ConditionNodes(workflow);
  ASSERT_EQ(conditions.size(), 7u);  // the while, four ifs, two waits

  std::string error;
  std::unique_ptr<match::Engine> native = CreateJitEngine(program, JitOptions{}, &error);
  ASSERT_NE(native, nullptr) << error;
  interp::Interpreter interpreter(program);
  events::DecoderOptions options;
  options.mode = events::DecodeMode::kBare;
  options.bare_trigger = program.matchers[workflow.matcher].trigger;
  options.bare_id_field.clear();
  events::Decoder native_decoder(options, native->DecoderPlans());
  events::Decoder interpreter_decoder(options, interpreter.DecoderPlans());

  size_t held = 0;
  size_t compared = 0;
  for (const Json& frame : Frames()) {
    std::string text = frame.dump();
    events::DecodedEvent native_frame;
    events::DecodedEvent interpreter_frame;
    native_decoder.Decode(text, native_frame);
    interpreter_decoder.Decode(text, interpreter_frame);
    for (uint32_t node : conditions) {
      std::optional<bool> decided = native->Holds(workflow.matcher, node, native_frame);
      ASSERT_TRUE(decided.has_value()) << "no native code for condition " << node;
      interp::Value v =
          interpreter.Evaluate(workflow.matcher, ir::NodeRef{node}, interpreter_frame);
      bool expected = v.kind == interp::Value::Kind::kBool && v.boolean;
      ASSERT_EQ(*decided, expected) << "condition " << node << " on " << text;
      held += expected ? 1 : 0;
      ++compared;
    }
  }
  // Both outcomes occur often: the table exercises every condition both ways.
  EXPECT_GT(held, compared / 10);
  EXPECT_LT(held, compared - compared / 10);
}

TEST(WorkflowConditionsTest, TheInterpreterHasNoCodeOfItsOwn) {
  ir::LoweredForTest lowered(kSource);
  ASSERT_TRUE(lowered.ok());
  interp::Interpreter interpreter(lowered.program());
  events::DecodedEvent empty;
  const ir::Workflow& workflow = lowered.program().workflows[0];
  for (uint32_t node : ir::ConditionNodes(workflow)) {
    EXPECT_FALSE(interpreter.Holds(workflow.matcher, node, empty).has_value());
  }
}

}  // namespace
}  // namespace squall::jit
