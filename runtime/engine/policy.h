// The policies of one execution, evaluated: what `retry ... timeout ... concurrency ...
// throttle ...` on an action call came to for the event that started it. The engine evaluates
// the IR's policy expressions once, when it creates the execution, and stores the result with
// the execution (Execution::policy_json), so a restart or a hot reload never changes the
// policies of an execution already created. Only `retry ... when` is evaluated later, at each
// failed attempt, against the rule of the program then loaded.
//
// Thread safety: plain values and pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace squall::engine {

struct RetryPolicy {
  int count = 0;          // retries after the first attempt (so count + 1 attempts at most)
  int64_t every_ms = 0;   // delay before the first retry
  double backoff = 1.0;   // factor applied to the delay for each further retry
  int64_t up_to_ms = 0;   // cap on one delay; 0: none
  bool has_when = false;  // retry only when the rule's `when` condition holds

  friend bool operator==(const RetryPolicy&, const RetryPolicy&) = default;
};

struct EvaluatedPolicy {
  // Which call of its rule the execution runs: -1 the rule's action, i >= 0 its follow-up i
  // (`on success` / `on failure`, in source order). `retry ... when` is that call's.
  int call = -1;
  // A workflow step: the state of its workflow's machine that made the call (its `retry ...
  // when` is that call's); -1 otherwise.
  int step = -1;
  std::optional<RetryPolicy> retry;
  int64_t timeout_ms = 0;       // 0: the runner's own `timeout` parameter alone applies
  int concurrency = 0;          // 0: unlimited
  std::string concurrency_key;  // with `by`: the key's text; "" otherwise
  int throttle = 0;             // 0: no throttle
  int64_t throttle_period_ms = 0;
  std::string throttle_key;

  friend bool operator==(const EvaluatedPolicy&, const EvaluatedPolicy&) = default;
};

// Compact JSON for Execution::policy_json, e.g.
// {"retry":{"count":3,"every_ms":10000,"backoff":2,"up_to_ms":0,"when":false},"timeout_ms":120000}
std::string PolicyToJson(const EvaluatedPolicy& policy);
// The inverse; nullopt (and `*error`) on text PolicyToJson did not write.
std::optional<EvaluatedPolicy> PolicyFromJson(std::string_view json, std::string* error);

// The delay before retry number `retry` (1-based: the attempt after the first failure is retry
// 1): every * backoff^(retry-1), capped by up_to (when set), at most a day.
int64_t RetryDelayMs(const RetryPolicy& retry, int retry_number);

}  // namespace squall::engine
