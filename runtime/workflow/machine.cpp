#include "runtime/workflow/machine.h"

#include <algorithm>

#include "runtime/engine/call.h"
#include "runtime/workflow/answer.h"

namespace squall::workflow {

using ir::StateKind;
using nlohmann::json;

namespace {

// A strand's whole life happens in one state unless something suspends it; a loop that
// suspends nowhere would spin forever inside Run. This bounds the states one Run executes for
// one strand before the instance fails (a `while` without a step cannot end any other way).
constexpr int64_t kMaxStepsPerRun = 1'000'000;

const char* SuspensionName(Suspension s) {
  switch (s) {
    case Suspension::kNone:
      return "none";
    case Suspension::kCall:
      return "call";
    case Suspension::kSleep:
      return "sleep";
    case Suspension::kEvent:
      return "event";
    case Suspension::kAsk:
      return "ask";
    case Suspension::kJoin:
      return "join";
  }
  return "none";
}

std::optional<Suspension> ParseSuspension(const std::string& name) {
  for (Suspension s : {Suspension::kNone, Suspension::kCall, Suspension::kSleep, Suspension::kEvent,
                       Suspension::kAsk, Suspension::kJoin}) {
    if (name == SuspensionName(s)) return s;
  }
  return std::nullopt;
}

json Error(std::string_view message, std::string_view status) {
  return engine::ErrorDocument(message, "", status, json());
}

// A strand no longer asking forgets the question.
void ClearAsk(Strand& strand) {
  strand.prompt.clear();
  strand.schema = json();
  strand.asked_at = 0;
}

}  // namespace

const char* InstanceStatusName(InstanceStatus status) {
  switch (status) {
    case InstanceStatus::kRunning:
      return "running";
    case InstanceStatus::kSucceeded:
      return "succeeded";
    case InstanceStatus::kFailed:
      return "failed";
    case InstanceStatus::kCanceled:
      return "canceled";
  }
  return "running";
}

// ---------------------------------------------------------------------------------------------
// Persistence.

json Instance::ToJson() const {
  json strands_json = json::array();
  for (const auto& [id, s] : strands) {
    json j = {{"id", s.id},
              {"parent", s.parent},
              {"pc", s.pc},
              {"frame", s.frame},
              {"dirty", s.dirty},
              {"handlers", s.handlers},
              {"waiting", SuspensionName(s.waiting)}};
    if (s.until_ms != 0) j["until"] = s.until_ms;
    if (s.execution != 0) j["execution"] = s.execution;
    if (!s.trigger.empty()) j["trigger"] = s.trigger;
    if (s.waiting == Suspension::kAsk) {
      j["prompt"] = s.prompt;
      j["schema"] = s.schema;
      j["asked_at"] = s.asked_at;
    }
    if (s.parent != 0) j["index"] = s.index;
    if (!s.yields.empty()) j["yields"] = s.yields;
    if (s.join) {
      const Strand::Join& join = *s.join;
      json yields = json::object();
      for (const auto& [index, values] : join.yields) yields[std::to_string(index)] = values;
      j["join"] = {{"items", join.items},         {"started", join.started},
                   {"running", join.running},     {"succeeded", join.succeeded},
                   {"failed", join.failed},       {"needed", join.needed},
                   {"limit", join.limit},         {"broken", join.broken},
                   {"yields", std::move(yields)}, {"error", join.error}};
    }
    strands_json.push_back(std::move(j));
  }
  json out = {{"workflow", workflow},
              {"definition", definition},
              {"status", InstanceStatusName(status)},
              {"next_strand", next_strand},
              {"steps", steps},
              {"strands", strands_json}};
  if (!result.is_null()) out["result"] = result;
  if (!error.is_null()) out["error"] = error;
  return out;
}

std::optional<Instance> Instance::FromJson(const json& j, std::string* error) {
  try {
    Instance instance;
    instance.workflow = j.at("workflow").get<std::string>();
    instance.definition = j.value("definition", std::string());
    std::string status = j.at("status").get<std::string>();
    bool known = false;
    for (InstanceStatus s : {InstanceStatus::kRunning, InstanceStatus::kSucceeded,
                             InstanceStatus::kFailed, InstanceStatus::kCanceled}) {
      if (status == InstanceStatusName(s)) {
        instance.status = s;
        known = true;
      }
    }
    if (!known) throw std::runtime_error("unknown status `" + status + "`");
    instance.next_strand = j.at("next_strand").get<int64_t>();
    instance.steps = j.value("steps", int64_t{0});
    instance.result = j.value("result", json());
    instance.error = j.value("error", json());
    for (const json& sj : j.at("strands")) {
      Strand s;
      s.id = sj.at("id").get<int64_t>();
      s.parent = sj.at("parent").get<int64_t>();
      s.pc = sj.at("pc").get<uint32_t>();
      s.frame = sj.at("frame");
      if (!s.frame.is_object()) throw std::runtime_error("a frame is not an object");
      s.dirty = sj.at("dirty").get<std::vector<std::string>>();
      s.handlers = sj.at("handlers").get<std::vector<uint32_t>>();
      std::optional<Suspension> waiting = ParseSuspension(sj.at("waiting").get<std::string>());
      if (!waiting) throw std::runtime_error("unknown suspension");
      s.waiting = *waiting;
      s.until_ms = sj.value("until", int64_t{0});
      s.execution = sj.value("execution", int64_t{0});
      s.trigger = sj.value("trigger", std::string());
      s.prompt = sj.value("prompt", std::string());
      s.schema = sj.value("schema", json());
      s.asked_at = sj.value("asked_at", int64_t{0});
      s.index = sj.value("index", int64_t{0});
      if (sj.contains("yields")) s.yields = sj.at("yields").get<std::vector<json>>();
      if (sj.contains("join")) {
        const json& jj = sj.at("join");
        Strand::Join join;
        join.items = jj.at("items");
        join.started = jj.at("started").get<int64_t>();
        join.running = jj.at("running").get<int64_t>();
        join.succeeded = jj.at("succeeded").get<int64_t>();
        join.failed = jj.at("failed").get<int64_t>();
        join.needed = jj.at("needed").get<int64_t>();
        join.limit = jj.at("limit").get<int64_t>();
        join.broken = jj.at("broken").get<bool>();
        for (const auto& [index, values] : jj.at("yields").items()) {
          join.yields[std::stoll(index)] = values.get<std::vector<json>>();
        }
        join.error = jj.at("error");
        s.join = std::make_unique<Strand::Join>(std::move(join));
      }
      instance.strands.emplace(s.id, std::move(s));
    }
    return instance;
  } catch (const std::exception& e) {
    if (error != nullptr) *error = std::string("not a workflow instance: ") + e.what();
    return std::nullopt;
  }
}

// ---------------------------------------------------------------------------------------------
// Evaluation.

Machine::Machine(const ir::Program& program, const ir::Workflow& workflow,
                 interp::Interpreter& interpreter, match::Engine& conditions)
    : program_(program),
      workflow_(workflow),
      interpreter_(interpreter),
      conditions_(conditions),
      fingerprint_(ir::WorkflowFingerprint(program, workflow)) {
  events::DecoderOptions options;
  options.mode = events::DecodeMode::kBare;
  options.bare_trigger = program.matchers[workflow.matcher].trigger;
  options.bare_id_field.clear();
  // Frames hold whatever results actions returned: no line limit beyond the store's.
  options.max_line_bytes = size_t{1} << 30;
  decoder_ = std::make_unique<events::Decoder>(std::move(options), interpreter.DecoderPlans());
}

Machine::~Machine() = default;

bool Machine::Fits(const Instance& instance) const {
  if (!instance.definition.empty()) return instance.definition == fingerprint_;
  for (const auto& [id, strand] : instance.strands) {
    if (strand.pc >= workflow_.states.size()) return false;
  }
  return true;
}

const events::DecodedEvent& Machine::Frame(const Instance& instance, int64_t strand) {
  auto it = instance.strands.find(strand);
  scratch_ = it != instance.strands.end() ? engine::DumpJson(it->second.frame) : "{}";
  events::DecodeResult result = decoder_->Decode(scratch_, decoded_);
  (void)result;  // a frame is an object the machine wrote: it always decodes
  return decoded_;
}

interp::Value Machine::Evaluate(const json& frame, ir::NodeRef node) {
  if (!node.IsValid()) return interp::Value::Absent();
  scratch_ = engine::DumpJson(frame);
  decoder_->Decode(scratch_, decoded_);
  return interpreter_.Evaluate(workflow_.matcher, node, decoded_);
}

bool Machine::Holds(const json& frame, ir::NodeRef node) {
  scratch_ = engine::DumpJson(frame);
  decoder_->Decode(scratch_, decoded_);
  if (std::optional<bool> native = conditions_.Holds(workflow_.matcher, node.index, decoded_)) {
    return *native;
  }
  interp::Value v = interpreter_.Evaluate(workflow_.matcher, node, decoded_);
  return v.kind == interp::Value::Kind::kBool && v.boolean;
}

json Machine::EvaluateJson(const json& frame, ir::NodeRef node) {
  return engine::ParseJsonOr(interp::ToJson(Evaluate(frame, node)), json());
}

void Machine::Assign(Strand& strand, int32_t variable, json value) {
  if (variable < 0) return;
  const std::string& key = workflow_.variables[static_cast<size_t>(variable)].key;
  strand.frame[key] = std::move(value);
  if (std::find(strand.dirty.begin(), strand.dirty.end(), key) == strand.dirty.end()) {
    strand.dirty.push_back(key);
  }
}

// Keeps only what the strand needs while suspended at its state (the state's live variables).
void Machine::Suspend(Strand& strand, Suspension what) {
  strand.waiting = what;
  const ir::WorkflowState& state = workflow_.states[strand.pc];
  json kept = json::object();
  for (uint32_t v : state.live) {
    const std::string& key = workflow_.variables[v].key;
    if (auto it = strand.frame.find(key); it != strand.frame.end()) kept[key] = *it;
  }
  // A child keeps what it wrote for its parent even when no state of its own reads it.
  if (strand.parent != 0) {
    for (const std::string& key : strand.dirty) {
      if (auto it = strand.frame.find(key); it != strand.frame.end()) kept[key] = *it;
    }
  }
  strand.frame = std::move(kept);
}

Instance Machine::Start(const json& arguments) const {
  Instance instance;
  instance.workflow = workflow_.name;
  instance.definition = fingerprint_;
  Strand root;
  root.id = instance.next_strand++;
  for (const ir::WorkflowParam& param : workflow_.params) {
    const std::string& key = workflow_.variables[param.variable].key;
    const std::string& name = workflow_.variables[param.variable].name;
    if (arguments.is_object() && arguments.contains(name) && !arguments.at(name).is_null()) {
      root.frame[key] = arguments.at(name);
    } else if (!param.default_json.empty()) {
      root.frame[key] = engine::ParseJsonOr(param.default_json, json());
    }
  }
  instance.strands.emplace(root.id, std::move(root));
  return instance;
}

// ---------------------------------------------------------------------------------------------
// Running.

void Machine::Run(Instance& instance, int64_t now_ms, std::vector<Effect>& effects) {
  RunAll(instance, now_ms, effects);
}

void Machine::RunAll(Instance& instance, int64_t now_ms, std::vector<Effect>& effects) {
  // Strands are run in id order; running one may create, end or cancel others, so collect
  // the runnable ids afresh until none is left.
  while (instance.status == InstanceStatus::kRunning) {
    int64_t runnable = 0;
    for (auto& [id, strand] : instance.strands) {
      if (strand.waiting == Suspension::kNone) {
        runnable = id;
        break;
      }
    }
    if (runnable == 0) return;
    RunStrand(instance, instance.strands.at(runnable), now_ms, effects);
  }
}

void Machine::RunStrand(Instance& instance, Strand& strand, int64_t now_ms,
                        std::vector<Effect>& effects) {
  int64_t budget = kMaxStepsPerRun;
  while (instance.status == InstanceStatus::kRunning && strand.waiting == Suspension::kNone) {
    if (--budget < 0) {
      Finish(instance, InstanceStatus::kFailed, json(),
             Error("the workflow ran " + std::to_string(kMaxStepsPerRun) +
                       " states without suspending (a loop without a step?)",
                   "failed"),
             effects);
      return;
    }
    ++instance.steps;
    const ir::WorkflowState& state = workflow_.states[strand.pc];
    switch (state.kind) {
      case StateKind::kEval:
        Assign(strand, state.target, EvaluateJson(strand.frame, state.value));
        strand.pc = state.next;
        break;
      case StateKind::kBranch:
        strand.pc = Holds(strand.frame, state.value) ? state.next : state.alt;
        break;
      case StateKind::kJump:
        strand.pc = state.next;
        break;
      case StateKind::kCall:
        strand.execution = 0;
        effects.push_back(
            Effect{.kind = Effect::Kind::kCall, .strand = strand.id, .state = strand.pc});
        Suspend(strand, Suspension::kCall);
        return;
      case StateKind::kSleep: {
        interp::Value duration = Evaluate(strand.frame, state.value);
        int64_t ms = duration.kind == interp::Value::Kind::kDuration ? duration.integer : 0;
        if (ms <= 0) {
          strand.pc = state.next;
          break;
        }
        strand.until_ms = now_ms + ms;
        Suspend(strand, Suspension::kSleep);
        return;
      }
      case StateKind::kWait:
      case StateKind::kAsk: {
        interp::Value timeout = Evaluate(strand.frame, state.timeout);
        strand.until_ms = timeout.kind == interp::Value::Kind::kDuration && timeout.integer > 0
                              ? now_ms + timeout.integer
                              : 0;
        if (state.kind == StateKind::kWait) {
          strand.trigger = state.trigger;
          Suspend(strand, Suspension::kEvent);
          return;
        }
        // The question is rendered now, while the frame still holds what it reads.
        json prompt = EvaluateJson(strand.frame, state.value);
        strand.prompt = prompt.is_string() ? prompt.get<std::string>()
                                           : (prompt.is_null() ? "" : prompt.dump());
        strand.schema = AnswerSchema(state.answer);
        strand.asked_at = now_ms;
        Suspend(strand, Suspension::kAsk);
        return;
      }
      case StateKind::kFork:
      case StateKind::kForEach: {
        Strand::Join join;
        if (state.kind == StateKind::kFork) {
          int64_t branches = static_cast<int64_t>(state.bodies.size());
          interp::Value first = Evaluate(strand.frame, state.count);
          join.needed = first.kind == interp::Value::Kind::kInt
                            ? std::clamp<int64_t>(first.integer, 1, branches)
                            : branches;
          join.limit = branches;
          join.items = json::array();
          for (int64_t i = 0; i < branches; ++i) join.items.push_back(i);
        } else {
          json items = EvaluateJson(strand.frame, state.value);
          join.items = items.is_array() ? std::move(items) : json::array();
          join.needed = static_cast<int64_t>(join.items.size());
          interp::Value limit = Evaluate(strand.frame, state.count);
          join.limit =
              limit.kind == interp::Value::Kind::kInt ? std::max<int64_t>(1, limit.integer) : 1;
        }
        strand.join = std::make_unique<Strand::Join>(std::move(join));
        if (strand.join->items.empty()) {
          // Nothing to run: an empty `for` is an empty list.
          if (state.kind == StateKind::kForEach) Assign(strand, state.target, json::array());
          strand.join.reset();
          strand.pc = state.next;
          break;
        }
        Suspend(strand, Suspension::kJoin);
        StartChildren(instance, strand, effects);
        return;
      }
      case StateKind::kYield:
        strand.yields.push_back(EvaluateJson(strand.frame, state.value));
        strand.pc = state.next;
        break;
      case StateKind::kEndStrand:
        EndChild(instance, strand, state.is_break, now_ms, effects);
        return;
      case StateKind::kTry:
        strand.handlers.push_back(strand.pc);
        strand.pc = state.next;
        break;
      case StateKind::kEndTry:
        if (!strand.handlers.empty()) strand.handlers.pop_back();
        strand.pc = state.next;
        break;
      case StateKind::kFail: {
        json message = EvaluateJson(strand.frame, state.value);
        json error =
            Error(message.is_string() ? message.get<std::string>() : message.dump(), "failed");
        if (state.details.IsValid()) error["details"] = EvaluateJson(strand.frame, state.details);
        RaiseError(instance, strand, std::move(error), now_ms, effects);
        return;
      }
      case StateKind::kReturn:
        Finish(instance, InstanceStatus::kSucceeded, EvaluateJson(strand.frame, state.value),
               json(), effects);
        return;
    }
  }
}

// Starts as many children as the join allows.
void Machine::StartChildren(Instance& instance, Strand& parent, std::vector<Effect>& effects) {
  (void)effects;
  const ir::WorkflowState& state = workflow_.states[parent.pc];
  Strand::Join& join = *parent.join;
  int64_t total = static_cast<int64_t>(join.items.size());
  while (join.started < total && join.running < join.limit && !join.broken) {
    Strand child;
    child.id = instance.next_strand++;
    child.parent = parent.id;
    child.index = join.started;
    child.frame = parent.frame;
    if (state.kind == StateKind::kFork) {
      child.pc = state.bodies[static_cast<size_t>(join.started)];
    } else {
      child.pc = state.bodies[0];
      Assign(child, state.loop_var, join.items[static_cast<size_t>(join.started)]);
      child.dirty.clear();  // the loop variable is the iteration's own
    }
    ++join.started;
    ++join.running;
    instance.strands.emplace(child.id, std::move(child));
  }
}

void Machine::EndChild(Instance& instance, Strand& child, bool is_break, int64_t now_ms,
                       std::vector<Effect>& effects) {
  int64_t child_id = child.id;
  auto parent_it = instance.strands.find(child.parent);
  if (parent_it == instance.strands.end()) {
    instance.strands.erase(child_id);
    return;
  }
  Strand& parent = parent_it->second;
  Strand::Join& join = *parent.join;
  // The child's writes reach the parent (the loop variable and its own lets stay behind: a
  // key the parent's continuation never reads is dropped at its next suspension).
  for (const std::string& key : child.dirty) {
    if (auto it = child.frame.find(key); it != child.frame.end()) {
      parent.frame[key] = *it;
      if (std::find(parent.dirty.begin(), parent.dirty.end(), key) == parent.dirty.end()) {
        parent.dirty.push_back(key);
      }
    }
  }
  if (!child.yields.empty()) join.yields[child.index] = std::move(child.yields);
  if (is_break) join.broken = true;
  --join.running;
  ++join.succeeded;
  instance.strands.erase(child_id);
  const ir::WorkflowState& state = workflow_.states[parent.pc];
  bool done = state.kind == StateKind::kFork
                  ? join.succeeded >= join.needed
                  : join.running == 0 &&
                        (join.broken || join.started == static_cast<int64_t>(join.items.size()));
  if (!done) {
    StartChildren(instance, parent, effects);
    return;
  }
  // Joined: cancel what is still running (`parallel first N`), collect, continue.
  std::vector<int64_t> others;
  for (const auto& [id, s] : instance.strands) {
    if (s.parent == parent.id) others.push_back(id);
  }
  for (int64_t id : others) CancelStrand(instance, id, effects);
  if (state.kind == StateKind::kForEach && state.target >= 0) {
    json list = json::array();
    for (auto& [index, values] : join.yields) {
      for (json& value : values) list.push_back(std::move(value));
    }
    Assign(parent, state.target, std::move(list));
  }
  parent.join.reset();
  parent.waiting = Suspension::kNone;
  parent.pc = state.next;
  (void)now_ms;
}

void Machine::CancelStrand(Instance& instance, int64_t id, std::vector<Effect>& effects) {
  auto it = instance.strands.find(id);
  if (it == instance.strands.end()) return;
  std::vector<int64_t> children;
  for (const auto& [cid, s] : instance.strands) {
    if (s.parent == id) children.push_back(cid);
  }
  for (int64_t cid : children) CancelStrand(instance, cid, effects);
  it = instance.strands.find(id);
  if (it->second.waiting == Suspension::kCall && it->second.execution != 0) {
    effects.push_back(Effect{.kind = Effect::Kind::kCancel,
                             .strand = id,
                             .state = it->second.pc,
                             .execution = it->second.execution});
  }
  instance.strands.erase(it);
}

void Machine::RaiseError(Instance& instance, Strand& strand, json error, int64_t now_ms,
                         std::vector<Effect>& effects) {
  if (!strand.handlers.empty()) {
    uint32_t handler = strand.handlers.back();
    strand.handlers.pop_back();
    const ir::WorkflowState& attempt = workflow_.states[handler];
    Assign(strand, attempt.target, std::move(error));
    strand.pc = attempt.alt;
    strand.waiting = Suspension::kNone;
    strand.join.reset();
    return;
  }
  if (strand.parent == 0) {
    Finish(instance, InstanceStatus::kFailed, json(), std::move(error), effects);
    return;
  }
  // A child with no handler: its join fails (`parallel first N`: once N can no longer
  // succeed), its siblings are canceled and the parent raises the error at the join.
  int64_t parent_id = strand.parent;
  instance.strands.erase(strand.id);
  Strand& parent = instance.strands.at(parent_id);
  Strand::Join& join = *parent.join;
  --join.running;
  ++join.failed;
  if (join.error.is_null()) join.error = error;
  const ir::WorkflowState& state = workflow_.states[parent.pc];
  int64_t total = static_cast<int64_t>(join.items.size());
  if (state.kind == StateKind::kFork && total - join.failed >= join.needed) {
    return;  // the others can still make up `first N`
  }
  std::vector<int64_t> siblings;
  for (const auto& [id, s] : instance.strands) {
    if (s.parent == parent_id) siblings.push_back(id);
  }
  for (int64_t id : siblings) CancelStrand(instance, id, effects);
  json first = std::move(join.error);
  parent.join.reset();
  RaiseError(instance, parent, std::move(first), now_ms, effects);
}

void Machine::Finish(Instance& instance, InstanceStatus status, json result, json error,
                     std::vector<Effect>& effects) {
  std::vector<int64_t> ids;
  for (const auto& [id, s] : instance.strands) ids.push_back(id);
  for (int64_t id : ids) {
    auto it = instance.strands.find(id);
    if (it == instance.strands.end()) continue;
    if (it->second.waiting == Suspension::kCall && it->second.execution != 0) {
      effects.push_back(Effect{.kind = Effect::Kind::kCancel,
                               .strand = id,
                               .state = it->second.pc,
                               .execution = it->second.execution});
    }
  }
  instance.strands.clear();
  instance.status = status;
  instance.result = std::move(result);
  instance.error = std::move(error);
  effects.push_back(Effect{.kind = Effect::Kind::kFinished});
}

// ---------------------------------------------------------------------------------------------
// What the driver reports.

void Machine::BindExecution(Instance& instance, int64_t strand, int64_t execution) {
  if (auto it = instance.strands.find(strand); it != instance.strands.end()) {
    it->second.execution = execution;
  }
}

void Machine::Resume(Instance& instance, int64_t strand_id, const CallOutcome& outcome,
                     int64_t now_ms, std::vector<Effect>& effects) {
  auto it = instance.strands.find(strand_id);
  if (instance.status != InstanceStatus::kRunning || it == instance.strands.end() ||
      it->second.waiting != Suspension::kCall) {
    return;  // canceled meanwhile, or reported twice
  }
  Strand& strand = it->second;
  const ir::WorkflowState& state = workflow_.states[strand.pc];
  strand.execution = 0;
  strand.waiting = Suspension::kNone;
  if (outcome.succeeded) {
    Assign(strand, state.target, outcome.value);
    strand.pc = state.next;
  } else {
    RaiseError(instance, strand, outcome.value, now_ms, effects);
  }
  RunAll(instance, now_ms, effects);
}

bool Machine::Deliver(Instance& instance, const std::string& trigger,
                      const std::string& parameters_json, const json& payload, int64_t now_ms,
                      std::vector<Effect>& effects) {
  if (instance.status != InstanceStatus::kRunning) return false;
  bool any = false;
  for (auto& [id, strand] : instance.strands) {
    if (strand.waiting != Suspension::kEvent) continue;
    const ir::WorkflowState& state = workflow_.states[strand.pc];
    if (state.trigger != trigger) continue;
    if (!parameters_json.empty() && !state.trigger_parameters_json.empty() &&
        parameters_json != state.trigger_parameters_json) {
      continue;
    }
    if (state.value.IsValid()) {
      json frame = strand.frame;
      frame[ir::kEventKey] = payload;
      if (!Holds(frame, state.value)) continue;
    }
    Assign(strand, state.target, payload);
    strand.waiting = Suspension::kNone;
    strand.until_ms = 0;
    strand.trigger.clear();
    strand.pc = state.next;
    any = true;
  }
  if (any) RunAll(instance, now_ms, effects);
  return any;
}

bool Machine::Answer(Instance& instance, int64_t strand_id, const json& answer, int64_t now_ms,
                     std::vector<Effect>& effects, std::string* error) {
  auto it = instance.strands.find(strand_id);
  if (instance.status != InstanceStatus::kRunning || it == instance.strands.end() ||
      it->second.waiting != Suspension::kAsk) {
    if (error != nullptr) *error = "the workflow is not waiting for this answer";
    return false;
  }
  Strand& strand = it->second;
  const ir::WorkflowState& state = workflow_.states[strand.pc];
  // The program's type decides (the document's schema is a copy for readers without it).
  if (std::optional<std::string> wrong = CheckAnswer(AnswerSchema(state.answer), answer)) {
    if (error != nullptr) *error = *wrong;
    return false;
  }
  Assign(strand, state.target, answer);
  strand.waiting = Suspension::kNone;
  strand.until_ms = 0;
  ClearAsk(strand);
  strand.pc = state.next;
  RunAll(instance, now_ms, effects);
  return true;
}

void Machine::Advance(Instance& instance, int64_t now_ms, std::vector<Effect>& effects) {
  if (instance.status != InstanceStatus::kRunning) return;
  std::vector<int64_t> due;
  for (const auto& [id, strand] : instance.strands) {
    bool timed = strand.waiting == Suspension::kSleep || strand.waiting == Suspension::kEvent ||
                 strand.waiting == Suspension::kAsk;
    if (timed && strand.until_ms != 0 && strand.until_ms <= now_ms) due.push_back(id);
  }
  for (int64_t id : due) {
    auto it = instance.strands.find(id);
    if (it == instance.strands.end() || instance.status != InstanceStatus::kRunning) continue;
    Strand& strand = it->second;
    const ir::WorkflowState& state = workflow_.states[strand.pc];
    strand.until_ms = 0;
    strand.trigger.clear();
    ClearAsk(strand);
    if (strand.waiting == Suspension::kSleep) {
      strand.waiting = Suspension::kNone;
      strand.pc = state.next;
      continue;
    }
    strand.waiting = Suspension::kNone;
    RaiseError(instance, strand,
               Error(state.kind == StateKind::kWait
                         ? "no " + state.trigger + " event came before the timeout"
                         : "nobody answered before the timeout",
                     "timed_out"),
               now_ms, effects);
  }
  RunAll(instance, now_ms, effects);
}

std::optional<int64_t> Machine::NextDeadline(const Instance& instance) {
  std::optional<int64_t> next;
  if (instance.status != InstanceStatus::kRunning) return next;
  for (const auto& [id, strand] : instance.strands) {
    bool timed = strand.waiting == Suspension::kSleep || strand.waiting == Suspension::kEvent ||
                 strand.waiting == Suspension::kAsk;
    if (timed && strand.until_ms != 0 && (!next || strand.until_ms < *next)) {
      next = strand.until_ms;
    }
  }
  return next;
}

void Machine::Cancel(Instance& instance, std::vector<Effect>& effects) {
  if (instance.status != InstanceStatus::kRunning) return;
  Finish(instance, InstanceStatus::kCanceled, json(), Error("canceled", "canceled"), effects);
}

}  // namespace squall::workflow
