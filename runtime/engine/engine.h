// The execution engine: turns committed events into rule enforcements and executions, runs
// the executions through the runners under their policies, and records every step in the
// store. It is the only writer of enforcements, executions and the event cursor.
//
// One control thread owns all state (the loaded program, pending and running executions,
// throttle windows, concurrency slots); runners run on one thread per running execution and
// hand their results back to it. Every decision is committed to the store before its effect
// happens (an execution is recorded `running` before its process starts; a retry is recorded
// `scheduled` before it waits), so after a crash the store says exactly what was done:
//   - events up to the committed cursor were matched, with their enforcements, exactly once;
//   - executions that were `running` are `abandoned`, or `scheduled` again when their retry
//     policy allows another attempt (at-least-once for the runner: the process may have run);
//   - `requested` and `scheduled` executions run as if nothing had happened.
// Lifecycle (docs/operations.md): requested -> [scheduled ->] running -> succeeded | failed |
// timed_out | canceled | abandoned, with running -> scheduled between retry attempts.
//
// Cancellation goes through the store, so it works from another process (`squall executions
// cancel`) whether or not the service runs: the canceller sets the status to `canceled` only
// from a non-terminal status; the engine notices within its poll interval, drops a pending
// execution or cancels a running one's runner, and records the attempt.
//
// Thread safety: every public member function may be called from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "runtime/engine/correlations.h"
#include "runtime/engine/loaded_program.h"
#include "runtime/engine/policy.h"
#include "runtime/engine/throttle.h"
#include "runtime/metrics/metrics.h"
#include "runtime/runners/runner.h"
#include "runtime/store/store.h"
#include "runtime/workflow/machine.h"

namespace spdlog {
class logger;
}

namespace squall::engine {

struct EngineOptions {
  store::Store* store = nullptr;  // not owned; outlives the engine
  // Runners by runner type (`local-shell-cmd`, `http-request`, ...). `inject-trigger` is the
  // engine's own (its event is committed with the execution's end).
  std::map<std::string, std::shared_ptr<runners::Runner>> runners;
  // Encrypts / decrypts Execution::sealed_secrets. Both null: secret parameters are stored
  // masked only and an execution created before a restart runs with the mask (tests only).
  std::function<std::string(std::string_view plaintext)> seal;
  std::function<std::optional<std::string>(std::string_view sealed)> unseal;
  // The key-value store and secrets seen by `kv()` and `secret()` (may be null).
  interp::Host* host = nullptr;
  size_t max_running = 64;    // executions running at once; more wait as `scheduled`
  size_t event_batch = 1024;  // events matched per store read
  // How often the engine looks for work another process wrote (events from `squall events
  // send`, cancellations from `squall executions cancel`).
  std::chrono::milliseconds poll_interval{250};
  // Where built-in (embedded) pack scripts are written out to run; must be writable.
  std::string scratch_dir;
  // `core.execution` (and `core.st2.generic.actiontrigger`) when an execution ends, if a rule,
  // correlation or workflow `wait` of the loaded program listens for it.
  bool emit_execution_events = true;
  std::function<int64_t()> clock;          // ms since the epoch; default: the system clock
  std::shared_ptr<spdlog::logger> logger;  // default: spdlog's default logger
  metrics::Registry* metrics = nullptr;    // optional
  // The most live instances (pending absences, partial sequences, count keys) one correlation
  // rule keeps; more are not created (squall_correlation_dropped_total and a warning).
  size_t correlation_max_instances = correlate::kDefaultMaxInstances;
};

struct EngineStats {
  int64_t cursor = 0;  // events matched
  size_t pending = 0;  // requested + scheduled
  size_t running = 0;
};

class ExecutionEngine {
 public:
  // `program` may be replaced later (Reload). Call Start() to begin.
  ExecutionEngine(EngineOptions options, std::shared_ptr<LoadedProgram> program);
  ~ExecutionEngine();  // Stop(0) when still running
  ExecutionEngine(const ExecutionEngine&) = delete;
  ExecutionEngine& operator=(const ExecutionEngine&) = delete;

  // Recovers what the store says was in flight, then starts the control thread. False (and
  // `*error`) when the store cannot be read.
  bool Start(std::string* error);
  // Wakes the control thread: events were committed (the store's event listener).
  void NotifyEvents();
  // Takes `program` for every event not yet matched and every execution that ends from now
  // on. Atomic: each event is matched by exactly one program. Returns once the control thread
  // has switched (at once when the engine is not running).
  void Reload(std::shared_ptr<LoadedProgram> program);
  // Stops matching and starting executions, waits up to `drain` for running ones to end
  // (their outcomes are recorded), then cancels the rest without recording them, so the next
  // start treats them as a crash would (abandoned, or retried). Idempotent.
  void Stop(std::chrono::milliseconds drain);
  EngineStats Stats();

 private:
  struct Pending;
  struct Running;
  struct Completion;

  void Loop();
  bool Recover(std::string* error);
  void HandleCompletions(std::vector<Completion>& completions, store::WriteBatch& batch,
                         std::vector<std::function<void()>>& on_commit);
  void MatchEvents(store::WriteBatch& batch, std::vector<std::function<void()>>& on_commit,
                   bool& more);
  // The enforcements (and executions) of one decoded event.
  void EnforceEvent(const store::Event& stored, const events::DecodedEvent& decoded, int64_t now,
                    store::WriteBatch& batch, std::vector<std::function<void()>>& on_commit);
  void PollExternal(store::WriteBatch& batch, std::vector<std::function<void()>>& on_commit);
  // The correlators of `program_`, restored from the store (what it does not fit is deleted
  // with the next batch). False when the program's correlations cannot be built.
  bool LoadCorrelations(std::string* error);
  // Correlation firings -> `correlation.<rule>` events in the batch, with the state changes.
  void RecordCorrelations(std::vector<CorrelationFiring>& firings, store::WriteBatch& batch);
  void Dispatch();
  // Records the new execution `x` in `batch`; once the batch commits it is started or waits.
  // It is recorded `running` at once when nothing stands before it (a free runner slot, no
  // concurrency limit): that saves Dispatch's own commit on the path of every step. Else it is
  // `requested`, and Dispatch starts it.
  void Enqueue(store::Execution x, const EvaluatedPolicy& policy, store::WriteBatch& batch,
               std::vector<std::function<void()>>& on_commit);
  // Starts a Pending that is recorded `running`: a runner (a thread, or inline), or a workflow.
  void Start(std::unique_ptr<Pending> pending);
  void StartRunner(Pending pending);
  // Records the end of an execution (its status, result and error): the update, metrics,
  // `core.execution`, and then `on success`/`on failure` of a rule's own action, or the next
  // move of the workflow a step belongs to.
  void RecordEnding(const store::Execution& x, const EvaluatedPolicy& policy, store::Status status,
                    const std::string& result_json, const std::string& error_json,
                    store::WriteBatch& batch, std::vector<std::function<void()>>& on_commit);

  // Workflows (engine_workflows.cpp): each running workflow execution is a machine instance
  // the control thread drives; its document is written with the step executions it starts.
  struct WorkflowRun;
  struct StepEnding {
    int64_t workflow = 0;   // the workflow's execution
    int64_t execution = 0;  // the step's execution
    workflow::CallOutcome outcome;
  };
  // What the workflow of step `x` learns of its ending: the step's record, or its error. A
  // success whose record no variable takes (`value_used` false: a call made as a statement)
  // carries null instead: building the record (the result parsed, two times formatted) was a
  // tenth of the engine's time per step.
  static StepEnding EndingOf(const store::Execution& x, store::Status status,
                             const std::string& result_json, const std::string& error_json,
                             int64_t finished_at, bool value_used = true);
  // Whether the step at state `step` of `run`'s workflow assigns its call's value.
  bool StepValueUsed(const WorkflowRun& run, int step);
  // Loads every running workflow from the store (documents; a workflow started but never
  // recorded starts afresh). Also after a failed commit.
  bool RestoreWorkflows(std::string* error);
  // Starts what Dispatch started, applies step endings, deliveries and due timers, pauses,
  // resumes and cancellations; writes the changed documents into `batch`.
  void AdvanceWorkflows(store::WriteBatch& batch, std::vector<std::function<void()>>& on_commit);
  void DeliverToWorkflows(const std::string& trigger, const std::string& parameters_json,
                          const std::string& payload_json, store::WriteBatch& batch,
                          std::vector<std::function<void()>>& on_commit);
  // A `core.inquiry_response` event (runtime/workflow/inquiry.h): answers the `ask` it names.
  // A stale or invalid response (nothing asking, asked after the response was recorded, not
  // of the declared type) is logged and ignored: the strand keeps waiting.
  void AnswerInquiry(const store::Event& stored);
  // `core.inquiry` events for the asks of `run` not announced yet (written with its document).
  void AnnounceInquiries(WorkflowRun& run, int64_t now, store::WriteBatch& batch);
  void HandleWorkflowEffects(WorkflowRun& run, std::vector<workflow::Effect>& effects,
                             store::WriteBatch& batch,
                             std::vector<std::function<void()>>& on_commit);
  void StartStep(WorkflowRun& run, int64_t strand, uint32_t state, store::WriteBatch& batch,
                 std::vector<std::function<void()>>& on_commit);
  void CancelWorkflowExecution(int64_t id, store::WriteBatch& batch,
                               std::vector<std::function<void()>>& on_commit);
  void PollWorkflows(store::WriteBatch& batch, std::vector<std::function<void()>>& on_commit);
  // After a reload: running workflows whose definition is gone or changed shape fail (their
  // documents' states would mean other steps), their running steps canceled.
  void FailChangedWorkflows(store::WriteBatch& batch,
                            std::vector<std::function<void()>>& on_commit);
  workflow::Machine* MachineFor(const std::string& name);
  void IndexWorkflow(WorkflowRun& run);
  std::optional<int64_t> NextWorkflowDeadline() const;
  // An execution's parameters, unmasked (secret ones decrypted) when they can be.
  nlohmann::json ParametersOf(const store::Execution& x, std::vector<std::string>* secrets);

  // Creates the execution of an action call (a rule's action or a follow-up).
  struct CallSite {
    match::RuleRef rule;
    const std::string* action;
    bool is_workflow;
    const std::vector<ir::Argument>* arguments;
    const ir::Policies* policies;
  };
  std::optional<store::Execution> NewExecution(const CallSite& site, const events::DecodedEvent& e,
                                               int64_t event_id, int64_t parent_id,
                                               EvaluatedPolicy& policy, std::string* message);
  // The events of an execution's ending, appended to `out`: `core.execution`, and StackStorm's
  // `core.st2.generic.actiontrigger`, each only while a rule, correlation or workflow `wait` of
  // the loaded program listens for it (an event nothing can match would only cost a step a
  // write; EngineOptions::emit_execution_events false: neither).
  void AppendExecutionEvents(const store::Execution& execution, store::Status status,
                             const std::string& result_json, int64_t finished_at,
                             std::vector<store::NewEvent>& out);
  int64_t Now() const;

  EngineOptions options_;
  std::shared_ptr<spdlog::logger> log_;

  std::mutex mu_;  // guards the fields up to `state below`
  std::condition_variable wake_;
  bool stop_ = false;
  bool events_pending_ = true;
  std::shared_ptr<LoadedProgram> next_program_;
  std::deque<Completion> completions_;
  EngineStats stats_;
  bool abandon_ = false;               // Stop's drain is over: record nothing more
  uint64_t requested_generation_ = 0;  // programs handed to Reload
  uint64_t adopted_generation_ = 0;    // programs the control thread has switched to
  // The cancel tokens of running executions, so that Stop can cancel them from its thread.
  std::map<int64_t, std::shared_ptr<runners::CancelToken>> tokens_;

  // State below: the control thread's alone.
  std::shared_ptr<LoadedProgram> program_;
  int64_t cursor_ = 0;
  int64_t known_last_event_ = 0;
  std::map<int64_t, std::unique_ptr<Pending>> pending_;  // by id: oldest first
  std::map<int64_t, std::unique_ptr<Running>> running_;
  std::map<std::pair<std::string, std::string>, int> slots_;  // (rule, key) -> running
  // Enqueue: whether executions may start at once (not while stopping), and how many the
  // batch being built starts so.
  bool starts_allowed_ = false;
  size_t starting_in_batch_ = 0;
  ThrottleWindows throttles_;
  // Throttle admissions of the batch being built, undone when its commit fails.
  struct Admission {
    std::string rule;
    std::string key;
    int64_t at_ms;
  };
  std::vector<Admission> admissions_;
  // core.execution events of executions that ended outside a batch (canceled before they
  // could start), recorded with the next batch.
  std::vector<store::NewEvent> deferred_events_;
  int64_t longest_throttle_ms_ = 0;  // the longest throttle period seen since the start
  // Correlation rules: their state machines, what the event being matched feeds them, and
  // what is to be written with the next batch.
  std::unique_ptr<Correlations> correlations_;
  std::vector<match::RuleRef> feeders_;
  std::vector<CorrelationFiring> correlation_firings_;
  std::vector<store::CorrelationState> correlation_deletions_;
  std::map<std::string, uint64_t> correlation_dropped_;  // reported so far, by rule
  // Workflows: the running ones, their machines (per workflow name, of `program_`), work for
  // the next loop iteration, and indexes of what they wait for.
  std::map<int64_t, std::unique_ptr<WorkflowRun>> workflows_;
  std::map<std::string, std::unique_ptr<workflow::Machine>> machines_;
  std::vector<std::unique_ptr<Pending>> workflow_starts_;
  std::vector<StepEnding> step_endings_;
  bool check_definitions_ = false;       // a reload happened: FailChangedWorkflows is due
  std::vector<int64_t> orphaned_steps_;  // pending steps of workflows that could not resume
  std::map<std::string, std::set<int64_t>> waiting_on_;    // trigger -> workflows waiting for it
  std::set<std::pair<int64_t, int64_t>> workflow_timers_;  // (deadline, workflow)
  std::chrono::steady_clock::time_point last_poll_{};
  std::thread thread_;
  bool started_ = false;

  struct Metrics;
  std::unique_ptr<Metrics> metrics_;
};

}  // namespace squall::engine
