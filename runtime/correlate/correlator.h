// Correlation over time (docs/language.md, "Correlation over time"): the keyed state machines
// of one absence, sequence or count rule, driven by events and time given by the caller (real
// time in the engine, virtual time in `squall test`). Independent of the IR, the interpreter
// and the store: the compiled rule answers through Hooks, and the state goes in and out as
// JSON documents, one per instance, so the engine can write it in the same store transaction
// as the event cursor. README.md states the exact semantics.
//
// Thread safety: none. One correlator per rule, used by one thread at a time; correlators are
// independent of each other.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace squall::correlate {

// An event as stored. `id` is the store's id: unique, and increasing in the order the
// correlator is given events (it names instances; see Correlator::OnEvent).
struct Event {
  int64_t id = 0;
  int64_t at_ms = 0;  // when it was received
  std::string payload_json;

  bool operator==(const Event&) const = default;
};

enum class Kind : uint8_t {
  kAbsence,   // if A as d and not B where <cond over d, event> within D
  kSequence,  // if A as a followed by B as b [followed by ...] where <cond> within D
  kCount,     // if N of A where <cond over event> within D by <key>
};

// The atoms (steps) an event matched, as a bit set: bit i = step i. An event may match several
// atoms of one rule (`intf.down followed by intf.up followed by intf.down`).
using StepMask = uint64_t;
constexpr StepMask StepBit(int step) { return StepMask{1} << step; }

inline constexpr int kMaxSteps = 64;
inline constexpr size_t kDefaultMaxInstances = 100'000;

// The fixed shape of one rule (a correlation's count and window are constants; see the
// checker). Create validates it.
struct Definition {
  Kind kind = Kind::kSequence;
  int steps = 2;                                // atoms: absence 2, sequence 2..kMaxSteps, count 1
  int64_t within_ms = 0;                        // the window D, > 0
  int count = 0;                                // kCount: N >= 1; otherwise ignored
  size_t max_instances = kDefaultMaxInstances;  // cap on live instances of the rule, >= 1
};

// Callbacks into the compiled rule; the caller evaluates them with its interpreter or native
// code. Both must be deterministic (the same answer for the same events: a restored
// correlator asks again), must not throw and must not call back into the correlator. An empty
// std::function means "" for `key` and true for `holds`.
struct Hooks {
  // The join key of an event at `step`: only instances with the same key are considered
  // (absence: the equalities between `d` and `event`, evaluated on d at step 0 and on the
  // candidate at step 1; sequence: the same value computed from each step's event; count: the
  // `by` key). Every step must compute the same function of the pattern; return "" at every
  // step when the condition has no such equality (then `holds` alone decides).
  std::function<std::string(int step, const Event& event)> key;
  // Whether the rule's condition holds for `bound`: the events of steps 0..bound.size()-1 in
  // step order. Absence: {d, candidate B}; count: {event}; sequence: every prefix as it grows
  // ({a}, {a, b}, ...), so for a prefix the caller must answer false only when no completion
  // can satisfy the condition (e.g. evaluate the conjuncts whose aliases are all bound).
  std::function<bool(std::span<const Event* const> bound)> holds;
};

// A rule that fired.
struct Firing {
  // The instance that fired: unique among the firings of one rule (the id of the event that
  // created it), so (rule, instance) is an idempotency key for the enforcement.
  int64_t instance = 0;
  int64_t at_ms = 0;  // absence: the deadline d.at + D; otherwise the completing event's time
  std::string key;
  // Absence: {d}; sequence: one event per step; count: {the event that completed the count}
  // (the action's `event`).
  std::vector<Event> bound;
  // kCount: the ids of the N counted events, oldest first, the completing one last.
  std::vector<int64_t> counted;

  bool operator==(const Firing&) const = default;
};

// One instance's state change, for the store: `state` is its JSON document, nullopt when the
// instance is gone (fired, cancelled or expired).
struct Change {
  int64_t instance = 0;
  std::optional<std::string> state;

  bool operator==(const Change&) const = default;
};

// One instance as the store holds it (the last Change with a state).
struct Stored {
  int64_t instance = 0;
  std::string state;
};

class Correlator {
 public:
  // nullptr with `*error` set when the definition is invalid (steps for the kind, window,
  // count or cap out of range).
  static std::unique_ptr<Correlator> Create(const Definition& definition, Hooks hooks,
                                            std::string* error);
  ~Correlator();
  Correlator(const Correlator&) = delete;
  Correlator& operator=(const Correlator&) = delete;

  // Feeds one event that matched the atoms in `steps` (each atom's own filter already held).
  // Call once per event, with all of its steps: within one event, later steps are applied
  // first, so an event never completes an instance it creates. The event counts as arriving
  // at max(e.at_ms, now()); first everything due by then happens (as Advance), then the
  // event. Appends firings to `out` (due absences first, then those the event completes, in
  // instance order). Returns false, changing nothing, when `e.id` is not greater than every
  // id given before (or restored), or `steps` names a step the rule does not have.
  bool OnEvent(const Event& e, StepMask steps, std::vector<Firing>& out);

  // Moves the clock to `now_ms` (never backwards): absences whose deadline is <= now fire
  // (appended to `out` by deadline, then creation), and sequence partial matches and count
  // windows that can no longer complete are freed.
  void Advance(int64_t now_ms, std::vector<Firing>& out);

  // When Advance next has something to do (an absence fires or state is freed), for the
  // engine's timer; nullopt when there is no state.
  std::optional<int64_t> NextDeadline() const;

  int64_t now() const { return now_ms_; }
  size_t instances() const { return live_; }
  // Instances not created because max_instances were live (monotonic; the engine turns an
  // increase into a metric and a log line).
  uint64_t dropped() const { return dropped_; }

  // The changes since the previous call (or Restore), at most one per instance: deleted
  // instances with nullopt, then new and updated ones with their state (in an order that
  // depends only on the events and times given). An instance created and deleted between two
  // calls does not appear. Tracking costs O(live instances) at most, even if never called.
  std::vector<Change> TakeChanges();

  // Rebuilds the state from what the store holds (every Change applied in order), on a
  // correlator that has seen no event. Instances past their deadline stay until the next
  // Advance (so an absence that came due while the engine was down fires then, late, with its
  // original deadline). On error (a document that does not parse or does not fit the
  // definition, a duplicate instance, a used correlator) returns false with `*error` naming
  // the instance, and the correlator is left empty.
  bool Restore(const std::vector<Stored>& stored, std::string* error);

 private:
  struct Instance;
  struct Bucket {
    Instance* head = nullptr;
    Instance* tail = nullptr;
  };
  using BucketEntry = std::unordered_map<std::string, Bucket>::value_type;

  Correlator(const Definition& definition, Hooks hooks);

  int64_t Deadline(int64_t at_ms) const;
  std::string KeyOf(int step, const Event& e) const;
  bool Holds(std::span<const Event* const> bound) const;
  void Expire(int64_t now_ms, std::vector<Firing>& out);
  Instance* NewInstance(int64_t id, const std::string& key);
  void Delete(Instance* instance);
  void Clear();
  void MarkChanged(Instance* instance);
  void PushExpiry(Instance* instance);
  void UnlinkExpiry(Instance* instance);
  void OnAbsenceEvent(const Event& e, int64_t t, StepMask steps);
  void OnSequenceEvent(const Event& e, int64_t t, StepMask steps, std::vector<Firing>& out);
  void OnCountEvent(const Event& e, int64_t t, std::vector<Firing>& out);
  std::string Encode(const Instance& instance) const;
  bool Decode(int64_t id, const std::string& state, std::string* error);
  void RelinkByExpiry();

  Definition def_;
  Hooks hooks_;
  int64_t now_ms_ = INT64_MIN;
  int64_t last_id_ = INT64_MIN;
  uint64_t dropped_ = 0;
  size_t live_ = 0;
  // Instances by join key, each bucket in creation order; empty buckets are erased.
  std::unordered_map<std::string, Bucket> buckets_;
  // Every live instance, ordered by expiry (then by the event that last placed it): events
  // arrive in time order and the window is fixed, so appending (or moving to the back) keeps
  // the order. The list owns the instances (new in NewInstance, delete in Delete).
  Instance* expiry_head_ = nullptr;
  Instance* expiry_tail_ = nullptr;
  std::vector<Instance*> changed_;  // live instances changed since TakeChanges
  std::vector<int64_t> deleted_;    // persisted ids deleted since TakeChanges
  std::vector<const Event*> scratch_;
};

}  // namespace squall::correlate
