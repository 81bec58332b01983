// Keyed state machines for correlation rules (correlator.h; semantics in README.md).
#include "runtime/correlate/correlator.h"

#include <algorithm>
#include <limits>
#include <nlohmann/json.hpp>
#include <tuple>

#include "compiler/diag/json_escape.h"

namespace squall::correlate {

// One absence pending, one sequence partial match or one count window.
constexpr size_t kClean = static_cast<size_t>(-1);

// A counted event.
struct Stamp {
  int64_t id;
  int64_t at_ms;
};

// The events of a count window: a ring, since they leave at the front and arrive at the back
// (O(1) each whatever N is, no shifting). Grows by doubling, from a few slots.
class Window {
 public:
  bool empty() const { return size_ == 0; }
  size_t size() const { return size_; }
  const Stamp& operator[](size_t i) const { return slots_[Wrap(head_ + i)]; }
  const Stamp& front() const { return slots_[head_]; }
  const Stamp& back() const { return (*this)[size_ - 1]; }
  void PopFront() {
    head_ = Wrap(head_ + 1);
    --size_;
  }
  void PushBack(Stamp stamp) {
    if (size_ == slots_.size()) {
      std::vector<Stamp> grown;
      grown.reserve(std::max<size_t>(4, 2 * size_));
      for (size_t i = 0; i < size_; ++i) grown.push_back((*this)[i]);
      grown.resize(grown.capacity());
      slots_ = std::move(grown);
      head_ = 0;
    }
    slots_[Wrap(head_ + size_)] = stamp;
    ++size_;
  }

 private:
  size_t Wrap(size_t i) const { return i < slots_.size() ? i : i - slots_.size(); }

  std::vector<Stamp> slots_;
  size_t head_ = 0;
  size_t size_ = 0;
};

struct Correlator::Instance {
  int64_t id = 0;        // the event that created it: its storage id
  int64_t start_ms = 0;  // when that event arrived (absence, sequence)
  int64_t expires_ms = 0;
  BucketEntry* bucket = nullptr;
  Instance* prev = nullptr;  // expiry order
  Instance* next = nullptr;
  Instance* key_prev = nullptr;  // bucket order
  Instance* key_next = nullptr;
  size_t changed_index = kClean;  // its place in changed_
  bool persisted = false;         // the store has it (a TakeChanges returned it)
  // Absence: {d}; sequence: the steps matched so far.
  std::vector<Event> bound;
  // Count: the counted events, oldest first (at most N - 1).
  Window window;

  // The event that last placed it in the expiry order (ties between equal expiries).
  int64_t order_id() const { return window.empty() ? id : window.back().id; }
};

namespace {

constexpr int64_t kMaxWindowMs = int64_t{100} * 366 * 24 * 3600 * 1000;  // a century

const char* KindName(Kind kind) {
  switch (kind) {
    case Kind::kAbsence:
      return "absence";
    case Kind::kSequence:
      return "sequence";
    case Kind::kCount:
      return "count";
  }
  return "?";
}

}  // namespace

std::unique_ptr<Correlator> Correlator::Create(const Definition& definition, Hooks hooks,
                                               std::string* error) {
  const Definition& d = definition;
  std::string problem;
  if (d.kind == Kind::kAbsence && d.steps != 2) {
    problem = "an absence has 2 steps, not " + std::to_string(d.steps);
  } else if (d.kind == Kind::kSequence && (d.steps < 2 || d.steps > kMaxSteps)) {
    problem = "a sequence has 2 to " + std::to_string(kMaxSteps) + " steps, not " +
              std::to_string(d.steps);
  } else if (d.kind == Kind::kCount && d.steps != 1) {
    problem = "a count has 1 step, not " + std::to_string(d.steps);
  } else if (d.kind == Kind::kCount && d.count < 1) {
    problem = "the count must be at least 1, not " + std::to_string(d.count);
  } else if (d.within_ms < 1 || d.within_ms > kMaxWindowMs) {
    problem =
        "the window must be between 1 ms and a century, not " + std::to_string(d.within_ms) + " ms";
  } else if (d.max_instances < 1) {
    problem = "the instance cap must be at least 1";
  } else if (d.kind != Kind::kAbsence && d.kind != Kind::kSequence && d.kind != Kind::kCount) {
    problem = "unknown correlation kind";
  }
  if (!problem.empty()) {
    *error = problem;
    return nullptr;
  }
  return std::unique_ptr<Correlator>(new Correlator(definition, std::move(hooks)));
}

Correlator::Correlator(const Definition& definition, Hooks hooks)
    : def_(definition), hooks_(std::move(hooks)) {}

Correlator::~Correlator() { Clear(); }

void Correlator::Clear() {
  for (Instance* instance = expiry_head_; instance != nullptr;) {
    Instance* next = instance->next;
    delete instance;
    instance = next;
  }
  expiry_head_ = expiry_tail_ = nullptr;
  live_ = 0;
  buckets_.clear();
  changed_.clear();
  deleted_.clear();
}

int64_t Correlator::Deadline(int64_t at_ms) const {
  // Saturates: a time near the end of int64 must not wrap into the past.
  return at_ms > std::numeric_limits<int64_t>::max() - def_.within_ms
             ? std::numeric_limits<int64_t>::max()
             : at_ms + def_.within_ms;
}

std::string Correlator::KeyOf(int step, const Event& e) const {
  return hooks_.key ? hooks_.key(step, e) : std::string();
}

bool Correlator::Holds(std::span<const Event* const> bound) const {
  return !hooks_.holds || hooks_.holds(bound);
}

bool Correlator::OnEvent(const Event& e, StepMask steps, std::vector<Firing>& out) {
  if (e.id <= last_id_) return false;
  if (def_.steps < kMaxSteps && (steps >> def_.steps) != 0) return false;
  last_id_ = e.id;
  const int64_t t = std::max(e.at_ms, now_ms_);
  Advance(t, out);
  if (steps == 0) return true;
  switch (def_.kind) {
    case Kind::kAbsence:
      OnAbsenceEvent(e, t, steps);
      break;
    case Kind::kSequence:
      OnSequenceEvent(e, t, steps, out);
      break;
    case Kind::kCount:
      OnCountEvent(e, t, out);
      break;
  }
  return true;
}

void Correlator::Advance(int64_t now_ms, std::vector<Firing>& out) {
  now_ms_ = std::max(now_ms_, now_ms);
  Expire(now_ms_, out);
}

void Correlator::Expire(int64_t now_ms, std::vector<Firing>& out) {
  while (expiry_head_ != nullptr && expiry_head_->expires_ms <= now_ms) {
    Instance* due = expiry_head_;
    if (def_.kind == Kind::kAbsence) {
      out.push_back(Firing{.instance = due->id,
                           .at_ms = due->expires_ms,
                           .key = due->bucket->first,
                           .bound = std::move(due->bound)});
    }
    Delete(due);
  }
}

std::optional<int64_t> Correlator::NextDeadline() const {
  if (expiry_head_ == nullptr) return std::nullopt;
  return expiry_head_->expires_ms;
}

void Correlator::OnAbsenceEvent(const Event& e, int64_t t, StepMask steps) {
  // Step 1 first: an event that is both kinds cancels the earlier A's, not itself.
  if ((steps & StepBit(1)) != 0) {
    auto it = buckets_.find(KeyOf(1, e));
    if (it != buckets_.end()) {
      // Each pending A is judged on its own; Delete may erase the bucket with its last one.
      for (Instance* pending = it->second.head; pending != nullptr;) {
        Instance* next = pending->key_next;
        const Event* bound[2] = {&pending->bound[0], &e};
        if (Holds(bound)) Delete(pending);
        pending = next;
      }
    }
  }
  if ((steps & StepBit(0)) != 0) {
    Instance* pending = NewInstance(e.id, KeyOf(0, e));
    if (pending == nullptr) return;
    pending->start_ms = t;
    pending->expires_ms = Deadline(t);
    pending->bound.push_back(e);
    PushExpiry(pending);
  }
}

void Correlator::OnSequenceEvent(const Event& e, int64_t t, StepMask steps,
                                 std::vector<Firing>& out) {
  // From the last step down, so a partial match moves at most one step per event.
  for (int step = def_.steps - 1; step >= 1; --step) {
    if ((steps & StepBit(step)) == 0) continue;
    auto it = buckets_.find(KeyOf(step, e));
    if (it == buckets_.end()) continue;
    for (Instance* partial = it->second.head; partial != nullptr;) {
      Instance* next = partial->key_next;
      if (static_cast<int>(partial->bound.size()) == step) {
        scratch_.clear();
        for (const Event& b : partial->bound) scratch_.push_back(&b);
        scratch_.push_back(&e);
        if (Holds(scratch_)) {
          partial->bound.push_back(e);
          if (step == def_.steps - 1) {
            out.push_back(Firing{.instance = partial->id,
                                 .at_ms = t,
                                 .key = partial->bucket->first,
                                 .bound = std::move(partial->bound)});
            Delete(partial);
          } else {
            MarkChanged(partial);
          }
        }
      }
      partial = next;
    }
  }
  if ((steps & StepBit(0)) != 0) {
    const Event* first[1] = {&e};
    if (!Holds(first)) return;
    Instance* partial = NewInstance(e.id, KeyOf(0, e));
    if (partial == nullptr) return;
    partial->start_ms = t;
    partial->expires_ms = Deadline(t);
    partial->bound.push_back(e);
    PushExpiry(partial);
  }
}

void Correlator::OnCountEvent(const Event& e, int64_t t, std::vector<Firing>& out) {
  const Event* self[1] = {&e};
  if (!Holds(self)) return;
  std::string key = KeyOf(0, e);
  auto it = buckets_.find(key);
  Instance* window = it == buckets_.end() ? nullptr : it->second.head;
  if (window == nullptr && def_.count == 1) {
    out.push_back(Firing{
        .instance = e.id, .at_ms = t, .key = std::move(key), .bound = {e}, .counted = {e.id}});
    return;
  }
  if (window != nullptr) {
    // Slide: an event at `at` counts while t < at + D.
    while (!window->window.empty() && Deadline(window->window.front().at_ms) <= t) {
      window->window.PopFront();
    }
    if (static_cast<int64_t>(window->window.size()) + 1 >= def_.count) {
      Firing firing{.instance = window->id, .at_ms = t, .key = window->bucket->first, .bound = {e}};
      firing.counted.reserve(window->window.size() + 1);
      for (size_t i = 0; i < window->window.size(); ++i) {
        firing.counted.push_back(window->window[i].id);
      }
      firing.counted.push_back(e.id);
      out.push_back(std::move(firing));
      // The window restarts: the counted events do not count again.
      Delete(window);
      return;
    }
    UnlinkExpiry(window);
  } else {
    window = NewInstance(e.id, key);
    if (window == nullptr) return;
  }
  window->window.PushBack(Stamp{.id = e.id, .at_ms = t});
  window->expires_ms = Deadline(t);
  PushExpiry(window);
  MarkChanged(window);
}

Correlator::Instance* Correlator::NewInstance(int64_t id, const std::string& key) {
  if (live_ >= def_.max_instances) {
    ++dropped_;
    return nullptr;
  }
  ++live_;
  Instance& instance = *new Instance;
  instance.id = id;
  auto [it, inserted] = buckets_.try_emplace(key);
  Bucket& bucket = it->second;
  instance.bucket = &*it;
  instance.key_prev = bucket.tail;
  if (bucket.tail != nullptr)
    bucket.tail->key_next = &instance;
  else
    bucket.head = &instance;
  bucket.tail = &instance;
  MarkChanged(&instance);
  return &instance;
}

void Correlator::Delete(Instance* instance) {
  UnlinkExpiry(instance);
  Bucket& bucket = instance->bucket->second;
  if (instance->key_prev != nullptr)
    instance->key_prev->key_next = instance->key_next;
  else
    bucket.head = instance->key_next;
  if (instance->key_next != nullptr)
    instance->key_next->key_prev = instance->key_prev;
  else
    bucket.tail = instance->key_prev;
  if (bucket.head == nullptr) buckets_.erase(instance->bucket->first);
  if (instance->persisted) deleted_.push_back(instance->id);
  if (instance->changed_index != kClean) {
    // Swap-remove keeps changed_ bounded by the live instances.
    Instance* last = changed_.back();
    changed_[instance->changed_index] = last;
    last->changed_index = instance->changed_index;
    changed_.pop_back();
  }
  --live_;
  delete instance;
}

void Correlator::MarkChanged(Instance* instance) {
  if (instance->changed_index != kClean) return;
  instance->changed_index = changed_.size();
  changed_.push_back(instance);
}

void Correlator::PushExpiry(Instance* instance) {
  instance->prev = expiry_tail_;
  instance->next = nullptr;
  if (expiry_tail_ != nullptr)
    expiry_tail_->next = instance;
  else
    expiry_head_ = instance;
  expiry_tail_ = instance;
}

void Correlator::UnlinkExpiry(Instance* instance) {
  const bool linked = instance->prev != nullptr || expiry_head_ == instance;
  if (!linked) return;
  if (instance->prev != nullptr)
    instance->prev->next = instance->next;
  else
    expiry_head_ = instance->next;
  if (instance->next != nullptr)
    instance->next->prev = instance->prev;
  else
    expiry_tail_ = instance->prev;
  instance->prev = instance->next = nullptr;
}

// ---------------------------------------------------------------------------------------------
// Persistence. The documents are written by hand (the hot path: one per changed instance per
// batch) and read with nlohmann::json (only at start). Payloads are JSON strings rather than
// embedded values so they come back byte for byte.

std::string Correlator::Encode(const Instance& instance) const {
  std::string out = "{\"kind\":\"";
  out += KindName(def_.kind);
  out += "\",\"key\":";
  diag::AppendJsonString(out, instance.bucket->first);
  if (def_.kind == Kind::kCount) {
    out += ",\"window\":[";
    for (size_t i = 0; i < instance.window.size(); ++i) {
      if (i != 0) out += ',';
      out += '[' + std::to_string(instance.window[i].id) + ',' +
             std::to_string(instance.window[i].at_ms) + ']';
    }
  } else {
    out += ",\"start\":" + std::to_string(instance.start_ms) + ",\"events\":[";
    for (size_t i = 0; i < instance.bound.size(); ++i) {
      const Event& e = instance.bound[i];
      if (i != 0) out += ',';
      out += "{\"id\":" + std::to_string(e.id) + ",\"at\":" + std::to_string(e.at_ms) +
             ",\"payload\":";
      diag::AppendJsonString(out, e.payload_json);
      out += '}';
    }
  }
  out += "]}";
  return out;
}

std::vector<Change> Correlator::TakeChanges() {
  std::vector<Change> changes;
  changes.reserve(deleted_.size() + changed_.size());
  for (int64_t id : deleted_) changes.push_back(Change{.instance = id, .state = std::nullopt});
  for (Instance* instance : changed_) {
    instance->changed_index = kClean;
    instance->persisted = true;
    changes.push_back(Change{.instance = instance->id, .state = Encode(*instance)});
  }
  deleted_.clear();
  changed_.clear();
  return changes;
}

bool Correlator::Decode(int64_t id, const std::string& state, std::string* error) {
  using Json = nlohmann::json;
  const std::string where = "correlation instance " + std::to_string(id) + ": ";
  Json doc = Json::parse(state, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    *error = where + "the state is not a JSON object";
    return false;
  }
  auto field = [&](const char* name, Json::value_t type) -> const Json* {
    auto it = doc.find(name);
    if (it == doc.end() || it->type() != type) return nullptr;
    return &*it;
  };
  const Json* kind = field("kind", Json::value_t::string);
  const Json* key = field("key", Json::value_t::string);
  if (kind == nullptr || key == nullptr) {
    *error = where + "`kind` or `key` is missing";
    return false;
  }
  if (kind->get<std::string>() != KindName(def_.kind)) {
    *error = where + "the state is of kind `" + kind->get<std::string>() + "`, the rule's is `" +
             KindName(def_.kind) + "`";
    return false;
  }
  auto is_int = [](const Json& j) { return j.is_number_integer(); };
  // Built apart and linked at the end, so a failed document leaves nothing behind.
  Instance parsed;
  parsed.id = id;
  int64_t latest = INT64_MIN;
  if (def_.kind == Kind::kCount) {
    const Json* window = field("window", Json::value_t::array);
    if (window == nullptr || window->empty() ||
        static_cast<int64_t>(window->size()) >= def_.count) {
      *error = where + "`window` must hold 1 to " + std::to_string(def_.count - 1) + " events";
      return false;
    }
    for (const Json& stamp : *window) {
      if (!stamp.is_array() || stamp.size() != 2 || !is_int(stamp[0]) || !is_int(stamp[1])) {
        *error = where + "`window` entries must be [id, at] integer pairs";
        return false;
      }
      const int64_t event_id = stamp[0].get<int64_t>();
      const int64_t at = stamp[1].get<int64_t>();
      if (!parsed.window.empty() &&
          (event_id <= parsed.window.back().id || at < parsed.window.back().at_ms)) {
        *error = where + "`window` is not in arrival order";
        return false;
      }
      parsed.window.PushBack(Stamp{.id = event_id, .at_ms = at});
      last_id_ = std::max(last_id_, event_id);
      latest = std::max(latest, at);
    }
    parsed.expires_ms = Deadline(latest);
  } else {
    const Json* start = field("start", Json::value_t::number_integer);
    if (start == nullptr) start = field("start", Json::value_t::number_unsigned);
    const Json* events = field("events", Json::value_t::array);
    const size_t max_bound = def_.kind == Kind::kAbsence ? 1 : static_cast<size_t>(def_.steps - 1);
    if (start == nullptr) {
      *error = where + "`start` is missing";
      return false;
    }
    if (events == nullptr || events->empty() || events->size() > max_bound) {
      *error = where + "`events` must hold 1 to " + std::to_string(max_bound) + " events";
      return false;
    }
    for (const Json& e : *events) {
      auto id_it = e.find("id");
      auto at_it = e.find("at");
      auto payload_it = e.find("payload");
      if (!e.is_object() || id_it == e.end() || !is_int(*id_it) || at_it == e.end() ||
          !is_int(*at_it) || payload_it == e.end() || !payload_it->is_string()) {
        *error = where + "an event needs integer `id` and `at` and a string `payload`";
        return false;
      }
      parsed.bound.push_back(Event{.id = id_it->get<int64_t>(),
                                   .at_ms = at_it->get<int64_t>(),
                                   .payload_json = payload_it->get<std::string>()});
      if (parsed.bound.size() > 1 &&
          parsed.bound.back().id <= parsed.bound[parsed.bound.size() - 2].id) {
        *error = where + "`events` are not in arrival order";
        return false;
      }
      last_id_ = std::max(last_id_, parsed.bound.back().id);
    }
    if (parsed.bound[0].id != id) {
      *error = where + "the first event is not the one that created the instance";
      return false;
    }
    parsed.start_ms = start->get<int64_t>();
    parsed.expires_ms = Deadline(parsed.start_ms);
    latest = parsed.start_ms;
  }
  if (live_ >= def_.max_instances) {
    // A lowered cap after a reload: keep the oldest, as the live correlator would have, and
    // have the store forget the others.
    ++dropped_;
    deleted_.push_back(id);
    return true;
  }
  now_ms_ = std::max(now_ms_, latest);
  Instance* instance = NewInstance(id, key->get<std::string>());
  instance->start_ms = parsed.start_ms;
  instance->expires_ms = parsed.expires_ms;
  instance->bound = std::move(parsed.bound);
  instance->window = std::move(parsed.window);
  instance->persisted = true;
  PushExpiry(instance);  // in the right place once all are read (RelinkByExpiry)
  return true;
}

bool Correlator::Restore(const std::vector<Stored>& stored, std::string* error) {
  if (live_ != 0 || last_id_ != INT64_MIN || now_ms_ != INT64_MIN) {
    *error = "restore needs a correlator that has seen no event";
    return false;
  }
  // Creation order (ids increase with arrival) rebuilds each bucket as it was.
  std::vector<const Stored*> order;
  order.reserve(stored.size());
  for (const Stored& s : stored) order.push_back(&s);
  std::sort(order.begin(), order.end(),
            [](const Stored* a, const Stored* b) { return a->instance < b->instance; });
  for (size_t i = 0; i < order.size(); ++i) {
    bool ok = true;
    if (i > 0 && order[i]->instance == order[i - 1]->instance) {
      *error = "correlation instance " + std::to_string(order[i]->instance) + ": stored twice";
      ok = false;
    }
    if (!ok || !Decode(order[i]->instance, order[i]->state, error)) {
      Clear();
      last_id_ = now_ms_ = INT64_MIN;
      dropped_ = 0;
      return false;
    }
  }
  for (Instance* instance : changed_) instance->changed_index = kClean;
  changed_.clear();
  RelinkByExpiry();
  return true;
}

// The expiry order as the live correlator had it: by expiry, then by the event that last
// placed the instance.
void Correlator::RelinkByExpiry() {
  std::vector<Instance*> by_expiry;
  by_expiry.reserve(live_);
  for (Instance* instance = expiry_head_; instance != nullptr; instance = instance->next) {
    by_expiry.push_back(instance);
  }
  std::sort(by_expiry.begin(), by_expiry.end(), [](const Instance* a, const Instance* b) {
    return std::make_tuple(a->expires_ms, a->order_id()) <
           std::make_tuple(b->expires_ms, b->order_id());
  });
  expiry_head_ = expiry_tail_ = nullptr;
  for (Instance* instance : by_expiry) PushExpiry(instance);
}

}  // namespace squall::correlate
