// The execution engine's workflows (engine.h): a workflow execution is a machine instance
// (runtime/workflow) the control thread drives. Its steps are executions like a rule's (their
// parent is the workflow's execution, their policy names the state), started in the same store
// batch as the instance document that waits for them; a step's ending and the workflow's next
// move are recorded together too. So after a crash the store holds a document and exactly the
// step executions it expects: steps recorded as finished are never run again, and a step that
// was running is treated as any running execution is (abandoned, or retried when its policy
// allows: at least once for the runner).
#include <spdlog/spdlog.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "runtime/engine/call.h"
#include "runtime/engine/engine.h"
#include "runtime/engine/engine_internal.h"
#include "runtime/interp/value.h"
#include "runtime/workflow/inquiry.h"

namespace squall::engine {
namespace {

// A running workflow keeps its execution's record for its ending (the update, and the
// `core.execution` event). Its policy is kept parsed (WorkflowRun::policy) and its secret
// parameters were unsealed into its frame when it started, so those two texts are dropped:
// a workflow suspended for days should not hold them (memory per suspended workflow).
void DropStartOnlyTexts(store::Execution& x) {
  std::string().swap(x.policy_json);
  std::string().swap(x.sealed_secrets);
}

using Json = nlohmann::json;
using store::Status;

constexpr size_t kAll = size_t{1} << 30;
constexpr const char* kWorkflowRunner = "workflow";

}  // namespace

workflow::Machine* ExecutionEngine::MachineFor(const std::string& name) {
  auto it = machines_.find(name);
  if (it != machines_.end()) return it->second.get();
  const ir::Workflow* definition = ir::FindWorkflow(program_->program(), name);
  if (definition == nullptr) return nullptr;
  auto machine = std::make_unique<workflow::Machine>(program_->program(), *definition,
                                                     program_->interpreter(), program_->matcher());
  return machines_.emplace(name, std::move(machine)).first->second.get();
}

Json ExecutionEngine::ParametersOf(const store::Execution& x, std::vector<std::string>* secrets) {
  Json params = ParseJsonOr(x.parameters_json, Json::object());
  if (x.sealed_secrets.empty() || !options_.unseal) return params;
  if (std::optional<std::string> plain = options_.unseal(x.sealed_secrets)) {
    Json sealed = ParseJsonOr(*plain, Json::object());
    if (sealed.contains("parameters")) params = sealed["parameters"];
    if (secrets != nullptr && sealed.contains("secrets") && sealed["secrets"].is_array()) {
      for (const Json& s : sealed["secrets"]) {
        if (s.is_string()) secrets->push_back(s.get<std::string>());
      }
    }
  } else {
    log_->error("execution {}: its secret parameters cannot be decrypted; using them masked", x.id);
  }
  return params;
}

ExecutionEngine::StepEnding ExecutionEngine::EndingOf(const store::Execution& x, Status status,
                                                      const std::string& result_json,
                                                      const std::string& error_json,
                                                      int64_t finished_at, bool value_used) {
  StepEnding ending{.workflow = x.parent_id, .execution = x.id};
  ending.outcome.succeeded = status == Status::kSucceeded;
  if (ending.outcome.succeeded && !value_used) return ending;
  if (ending.outcome.succeeded) {
    ending.outcome.value = Json{{"id", std::to_string(x.id)},
                                {"action", x.action},
                                {"status", store::StatusName(status)},
                                {"result", ParseJsonOr(result_json, nullptr)},
                                {"started_at", interp::FormatTime(x.started_at)},
                                {"finished_at", interp::FormatTime(finished_at)}};
  } else {
    ending.outcome.value = ParseJsonOr(
        error_json,
        ErrorDocument(store::StatusName(status), x.action, store::StatusName(status), nullptr));
  }
  return ending;
}

bool ExecutionEngine::StepValueUsed(const WorkflowRun& run, int step) {
  workflow::Machine* machine = MachineFor(run.instance.workflow);
  if (machine == nullptr || step < 0) return true;
  const std::vector<ir::WorkflowState>& states = machine->workflow().states;
  const auto at = static_cast<size_t>(step);
  return at >= states.size() || states[at].kind != ir::StateKind::kCall || states[at].target >= 0;
}

void ExecutionEngine::IndexWorkflow(WorkflowRun& run) {
  int64_t id = run.execution.id;
  for (const std::string& trigger : run.waits) {
    auto it = waiting_on_.find(trigger);
    if (it == waiting_on_.end()) continue;
    it->second.erase(id);
    if (it->second.empty()) waiting_on_.erase(it);
  }
  run.waits.clear();
  if (run.deadline) workflow_timers_.erase({*run.deadline, id});
  run.deadline.reset();
  if (run.instance.status != workflow::InstanceStatus::kRunning) return;
  workflow::Machine* machine = MachineFor(run.instance.workflow);
  if (machine == nullptr) return;
  for (const auto& [strand_id, strand] : run.instance.strands) {
    if (strand.waiting != workflow::Suspension::kEvent) continue;
    const std::string& trigger = machine->workflow().states[strand.pc].trigger;
    if (std::find(run.waits.begin(), run.waits.end(), trigger) == run.waits.end()) {
      run.waits.push_back(trigger);
      waiting_on_[trigger].insert(id);
    }
  }
  run.deadline = workflow::Machine::NextDeadline(run.instance);
  // A `timeout` on the workflow's call bounds the whole run.
  if (run.policy.timeout_ms > 0) {
    int64_t limit = run.execution.started_at + run.policy.timeout_ms;
    run.deadline = run.deadline ? std::min(*run.deadline, limit) : limit;
  }
  if (run.deadline) workflow_timers_.insert({*run.deadline, id});
}

std::optional<int64_t> ExecutionEngine::NextWorkflowDeadline() const {
  if (workflow_timers_.empty()) return std::nullopt;
  return workflow_timers_.begin()->first;
}

bool ExecutionEngine::RestoreWorkflows(std::string* error) {
  (void)error;
  workflows_.clear();
  machines_.clear();
  waiting_on_.clear();
  workflow_timers_.clear();
  step_endings_.clear();
  workflow_starts_.clear();
  orphaned_steps_.clear();
  store::Store& store = *options_.store;
  store::ExecutionFilter filter;
  filter.statuses = {Status::kRunning};
  filter.limit = kAll;
  std::vector<store::Execution> running = store.ListExecutions(filter);
  std::sort(running.begin(), running.end(),
            [](const store::Execution& a, const store::Execution& b) { return a.id < b.id; });
  size_t restored = 0;
  for (store::Execution& x : running) {
    if (x.runner != kWorkflowRunner) continue;
    auto run = std::make_unique<WorkflowRun>();
    std::string policy_error;
    run->policy = PolicyFromJson(x.policy_json, &policy_error).value_or(EvaluatedPolicy{});
    std::optional<store::WorkflowRecord> record = store.GetWorkflow(x.id);
    workflow::Machine* machine = MachineFor(x.action);
    if (record) {
      std::string message;
      std::optional<workflow::Instance> instance =
          workflow::Instance::FromJson(ParseJsonOr(record->state_json, Json()), &message);
      bool fits = instance.has_value() && machine != nullptr && machine->Fits(*instance);
      if (!fits) {
        // Recorded by a program whose workflow is gone or changed shape: its recorded states
        // would mean other steps now, so it cannot go on.
        log_->error("workflow execution {} ({}) cannot be resumed: {}", x.id, x.action,
                    machine == nullptr ? "the workflow is no longer in the rules"
                    : !instance        ? message
                                       : "its definition changed since it started");
        run->instance.workflow = x.action;
        run->instance.status = workflow::InstanceStatus::kFailed;
        run->instance.error =
            ErrorDocument("the workflow changed while it ran", x.action, "failed", Json());
        run->dirty = true;  // its ending is recorded by the next AdvanceWorkflows
        // Its steps that have not started would run for nobody: canceled with its ending.
        for (const auto& [id, pending] : pending_) {
          if (pending->execution.parent_id == x.id) orphaned_steps_.push_back(id);
        }
      } else {
        run->instance = std::move(*instance);
      }
      run->paused = record->paused;
    } else if (machine != nullptr) {
      // Started (recorded `running`) but its first move never committed: start it again; no
      // step of it was recorded.
      run->instance = machine->Start(ParametersOf(x, nullptr));
      machine->Run(run->instance, Now(), run->effects);  // done by the next AdvanceWorkflows
      run->dirty = true;
    } else {
      run->instance.workflow = x.action;
      run->instance.status = workflow::InstanceStatus::kFailed;
      run->instance.error =
          ErrorDocument("the workflow is no longer in the rules", x.action, "failed", Json());
    }
    if (run->policy.concurrency > 0) slots_[{x.rule, x.concurrency_key}]++;
    // A step whose ending was recorded without the workflow's next move (the runtime stopped
    // in between): the workflow moves on now from the recorded ending.
    for (const auto& [strand_id, strand] : run->instance.strands) {
      if (strand.waiting != workflow::Suspension::kCall || strand.execution == 0) continue;
      std::optional<store::Execution> step = store.GetExecution(strand.execution);
      if (step && store::IsTerminal(step->status)) {
        step_endings_.push_back(
            EndingOf(*step, step->status, step->result_json, step->error_json, step->finished_at));
      }
    }
    // Asks in a committed document were announced with it.
    for (const auto& [strand_id, strand] : run->instance.strands) {
      if (strand.waiting == workflow::Suspension::kAsk) {
        run->announced.insert({strand_id, strand.asked_at});
      }
    }
    run->execution = std::move(x);
    DropStartOnlyTexts(run->execution);
    int64_t id = run->execution.id;
    WorkflowRun& ref = *run;
    workflows_.emplace(id, std::move(run));
    IndexWorkflow(ref);
    ++restored;
  }
  if (restored > 0) log_->info("resumed {} running workflows", restored);
  return true;
}

void ExecutionEngine::StartStep(WorkflowRun& run, int64_t strand, uint32_t state,
                                store::WriteBatch& batch,
                                std::vector<std::function<void()>>& on_commit) {
  workflow::Machine* machine = MachineFor(run.instance.workflow);
  const ir::Workflow& definition = machine->workflow();
  const ir::StepCall& call = definition.calls[definition.states[state].call];
  const events::DecodedEvent& frame = machine->Frame(run.instance, strand);
  interp::Interpreter& in = program_->interpreter();
  EvaluatedPolicy policy = EvaluatePolicies(in, definition.matcher, call.policies, frame);
  policy.step = static_cast<int>(state);
  const ir::ActionSpec* spec =
      call.is_workflow ? nullptr : ir::FindAction(program_->program(), call.callee);
  RenderedParameters rendered =
      RenderParameters(in, definition.matcher, call.arguments, spec, frame);
  store::Execution x;
  x.id = options_.store->NextExecutionId();
  if (x.id <= 0) {
    // Left waiting with no execution: started again after the next restore.
    log_->error("workflow {}: cannot reserve an execution id for a step", run.execution.id);
    return;
  }
  x.action = call.callee;
  x.runner = call.is_workflow ? kWorkflowRunner : (spec != nullptr ? spec->runner : "");
  x.rule = run.execution.rule;
  x.event_id = run.execution.event_id;
  x.parent_id = run.execution.id;
  x.parameters_json = DumpJson(MaskParameters(rendered.values, spec, rendered.secrets));
  if (!rendered.secrets.empty() && options_.seal) {
    x.sealed_secrets = options_.seal(
        DumpJson(Json{{"parameters", rendered.values}, {"secrets", rendered.secrets}}));
  }
  x.policy_json = PolicyToJson(policy);
  x.concurrency_key = policy.concurrency > 0 ? policy.concurrency_key : "";
  x.status = Status::kRequested;
  x.created_at = Now();
  x.run_at = x.created_at;
  machine->BindExecution(run.instance, strand, x.id);
  run.dirty = true;
  Enqueue(std::move(x), policy, batch, on_commit);
}

void ExecutionEngine::HandleWorkflowEffects(WorkflowRun& run,
                                            std::vector<workflow::Effect>& effects,
                                            store::WriteBatch& batch,
                                            std::vector<std::function<void()>>& on_commit) {
  for (size_t i = 0; i < effects.size(); ++i) {
    const workflow::Effect effect = effects[i];
    run.dirty = true;
    switch (effect.kind) {
      case workflow::Effect::Kind::kCall:
        // Paused: the step waits (execution 0) until the workflow is resumed.
        if (!run.paused) StartStep(run, effect.strand, effect.state, batch, on_commit);
        break;
      case workflow::Effect::Kind::kCancel:
        CancelWorkflowExecution(effect.execution, batch, on_commit);
        break;
      case workflow::Effect::Kind::kFinished:
        break;  // recorded by AdvanceWorkflows once every effect is done
    }
  }
  effects.clear();
}

void ExecutionEngine::CancelWorkflowExecution(int64_t id, store::WriteBatch& batch,
                                              std::vector<std::function<void()>>& on_commit) {
  // The store says `canceled`; a pending step is then dropped and a running one's runner
  // canceled by PollExternal, as for `squall executions cancel`. A sub-workflow ends here.
  store::ExecutionUpdate update;
  update.id = id;
  update.status = Status::kCanceled;
  update.finished_at = Now();
  update.only_from = {Status::kRequested, Status::kScheduled, Status::kRunning};
  batch.execution_updates.push_back(update);
  if (pending_.erase(id) != 0) return;
  if (auto running = running_.find(id); running != running_.end()) {
    running->second->cancel_requested = true;
    if (running->second->cancel) running->second->cancel->Cancel();
    return;
  }
  auto child = workflows_.find(id);
  if (child == workflows_.end()) return;
  workflow::Machine* machine = MachineFor(child->second->instance.workflow);
  std::vector<workflow::Effect> effects;
  if (machine != nullptr) machine->Cancel(child->second->instance, effects);
  HandleWorkflowEffects(*child->second, effects, batch, on_commit);
}

void ExecutionEngine::DeliverToWorkflows(const std::string& trigger,
                                         const std::string& parameters_json,
                                         const std::string& payload_json, store::WriteBatch& batch,
                                         std::vector<std::function<void()>>& on_commit) {
  (void)batch;
  (void)on_commit;
  auto it = waiting_on_.find(trigger);
  if (it == waiting_on_.end()) return;
  Json payload = ParseJsonOr(payload_json, Json::object());
  std::vector<int64_t> ids(it->second.begin(), it->second.end());
  for (int64_t id : ids) {
    auto run = workflows_.find(id);
    if (run == workflows_.end()) continue;
    workflow::Machine* machine = MachineFor(run->second->instance.workflow);
    if (machine == nullptr) continue;
    if (machine->Deliver(run->second->instance, trigger, parameters_json, payload, Now(),
                         run->second->effects)) {
      run->second->dirty = true;
      IndexWorkflow(*run->second);
    }
  }
}

void ExecutionEngine::AnswerInquiry(const store::Event& stored) {
  if (stored.trigger != workflow::kInquiryResponseTrigger) return;
  std::optional<workflow::InquiryResponse> response =
      workflow::ParseInquiryResponse(stored.payload_json);
  if (!response) {
    log_->warn("event {}: a {} without a valid `inquiry` id and `response`; ignored", stored.id,
               stored.trigger);
    return;
  }
  std::string inquiry = workflow::FormatInquiryId(response->id.execution_id, response->id.strand);
  auto ignored = [&](const std::string& why) {
    log_->warn("event {}: the response to inquiry {} is ignored: {}", stored.id, inquiry, why);
  };
  auto it = workflows_.find(response->id.execution_id);
  if (it == workflows_.end()) return ignored("no running workflow has that id");
  WorkflowRun& run = *it->second;
  auto strand = run.instance.strands.find(response->id.strand);
  if (strand == run.instance.strands.end() ||
      strand->second.waiting != workflow::Suspension::kAsk) {
    return ignored("the strand is not asking (answered already, or timed out)");
  }
  // Recorded before this ask: it answered an earlier question of the same strand.
  if (stored.received_at < strand->second.asked_at) return ignored("it answers an earlier ask");
  workflow::Machine* machine = MachineFor(run.instance.workflow);
  if (machine == nullptr) return ignored("the workflow is no longer in the rules");
  std::string error;
  if (!machine->Answer(run.instance, response->id.strand, response->response, Now(), run.effects,
                       &error)) {
    return ignored(error);
  }
  log_->info("workflow execution {}: inquiry {} answered{}", run.execution.id, inquiry,
             response->responder.empty() ? "" : " by " + response->responder);
  run.dirty = true;
  IndexWorkflow(run);
}

void ExecutionEngine::AnnounceInquiries(WorkflowRun& run, int64_t now, store::WriteBatch& batch) {
  std::set<std::pair<int64_t, int64_t>> asking;
  for (const auto& [strand_id, strand] : run.instance.strands) {
    if (strand.waiting != workflow::Suspension::kAsk) continue;
    asking.insert({strand_id, strand.asked_at});
    if (run.announced.count({strand_id, strand.asked_at}) != 0) continue;
    Json payload = {{"id", workflow::FormatInquiryId(run.execution.id, strand_id)},
                    {"execution_id", run.execution.id},
                    {"strand", strand_id},
                    {"workflow", run.instance.workflow},
                    {"prompt", strand.prompt},
                    {"schema", strand.schema}};
    if (strand.until_ms != 0) payload["timeout_at"] = interp::FormatTime(strand.until_ms);
    store::NewEvent event;
    event.trigger = workflow::kInquiryTrigger;
    event.payload_json = DumpJson(payload);
    event.source = "execution:" + std::to_string(run.execution.id);
    event.received_at = now;
    batch.events.push_back(std::move(event));
  }
  run.announced = std::move(asking);
}

void ExecutionEngine::PollWorkflows(store::WriteBatch& batch,
                                    std::vector<std::function<void()>>& on_commit) {
  if (workflows_.empty()) return;
  store::Store& store = *options_.store;
  // Pauses and resumes (`squall workflows pause|resume`): the store lists the paused ones
  // (an index of those alone), so a poll does not read every suspended workflow's document.
  const std::vector<int64_t> paused = store.ListPausedWorkflows(workflows_.begin()->first - 1);
  for (int64_t id : paused) {
    auto it = workflows_.find(id);
    if (it == workflows_.end() || it->second->paused) continue;
    it->second->paused = true;
    log_->info("workflow execution {} paused", id);
  }
  for (auto& [id, run] : workflows_) {
    if (!run->paused || std::binary_search(paused.begin(), paused.end(), id)) continue;
    run->paused = false;
    log_->info("workflow execution {} resumed", id);
    // The steps it reached while paused start now.
    for (const auto& [strand_id, strand] : run->instance.strands) {
      if (strand.waiting == workflow::Suspension::kCall && strand.execution == 0) {
        StartStep(*run, strand_id, strand.pc, batch, on_commit);
      }
    }
  }
  // Cancellations (`squall executions cancel`, `squall workflows cancel`).
  store::ExecutionFilter filter;
  filter.statuses = {Status::kCanceled};
  filter.after_id = workflows_.begin()->first - 1;
  filter.limit = kAll;
  for (const store::Execution& x : store.ListExecutions(filter)) {
    auto it = workflows_.find(x.id);
    if (it == workflows_.end()) continue;
    workflow::Machine* machine = MachineFor(it->second->instance.workflow);
    std::vector<workflow::Effect> effects;
    if (machine != nullptr) machine->Cancel(it->second->instance, effects);
    log_->info("workflow execution {} canceled", x.id);
    HandleWorkflowEffects(*it->second, effects, batch, on_commit);
  }
}

void ExecutionEngine::FailChangedWorkflows(store::WriteBatch& batch,
                                           std::vector<std::function<void()>>& on_commit) {
  for (auto& [id, run] : workflows_) {
    if (run->instance.status != workflow::InstanceStatus::kRunning) continue;
    workflow::Machine* machine = MachineFor(run->instance.workflow);
    if (machine != nullptr && machine->Fits(run->instance)) continue;
    log_->error("workflow execution {} ({}) fails: the reloaded rules {} it", id,
                run->instance.workflow, machine == nullptr ? "no longer have" : "changed");
    // Its running steps are canceled, as when the workflow is canceled.
    for (const auto& [strand_id, strand] : run->instance.strands) {
      if (strand.waiting == workflow::Suspension::kCall && strand.execution != 0) {
        CancelWorkflowExecution(strand.execution, batch, on_commit);
      }
    }
    run->instance.status = workflow::InstanceStatus::kFailed;
    run->instance.error = ErrorDocument("the workflow changed while it ran", run->instance.workflow,
                                        "failed", Json());
    run->dirty = true;
  }
}

void ExecutionEngine::AdvanceWorkflows(store::WriteBatch& batch,
                                       std::vector<std::function<void()>>& on_commit) {
  int64_t now = Now();
  if (check_definitions_) {
    check_definitions_ = false;
    FailChangedWorkflows(batch, on_commit);
  }
  for (int64_t id : orphaned_steps_) CancelWorkflowExecution(id, batch, on_commit);
  orphaned_steps_.clear();
  // Started by Dispatch (recorded `running`): a fresh instance each.
  for (std::unique_ptr<Pending>& start : workflow_starts_) {
    auto run = std::make_unique<WorkflowRun>();
    run->execution = std::move(start->execution);
    run->policy = start->policy;
    workflow::Machine* machine = MachineFor(run->execution.action);
    if (machine == nullptr) {
      run->instance.workflow = run->execution.action;
      run->instance.status = workflow::InstanceStatus::kFailed;
      run->instance.error = ErrorDocument("the workflow is not in the loaded rules",
                                          run->execution.action, "failed", Json());
    } else {
      run->instance = machine->Start(ParametersOf(run->execution, nullptr));
      machine->Run(run->instance, now, run->effects);
    }
    DropStartOnlyTexts(run->execution);
    run->dirty = true;
    int64_t id = run->execution.id;
    workflows_.emplace(id, std::move(run));
  }
  workflow_starts_.clear();
  // Steps that ended: their workflows move on.
  for (StepEnding& ending : step_endings_) {
    auto it = workflows_.find(ending.workflow);
    if (it == workflows_.end()) continue;
    WorkflowRun& run = *it->second;
    workflow::Machine* machine = MachineFor(run.instance.workflow);
    if (machine == nullptr) continue;
    for (const auto& [strand_id, strand] : run.instance.strands) {
      if (strand.waiting == workflow::Suspension::kCall && strand.execution == ending.execution) {
        machine->Resume(run.instance, strand_id, ending.outcome, now, run.effects);
        run.dirty = true;
        break;
      }
    }
  }
  step_endings_.clear();
  // Sleeps that are over, waits and asks past their timeout.
  while (!workflow_timers_.empty() && workflow_timers_.begin()->first <= now) {
    int64_t id = workflow_timers_.begin()->second;
    workflow_timers_.erase(workflow_timers_.begin());
    auto it = workflows_.find(id);
    if (it == workflows_.end()) continue;
    it->second->deadline.reset();
    WorkflowRun& run = *it->second;
    workflow::Machine* machine = MachineFor(run.instance.workflow);
    if (machine != nullptr) machine->Advance(run.instance, now, run.effects);
    if (machine != nullptr && run.policy.timeout_ms > 0 &&
        now >= run.execution.started_at + run.policy.timeout_ms &&
        run.instance.status == workflow::InstanceStatus::kRunning) {
      machine->Cancel(run.instance, run.effects);
      run.timed_out = true;
      run.instance.error =
          ErrorDocument("timed out after " + std::to_string(run.policy.timeout_ms / 1000) + "s",
                        run.execution.action, "timed_out", Json());
    }
    run.dirty = true;
    IndexWorkflow(run);
  }
  // Effects (which may cancel other workflows), then the documents and the endings.
  for (auto& [id, run] : workflows_) {
    if (!run->effects.empty()) HandleWorkflowEffects(*run, run->effects, batch, on_commit);
  }
  std::vector<int64_t> finished;
  for (auto& [id, run] : workflows_) {
    if (!run->dirty) continue;
    run->dirty = false;
    IndexWorkflow(*run);
    AnnounceInquiries(*run, now, batch);
    batch.workflows.push_back(store::WorkflowRecord{.execution_id = id,
                                                    .workflow = run->instance.workflow,
                                                    .state_json = DumpJson(run->instance.ToJson()),
                                                    .updated_at = now});
    if (run->instance.status != workflow::InstanceStatus::kRunning) finished.push_back(id);
  }
  for (int64_t id : finished) {
    WorkflowRun& run = *workflows_.at(id);
    Status status = run.timed_out ? Status::kTimedOut
                    : run.instance.status == workflow::InstanceStatus::kSucceeded
                        ? Status::kSucceeded
                    : run.instance.status == workflow::InstanceStatus::kCanceled ? Status::kCanceled
                                                                                 : Status::kFailed;
    std::string result_json = run.instance.result.is_null() ? "" : DumpJson(run.instance.result);
    std::string error_json = status == Status::kSucceeded ? "" : DumpJson(run.instance.error);
    RecordEnding(run.execution, run.policy, status, result_json, error_json, batch, on_commit);
    on_commit.push_back(
        [this, id, slot_key = std::make_pair(run.execution.rule, run.execution.concurrency_key),
         limited = run.policy.concurrency > 0] {
          if (limited) {
            auto slot = slots_.find(slot_key);
            if (slot != slots_.end() && --slot->second <= 0) slots_.erase(slot);
          }
          auto it = workflows_.find(id);
          if (it == workflows_.end()) return;
          it->second->instance.strands.clear();
          IndexWorkflow(*it->second);
          workflows_.erase(it);
        });
  }
}

}  // namespace squall::engine
