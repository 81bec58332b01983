// The workflow state machine at run time: executes a lowered workflow (ir::Workflow, ir.h)
// one instance at a time, as a pure function of its persisted state and what the driver
// reports. The driver is the execution engine (real runners, the durable store) or the rule
// simulator behind `squall test` (virtual time, scripted outcomes): it makes the calls the
// machine asks for and reports their outcomes, and owns the clock. Nothing here does I/O.
//
// An instance is a set of strands of control (the workflow body; one per `parallel` branch
// and running `for` iteration), each with its frame of variables (a JSON object), its state,
// its `try` handlers and, when suspended, what it waits for. The whole instance is one JSON
// document (Instance::ToJson) holding only the live variables of each suspended strand
// (ir::WorkflowState::live): the driver persists it after every Run/Resume/Deliver/Advance,
// and FromJson resumes it after a restart.
//
// Semantics (docs/language.md, "Workflows"):
//   - a call's value is {id, action, status, result, started_at, finished_at}; a failed or
//     timed-out call raises its error {message, action, status, result}, which unwinds the
//     strand's handlers (`catch err`), else fails the strand;
//   - a strand's writes reach its parent when it ends (branches and iterations see the frame
//     as it was when they started, plus what earlier-ended siblings wrote), so `for` without
//     `concurrency` is a plain sequential loop;
//   - a child strand that fails cancels its siblings and raises the error in the parent at the
//     join; `parallel first N` joins after N branches succeeded (canceling the rest) and fails
//     once N can no longer succeed; `break` in a `for` body starts no further iterations;
//   - `return` anywhere ends the instance `succeeded` (canceling every other strand); an error
//     raised in the root strand with no handler ends it `failed`.
//
// Thread safety: a Machine is used by one thread at a time (the interpreter is stateful).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "compiler/ir/ir.h"
#include "runtime/events/decoded_event.h"
#include "runtime/events/decoder.h"
#include "runtime/interp/interpreter.h"
#include "runtime/match/engine.h"

namespace squall::workflow {

enum class InstanceStatus : uint8_t { kRunning, kSucceeded, kFailed, kCanceled };
const char* InstanceStatusName(InstanceStatus status);

// What a suspended strand waits for.
enum class Suspension : uint8_t {
  kNone,   // runnable (only inside Run)
  kCall,   // the execution of a kCall state (Strand::execution once the driver bound it)
  kSleep,  // until Strand::until_ms
  kEvent,  // an event for a kWait state, or Strand::until_ms (timeout; 0: none)
  kAsk,    // an answer for a kAsk state, or Strand::until_ms
  kJoin,   // its children (kFork, kForEach)
};

struct Strand {
  int64_t id = 0;
  int64_t parent = 0;  // 0: the root strand
  uint32_t pc = 0;     // the state it is at (suspended: the suspending state)
  nlohmann::json frame = nlohmann::json::object();
  std::vector<std::string> dirty;  // frame keys written since it started (merged on end)
  std::vector<uint32_t> handlers;  // the kTry states of its open handlers, innermost last
  Suspension waiting = Suspension::kNone;
  int64_t until_ms = 0;
  int64_t execution = 0;  // kCall: the execution (or sub-workflow) the driver started
  std::string trigger;    // kEvent: the trigger waited for (for people reading the document)
  // kAsk: the rendered question, the answer's schema (AnswerSchema, answer.h) and when it
  // asked, so that `squall inquiries` needs no program and a stale response (recorded before
  // this ask) is told apart (inquiry.h).
  std::string prompt;
  nlohmann::json schema;
  int64_t asked_at = 0;
  // As a child: its branch or iteration index; its yields (a `for` iteration).
  int64_t index = 0;
  std::vector<nlohmann::json> yields;
  // As a parent at kFork/kForEach: the join's bookkeeping.
  struct Join {
    nlohmann::json items = nlohmann::json::array();  // kForEach: the elements
    int64_t started = 0;                             // children started so far
    int64_t running = 0;
    int64_t succeeded = 0;
    int64_t failed = 0;
    int64_t needed = 0;   // kFork: branches that must succeed; kForEach: every item
    int64_t limit = 1;    // kForEach: iterations at once
    bool broken = false;  // kForEach: an iteration did `break`
    std::map<int64_t, std::vector<nlohmann::json>> yields;  // by iteration index
    nlohmann::json error;                                   // the first failure (null: none)
  };
  // Held by pointer: only a strand at a join has one, and inline it made every strand of every
  // suspended workflow 136 bytes larger.
  std::unique_ptr<Join> join;
};

struct Instance {
  std::string workflow;
  // ir::WorkflowFingerprint of the definition it started with ("" in documents older than the
  // fingerprint: unknown).
  std::string definition;
  InstanceStatus status = InstanceStatus::kRunning;
  nlohmann::json result;  // kSucceeded: the returned value (null when none)
  nlohmann::json error;   // kFailed: {message, action, status, result[, details]}
  std::map<int64_t, Strand> strands;
  int64_t next_strand = 1;
  int64_t steps = 0;  // states executed (for metrics and loop guards)

  nlohmann::json ToJson() const;
  // nullopt (and `*error`) when `json` is not an instance document.
  static std::optional<Instance> FromJson(const nlohmann::json& json, std::string* error);
};

// What the driver is to do after a machine call.
struct Effect {
  enum class Kind : uint8_t {
    kCall,      // start calls[state.call] for `strand`, then BindExecution
    kCancel,    // the strand waiting on `execution` was canceled: cancel the execution
    kFinished,  // the instance ended (Instance::status, result, error)
  };
  Kind kind = Kind::kCall;
  int64_t strand = 0;
  uint32_t state = 0;
  int64_t execution = 0;  // kCancel
};

// The outcome of a call, as the driver reports it.
struct CallOutcome {
  bool succeeded = false;
  // Succeeded: the step value {id, action, status, result, started_at, finished_at}.
  // Otherwise: the error {message, action, status, result}.
  nlohmann::json value;
};

class Machine {
 public:
  // `program`, `interpreter` and `conditions` (both built from `program`) must outlive the
  // machine. The machine decides its conditions (branches, `wait ... where`) with
  // `conditions` — the native matchers run compiled code for them — and evaluates every other
  // expression, and conditions `conditions` has no code for, with `interpreter`.
  Machine(const ir::Program& program, const ir::Workflow& workflow,
          interp::Interpreter& interpreter, match::Engine& conditions);
  ~Machine();
  Machine(const Machine&) = delete;
  Machine& operator=(const Machine&) = delete;

  const ir::Workflow& workflow() const { return workflow_; }
  // ir::WorkflowFingerprint of workflow().
  const std::string& fingerprint() const { return fingerprint_; }
  // Whether `instance` was started from this definition (or does not say: older documents).
  bool Fits(const Instance& instance) const;

  // A new instance with `arguments` (by parameter name; defaults fill the rest), not yet run.
  Instance Start(const nlohmann::json& arguments) const;
  // Runs every runnable strand until each is suspended or the instance ends.
  void Run(Instance& instance, int64_t now_ms, std::vector<Effect>& effects);
  // Records the execution the driver started for a strand's kCall (persisted, for restarts).
  void BindExecution(Instance& instance, int64_t strand, int64_t execution);
  // A call ended: resumes its strand (value bound, or the error raised) and runs.
  void Resume(Instance& instance, int64_t strand, const CallOutcome& outcome, int64_t now_ms,
              std::vector<Effect>& effects);
  // An event of `trigger` (instance `parameters_json`, "" when none) arrived: every strand
  // waiting for it whose condition holds resumes with the payload. A wait on a trigger
  // instance (`wait webhook "x"`) sees only that instance's events; an event given without
  // parameters reaches every instance. Returns whether any strand resumed.
  bool Deliver(Instance& instance, const std::string& trigger, const std::string& parameters_json,
               const nlohmann::json& payload, int64_t now_ms, std::vector<Effect>& effects);
  // An answer to the `ask` of `strand` (inquiry `<execution>.<strand>`, inquiry.h): false when
  // the strand is not asking or the answer does not fit the declared type (CheckAnswer against
  // AnswerSchema of the state's type; `*error` says why). The strand then keeps waiting.
  bool Answer(Instance& instance, int64_t strand, const nlohmann::json& answer, int64_t now_ms,
              std::vector<Effect>& effects, std::string* error);
  // Time passed: sleeps that are over resume, waits and asks past their timeout fail.
  void Advance(Instance& instance, int64_t now_ms, std::vector<Effect>& effects);
  // When Advance next has something to do; nullopt when nothing is timed.
  static std::optional<int64_t> NextDeadline(const Instance& instance);
  // Ends the instance `canceled`, with a kCancel effect per strand waiting on a call.
  void Cancel(Instance& instance, std::vector<Effect>& effects);

  // The frame of `strand` decoded for the interpreter: the driver renders a kCall's arguments
  // and policies with it (matcher: workflow().matcher). Valid until the next machine call.
  const events::DecodedEvent& Frame(const Instance& instance, int64_t strand);

 private:
  struct Raise;
  void RunStrand(Instance& instance, Strand& strand, int64_t now_ms, std::vector<Effect>& effects);
  interp::Value Evaluate(const nlohmann::json& frame, ir::NodeRef node);
  // Whether condition `node` (of ir::ConditionNodes) holds for `frame`.
  bool Holds(const nlohmann::json& frame, ir::NodeRef node);
  nlohmann::json EvaluateJson(const nlohmann::json& frame, ir::NodeRef node);
  void Assign(Strand& strand, int32_t variable, nlohmann::json value);
  void Suspend(Strand& strand, Suspension what);
  void RaiseError(Instance& instance, Strand& strand, nlohmann::json error, int64_t now_ms,
                  std::vector<Effect>& effects);
  void EndChild(Instance& instance, Strand& child, bool is_break, int64_t now_ms,
                std::vector<Effect>& effects);
  void StartChildren(Instance& instance, Strand& parent, std::vector<Effect>& effects);
  void CancelStrand(Instance& instance, int64_t id, std::vector<Effect>& effects);
  void Finish(Instance& instance, InstanceStatus status, nlohmann::json result,
              nlohmann::json error, std::vector<Effect>& effects);
  void RunAll(Instance& instance, int64_t now_ms, std::vector<Effect>& effects);

  const ir::Program& program_;
  const ir::Workflow& workflow_;
  interp::Interpreter& interpreter_;
  match::Engine& conditions_;
  std::string fingerprint_;
  std::unique_ptr<events::Decoder> decoder_;
  events::DecodedEvent decoded_;
  std::string scratch_;
};

}  // namespace squall::workflow
