// The execution engine's internal records, shared by its translation units (engine.cpp,
// engine_workflows.cpp). Not part of the engine's interface.
#pragma once

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "runtime/engine/engine.h"

namespace squall::engine {

struct ExecutionEngine::Pending {
  store::Execution execution;
  EvaluatedPolicy policy;
};

struct ExecutionEngine::Running {
  store::Execution execution;
  EvaluatedPolicy policy;
  std::shared_ptr<runners::CancelToken> cancel;
  std::thread thread;
  bool cancel_requested = false;  // the store says `canceled`
  std::vector<std::string> secrets;
};

struct ExecutionEngine::Completion {
  int64_t id = 0;
  runners::RunResult result;
  int64_t started_at = 0;
  int64_t finished_at = 0;
  bool abandoned = false;                  // found `running` at start: the runtime had stopped
  std::optional<store::NewEvent> emitted;  // inject-trigger's event
};

// A running workflow execution and its machine instance (engine_workflows.cpp).
struct ExecutionEngine::WorkflowRun {
  store::Execution execution;
  EvaluatedPolicy policy;
  workflow::Instance instance;
  bool paused = false;
  bool dirty = false;                     // the document changed since it was last written
  bool timed_out = false;                 // its `timeout` policy ended it
  std::vector<workflow::Effect> effects;  // what a delivery asked for, done by AdvanceWorkflows
  std::vector<std::string> waits;         // the triggers it is indexed under (waiting_on_)
  std::optional<int64_t> deadline;        // its entry in workflow_timers_
  // The asks whose `core.inquiry` event is committed (or was, before a restart): (strand,
  // asked_at).
  std::set<std::pair<int64_t, int64_t>> announced;
};

}  // namespace squall::engine
