// Throttle windows: `throttle N per D [by key]` lets at most N enforcements of a rule (per key)
// start an execution within any window of length D; the others are recorded as `throttled`.
//
// The windows live in memory and are rebuilt at start from the enforcements the store
// recorded during the longest window (Store::EnforcementsSince), so a restart neither forgets
// a throttle nor double-counts it.
//
// Thread safety: none; the engine's control thread owns it.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <utility>

namespace squall::engine {

class ThrottleWindows {
 public:
  // Whether one more enforcement of (rule, key) at `now_ms` is within `limit` per `period_ms`;
  // when it is, it is counted.
  bool Admit(const std::string& rule, const std::string& key, int64_t now_ms, int limit,
             int64_t period_ms);
  // Takes back an admission at `at_ms` (its enforcement was never recorded).
  void Unadmit(const std::string& rule, const std::string& key, int64_t at_ms);
  // Counts an enforcement that was admitted earlier (rebuilding after a restart).
  void Record(const std::string& rule, const std::string& key, int64_t at_ms);
  // Drops windows whose every entry is older than `horizon_ms` (bounded memory).
  void Expire(int64_t horizon_ms);
  size_t size() const { return windows_.size(); }

 private:
  std::map<std::pair<std::string, std::string>, std::deque<int64_t>> windows_;
};

}  // namespace squall::engine
