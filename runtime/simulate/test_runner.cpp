// Running one test; see test_runner.h.
#include "runtime/simulate/test_runner.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <optional>

#include "compiler/check/constant.h"
#include "runtime/engine/call.h"
#include "runtime/interp/value.h"

namespace squall::simulate {
namespace {

using Json = nlohmann::json;
using Kind = ir::TestStep::Kind;

// Source text of `range` on one line (line breaks and runs of blanks folded).
std::string TextOf(const source::SourceManager& sources, source::SourceRange range) {
  if (!range.IsValid()) return "?";
  std::string_view text = sources.Text(range.file).substr(range.begin, range.Length());
  std::string out;
  for (char c : text) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
    if (c == ' ' && !out.empty() && out.back() == ' ') continue;
    out += c;
  }
  return out;
}

bool Matches(const ir::ExpectedValue& expected, const Json* actual) {
  switch (expected.kind) {
    case ir::ExpectedValue::Kind::kAny:
      return true;
    case ir::ExpectedValue::Kind::kValue: {
      Json value = Json::parse(expected.json, nullptr, /*allow_exceptions=*/false);
      return actual != nullptr && !value.is_discarded() && *actual == value;
    }
    case ir::ExpectedValue::Kind::kList:
      if (actual == nullptr || !actual->is_array() || actual->size() != expected.elements.size()) {
        return false;
      }
      for (size_t i = 0; i < expected.elements.size(); ++i) {
        if (!Matches(expected.elements[i], &(*actual)[i])) return false;
      }
      return true;
    case ir::ExpectedValue::Kind::kMap:
      if (actual == nullptr || !actual->is_object()) return false;
      for (size_t i = 0; i < expected.keys.size(); ++i) {
        auto it = actual->find(expected.keys[i]);
        if (!Matches(expected.elements[i], it != actual->end() ? &*it : nullptr)) return false;
      }
      return true;
  }
  return false;
}

// The arguments of `step` that `call` does not match.
std::vector<size_t> Mismatches(const ir::TestStep& step, const Call& call) {
  std::vector<size_t> out;
  for (size_t i = 0; i < step.arguments.size(); ++i) {
    const auto& [name, expected] = step.arguments[i];
    auto it = call.parameters.find(name);
    if (!Matches(expected, it != call.parameters.end() ? &*it : nullptr)) out.push_back(i);
  }
  return out;
}

std::string Compact(const Json& value) { return engine::DumpJson(value); }

std::string Describe(const Call& call) {
  std::string out = FormatOffset(call.at_ms) + " " + call.action + "(";
  bool first = true;
  for (const auto& [name, value] : call.parameters.items()) {
    out += (first ? "" : ", ") + name + ": " + Compact(value);
    first = false;
  }
  out += ") by rule " + call.rule;
  if (call.attempt > 1) out += ", attempt " + std::to_string(call.attempt);
  if (call.status != "succeeded") out += ", " + call.status;
  return out;
}

class Run {
 public:
  Run(const ir::TestCase& test, std::shared_ptr<engine::LoadedProgram> program,
      const source::SourceManager& sources)
      : test_(test), sim_(std::move(program)), sources_(sources) {}

  TestResult Go() {
    TestResult result;
    result.name = test_.name;
    result.range = test_.range;
    for (size_t i = 0; i < test_.steps.size(); ++i) {
      last_step_ = i + 1 == test_.steps.size();
      std::optional<StepFailure> failure = Step(test_.steps[i]);
      if (failure) {
        result.failures.push_back(std::move(*failure));
        break;
      }
    }
    result.calls = sim_.calls();
    result.virtual_ms = sim_.now();
    return result;
  }

 private:
  StepFailure Fail(const ir::TestStep& step, std::string message) {
    return StepFailure{step.range, std::move(message), {}};
  }

  std::optional<StepFailure> Step(const ir::TestStep& step) {
    std::string error;
    switch (step.kind) {
      case Kind::kWhenReturns:
        sim_.Script(step.action, Outcome{.failed = false,
                                         .result = Json::parse(step.result_json, nullptr, false),
                                         .duration_ms = step.after_ms});
        return std::nullopt;
      case Kind::kWhenFails:
        sim_.Script(step.action,
                    Outcome{.failed = true, .error = step.message, .duration_ms = step.after_ms});
        return std::nullopt;
      case Kind::kGiven:
        if (!sim_.Advance(step.after_ms, &error) ||
            !sim_.Send(step.trigger, step.parameters_json, step.payload_json, &error)) {
          return Fail(step, error);
        }
        last_given_ = &step;
        last_given_at_ = sim_.now();
        return std::nullopt;
      case Kind::kExpectNothing: {
        // A trailing `expect nothing` covers everything still pending (retries, windows).
        bool ran = step.after_ms == 0 && last_step_ ? sim_.Drain(&error)
                                                    : sim_.Advance(step.after_ms, &error);
        if (!ran) return Fail(step, error);
        std::vector<const Call*> unmatched = Unmatched();
        if (unmatched.empty()) return std::nullopt;
        StepFailure failure =
            Fail(step, "expected nothing, but " + std::to_string(unmatched.size()) +
                           (unmatched.size() == 1 ? " call was" : " calls were") +
                           " made that no `expect` matched");
        for (const Call* call : unmatched) failure.details.push_back(Describe(*call));
        return failure;
      }
      case Kind::kExpectCall:
        return ExpectCall(step);
    }
    return std::nullopt;
  }

  std::vector<const Call*> Unmatched() const {
    std::vector<const Call*> out;
    const std::vector<Call>& calls = sim_.calls();
    for (size_t i = 0; i < calls.size(); ++i) {
      if (i >= matched_.size() || !matched_[i]) out.push_back(&calls[i]);
    }
    return out;
  }

  std::string Expected(const ir::TestStep& step) const {
    std::string out = step.action + "(";
    for (size_t i = 0; i < step.arguments.size(); ++i) {
      out += (i == 0 ? "" : ", ") + step.arguments[i].first + ": " +
             TextOf(sources_, step.arguments[i].second.range);
    }
    return out + ")";
  }

  std::optional<StepFailure> ExpectCall(const ir::TestStep& step) {
    int64_t began = sim_.now();
    std::string error;
    if (!sim_.Advance(step.after_ms, &error)) return Fail(step, error);
    const std::vector<Call>& calls = sim_.calls();
    matched_.resize(calls.size(), false);
    // The first unmatched call of the action with these arguments; with `after`, made while
    // the clock advanced.
    std::optional<size_t> too_early;
    for (size_t i = 0; i < calls.size(); ++i) {
      if (matched_[i] || calls[i].action != step.action || !Mismatches(step, calls[i]).empty()) {
        continue;
      }
      if (step.after_ms > 0 && calls[i].at_ms <= began) {
        if (!too_early) too_early = i;
        continue;
      }
      matched_[i] = true;
      return std::nullopt;
    }
    std::string expected = "expected " + Expected(step);
    if (too_early) {
      const Call& call = calls[*too_early];
      StepFailure failure = Fail(
          step, expected + " within " + FormatOffset(step.after_ms).substr(1) +
                    " after the previous step; it was made before, at " + FormatOffset(call.at_ms));
      failure.details.push_back(Describe(call));
      return failure;
    }
    // The closest unmatched call of the action: the fewest arguments that differ.
    const Call* closest = nullptr;
    std::vector<size_t> closest_diff;
    for (size_t i = 0; i < calls.size(); ++i) {
      if (matched_[i] || calls[i].action != step.action) continue;
      std::vector<size_t> diff = Mismatches(step, calls[i]);
      if (closest == nullptr || diff.size() < closest_diff.size()) {
        closest = &calls[i];
        closest_diff = std::move(diff);
      }
    }
    if (closest != nullptr) {
      StepFailure failure = Fail(step, expected + ", but the call differs");
      failure.details.push_back("closest call: " + Describe(*closest));
      for (size_t i : closest_diff) {
        const auto& [name, value] = step.arguments[i];
        auto it = closest->parameters.find(name);
        failure.details.push_back(
            "  " + name + ": expected " + TextOf(sources_, value.range) + ", got " +
            (it != closest->parameters.end() ? Compact(*it) : std::string("nothing (not given)")));
      }
      return failure;
    }
    StepFailure failure = Fail(step, expected + ", but it was not called");
    if (std::optional<int64_t> due = sim_.NextDue(step.action)) {
      failure.details.push_back("the next attempt of " + step.action + " is due at " +
                                FormatOffset(*due) + ", " + FormatOffset(*due - began).substr(1) +
                                " after the step began");
    }
    Explain(step.action, failure.details);
    std::vector<const Call*> unmatched = Unmatched();
    if (!unmatched.empty()) {
      failure.details.push_back("calls made that no `expect` matched:");
      for (const Call* call : unmatched) failure.details.push_back("  " + Describe(*call));
    }
    return failure;
  }

  // Why no rule called `action` for the last event: per rule of that event's trigger that
  // calls it, the first condition that was false or what else stopped it; else which triggers
  // the rules that call it listen to. Then what the simulation leaves out.
  void Explain(const std::string& action, std::vector<std::string>& out) {
    const ir::Program& program = sim_.program().program();
    std::vector<std::string> elsewhere;
    bool here = false;
    for (uint32_t m = 0; m < program.matchers.size(); ++m) {
      const ir::Matcher& matcher = program.matchers[m];
      for (const ir::RuleMatch& rule : matcher.rules) {
        bool calls_it = rule.action == action;
        bool follows = false;
        for (const ir::FollowUp& follow_up : rule.follow_ups) {
          if (follow_up.action == action) follows = true;
        }
        if (!calls_it && !follows) continue;
        if (last_given_ == nullptr || matcher.trigger != last_given_->trigger) {
          elsewhere.push_back(rule.name + " (on " + matcher.trigger + ")");
          continue;
        }
        here = true;
        out.push_back(ExplainRule(m, rule, calls_it));
      }
    }
    if (!here) {
      std::string on = last_given_ != nullptr ? " on " + last_given_->trigger : "";
      if (elsewhere.empty()) {
        out.push_back("no rule calls " + action);
      } else {
        std::string list;
        for (const std::string& e : elsewhere) list += (list.empty() ? "" : ", ") + e;
        out.push_back("no rule" + on + " calls " + action + "; rules that do: " + list);
      }
    }
    std::string skipped;
    for (const ir::SkippedRule& rule : program.skipped) {
      skipped += (skipped.empty() ? "" : ", ") + rule.name;
    }
    if (!skipped.empty()) out.push_back("not simulated (correlation rules): " + skipped);
    for (const std::string& waiting : sim_.SuspendedWorkflows()) out.push_back(waiting);
  }

  std::string ExplainRule(uint32_t m, const ir::RuleMatch& rule, bool calls_it) {
    const ir::Matcher& matcher = sim_.program().program().matchers[m];
    std::string head = "rule " + rule.name + ": ";
    if (rule.disabled) return head + "it is @disabled";
    // What stopped the rule since the last event (not an older throttle, say).
    for (const Note& note : sim_.notes()) {
      if (note.rule == rule.name && note.at_ms >= last_given_at_) return head + note.message;
    }
    if (!last_given_->parameters_json.empty() && !matcher.parameters_json.empty() &&
        last_given_->parameters_json != matcher.parameters_json) {
      return head + "it listens to the instance " + matcher.parameters_json +
             ", the last event came from " + last_given_->parameters_json;
    }
    events::DecodedEvent decoded;
    std::string error;
    engine::LoadedProgram& loaded = sim_.program();
    if (!loaded.Decode(last_given_->trigger, last_given_->payload_json, 0, decoded, &error)) {
      return head + "the last event does not decode: " + error;
    }
    for (const ir::Conjunct& conjunct : rule.conjuncts) {
      interp::Value value = loaded.interpreter().Evaluate(m, conjunct.node, decoded);
      if (value.kind != interp::Value::Kind::kBool || !value.boolean) {
        return head + "condition `" + TextOf(sources_, matcher.nodes[conjunct.node.index].range) +
               "` is " + (value.kind == interp::Value::Kind::kBool ? "false" : "absent") +
               " for the last event";
      }
    }
    if (rule.backstop) return head + "it is a @backstop rule and another rule matched";
    return head + (calls_it ? "it matched the last event; earlier `expect`s matched its calls"
                            : "its action did not end the way its follow-up needs");
  }

  const ir::TestCase& test_;
  Simulator sim_;
  const source::SourceManager& sources_;
  std::vector<bool> matched_;  // parallel to the simulator's calls
  const ir::TestStep* last_given_ = nullptr;
  int64_t last_given_at_ = 0;
  bool last_step_ = false;  // the step running is the test's last
};

}  // namespace

std::string FormatOffset(int64_t ms) {
  if (ms == 0) return "+0s";
  if (ms % 1000 != 0) return "+" + std::to_string(ms) + "ms";
  return "+" + check::DurationSpelling(ms);
}

TestResult RunTest(const ir::TestCase& test, std::shared_ptr<engine::LoadedProgram> program,
                   const source::SourceManager& sources) {
  return Run(test, std::move(program), sources).Go();
}

}  // namespace squall::simulate
