// The rule simulator; see simulator.h.
#include "runtime/simulate/simulator.h"

#include <utility>

#include "compiler/check/constant.h"
#include "compiler/source/check.h"
#include "runtime/engine/call.h"
#include "runtime/interp/value.h"
#include "runtime/match/engine.h"

namespace squall::simulate {
namespace {

using Json = nlohmann::json;

// Events and attempts at one virtual instant before the rules are taken to loop (a rule on
// `core.execution` that calls an action, forever).
constexpr int kMaxWorkPerInstant = 10000;
constexpr int64_t kDrainHorizonMs = 366LL * 24 * 3600 * 1000;
// Events and attempts in one simulation: rules that loop across time (a failure that starts
// another retried call ...) are stopped here rather than running for ever.
constexpr uint64_t kMaxWork = 200000;

}  // namespace

struct Simulator::Execution {
  int64_t id = 0;
  match::RuleRef rule;
  int call = -1;  // -1: the rule's action; i: its follow-up i
  std::string action;
  std::string runner;  // empty for a workflow
  Json parameters;     // unmasked: inject_trigger's payload needs its values
  Json shown;          // masked, as recorded
  engine::EvaluatedPolicy policy;
  int64_t event_key = 0;
  int64_t parent_id = 0;
  int attempts = 0;
  int64_t started_at = 0;
  // The attempt under way: its outcome, and where its call is in calls_.
  Outcome outcome;
  bool timed_out = false;
  size_t call_index = 0;
  std::pair<std::string, std::string> slot;  // (rule, concurrency key) when limited
  // What the call's expressions are evaluated in: the rule's matcher and the event, or the
  // workflow's matcher and the step's frame; its policies (for `retry ... when`).
  uint32_t matcher = 0;
  const ir::Policies* policies = nullptr;
  StepOf step;                                   // a workflow step: where it belongs
  std::unique_ptr<workflow::Instance> instance;  // a workflow: its running instance
  bool canceled = false;
};

Simulator::Simulator(std::shared_ptr<engine::LoadedProgram> program)
    : program_(std::move(program)) {
  std::string error;
  correlations_ = engine::Correlations::Create(*program_, correlate::kDefaultMaxInstances, &error);
  if (!correlations_) notes_.push_back(Note{0, "", "correlation rules not simulated: " + error});
}

Simulator::~Simulator() = default;

void Simulator::Script(const std::string& action, Outcome outcome) {
  script_[action] = std::move(outcome);
}

Outcome Simulator::NextOutcome(const std::string& action) {
  auto it = script_.find(action);
  return it != script_.end() ? it->second : Outcome{};
}

std::optional<int64_t> Simulator::NextDue(const std::string& action) const {
  for (const auto& [when, work] : agenda_) {
    if (work.kind != Work::Kind::kAttempt) continue;
    auto x = executions_.find(work.execution_id);
    if (x != executions_.end() && x->second->action == action) return when.first;
  }
  return std::nullopt;
}

void Simulator::Schedule(int64_t at, Work work) {
  agenda_.emplace(std::make_pair(at, sequence_++), std::move(work));
}

bool Simulator::Send(const std::string& trigger, const std::string& parameters_json,
                     const std::string& payload_json, std::string* error) {
  Json payload = Json::parse(payload_json, nullptr, /*allow_exceptions=*/false);
  if (payload.is_discarded() || !payload.is_object()) {
    *error = "the payload of a `" + trigger + "` event must be a JSON object";
    return false;
  }
  int64_t key = next_event_key_++;
  events_[key] = {trigger, engine::DumpJson(payload)};
  Schedule(now_,
           Work{.kind = Work::Kind::kEvent, .event_key = key, .parameters_json = parameters_json});
  return RunUntil(now_, error);
}

bool Simulator::Advance(int64_t ms, std::string* error) { return RunUntil(now_ + ms, error); }

bool Simulator::Drain(std::string* error) {
  // Rules can keep work going forever across time (a failure that starts another retried
  // call ...): give up after a year of virtual time.
  const int64_t horizon = now_ + kDrainHorizonMs;
  while (true) {
    std::optional<int64_t> due = correlations_ ? correlations_->NextDeadline() : std::nullopt;
    if (agenda_.empty() && !due) break;
    int64_t next = agenda_.empty() ? *due : agenda_.begin()->first.first;
    if (due) next = std::min(next, std::max(*due, now_));
    if (next > horizon) {
      *error = "the rules keep scheduling actions for more than a year of virtual time";
      agenda_.clear();
      return false;
    }
    if (!RunUntil(next, error)) return false;
  }
  return true;
}

void Simulator::EmitCorrelations() {
  for (engine::CorrelationFiring& f : correlation_firings_) {
    int64_t key = next_event_key_++;
    events_[key] = {f.trigger, std::move(f.payload_json)};
    Schedule(now_, Work{.kind = Work::Kind::kEvent, .event_key = key});
  }
  correlation_firings_.clear();
}

bool Simulator::RunUntil(int64_t until, std::string* error) {
  int at_this_instant = 0;
  while (true) {
    // Absences due before the next work (or at its time: due absences come first) fire.
    std::optional<int64_t> due = correlations_ ? correlations_->NextDeadline() : std::nullopt;
    if (due && *due <= until && (agenda_.empty() || *due <= agenda_.begin()->first.first)) {
      now_ = std::max(now_, *due);
      correlations_->Advance(now_, correlation_firings_);
      EmitCorrelations();
      if (correlations_->NextDeadline() == due) break;  // nothing moved: never spin
      continue;
    }
    if (agenda_.empty() || agenda_.begin()->first.first > until) break;
    auto first = agenda_.begin();
    if (first->first.first != now_) at_this_instant = 0;
    now_ = first->first.first;
    Work work = std::move(first->second);
    agenda_.erase(first);
    if (++at_this_instant > kMaxWorkPerInstant) {
      *error = "the rules loop: more than " + std::to_string(kMaxWorkPerInstant) +
               " events and action attempts at one instant";
      agenda_.clear();
      return false;
    }
    if (++work_done_ > kMaxWork) {
      *error = "the rules loop: more than " + std::to_string(kMaxWork) +
               " events and action attempts in one test";
      agenda_.clear();
      return false;
    }
    switch (work.kind) {
      case Work::Kind::kEvent:
        MatchEvent(work);
        break;
      case Work::Kind::kAttempt:
        Attempt(work.execution_id);
        break;
      case Work::Kind::kFinish:
        Finish(work.execution_id);
        break;
      case Work::Kind::kWorkflowTimer: {
        Execution& x = *executions_.at(work.execution_id);
        if (x.instance == nullptr || x.canceled ||
            x.instance->status != workflow::InstanceStatus::kRunning) {
          break;
        }
        std::vector<workflow::Effect> effects;
        if (x.policy.timeout_ms > 0 && now_ >= x.started_at + x.policy.timeout_ms) {
          // A `timeout` on the workflow's call bounds the whole run.
          x.timed_out = true;
          MachineFor(x.action).Cancel(*x.instance, effects);
          x.instance->error = engine::ErrorDocument(
              "timed out after " + check::DurationSpelling(x.policy.timeout_ms), x.action,
              "timed_out", nullptr);
          HandleEffects(work.execution_id, effects);
          break;
        }
        std::optional<int64_t> deadline = workflow::Machine::NextDeadline(*x.instance);
        if (!deadline || *deadline > now_) break;  // an earlier timer's; a later one is due
        MachineFor(x.action).Advance(*x.instance, now_, effects);
        HandleEffects(work.execution_id, effects);
        break;
      }
    }
  }
  now_ = std::max(now_, until);
  return true;
}

void Simulator::MatchEvent(const Work& work) {
  const auto& [trigger, payload] = events_.at(work.event_key);
  events::DecodedEvent decoded;
  std::string message;
  if (!program_->Decode(trigger, payload, work.event_key, decoded, &message)) {
    notes_.push_back(Note{now_, "", "event `" + trigger + "` not decoded: " + message});
    return;
  }
  std::vector<match::RuleRef> firings;
  program_->matcher().Match(decoded, firings);
  match::SortFirings(firings);
  const ir::Program& program = program_->program();
  std::vector<match::RuleRef> feeders;
  for (match::RuleRef ref : firings) {
    const ir::Matcher& matcher = program.matchers[ref.matcher];
    if (!work.parameters_json.empty() && !matcher.parameters_json.empty() &&
        work.parameters_json != matcher.parameters_json) {
      continue;
    }
    const ir::RuleMatch& rule = matcher.rules[ref.rule];
    if (rule.feeds >= 0) {
      feeders.push_back(ref);
      continue;
    }
    engine::EvaluatedPolicy policy =
        engine::EvaluatePolicies(program_->interpreter(), ref.matcher, rule.policies, decoded);
    if (policy.throttle > 0 && !throttles_.Admit(rule.name, policy.throttle_key, now_,
                                                 policy.throttle, policy.throttle_period_ms)) {
      notes_.push_back(
          Note{now_, rule.name,
               "throttled: it already ran " + std::to_string(policy.throttle) + " time(s) within " +
                   check::DurationSpelling(policy.throttle_period_ms) +
                   (policy.throttle_key.empty() ? std::string()
                                                : " for `" + policy.throttle_key + "`")});
      continue;
    }
    StartExecution(ref, -1, rule.action, rule.action_is_workflow, rule.arguments, rule.policies,
                   decoded, work.event_key, 0, ref.matcher, StepOf{});
  }
  if (!feeders.empty() && correlations_) {
    // Event keys increase in the order events are matched: they are the correlators' ids.
    correlations_->OnEvent(work.event_key, now_, payload, decoded, feeders, correlation_firings_);
    EmitCorrelations();
  }
  // Workflows waiting for this trigger see the event too.
  Json payload_json = Json::parse(payload, nullptr, /*allow_exceptions=*/false);
  std::vector<int64_t> waiting(live_workflows_.begin(), live_workflows_.end());
  for (int64_t id : waiting) {
    Execution& x = *executions_.at(id);
    if (x.instance == nullptr) continue;
    std::vector<workflow::Effect> effects;
    if (MachineFor(x.action).Deliver(*x.instance, trigger, work.parameters_json, payload_json, now_,
                                     effects)) {
      HandleEffects(id, effects);
    }
  }
}

workflow::Machine& Simulator::MachineFor(const std::string& name) {
  auto it = machines_.find(name);
  if (it == machines_.end()) {
    const ir::Workflow* definition = ir::FindWorkflow(program_->program(), name);
    SQUALL_CHECK(definition != nullptr, "a workflow call to a workflow not in the program");
    it = machines_
             .emplace(name, std::make_unique<workflow::Machine>(program_->program(), *definition,
                                                                program_->interpreter(),
                                                                program_->matcher()))
             .first;
  }
  return *it->second;
}

void Simulator::HandleEffects(int64_t workflow_id, std::vector<workflow::Effect>& effects) {
  Execution& wf = *executions_.at(workflow_id);
  workflow::Machine& machine = MachineFor(wf.action);
  const ir::Workflow& definition = machine.workflow();
  for (size_t i = 0; i < effects.size(); ++i) {
    const workflow::Effect effect = effects[i];
    switch (effect.kind) {
      case workflow::Effect::Kind::kCall: {
        const ir::StepCall& call = definition.calls[definition.states[effect.state].call];
        int64_t id = next_execution_id_;
        StartExecution(
            wf.rule, wf.call, call.callee, call.is_workflow, call.arguments, call.policies,
            machine.Frame(*wf.instance, effect.strand), wf.event_key, 0, definition.matcher,
            StepOf{.workflow = workflow_id, .strand = effect.strand, .state = effect.state});
        machine.BindExecution(*wf.instance, effect.strand, id);
        break;
      }
      case workflow::Effect::Kind::kCancel:
        CancelExecution(effect.execution);
        break;
      case workflow::Effect::Kind::kFinished: {
        const workflow::Instance& instance = *wf.instance;
        const char* status =
            wf.timed_out ? "timed_out" : workflow::InstanceStatusName(instance.status);
        Call& call = calls_[wf.call_index];
        call.status = status;
        call.ended_ms = now_;
        ReleaseSlot(wf);
        live_workflows_.erase(workflow_id);
        Complete(wf, status, instance.result, instance.error);
        return;
      }
    }
  }
  if (std::optional<int64_t> due = workflow::Machine::NextDeadline(*wf.instance)) {
    Schedule(std::max(*due, now_),
             Work{.kind = Work::Kind::kWorkflowTimer, .execution_id = workflow_id});
  }
}

std::vector<std::string> Simulator::SuspendedWorkflows() const {
  std::vector<std::string> out;
  for (int64_t id : live_workflows_) {
    const Execution* x = executions_.at(id).get();
    if (x->instance == nullptr || x->canceled ||
        x->instance->status != workflow::InstanceStatus::kRunning) {
      continue;
    }
    const ir::Workflow* definition = ir::FindWorkflow(program_->program(), x->action);
    std::string what;
    for (const auto& [strand_id, strand] : x->instance->strands) {
      const ir::WorkflowState& state = definition->states[strand.pc];
      std::string item;
      switch (strand.waiting) {
        case workflow::Suspension::kCall:
          item = "a call of " + definition->calls[state.call].callee;
          break;
        case workflow::Suspension::kSleep:
          item = "sleep until " + check::DurationSpelling(strand.until_ms);
          break;
        case workflow::Suspension::kEvent:
          item = "a " + state.trigger + " event";
          break;
        case workflow::Suspension::kAsk:
          item = "an answer (`ask`: tests do not answer)";
          break;
        case workflow::Suspension::kJoin:
        case workflow::Suspension::kNone:
          continue;
      }
      what += (what.empty() ? "" : "; ") + item;
    }
    out.push_back("workflow " + x->action + " (execution " + std::to_string(id) +
                  ") waits for: " + what);
  }
  return out;
}

void Simulator::ReleaseSlot(Execution& x) {
  if (x.policy.concurrency <= 0) return;
  // The slot goes to the next waiting attempt.
  --running_[x.slot];
  auto waiting = waiting_.find(x.slot);
  if (waiting != waiting_.end() && !waiting->second.empty()) {
    int64_t next = waiting->second.front();
    waiting->second.pop_front();
    Schedule(now_, Work{.kind = Work::Kind::kAttempt, .execution_id = next});
  }
}

void Simulator::CancelExecution(int64_t execution_id) {
  auto it = executions_.find(execution_id);
  if (it == executions_.end() || it->second->canceled) return;
  Execution& x = *it->second;
  x.canceled = true;
  if (x.attempts > 0) ReleaseSlot(x);
  if (x.call_index < calls_.size() && calls_[x.call_index].execution_id == x.id) {
    calls_[x.call_index].status = "canceled";
    calls_[x.call_index].ended_ms = now_;
  }
  if (x.instance != nullptr) {
    live_workflows_.erase(x.id);
    std::vector<workflow::Effect> effects;
    MachineFor(x.action).Cancel(*x.instance, effects);
    for (const workflow::Effect& effect : effects) {
      if (effect.kind == workflow::Effect::Kind::kCancel) CancelExecution(effect.execution);
    }
  }
}

void Simulator::StartExecution(const match::RuleRef& rule, int call, const std::string& action,
                               bool is_workflow, const std::vector<ir::Argument>& arguments,
                               const ir::Policies& policies, const events::DecodedEvent& event,
                               int64_t event_key, int64_t parent_id, uint32_t matcher,
                               StepOf step) {
  const ir::ActionSpec* spec = is_workflow ? nullptr : ir::FindAction(program_->program(), action);
  auto x = std::make_unique<Execution>();
  x->id = next_execution_id_++;
  x->rule = rule;
  x->call = call;
  x->action = action;
  x->runner = spec != nullptr ? spec->runner : "";
  x->policy = engine::EvaluatePolicies(program_->interpreter(), matcher, policies, event);
  x->policy.call = call;
  x->matcher = matcher;
  x->policies = &policies;
  x->step = step;
  engine::RenderedParameters rendered =
      engine::RenderParameters(program_->interpreter(), matcher, arguments, spec, event);
  x->shown = engine::MaskParameters(rendered.values, spec, rendered.secrets);
  x->parameters = std::move(rendered.values);
  x->event_key = event_key;
  x->parent_id = parent_id;
  if (is_workflow) {
    x->instance = std::make_unique<workflow::Instance>(MachineFor(action).Start(x->parameters));
    live_workflows_.insert(x->id);
  }
  int64_t id = x->id;
  executions_.emplace(id, std::move(x));
  Schedule(now_, Work{.kind = Work::Kind::kAttempt, .execution_id = id});
}

void Simulator::Attempt(int64_t execution_id) {
  Execution& x = *executions_.at(execution_id);
  if (x.canceled) return;
  const ir::RuleMatch& rule = program_->Rule(x.rule);
  if (x.policy.concurrency > 0) {
    // As the engine: at most N attempts of this rule's call (per key) run at once; the others
    // wait for a slot, in order.
    x.slot = {rule.name, x.policy.concurrency_key};
    if (running_[x.slot] >= x.policy.concurrency) {
      waiting_[x.slot].push_back(execution_id);
      return;
    }
    ++running_[x.slot];
  }
  ++x.attempts;
  if (x.attempts == 1) x.started_at = now_;
  if (x.instance != nullptr) {
    // A workflow: its steps are the calls; it ends when its machine says so.
    x.call_index = calls_.size();
    calls_.push_back(Call{.execution_id = x.id,
                          .at_ms = now_,
                          .action = x.action,
                          .rule = rule.name,
                          .parameters = x.shown,
                          .parent_id = x.parent_id,
                          .workflow = true,
                          .workflow_id = x.step.workflow,
                          .status = "running",
                          .ended_ms = now_});
    if (x.policy.timeout_ms > 0) {
      Schedule(now_ + x.policy.timeout_ms,
               Work{.kind = Work::Kind::kWorkflowTimer, .execution_id = execution_id});
    }
    std::vector<workflow::Effect> effects;
    MachineFor(x.action).Run(*x.instance, now_, effects);
    HandleEffects(execution_id, effects);
    return;
  }

  Outcome outcome;
  if (x.runner == "inject-trigger") {
    // Not an outside effect: the injected event is what the rules under test react to.
    const Json& trigger = x.parameters.contains("trigger") ? x.parameters["trigger"] : Json();
    const Json& payload =
        x.parameters.contains("payload") ? x.parameters["payload"] : Json::object();
    if (trigger.is_string() && !trigger.get<std::string>().empty() && payload.is_object()) {
      int64_t key = next_event_key_++;
      events_[key] = {trigger.get<std::string>(), engine::DumpJson(payload)};
      Schedule(now_, Work{.kind = Work::Kind::kEvent, .event_key = key});
      outcome.result = Json{{"trigger", trigger}, {"payload", payload}};
    } else {
      outcome.failed = true;
      outcome.error = "inject_trigger needs a `trigger` name and an object `payload`";
    }
  } else {
    outcome = NextOutcome(x.action);
  }
  // The attempt's limit, as the runners apply it: the `timeout` policy, and the action's own
  // `timeout` parameter (seconds), whichever is shorter.
  int64_t limit = x.policy.timeout_ms;
  if (auto it = x.parameters.find("timeout");
      it != x.parameters.end() && it->is_number() && it->get<double>() > 0) {
    int64_t parameter = static_cast<int64_t>(it->get<double>() * 1000);
    limit = limit > 0 ? std::min(limit, parameter) : parameter;
  }
  x.timed_out = limit > 0 && outcome.duration_ms > limit;
  int64_t runs_for = x.timed_out ? limit : outcome.duration_ms;
  x.outcome = std::move(outcome);
  x.call_index = calls_.size();
  calls_.push_back(Call{.execution_id = x.id,
                        .attempt = x.attempts,
                        .at_ms = now_,
                        .action = x.action,
                        .rule = rule.name,
                        .parameters = x.shown,
                        .parent_id = x.parent_id,
                        .workflow_id = x.step.workflow,
                        .status = x.timed_out        ? "timed_out"
                                  : x.outcome.failed ? "failed"
                                                     : "succeeded",
                        .ended_ms = now_ + runs_for});
  Schedule(now_ + runs_for, Work{.kind = Work::Kind::kFinish, .execution_id = x.id});
}

void Simulator::Finish(int64_t execution_id) {
  Execution& x = *executions_.at(execution_id);
  if (x.canceled) return;
  ReleaseSlot(x);
  const bool failed = x.outcome.failed || x.timed_out;
  const char* status = x.timed_out ? "timed_out" : failed ? "failed" : "succeeded";
  std::string message =
      x.timed_out ? "timed out after " + check::DurationSpelling(now_ - calls_[x.call_index].at_ms)
                  : x.outcome.error;

  Json result_json = failed ? Json() : x.outcome.result;
  Json error_json = failed ? engine::ErrorDocument(message, x.action, status, nullptr) : Json();
  interp::Value result_value = interp::FromJson(engine::DumpJson(result_json));
  interp::Value error_value =
      failed ? interp::FromJson(engine::DumpJson(error_json)) : interp::Value::Absent();
  if (failed) {
    // `retry ... when` sees the event again (a workflow step: its frame).
    events::DecodedEvent decoded;
    const events::DecodedEvent* event = nullptr;
    if (x.step.workflow != 0) {
      Execution& wf = *executions_.at(x.step.workflow);
      if (wf.instance != nullptr) event = &MachineFor(wf.action).Frame(*wf.instance, x.step.strand);
    } else {
      const auto& [trigger, payload] = events_.at(x.event_key);
      std::string decode_error;
      if (program_->Decode(trigger, payload, x.event_key, decoded, &decode_error)) {
        event = &decoded;
      }
    }
    if (event != nullptr &&
        engine::ShouldRetry(x.policy, x.attempts, program_->interpreter(), x.matcher, x.policies,
                            *event, result_value, error_value)) {
      Schedule(now_ + engine::RetryDelayMs(*x.policy.retry, x.attempts),
               Work{.kind = Work::Kind::kAttempt, .execution_id = x.id});
      return;
    }
  }
  Complete(x, status, result_json, error_json);
}

void Simulator::Complete(Execution& x, const char* status, const Json& result_json,
                         const Json& error_json) {
  const ir::RuleMatch& rule = program_->Rule(x.rule);
  Json ended = engine::ExecutionEventPayload(x.id, x.action, x.runner, status, x.shown, result_json,
                                             kEpochMs + x.started_at, kEpochMs + now_, rule.name);
  int64_t key = next_event_key_++;
  events_[key] = {std::string(engine::kExecutionTrigger), engine::DumpJson(ended)};
  Schedule(now_, Work{.kind = Work::Kind::kEvent, .event_key = key});
  if (program_->ListensTo(engine::kActionTrigger)) {
    // StackStorm's trigger for the same ending, for rules imported from StackStorm.
    key = next_event_key_++;
    events_[key] = {
        std::string(engine::kActionTrigger),
        engine::DumpJson(engine::ActionTriggerPayload(x.id, x.action, x.runner, status, x.shown,
                                                      result_json, kEpochMs + x.started_at))};
    Schedule(now_, Work{.kind = Work::Kind::kEvent, .event_key = key});
  }
  const bool failed = std::string_view(status) != "succeeded";

  if (x.step.workflow != 0) {
    // A step: the workflow moves on with its value, or its error.
    Execution& wf = *executions_.at(x.step.workflow);
    if (wf.instance == nullptr || wf.canceled) return;
    workflow::CallOutcome outcome;
    outcome.succeeded = !failed;
    if (failed) {
      outcome.value = error_json;
    } else {
      outcome.value = Json{{"id", std::to_string(x.id)},
                           {"action", x.action},
                           {"status", status},
                           {"result", result_json},
                           {"started_at", interp::FormatTime(kEpochMs + x.started_at)},
                           {"finished_at", interp::FormatTime(kEpochMs + now_)}};
    }
    std::vector<workflow::Effect> effects;
    MachineFor(wf.action).Resume(*wf.instance, x.step.strand, outcome, now_, effects);
    HandleEffects(wf.id, effects);
    return;
  }

  // `on success` / `on failure` follow the rule's own action only, with the event again.
  if (x.parent_id != 0 || x.call >= 0) return;
  const auto& [trigger, payload] = events_.at(x.event_key);
  events::DecodedEvent decoded;
  std::string decode_error;
  if (!program_->Decode(trigger, payload, x.event_key, decoded, &decode_error)) return;
  interp::Value result_value = interp::FromJson(engine::DumpJson(result_json));
  interp::Value error_value =
      failed ? interp::FromJson(engine::DumpJson(error_json)) : interp::Value::Absent();
  interp::Interpreter& in = program_->interpreter();
  for (size_t i = 0; i < rule.follow_ups.size(); ++i) {
    const ir::FollowUp& follow_up = rule.follow_ups[i];
    if (follow_up.on_success == failed) continue;
    in.SetContext(result_value, error_value);
    StartExecution(x.rule, static_cast<int>(i), follow_up.action, follow_up.action_is_workflow,
                   follow_up.arguments, follow_up.policies, decoded, x.event_key, x.id,
                   x.rule.matcher, StepOf{});
    in.SetContext(interp::Value::Absent(), interp::Value::Absent());
  }
}

}  // namespace squall::simulate
