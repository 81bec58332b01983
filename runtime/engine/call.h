// One action call of a rule, evaluated for an event: its policies, its parameters (rendered,
// defaulted from the action's spec), whether a failed attempt is retried, and the
// `core.execution` event that reports its end. Pure functions over the interpreter, shared by
// the execution engine (real runs) and the rule simulator behind `squall test` (virtual time,
// scripted outcomes), so both give a call the same meaning.
//
// Thread safety: the interpreter is stateful (context values, revealed secrets); one caller at
// a time, as for LoadedProgram.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/ir/ir.h"
#include "runtime/engine/policy.h"
#include "runtime/events/decoded_event.h"
#include "runtime/interp/interpreter.h"
#include "runtime/runners/runner.h"

namespace squall::engine {

// What `retry ... timeout ... concurrency ... throttle ...` came to for `event`. The policy's
// `call` is left at -1 (the caller knows which call this is).
EvaluatedPolicy EvaluatePolicies(interp::Interpreter& interpreter, uint32_t matcher,
                                 const ir::Policies& policies, const events::DecodedEvent& event);

struct RenderedParameters {
  nlohmann::json values = nlohmann::json::object();  // by name; defaults from the spec applied
  // The secret values the parameters hold (revealed by `secret()` or given to parameters the
  // pack marks secret), for masking.
  std::vector<std::string> secrets;
};

// The parameters of a call: its arguments evaluated for `event` (the interpreter's context
// values, `result`/`error`, must be set for a follow-up), then the spec's defaults for the
// parameters not given, their `{{ parameter }}` templates rendered (param_templates.h).
// `spec` may be null (a workflow): no defaults.
RenderedParameters RenderParameters(interp::Interpreter& interpreter, uint32_t matcher,
                                    const std::vector<ir::Argument>& arguments,
                                    const ir::ActionSpec* spec, const events::DecodedEvent& event);

// The parameters as recorded and shown: secret parameters replaced by the mask, and every
// revealed secret masked inside strings.
nlohmann::json MaskParameters(const nlohmann::json& params, const ir::ActionSpec* spec,
                              const std::vector<std::string>& secrets);

// Whether attempt number `attempts` (1-based) that ended unsuccessfully (`canceled` is never
// retried) runs again under `policy`: a retry is left and, with `retry ... when`, the
// condition holds for the attempt's `result` and `error` (evaluated with the call's
// `retry_when` of `call_policies`; null when the rule is no longer loaded: no retry).
bool ShouldRetry(const EvaluatedPolicy& policy, int attempts, interp::Interpreter& interpreter,
                 uint32_t matcher, const ir::Policies* call_policies,
                 const events::DecodedEvent& event, const interp::Value& result,
                 const interp::Value& error);

// The `error` an unsuccessful attempt gives `on failure`, `retry ... when` and the store:
// {message, action, status, result}.
nlohmann::json ErrorDocument(std::string_view message, std::string_view action,
                             std::string_view status, const nlohmann::json& result);

// The triggers an ending execution's events are of: Squall's own, and StackStorm's (so that
// rules imported from StackStorm fire unchanged).
inline constexpr std::string_view kExecutionTrigger = "core.execution";
inline constexpr std::string_view kActionTrigger = "core.st2.generic.actiontrigger";

// The payload of the `core.st2.generic.actiontrigger` event for the same ending, as StackStorm's
// notifier writes it: execution_id, status (`timeout` for timed_out), start_timestamp,
// action_name (without its pack), action_ref, runner_ref, parameters, result.
nlohmann::json ActionTriggerPayload(int64_t execution_id, std::string_view action,
                                    std::string_view runner, std::string_view status,
                                    const nlohmann::json& parameters, const nlohmann::json& result,
                                    int64_t started_at_ms);

// The payload of the `core.execution` event for an execution that ended with `status`
// (StackStorm's st2.generic.actiontrigger fields): execution_id, action, runner, status,
// parameters, result, started_at (when `started_at_ms` > 0), finished_at, rule (when given).
nlohmann::json ExecutionEventPayload(int64_t execution_id, std::string_view action,
                                     std::string_view runner, std::string_view status,
                                     const nlohmann::json& parameters, const nlohmann::json& result,
                                     int64_t started_at_ms, int64_t finished_at_ms,
                                     std::string_view rule);

// Fills in what running a call of `spec` needs beyond its parameters: the parameter schema
// (positions, runner parameters, secrets) and the script (`entry_point`, with `actions_dir`);
// a built-in pack's script (`stdlib:...`) is written out under `scratch_dir` first. False and
// `*error` when that script cannot be written.
bool PrepareRunRequest(const ir::ActionSpec& spec, const std::string& scratch_dir,
                       runners::RunRequest& request, std::string* error);

// JSON text of `value`; bytes that are not UTF-8 (a command's binary output, output cut inside
// a character by a size cap, a secret of raw bytes) become U+FFFD instead of throwing.
std::string DumpJson(const nlohmann::json& value);
// `text` parsed, or `fallback` when it is empty or not JSON.
nlohmann::json ParseJsonOr(std::string_view text, nlohmann::json fallback);

}  // namespace squall::engine
