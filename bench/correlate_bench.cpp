// Throughput of the correlation state machines (runtime/correlate) alone: the hooks return a
// precomputed key and no condition, as if the rule's expressions cost nothing, so the figures
// are the ceiling the engine's correlation path can reach. Each event goes to one of 1,000
// rules (a random one) with one of 1,000 keys; virtual time advances 1 ms every 1,000 events
// (a stream of 1 M events/s).
//
//   cmake --preset release && cmake --build --preset release --target squall_correlate_bench
//   build/release/bench/squall_correlate_bench
#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include "runtime/correlate/correlator.h"

namespace {

using namespace squall::correlate;

constexpr int kRules = 1000;
constexpr int kKeys = 1000;
constexpr int kEvents = 1 << 20;  // events per benchmark iteration

// A random stream of events routed to rules, generated as it is consumed (a repeated stream
// would synchronise the windows): splitmix64, a few ns per event, included in the figures.
class Stream {
 public:
  explicit Stream(bool absence) : absence_(absence) {
    for (int k = 0; k < kKeys; ++k) keys_.push_back("k" + std::to_string(k));
  }
  // The next event (payload_json holds the key itself, what the key hook returns), its rule
  // and its atoms: for absences, one event in two is a B.
  const Event& Next(int* rule, StepMask* steps) {
    const uint64_t r = Mix();
    *rule = static_cast<int>(r % kRules);
    *steps = absence_ && ((r >> 20) & 1) != 0 ? StepBit(1) : StepBit(0);
    event_.payload_json = keys_[(r >> 32) % kKeys];
    ++event_.id;
    event_.at_ms = event_.id / 1000;
    return event_;
  }

 private:
  uint64_t Mix() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
    z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
    return z ^ (z >> 31);
  }

  bool absence_;
  uint64_t state_ = 42;
  std::vector<std::string> keys_;
  Event event_;
};

std::vector<std::unique_ptr<Correlator>> MakeRules(const Definition& def) {
  Hooks hooks{.key = [](int, const Event& e) { return e.payload_json; }, .holds = nullptr};
  std::vector<std::unique_ptr<Correlator>> rules;
  std::string error;
  for (int i = 0; i < kRules; ++i) rules.push_back(Correlator::Create(def, hooks, &error));
  return rules;
}

// `take_every`: call TakeChanges (encode the changed instances, as the engine does per
// committed batch) every that many events; 0: never.
void Run(benchmark::State& state, const Definition& def, bool absence, int take_every) {
  Stream stream(absence);
  std::vector<std::unique_ptr<Correlator>> rules = MakeRules(def);
  std::vector<Firing> out;
  size_t fired = 0;
  size_t changes = 0;
  auto run_pass = [&] {
    for (int i = 0; i < kEvents; ++i) {
      int rule = 0;
      StepMask steps = 0;
      const Event& e = stream.Next(&rule, &steps);
      rules[rule]->OnEvent(e, steps, out);
      fired += out.size();
      out.clear();
      if (take_every != 0 && i % take_every == take_every - 1) {
        for (auto& r : rules) changes += r->TakeChanges().size();
      }
    }
  };
  // Untimed warm-up to the steady state: two windows (10 s of virtual time each).
  for (int i = 0; i < 20; ++i) run_pass();
  fired = changes = 0;
  for (auto _ : state) run_pass();
  size_t instances = 0;
  uint64_t dropped = 0;
  for (auto& r : rules) {
    instances += r->instances();
    dropped += r->dropped();
  }
  const double events = static_cast<double>(state.iterations()) * kEvents;
  state.SetItemsProcessed(state.iterations() * kEvents);
  state.counters["fired_per_event"] = static_cast<double>(fired) / events;
  state.counters["changes_per_event"] = static_cast<double>(changes) / events;
  state.counters["live_instances"] = static_cast<double>(instances);
  state.counters["dropped"] = static_cast<double>(dropped);
}

// `5 of A within 10s by key`: 1,000 rules x 1,000 keys.
const Definition kCount{.kind = Kind::kCount, .steps = 1, .within_ms = 10'000, .count = 5};
// `A and not B where <key equality> within 10s`.
const Definition kAbsence{.kind = Kind::kAbsence, .steps = 2, .within_ms = 10'000};

void BM_Count(benchmark::State& state) { Run(state, kCount, false, 0); }
void BM_CountWithChanges(benchmark::State& state) { Run(state, kCount, false, 4096); }
void BM_Absence(benchmark::State& state) { Run(state, kAbsence, true, 0); }
void BM_AbsenceWithChanges(benchmark::State& state) { Run(state, kAbsence, true, 4096); }

BENCHMARK(BM_Count)->Unit(benchmark::kMillisecond)->MinTime(3);
BENCHMARK(BM_CountWithChanges)->Unit(benchmark::kMillisecond)->MinTime(3);
BENCHMARK(BM_Absence)->Unit(benchmark::kMillisecond)->MinTime(3);
BENCHMARK(BM_AbsenceWithChanges)->Unit(benchmark::kMillisecond)->MinTime(3);

}  // namespace

BENCHMARK_MAIN();
