// The execution engine's control loop (engine.h).
#include "runtime/engine/engine.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "runtime/engine/call.h"
#include "runtime/engine/engine_internal.h"
#include "runtime/interp/value.h"
#include "stdlib/builtin_files.h"

namespace squall::engine {
namespace {

using Json = nlohmann::json;
using store::Status;

// Executions listed at once when recovering (every non-terminal one is read).
constexpr size_t kListAll = size_t{1} << 30;
// How far back a restart looks for enforcements that still count against a throttle: throttle
// periods longer than a day are not kept across restarts.
constexpr int64_t kThrottleLookbackMs = 24LL * 3600 * 1000;

// The store could not do what matching needs (reserve an execution id): the event in hand is
// matched again later instead of being recorded without its executions.
class StoreUnavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

Status StatusOf(runners::Outcome outcome) {
  switch (outcome) {
    case runners::Outcome::kSucceeded:
      return Status::kSucceeded;
    case runners::Outcome::kFailed:
      return Status::kFailed;
    case runners::Outcome::kTimedOut:
      return Status::kTimedOut;
    case runners::Outcome::kCanceled:
      return Status::kCanceled;
  }
  return Status::kFailed;
}

}  // namespace

struct ExecutionEngine::Metrics {
  explicit Metrics(metrics::Registry& r)
      : enforcements(r.AddCounter("squall_enforcements_total",
                                  "Rule matches by rule and what became of them (scheduled, "
                                  "throttled, failed)",
                                  {"rule", "status"})),
        executions(r.AddCounter("squall_executions_total",
                                "Executions that ended, by action and final status",
                                {"action", "status"})),
        attempts(r.AddCounter("squall_execution_attempts_total",
                              "Attempts started (first runs and retries), by action", {"action"})),
        running(r.AddGauge("squall_executions_running", "Executions running now").With({})),
        pending(r.AddGauge("squall_executions_pending",
                           "Executions requested or scheduled, not running yet")
                    .With({})),
        cursor(r.AddGauge("squall_events_matched_cursor",
                          "Id of the last event the rules have been matched against")
                   .With({})),
        start_latency(
            r.AddHistogram("squall_event_to_start_seconds",
                           "From an event's arrival to the start of the first attempt "
                           "of an execution it caused",
                           {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10})
                .With({})),
        duration(r.AddHistogram("squall_execution_duration_seconds",
                                "Duration of one attempt, by action",
                                {0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 60, 300}, {"action"})),
        correlation_dropped(r.AddCounter("squall_correlation_dropped_total",
                                         "Correlation instances not created because the rule "
                                         "had --correlation-max-instances live ones, by rule",
                                         {"rule"})),
        correlation_instances(r.AddGauge("squall_correlation_instances",
                                         "Live correlation instances (pending absences, partial "
                                         "sequences, count keys) over all rules")
                                  .With({})) {}
  metrics::CounterFamily& enforcements;
  metrics::CounterFamily& executions;
  metrics::CounterFamily& attempts;
  metrics::Gauge& running;
  metrics::Gauge& pending;
  metrics::Gauge& cursor;
  metrics::Histogram& start_latency;
  metrics::HistogramFamily& duration;
  metrics::CounterFamily& correlation_dropped;
  metrics::Gauge& correlation_instances;
};

ExecutionEngine::ExecutionEngine(EngineOptions options, std::shared_ptr<LoadedProgram> program)
    : options_(std::move(options)), program_(std::move(program)) {
  log_ = options_.logger ? options_.logger : spdlog::default_logger();
  if (options_.metrics != nullptr) metrics_ = std::make_unique<Metrics>(*options_.metrics);
  program_->interpreter().SetHost(options_.host);
}

ExecutionEngine::~ExecutionEngine() { Stop(std::chrono::milliseconds(0)); }

int64_t ExecutionEngine::Now() const {
  if (options_.clock) return options_.clock();
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool ExecutionEngine::Start(std::string* error) {
  if (!Recover(error)) return false;
  started_ = true;
  thread_ = std::thread([this] { Loop(); });
  return true;
}

void ExecutionEngine::NotifyEvents() {
  std::lock_guard lock(mu_);
  events_pending_ = true;
  wake_.notify_all();
}

void ExecutionEngine::Reload(std::shared_ptr<LoadedProgram> program) {
  program->interpreter().SetHost(options_.host);
  std::unique_lock lock(mu_);
  next_program_ = std::move(program);
  uint64_t generation = ++requested_generation_;
  wake_.notify_all();
  // Until the control thread has taken it: callers (the webhook list, the timers) switch
  // after the engine, so no event is accepted for a rule the engine does not have yet.
  wake_.wait(lock, [&] { return adopted_generation_ >= generation || !started_ || abandon_; });
}

EngineStats ExecutionEngine::Stats() {
  std::lock_guard lock(mu_);
  return stats_;
}

void ExecutionEngine::Stop(std::chrono::milliseconds drain) {
  {
    std::unique_lock lock(mu_);
    if (!started_) return;
    stop_ = true;
    wake_.notify_all();
    wake_.wait_for(lock, drain, [&] { return stats_.running == 0; });
    abandon_ = true;
    for (auto& [id, token] : tokens_) token->Cancel();
    wake_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
  started_ = false;
}

bool ExecutionEngine::Recover(std::string* error) {
  store::Store& store = *options_.store;
  cursor_ = store.EventCursor();
  known_last_event_ = store.LastEventId();
  int64_t now = Now();
  // Executions that were running when the runtime stopped: their attempts end as abandoned,
  // through the same path as any ending attempt (retry policy, core.execution event).
  store::ExecutionFilter running_filter;
  running_filter.statuses = {Status::kRunning};
  running_filter.limit = kListAll;
  for (store::Execution& e : store.ListExecutions(running_filter)) {
    if (e.runner == "workflow") continue;  // resumed by RestoreWorkflows, not abandoned
    std::string policy_error;
    auto run = std::make_unique<Running>();
    run->policy = PolicyFromJson(e.policy_json, &policy_error).value_or(EvaluatedPolicy{});
    Completion c;
    c.id = e.id;
    c.abandoned = true;
    c.started_at = e.started_at;
    c.finished_at = now;
    c.result.outcome = runners::Outcome::kFailed;
    c.result.result = nullptr;
    c.result.error = "the runtime stopped while this attempt ran; it may or may not have completed";
    run->execution = std::move(e);
    slots_[{run->execution.rule, run->policy.concurrency_key}]++;
    running_.emplace(c.id, std::move(run));
    completions_.push_back(std::move(c));
  }
  store::ExecutionFilter pending_filter;
  pending_filter.statuses = {Status::kRequested, Status::kScheduled};
  pending_filter.limit = kListAll;
  for (store::Execution& e : store.ListExecutions(pending_filter)) {
    std::string policy_error;
    auto pending = std::make_unique<Pending>();
    pending->policy = PolicyFromJson(e.policy_json, &policy_error).value_or(EvaluatedPolicy{});
    if (!policy_error.empty()) {
      log_->warn("execution {}: {}; running it without policies", e.id, policy_error);
    }
    int64_t id = e.id;
    pending->execution = std::move(e);
    pending_.emplace(id, std::move(pending));
  }
  // Throttle windows: what the rules of the loaded program admitted during the last day.
  for (const store::Enforcement& enforcement : store.EnforcementsSince(now - kThrottleLookbackMs)) {
    if (enforcement.status != "scheduled") continue;
    std::optional<match::RuleRef> ref = program_->FindRule(enforcement.rule);
    if (ref && program_->Rule(*ref).policies.throttle.IsValid()) {
      throttles_.Record(enforcement.rule, enforcement.throttle_key, enforcement.created_at);
      longest_throttle_ms_ = kThrottleLookbackMs;
    }
  }
  if (!running_.empty() || !pending_.empty()) {
    log_->info("recovered {} pending and {} interrupted executions; events matched up to {}",
               pending_.size(), running_.size(), cursor_);
  }
  return LoadCorrelations(error) && RestoreWorkflows(error);
}

bool ExecutionEngine::LoadCorrelations(std::string* error) {
  correlations_ = Correlations::Create(*program_, options_.correlation_max_instances, error);
  if (!correlations_) return false;
  correlation_dropped_.clear();
  // Also with no correlation rule: the state of rules that are gone is deleted.
  std::vector<std::string> warnings;
  correlations_->Restore(options_.store->ListCorrelationStates(), correlation_deletions_, warnings);
  for (const std::string& w : warnings) log_->warn("{}", w);
  if (correlations_->instances() > 0) {
    log_->info("restored {} correlation instances", correlations_->instances());
  }
  return true;
}

void ExecutionEngine::RecordCorrelations(std::vector<CorrelationFiring>& firings,
                                         store::WriteBatch& batch) {
  int64_t now = Now();
  for (CorrelationFiring& f : firings) {
    store::NewEvent event;
    event.trigger = f.trigger;
    event.payload_json = std::move(f.payload_json);
    event.source = "correlation:" + f.rule;
    // With the trigger, names the instance that fired: (rule, instance) is unique.
    event.external_id = std::to_string(f.instance);
    event.received_at = now;
    batch.events.push_back(std::move(event));
  }
  firings.clear();
  if (!correlations_) return;
  batch.correlation_states = std::move(correlation_deletions_);
  correlation_deletions_.clear();
  for (store::CorrelationState& c : correlations_->TakeChanges()) {
    batch.correlation_states.push_back(std::move(c));
  }
  if (correlations_->dropped() > 0) {
    for (const auto& [rule, dropped] : correlations_->DroppedByRule()) {
      uint64_t& reported = correlation_dropped_[rule];
      if (dropped <= reported) continue;
      log_->warn(
          "correlation rule {}: {} new instance(s) not created: the rule already has "
          "{} live instances (--correlation-max-instances)",
          rule, dropped - reported, options_.correlation_max_instances);
      if (metrics_) {
        metrics_->correlation_dropped.With({rule}).Inc(static_cast<double>(dropped - reported));
      }
      reported = dropped;
    }
  }
  if (metrics_) {
    metrics_->correlation_instances.Set(static_cast<double>(correlations_->instances()));
  }
}

void ExecutionEngine::Loop() {
  while (true) {
    std::vector<Completion> completions;
    bool stopping = false;
    {
      std::unique_lock lock(mu_);
      auto now = std::chrono::steady_clock::now();
      auto deadline = last_poll_ + options_.poll_interval;
      if (!stop_) {
        int64_t wall = Now();
        for (const auto& [id, pending] : pending_) {
          if (running_.size() >= options_.max_running) break;
          // One waiting for a concurrency slot can only start after a completion, which wakes
          // the loop anyway: it sets no deadline (else the loop would spin).
          const EvaluatedPolicy& policy = pending->policy;
          if (policy.concurrency > 0) {
            auto slot = slots_.find({pending->execution.rule, policy.concurrency_key});
            if (slot != slots_.end() && slot->second >= policy.concurrency) continue;
          }
          int64_t wait = pending->execution.run_at - wall;
          deadline =
              std::min(deadline, now + std::chrono::milliseconds(std::max<int64_t>(wait, 0)));
        }
        // A workflow's sleep ends or its wait times out.
        if (std::optional<int64_t> due = NextWorkflowDeadline()) {
          int64_t wait = std::clamp<int64_t>(*due - wall, 0, 3600 * 1000);
          deadline = std::min(deadline, now + std::chrono::milliseconds(wait));
        }
        // A due absence fires, expired correlation state goes.
        if (std::optional<int64_t> due =
                correlations_ ? correlations_->NextDeadline() : std::nullopt) {
          int64_t wait = std::clamp<int64_t>(*due - wall, 0, 3600 * 1000);
          deadline = std::min(deadline, now + std::chrono::milliseconds(wait));
        }
      }
      wake_.wait_until(lock, deadline, [&] {
        return abandon_ || (!stop_ && events_pending_) || !completions_.empty() ||
               next_program_ != nullptr ||
               (!stop_ && (!workflow_starts_.empty() || !step_endings_.empty()));
      });
      if (abandon_) break;
      if (next_program_ != nullptr) {
        program_ = std::move(next_program_);
        // Workflows go on with the new program's definitions when unchanged (machines are
        // rebuilt); the others fail (FailChangedWorkflows).
        machines_.clear();
        check_definitions_ = true;
        next_program_ = nullptr;
        adopted_generation_ = requested_generation_;
        wake_.notify_all();
        log_->info("rules reloaded: new events and endings use the new program");
        // The state committed so far is the correlators' state: rebuild them for the new rules.
        std::string error;
        if (!LoadCorrelations(&error)) log_->error("correlation rules are not run: {}", error);
      }
      completions.assign(std::make_move_iterator(completions_.begin()),
                         std::make_move_iterator(completions_.end()));
      completions_.clear();
      stopping = stop_;
      events_pending_ = false;
    }

    store::WriteBatch batch;
    std::vector<std::function<void()>> on_commit;
    starts_allowed_ = !stopping;
    starting_in_batch_ = 0;
    if (!deferred_events_.empty()) {
      batch.events = deferred_events_;
      on_commit.push_back([this] { deferred_events_.clear(); });
    }
    HandleCompletions(completions, batch, on_commit);
    bool more = false;
    if (!stopping) MatchEvents(batch, on_commit, more);
    // The clock moves once the backlog is matched (events count at their arrival time).
    if (!stopping && !more && correlations_) {
      correlations_->Advance(Now(), correlation_firings_);
    }
    RecordCorrelations(correlation_firings_, batch);
    if (!stopping) AdvanceWorkflows(batch, on_commit);
    if (std::chrono::steady_clock::now() - last_poll_ >= options_.poll_interval) {
      last_poll_ = std::chrono::steady_clock::now();
      PollExternal(batch, on_commit);
    }
    if (!batch.empty()) {
      // Events this batch emits (correlation firings, ...) are matched at once.
      if (!batch.events.empty()) more = true;
      store::CommitResult result = options_.store->Commit(std::move(batch));
      if (!result.ok) {
        // Nothing of the batch happened: events are matched again (the cursor did not move);
        // attempts that ended are recorded again from their completions; throttle windows
        // forget what this batch admitted.
        for (const Admission& a : admissions_) throttles_.Unadmit(a.rule, a.key, a.at_ms);
        admissions_.clear();
        log_->error("cannot record to the store: {}; retrying in 1s", result.error);
        // Correlators and workflows go back to the committed state, and see the events again.
        std::string error;
        if (!LoadCorrelations(&error)) log_->error("correlation rules are not run: {}", error);
        RestoreWorkflows(&error);
        std::unique_lock lock(mu_);
        completions_.insert(completions_.begin(), std::make_move_iterator(completions.begin()),
                            std::make_move_iterator(completions.end()));
        wake_.wait_for(lock, std::chrono::seconds(1), [&] { return abandon_; });
        continue;
      }
      for (auto& fn : on_commit) fn();
    }
    admissions_.clear();
    if (!stopping) Dispatch();
    {
      std::lock_guard lock(mu_);
      if (more) events_pending_ = true;
      stats_.cursor = cursor_;
      stats_.pending = pending_.size();
      stats_.running = running_.size();
      if (metrics_) {
        metrics_->running.Set(static_cast<double>(running_.size()));
        metrics_->pending.Set(static_cast<double>(pending_.size()));
        metrics_->cursor.Set(static_cast<double>(cursor_));
      }
      wake_.notify_all();  // Stop() waits for `running` to reach 0
    }
  }
  // Abandoned: cancel what still runs and wait for the runner threads, recording nothing.
  for (auto& [id, run] : running_) {
    if (run->cancel) run->cancel->Cancel();
  }
  for (auto& [id, run] : running_) {
    if (run->thread.joinable()) run->thread.join();
  }
}

// ---------------------------------------------------------------------------------------------
// Matching: events -> enforcements -> executions.

std::optional<store::Execution> ExecutionEngine::NewExecution(const CallSite& site,
                                                              const events::DecodedEvent& e,
                                                              int64_t event_id, int64_t parent_id,
                                                              EvaluatedPolicy& policy,
                                                              std::string* message) {
  const ir::RuleMatch& rule = program_->Rule(site.rule);
  const ir::ActionSpec* spec =
      site.is_workflow ? nullptr : ir::FindAction(program_->program(), *site.action);
  if (site.is_workflow && ir::FindWorkflow(program_->program(), *site.action) == nullptr) {
    *message = "workflow `" + *site.action + "` is not part of the loaded program";
    return std::nullopt;
  }
  if (!site.is_workflow && spec == nullptr) {
    *message = "action `" + *site.action + "` is not part of the loaded program";
    return std::nullopt;
  }
  RenderedParameters rendered =
      RenderParameters(program_->interpreter(), site.rule.matcher, *site.arguments, spec, e);
  const Json& params = rendered.values;
  const std::vector<std::string>& secrets = rendered.secrets;
  store::Execution x;
  x.id = options_.store->NextExecutionId();
  if (x.id <= 0) throw StoreUnavailable("cannot reserve an execution id in the store");
  x.action = site.is_workflow ? *site.action : spec->ref;
  x.runner = site.is_workflow ? "workflow" : spec->runner;
  x.rule = rule.name;
  x.event_id = event_id;
  x.parent_id = parent_id;
  x.parameters_json = DumpJson(MaskParameters(params, spec, secrets));
  if (!secrets.empty() && options_.seal) {
    x.sealed_secrets = options_.seal(DumpJson(Json{{"parameters", params}, {"secrets", secrets}}));
  }
  x.policy_json = PolicyToJson(policy);
  x.concurrency_key = policy.concurrency > 0 ? policy.concurrency_key : "";
  x.status = Status::kRequested;
  x.created_at = Now();
  x.run_at = x.created_at;
  return x;
}

void ExecutionEngine::EnforceEvent(const store::Event& stored, const events::DecodedEvent& decoded,
                                   int64_t now, store::WriteBatch& batch,
                                   std::vector<std::function<void()>>& on_commit) {
  const ir::Program& program = program_->program();
  std::vector<match::RuleRef> firings;
  program_->matcher().Match(decoded, firings);
  match::SortFirings(firings);
  for (match::RuleRef ref : firings) {
    const ir::Matcher& matcher = program.matchers[ref.matcher];
    // An event that says which trigger instance produced it (a webhook's name, a
    // timer's schedule) goes to the rules of that instance only.
    if (!stored.parameters_json.empty() && !matcher.parameters_json.empty() &&
        stored.parameters_json != matcher.parameters_json) {
      continue;
    }
    const ir::RuleMatch& rule = matcher.rules[ref.rule];
    if (rule.feeds >= 0) {
      feeders_.push_back(ref);  // fed to its correlation once the event's enforcements stand
      continue;
    }
    store::Enforcement enforcement;
    enforcement.event_id = stored.id;
    enforcement.rule = rule.name;
    enforcement.created_at = now;
    EvaluatedPolicy policy =
        EvaluatePolicies(program_->interpreter(), ref.matcher, rule.policies, decoded);
    std::string message;
    std::optional<store::Execution> execution;
    if (policy.throttle > 0) {
      longest_throttle_ms_ = std::max(longest_throttle_ms_, policy.throttle_period_ms);
    }
    bool admitted = true;
    if (policy.throttle > 0) {
      admitted = throttles_.Admit(rule.name, policy.throttle_key, now, policy.throttle,
                                  policy.throttle_period_ms);
      if (admitted) admissions_.push_back({rule.name, policy.throttle_key, now});
    }
    if (!admitted) {
      enforcement.status = "throttled";
      enforcement.throttle_key = policy.throttle_key;
      enforcement.message = "throttled: more than " + std::to_string(policy.throttle) + " within " +
                            std::to_string(policy.throttle_period_ms) + " ms";
    } else {
      enforcement.throttle_key = policy.throttle_key;
      CallSite site{ref, &rule.action, rule.action_is_workflow, &rule.arguments, &rule.policies};
      execution = NewExecution(site, decoded, stored.id, 0, policy, &message);
      enforcement.status = execution ? "scheduled" : "failed";
      enforcement.message = message;
      if (execution) enforcement.execution_id = execution->id;
    }
    if (metrics_) metrics_->enforcements.With({rule.name, enforcement.status}).Inc();
    if (!execution && !message.empty()) {
      log_->warn("rule {} on event {}: {}", rule.name, stored.id, message);
    }
    batch.enforcements.push_back(std::move(enforcement));
    if (execution) Enqueue(std::move(*execution), policy, batch, on_commit);
  }
}

void ExecutionEngine::MatchEvents(store::WriteBatch& batch,
                                  std::vector<std::function<void()>>& on_commit, bool& more) {
  store::Store& store = *options_.store;
  if (cursor_ >= known_last_event_) {
    known_last_event_ = store.LastEventId();
    if (cursor_ >= known_last_event_) return;
  }
  std::vector<store::Event> events = store.ReadEvents(cursor_, options_.event_batch);
  if (events.empty()) return;
  more = events.size() == options_.event_batch;
  int64_t now = Now();
  int64_t last_done = cursor_;  // events up to here are fully in the batch
  bool store_failed = false;
  program_->DecodeBatch(
      events,
      [&](size_t index, const events::DecodedEvent& decoded) {
        if (store_failed) return;
        const store::Event& stored = events[index];
        // Everything one event adds to the batch, so that it can be taken back whole.
        size_t enforcements = batch.enforcements.size();
        size_t executions = batch.new_executions.size();
        size_t commits = on_commit.size();
        size_t admissions = admissions_.size();
        feeders_.clear();
        try {
          EnforceEvent(stored, decoded, now, batch, on_commit);
          DeliverToWorkflows(stored.trigger, stored.parameters_json, stored.payload_json, batch,
                             on_commit);
          AnswerInquiry(stored);
          if (!feeders_.empty() && correlations_) {
            correlations_->OnEvent(stored.id, stored.received_at, stored.payload_json, decoded,
                                   feeders_, correlation_firings_);
          }
        } catch (const StoreUnavailable& e) {
          // The event is matched again with the next batch: nothing of it is recorded now.
          log_->error("event {}: {}; matching it again shortly", stored.id, e.what());
          store_failed = true;
          for (size_t i = admissions; i < admissions_.size(); ++i) {
            throttles_.Unadmit(admissions_[i].rule, admissions_[i].key, admissions_[i].at_ms);
          }
          batch.enforcements.resize(enforcements);
          batch.new_executions.resize(executions);
          on_commit.resize(commits);
          admissions_.resize(admissions);
          return;
        } catch (const std::exception& e) {
          // A defect, not the input's fault: say so loudly, and keep matching the others
          // rather than failing on this event forever.
          log_->error("event {} ({}): internal error while matching: {}; the event is skipped",
                      stored.id, stored.trigger, e.what());
          for (size_t i = admissions; i < admissions_.size(); ++i) {
            throttles_.Unadmit(admissions_[i].rule, admissions_[i].key, admissions_[i].at_ms);
          }
          admissions_.resize(admissions);
          batch.enforcements.resize(enforcements);
          batch.new_executions.resize(executions);
          on_commit.resize(commits);
        }
        last_done = stored.id;
      },
      [&](size_t index, const std::string& message) {
        log_->warn("event {} ({}) cannot be matched: {}", events[index].id, events[index].trigger,
                   message);
      });
  // Rejected events (not decodable) count as done too: they stay in the log for inspection.
  if (!store_failed) last_done = events.back().id;
  if (last_done <= cursor_) return;
  batch.event_cursor = last_done;
  on_commit.push_back([this, last = last_done] { cursor_ = last; });
  if (store_failed) more = false;
}

// ---------------------------------------------------------------------------------------------
// Running: pending -> running -> ended.

void ExecutionEngine::Dispatch() {
  int64_t now = Now();
  std::vector<std::unique_ptr<Pending>> starting;
  store::WriteBatch batch;
  std::map<std::pair<std::string, std::string>, int> taking;
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (running_.size() + starting.size() >= options_.max_running) break;
    Pending& p = *it->second;
    if (p.execution.run_at > now) {
      ++it;
      continue;
    }
    if (p.policy.concurrency > 0) {
      auto key = std::make_pair(p.execution.rule, p.policy.concurrency_key);
      if (slots_[key] + taking[key] >= p.policy.concurrency) {
        if (p.execution.status == Status::kRequested) {
          // Waiting for a slot is `scheduled` (docs/operations.md, "Execution lifecycle").
          store::ExecutionUpdate update;
          update.id = p.execution.id;
          update.status = Status::kScheduled;
          update.only_from = {Status::kRequested};
          batch.execution_updates.push_back(update);
          p.execution.status = Status::kScheduled;
        }
        ++it;
        continue;
      }
      taking[key]++;
    }
    store::ExecutionUpdate update;
    update.id = p.execution.id;
    update.status = Status::kRunning;
    update.attempts = p.execution.attempts + 1;
    update.started_at = now;
    update.only_from = {Status::kRequested, Status::kScheduled};
    batch.execution_updates.push_back(update);
    starting.push_back(std::move(it->second));
    it = pending_.erase(it);
  }
  if (batch.empty()) return;
  store::CommitResult result = options_.store->Commit(std::move(batch));
  if (!result.ok) {
    log_->error("cannot record execution starts: {}; retrying in 1s", result.error);
    for (auto& p : starting) {
      int64_t id = p->execution.id;
      pending_.emplace(id, std::move(p));
    }
    std::unique_lock lock(mu_);
    wake_.wait_for(lock, std::chrono::seconds(1), [&] { return abandon_; });
    return;
  }
  std::set<int64_t> applied(result.applied_updates.begin(), result.applied_updates.end());
  for (auto& p : starting) {
    if (applied.count(p->execution.id) == 0) {
      // Canceled by another process before it could start: it ended all the same.
      log_->info("execution {} was canceled before it started", p->execution.id);
      AppendExecutionEvents(p->execution, Status::kCanceled, "", now, deferred_events_);
      if (metrics_) metrics_->executions.With({p->execution.action, "canceled"}).Inc();
      continue;
    }
    p->execution.status = Status::kRunning;
    p->execution.attempts += 1;
    p->execution.started_at = now;
    Start(std::move(p));
  }
}

void ExecutionEngine::Enqueue(store::Execution x, const EvaluatedPolicy& policy,
                              store::WriteBatch& batch,
                              std::vector<std::function<void()>>& on_commit) {
  // Ready ones waiting in pending_ only exist while every runner slot is taken (Dispatch ran
  // after the last batch), so starting at once never overtakes them.
  bool at_once = starts_allowed_ && policy.concurrency == 0 && x.run_at <= Now() &&
                 running_.size() + starting_in_batch_ < options_.max_running;
  if (at_once) {
    ++starting_in_batch_;
    x.status = Status::kRunning;
    x.attempts = 1;
    x.started_at = x.created_at;
  }
  batch.new_executions.push_back(x);
  auto pending = std::make_shared<Pending>(Pending{std::move(x), policy});
  on_commit.push_back([this, pending, at_once] {
    auto p = std::make_unique<Pending>(std::move(*pending));
    if (at_once) {
      Start(std::move(p));
      return;
    }
    int64_t id = p->execution.id;
    pending_.emplace(id, std::move(p));
  });
}

void ExecutionEngine::Start(std::unique_ptr<Pending> p) {
  if (p->execution.runner == "workflow") {
    // Not a runner: the control thread runs its machine (AdvanceWorkflows).
    if (p->policy.concurrency > 0) slots_[{p->execution.rule, p->execution.concurrency_key}]++;
    workflow_starts_.push_back(std::move(p));
    return;
  }
  StartRunner(std::move(*p));
}

namespace {

// Writes an embedded script (`stdlib:packs/core/actions/x.sh`) under `scratch_dir` once and
// returns its path; "" when it is not embedded or cannot be written.

}  // namespace

void ExecutionEngine::StartRunner(Pending pending) {
  auto run = std::make_unique<Running>();
  run->execution = std::move(pending.execution);
  run->policy = pending.policy;
  run->cancel = std::make_shared<runners::CancelToken>();
  const store::Execution& x = run->execution;
  slots_[{x.rule, x.concurrency_key}]++;
  if (metrics_) metrics_->attempts.With({x.action}).Inc();
  if (metrics_ && x.attempts == 1 && x.parent_id == 0) {
    if (std::optional<store::Event> event = options_.store->GetEvent(x.event_id)) {
      metrics_->start_latency.Observe(
          static_cast<double>(std::max<int64_t>(x.started_at - event->received_at, 0)) / 1000.0);
    }
  }

  Json params = ParseJsonOr(x.parameters_json, Json::object());
  if (!x.sealed_secrets.empty() && options_.unseal) {
    if (std::optional<std::string> plain = options_.unseal(x.sealed_secrets)) {
      Json sealed = ParseJsonOr(*plain, Json::object());
      if (sealed.contains("parameters")) params = sealed["parameters"];
      if (sealed.contains("secrets") && sealed["secrets"].is_array()) {
        for (const Json& s : sealed["secrets"]) {
          if (s.is_string()) run->secrets.push_back(s.get<std::string>());
        }
      }
    } else {
      log_->error(
          "execution {}: its secret parameters cannot be decrypted (was the key file "
          "replaced?); running with them masked",
          x.id);
    }
  }

  int64_t id = x.id;
  int64_t started_at = x.started_at;
  Running& r = *run;
  {
    std::lock_guard lock(mu_);
    tokens_[id] = run->cancel;
  }
  running_.emplace(id, std::move(run));

  auto fail_now = [&](std::string message) {
    runners::RunResult result;
    result.outcome = runners::Outcome::kFailed;
    result.result = nullptr;
    result.error = std::move(message);
    std::lock_guard lock(mu_);
    completions_.push_back(Completion{id, std::move(result), started_at, Now(), false, {}});
    wake_.notify_all();
  };

  if (r.execution.runner == "inject-trigger") {
    runners::RunResult result;
    std::optional<store::NewEvent> emitted;
    const Json& trigger = params.contains("trigger") ? params["trigger"] : Json();
    const Json& payload = params.contains("payload") ? params["payload"] : Json::object();
    if (!trigger.is_string() || trigger.get<std::string>().empty() || !payload.is_object()) {
      fail_now("inject_trigger needs a `trigger` name and an object `payload`");
      return;
    }
    store::NewEvent event;
    event.trigger = trigger.get<std::string>();
    event.payload_json = DumpJson(payload);
    event.source = "execution:" + std::to_string(id);
    event.received_at = Now();
    result.outcome = runners::Outcome::kSucceeded;
    // The result is stored and shown: mask what secret() gave the payload. The injected event
    // itself carries the values (its rules need them), like any event a sensor sends.
    result.result =
        runners::MaskSecrets(Json{{"trigger", event.trigger}, {"payload", payload}}, r.secrets);
    emitted = std::move(event);
    std::lock_guard lock(mu_);
    completions_.push_back(
        Completion{id, std::move(result), started_at, Now(), false, std::move(emitted)});
    wake_.notify_all();
    return;
  }

  auto runner = options_.runners.find(r.execution.runner);
  if (runner == options_.runners.end() || runner->second == nullptr) {
    fail_now("no runner for runner type `" + r.execution.runner + "` in this runtime");
    return;
  }
  const ir::ActionSpec* spec = ir::FindAction(program_->program(), r.execution.action);
  runners::RunRequest request;
  request.execution_id = id;
  request.action = r.execution.action;
  request.runner = r.execution.runner;
  request.parameters = std::move(params);
  request.timeout = std::chrono::milliseconds(r.policy.timeout_ms);
  request.secret_values = r.secrets;
  if (spec != nullptr) {
    std::string error;
    if (!PrepareRunRequest(*spec, options_.scratch_dir, request, &error)) {
      fail_now(error);
      return;
    }
  } else if (r.execution.runner == "local-shell-script") {
    fail_now("action `" + r.execution.action + "` is no longer loaded; its script is unknown");
    return;
  }
  std::shared_ptr<runners::Runner> target = runner->second;
  std::shared_ptr<runners::CancelToken> token = r.cancel;
  if (target->RunsInline()) {
    // No process, no I/O (noop): a thread would cost more than the run.
    runners::RunResult result = target->Run(request, *token);
    std::lock_guard lock(mu_);
    completions_.push_back(Completion{id, std::move(result), started_at, Now(), false, {}});
    return;
  }
  r.thread = std::thread([this, target, token, id, started_at, request = std::move(request)] {
    runners::RunResult result = target->Run(request, *token);
    std::lock_guard lock(mu_);
    completions_.push_back(Completion{id, std::move(result), started_at, Now(), false, {}});
    wake_.notify_all();
  });
}

void ExecutionEngine::AppendExecutionEvents(const store::Execution& x, Status status,
                                            const std::string& result_json, int64_t finished_at,
                                            std::vector<store::NewEvent>& out) {
  if (!options_.emit_execution_events) return;
  const bool own = program_->ListensTo(kExecutionTrigger);
  const bool st2 = program_->ListensTo(kActionTrigger);
  if (!own && !st2) return;
  const Json parameters = ParseJsonOr(x.parameters_json, Json::object());
  const Json result = ParseJsonOr(result_json, nullptr);
  const auto append = [&](std::string_view trigger, const Json& payload) {
    store::NewEvent event;
    event.trigger = std::string(trigger);
    event.payload_json = DumpJson(payload);
    event.source = "execution:" + std::to_string(x.id);
    event.received_at = finished_at;
    out.push_back(std::move(event));
  };
  if (own) {
    append(kExecutionTrigger,
           ExecutionEventPayload(x.id, x.action, x.runner, store::StatusName(status), parameters,
                                 result, x.started_at, finished_at, x.rule));
  }
  if (st2) {
    append(kActionTrigger, ActionTriggerPayload(x.id, x.action, x.runner, store::StatusName(status),
                                                parameters, result, x.started_at));
  }
}

void ExecutionEngine::HandleCompletions(std::vector<Completion>& completions,
                                        store::WriteBatch& batch,
                                        std::vector<std::function<void()>>& on_commit) {
  for (Completion& c : completions) {
    auto it = running_.find(c.id);
    if (it == running_.end()) continue;
    Running& run = *it->second;
    if (run.thread.joinable()) run.thread.join();
    store::Execution& x = run.execution;
    Status status = c.abandoned ? Status::kAbandoned : StatusOf(c.result.outcome);
    if (run.cancel_requested) status = Status::kCanceled;
    std::string result_json = c.result.result.is_null() ? "" : DumpJson(c.result.result);
    Json error = nullptr;
    if (status != Status::kSucceeded) {
      error = ErrorDocument(runners::MaskSecrets(c.result.error, run.secrets), x.action,
                            store::StatusName(status), c.result.result);
    }
    std::string error_json = error.is_null() ? "" : DumpJson(error);
    batch.attempts.push_back(store::Attempt{x.id, std::max(x.attempts, 1), status, c.started_at,
                                            c.finished_at, result_json, error_json});
    if (metrics_) {
      metrics_->duration.With({x.action})
          .Observe(static_cast<double>(std::max<int64_t>(c.finished_at - c.started_at, 0)) /
                   1000.0);
    }
    if (c.emitted) batch.events.push_back(*c.emitted);  // copied: the batch may fail

    // The call the execution makes, in the program loaded now (for `retry ... when`): a rule's
    // action or follow-up, or a workflow step (evaluated over its workflow's frame).
    std::optional<match::RuleRef> ref = program_->FindRule(x.rule);
    const ir::RuleMatch* rule = ref ? &program_->Rule(*ref) : nullptr;
    const ir::Policies* call_policies = nullptr;
    uint32_t matcher = ref ? ref->matcher : 0;
    WorkflowRun* parent = nullptr;
    int64_t strand = 0;
    if (auto owner = workflows_.find(x.parent_id);
        owner != workflows_.end() && run.policy.step >= 0) {
      parent = owner->second.get();
      workflow::Machine* machine = MachineFor(parent->instance.workflow);
      const ir::Workflow* definition = machine != nullptr ? &machine->workflow() : nullptr;
      auto step = static_cast<size_t>(run.policy.step);
      if (definition != nullptr && step < definition->states.size() &&
          definition->states[step].kind == ir::StateKind::kCall) {
        call_policies = &definition->calls[definition->states[step].call].policies;
        matcher = definition->matcher;
      }
      for (const auto& [id, s] : parent->instance.strands) {
        if (s.execution == x.id) strand = id;
      }
    } else if (rule != nullptr) {
      if (run.policy.call < 0) {
        call_policies = &rule->policies;
      } else if (static_cast<size_t>(run.policy.call) < rule->follow_ups.size()) {
        call_policies = &rule->follow_ups[static_cast<size_t>(run.policy.call)].policies;
      }
    }
    // The event again (a step: its frame), for `retry ... when`.
    events::DecodedEvent decoded;
    const events::DecodedEvent* context = nullptr;
    auto decode = [&]() -> bool {
      if (context != nullptr) return true;
      if (parent != nullptr) {
        workflow::Machine* machine = MachineFor(parent->instance.workflow);
        if (machine == nullptr || strand == 0) return false;
        context = &machine->Frame(parent->instance, strand);
        return true;
      }
      std::optional<store::Event> event = options_.store->GetEvent(x.event_id);
      std::string message;
      if (!event ||
          !program_->Decode(event->trigger, event->payload_json, event->id, decoded, &message)) {
        log_->warn("execution {}: its event {} is gone{}{}", x.id, x.event_id,
                   message.empty() ? "" : ": ", message);
        return false;
      }
      context = &decoded;
      return true;
    };
    interp::Value result_value = interp::FromJson(result_json.empty() ? "null" : result_json);
    interp::Value error_value =
        error_json.empty() ? interp::Value::Absent() : interp::FromJson(error_json);

    // `retry ... when` needs the event again, and only when a retry is still possible.
    bool retry_left = status != Status::kSucceeded && status != Status::kCanceled &&
                      run.policy.retry.has_value() && x.attempts <= run.policy.retry->count;
    bool needs_event = retry_left && run.policy.retry->has_when && call_policies != nullptr &&
                       call_policies->retry_when.IsValid();
    bool retry =
        retry_left && (!needs_event || decode()) &&
        ShouldRetry(run.policy, x.attempts, program_->interpreter(), matcher, call_policies,
                    context != nullptr ? *context : decoded, result_value, error_value);
    int64_t now = Now();
    if (retry) {
      int64_t delay = RetryDelayMs(*run.policy.retry, x.attempts);
      store::ExecutionUpdate update;
      update.id = x.id;
      update.status = Status::kScheduled;
      update.run_at = now + delay;
      update.result_json = result_json;
      update.error_json = error_json;
      update.only_from = {Status::kRunning};
      batch.execution_updates.push_back(update);
      auto pending = std::make_shared<Pending>(Pending{x, run.policy});
      pending->execution.status = Status::kScheduled;
      pending->execution.run_at = now + delay;
      on_commit.push_back([this, pending] {
        int64_t id = pending->execution.id;
        pending_.emplace(id, std::make_unique<Pending>(std::move(*pending)));
      });
      log_->info("execution {} ({}) attempt {} {}: retrying in {} ms", x.id, x.action, x.attempts,
                 store::StatusName(status), delay);
    } else {
      RecordEnding(x, run.policy, status, result_json, error_json, batch, on_commit);
    }
    // Only once the ending is recorded: if the commit fails, the completion is handled again
    // and must find its execution still running.
    on_commit.push_back([this, id = x.id, slot_key = std::make_pair(x.rule, x.concurrency_key)] {
      auto slot = slots_.find(slot_key);
      if (slot != slots_.end() && --slot->second <= 0) slots_.erase(slot);
      {
        std::lock_guard lock(mu_);
        tokens_.erase(id);
      }
      running_.erase(id);
    });
  }
}

void ExecutionEngine::RecordEnding(const store::Execution& x, const EvaluatedPolicy& policy,
                                   Status status, const std::string& result_json,
                                   const std::string& error_json, store::WriteBatch& batch,
                                   std::vector<std::function<void()>>& on_commit) {
  int64_t now = Now();
  store::ExecutionUpdate update;
  update.id = x.id;
  update.status = status;
  update.finished_at = now;
  update.result_json = result_json;
  update.error_json = error_json;
  update.only_from = {Status::kRunning, Status::kCanceled};
  batch.execution_updates.push_back(update);
  if (metrics_) metrics_->executions.With({x.action, store::StatusName(status)}).Inc();
  log_->info("execution {} ({}, rule {}) {}", x.id, x.action, x.rule, store::StatusName(status));
  AppendExecutionEvents(x, status, result_json, now, batch.events);
  bool success = status == Status::kSucceeded;
  bool failure = status == Status::kFailed || status == Status::kTimedOut;
  if (auto parent = workflows_.find(x.parent_id); parent != workflows_.end()) {
    // A workflow step: its workflow moves on in this same batch (AdvanceWorkflows), so the
    // step's ending and the workflow's next move are recorded together. If the batch fails,
    // RestoreWorkflows drops the ending with the rest of the uncommitted state.
    step_endings_.push_back(EndingOf(x, status, result_json, error_json, now,
                                     StepValueUsed(*parent->second, policy.step)));
    return;
  }
  // `on success` / `on failure` follow the rule's own action only.
  std::optional<match::RuleRef> ref = program_->FindRule(x.rule);
  const ir::RuleMatch* rule = ref ? &program_->Rule(*ref) : nullptr;
  if (rule == nullptr || x.parent_id != 0 || policy.call >= 0 || !(success || failure)) return;
  if (rule->follow_ups.empty()) return;
  std::optional<store::Event> event = options_.store->GetEvent(x.event_id);
  events::DecodedEvent decoded;
  std::string message;
  if (!event ||
      !program_->Decode(event->trigger, event->payload_json, event->id, decoded, &message)) {
    log_->warn("execution {}: its event {} is gone{}{}", x.id, x.event_id,
               message.empty() ? "" : ": ", message);
    return;
  }
  interp::Value result_value = interp::FromJson(result_json.empty() ? "null" : result_json);
  interp::Value error_value =
      error_json.empty() ? interp::Value::Absent() : interp::FromJson(error_json);
  for (size_t i = 0; i < rule->follow_ups.size(); ++i) {
    const ir::FollowUp& follow_up = rule->follow_ups[i];
    if (follow_up.on_success != success) continue;
    interp::Interpreter& in = program_->interpreter();
    in.SetContext(result_value, error_value);
    EvaluatedPolicy next_policy =
        EvaluatePolicies(program_->interpreter(), ref->matcher, follow_up.policies, decoded);
    next_policy.call = static_cast<int>(i);
    CallSite site{*ref, &follow_up.action, follow_up.action_is_workflow, &follow_up.arguments,
                  &follow_up.policies};
    std::optional<store::Execution> next =
        NewExecution(site, decoded, x.event_id, x.id, next_policy, &message);
    in.SetContext(interp::Value::Absent(), interp::Value::Absent());
    if (!next) {
      log_->warn("rule {}: follow-up of execution {}: {}", x.rule, x.id, message);
      continue;
    }
    Enqueue(std::move(*next), next_policy, batch, on_commit);
  }
}

void ExecutionEngine::PollExternal(store::WriteBatch& batch,
                                   std::vector<std::function<void()>>& on_commit) {
  store::Store& store = *options_.store;
  // Throttle windows of keys not seen for longer than any throttle period hold nothing that
  // can still count: drop them, so memory follows the active keys only.
  throttles_.Expire(Now() - longest_throttle_ms_);
  if (store.LastEventId() > cursor_) {
    std::lock_guard lock(mu_);
    events_pending_ = true;
  }
  PollWorkflows(batch, on_commit);
  // Cancellations written by `squall executions cancel`.
  for (auto& [id, run] : running_) {
    if (run->cancel_requested || !run->cancel) continue;
    std::optional<store::Execution> now = store.GetExecution(id);
    if (now && now->status == Status::kCanceled) {
      run->cancel_requested = true;
      run->cancel->Cancel();
      log_->info("execution {} canceled", id);
    }
  }
  if (!pending_.empty()) {
    store::ExecutionFilter filter;
    filter.statuses = {Status::kCanceled};
    filter.after_id = pending_.begin()->first - 1;
    filter.limit = 1000;
    for (const store::Execution& x : store.ListExecutions(filter)) {
      if (pending_.erase(x.id) != 0) {
        log_->info("execution {} canceled before it started", x.id);
        if (metrics_) metrics_->executions.With({x.action, "canceled"}).Inc();
        AppendExecutionEvents(x, Status::kCanceled, "", x.finished_at > 0 ? x.finished_at : Now(),
                              batch.events);
      }
    }
  }
}

}  // namespace squall::engine
