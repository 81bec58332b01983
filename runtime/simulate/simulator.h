// The rule simulator behind `squall test`: runs a loaded program against events in virtual
// time, with every action mocked. Events match through the program's own matcher (native or
// interpreted) and calls are rendered, defaulted, throttled, limited by `concurrency`, retried,
// timed out and followed up exactly as the execution engine does (runtime/engine/call.h holds
// the shared meaning), but nothing runs: each attempt ends with the outcome scripted for its
// action (`when ... returns` / `fails with`, optionally `after D`: the attempt takes D), else
// success with an empty result at once. Time moves only when told to, so a test of
// `retry every 10m` or `throttle 1 per 1h` takes microseconds. Virtual time starts at
// 2026-01-01T00:00:00Z (kEpochMs), which is what `core.execution` timestamps show.
//
// Workflows run step by step on their state machines (runtime/workflow): each step call is an
// execution like a rule's (mocked, with its policies), `sleep` and `wait ... timeout` run on
// virtual time, `wait` sees the events sent and emitted, and the workflow's end is the
// execution's end (its `on success`/`on failure`, its `core.execution` event). An `ask` is
// never answered in a test (it times out, or the workflow stays suspended). Correlation rules run
// on their state machines (engine::Correlations) in virtual time, with the simulator's event order
// as event ids, exactly as `squall run` runs them. `core.inject_trigger` does inject its event, and
// every ending emits `core.execution`, so rules that react to other rules are simulated too.
//
// Thread safety: none; one simulator per thread. The program is used by this simulator only
// while it runs (LoadedProgram has per-call state).
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "runtime/engine/correlations.h"
#include "runtime/engine/loaded_program.h"
#include "runtime/engine/policy.h"
#include "runtime/engine/throttle.h"
#include "runtime/workflow/machine.h"

namespace squall::simulate {

// What a mocked attempt of an action comes to.
struct Outcome {
  bool failed = false;
  nlohmann::json result = nlohmann::json::object();  // success: the action's result
  std::string error;                                 // failure: the message
  int64_t duration_ms = 0;  // how long the attempt runs (a timeout may end it sooner)
};

// 2026-01-01T00:00:00Z: virtual time 0, as timestamps in events show it.
inline constexpr int64_t kEpochMs = 1767225600000;

// One attempt of one action call, as the rules made it.
struct Call {
  int64_t execution_id = 0;
  int attempt = 1;     // 1: the first; 2: the first retry ...
  int64_t at_ms = 0;   // when the attempt started: virtual time since the simulation started
  std::string action;  // `core.local`, or a workflow name
  std::string rule;
  nlohmann::json parameters;         // rendered, defaults applied, secrets masked
  int64_t parent_id = 0;             // the execution a follow-up follows; 0 for a rule's own action
  bool workflow = false;             // a workflow (its steps are calls of their own)
  int64_t workflow_id = 0;           // a workflow step: the workflow's execution
  std::string status = "succeeded";  // how it ended: succeeded, failed, timed_out
  int64_t ended_ms = 0;
};

// Something a rule did that is not a call: a throttled or failed enforcement, a skipped rule.
struct Note {
  int64_t at_ms = 0;
  std::string rule;
  std::string message;
};

class Simulator {
 public:
  explicit Simulator(std::shared_ptr<engine::LoadedProgram> program);
  ~Simulator();
  Simulator(const Simulator&) = delete;
  Simulator& operator=(const Simulator&) = delete;

  // From now on, attempts of `action` end with `outcome` (replacing what was scripted).
  void Script(const std::string& action, Outcome outcome);

  // Feeds one event now and runs everything it causes at this instant. `parameters_json` names
  // the trigger instance (a webhook's url, a timer's schedule): only that instance's rules see
  // it; empty reaches every rule of the trigger. False (and `*error`) when the payload is not
  // a JSON object or the rules loop (more than a bound of events and attempts at one instant,
  // or in the whole simulation).
  bool Send(const std::string& trigger, const std::string& parameters_json,
            const std::string& payload_json, std::string* error);

  // Moves virtual time forward by `ms`, running every retry and follow-up that falls due, in
  // time order. False (and `*error`) when the rules loop.
  bool Advance(int64_t ms, std::string* error);
  // Runs time forward until nothing is pending (no retry left to fall due). False (and
  // `*error`) when the rules loop.
  bool Drain(std::string* error);

  // When the next attempt of `action` already scheduled (a retry, or one waiting for a
  // concurrency slot is not counted) falls due; nullopt if none.
  std::optional<int64_t> NextDue(const std::string& action) const;

  // One line per workflow still running, saying what each of its strands waits for
  // (`workflow fix (execution 1) waits for: sleep until 10m; a wait for approval.granted`).
  std::vector<std::string> SuspendedWorkflows() const;
  int64_t now() const { return now_; }
  const std::vector<Call>& calls() const { return calls_; }
  const std::vector<Note>& notes() const { return notes_; }
  engine::LoadedProgram& program() { return *program_; }

 private:
  struct Execution;
  // What falls due at a virtual time: an event to match, or the next attempt of an execution.
  struct Work {
    enum class Kind : uint8_t { kEvent, kAttempt, kFinish, kWorkflowTimer };
    Kind kind = Kind::kEvent;
    int64_t event_key = 0;        // kEvent
    std::string parameters_json;  // kEvent: the trigger instance
    int64_t execution_id = 0;     // kAttempt, kFinish, kWorkflowTimer
  };
  // Where a workflow step's execution belongs.
  struct StepOf {
    int64_t workflow = 0;  // the workflow's execution
    int64_t strand = 0;
    uint32_t state = 0;
  };

  bool RunUntil(int64_t until, std::string* error);
  // Correlation firings become events now.
  void EmitCorrelations();
  void MatchEvent(const Work& work);
  void StartExecution(const match::RuleRef& rule, int call, const std::string& action,
                      bool is_workflow, const std::vector<ir::Argument>& arguments,
                      const ir::Policies& policies, const events::DecodedEvent& event,
                      int64_t event_key, int64_t parent_id, uint32_t matcher, StepOf step);
  workflow::Machine& MachineFor(const std::string& name);
  // Carries out what a workflow's machine asked for (calls, cancellations, its end).
  void HandleEffects(int64_t workflow_id, std::vector<workflow::Effect>& effects);
  // Ends an execution: its `core.execution` event, then its rule's follow-ups or, for a
  // workflow step, the workflow's next move.
  void Complete(Execution& x, const char* status, const nlohmann::json& result,
                const nlohmann::json& error);
  void CancelExecution(int64_t execution_id);
  // A concurrency-limited execution ended: its slot goes to the next one waiting.
  void ReleaseSlot(Execution& x);
  // An attempt starts now (or waits for a concurrency slot), and is scheduled to finish.
  void Attempt(int64_t execution_id);
  void Finish(int64_t execution_id);
  Outcome NextOutcome(const std::string& action);
  void Schedule(int64_t at, Work work);

  std::shared_ptr<engine::LoadedProgram> program_;
  int64_t now_ = 0;
  uint64_t sequence_ = 0;
  int64_t next_execution_id_ = 1;
  int64_t next_event_key_ = 1;
  std::multimap<std::pair<int64_t, uint64_t>, Work> agenda_;  // by (time, sequence)
  std::map<int64_t, std::unique_ptr<Execution>> executions_;
  // Events by key, kept for `retry ... when` and follow-ups, which see their event again.
  std::map<int64_t, std::pair<std::string, std::string>> events_;  // trigger, payload
  std::map<std::string, Outcome> script_;
  engine::ThrottleWindows throttles_;
  // Concurrency slots: (rule, key) -> running attempts, and the executions waiting for one.
  std::map<std::pair<std::string, std::string>, int> running_;
  std::map<std::pair<std::string, std::string>, std::deque<int64_t>> waiting_;
  uint64_t work_done_ = 0;  // events and attempts, for the loop bound
  std::vector<Call> calls_;
  std::vector<Note> notes_;
  std::map<std::string, std::unique_ptr<workflow::Machine>> machines_;
  std::set<int64_t> live_workflows_;  // workflow executions still running (they see events)
  std::unique_ptr<engine::Correlations> correlations_;
  std::vector<engine::CorrelationFiring> correlation_firings_;
};

}  // namespace squall::simulate
