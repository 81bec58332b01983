// EvaluatedPolicy <-> JSON and the retry delay schedule (policy.h).
#include "runtime/engine/policy.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

namespace squall::engine {
namespace {

constexpr int64_t kMaxDelayMs = 24LL * 3600 * 1000;

}  // namespace

std::string PolicyToJson(const EvaluatedPolicy& policy) {
  nlohmann::json out = nlohmann::json::object();
  if (policy.call >= 0) out["call"] = policy.call;
  if (policy.step >= 0) out["step"] = policy.step;
  if (policy.retry) {
    out["retry"] = {{"count", policy.retry->count},
                    {"every_ms", policy.retry->every_ms},
                    {"backoff", policy.retry->backoff},
                    {"up_to_ms", policy.retry->up_to_ms},
                    {"when", policy.retry->has_when}};
  }
  if (policy.timeout_ms > 0) out["timeout_ms"] = policy.timeout_ms;
  if (policy.concurrency > 0) {
    out["concurrency"] = {{"limit", policy.concurrency}, {"key", policy.concurrency_key}};
  }
  if (policy.throttle > 0) {
    out["throttle"] = {{"count", policy.throttle},
                       {"period_ms", policy.throttle_period_ms},
                       {"key", policy.throttle_key}};
  }
  return out.dump();
}

std::optional<EvaluatedPolicy> PolicyFromJson(std::string_view json, std::string* error) {
  nlohmann::json doc = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) {
    *error = "policy is not a JSON object";
    return std::nullopt;
  }
  EvaluatedPolicy policy;
  try {
    if (auto it = doc.find("call"); it != doc.end()) policy.call = it->get<int>();
    if (auto it = doc.find("step"); it != doc.end()) policy.step = it->get<int>();
    if (auto it = doc.find("retry"); it != doc.end()) {
      RetryPolicy retry;
      retry.count = it->at("count").get<int>();
      retry.every_ms = it->at("every_ms").get<int64_t>();
      retry.backoff = it->at("backoff").get<double>();
      retry.up_to_ms = it->at("up_to_ms").get<int64_t>();
      retry.has_when = it->at("when").get<bool>();
      policy.retry = retry;
    }
    if (auto it = doc.find("timeout_ms"); it != doc.end()) policy.timeout_ms = it->get<int64_t>();
    if (auto it = doc.find("concurrency"); it != doc.end()) {
      policy.concurrency = it->at("limit").get<int>();
      policy.concurrency_key = it->at("key").get<std::string>();
    }
    if (auto it = doc.find("throttle"); it != doc.end()) {
      policy.throttle = it->at("count").get<int>();
      policy.throttle_period_ms = it->at("period_ms").get<int64_t>();
      policy.throttle_key = it->at("key").get<std::string>();
    }
  } catch (const nlohmann::json::exception& e) {
    *error = std::string("malformed policy: ") + e.what();
    return std::nullopt;
  }
  return policy;
}

int64_t RetryDelayMs(const RetryPolicy& retry, int retry_number) {
  double delay = static_cast<double>(retry.every_ms) *
                 std::pow(std::max(retry.backoff, 0.0), std::max(retry_number - 1, 0));
  if (retry.up_to_ms > 0) delay = std::min(delay, static_cast<double>(retry.up_to_ms));
  if (!(delay >= 0)) delay = 0;  // NaN from a hostile factor
  return static_cast<int64_t>(std::min(delay, static_cast<double>(kMaxDelayMs)));
}

}  // namespace squall::engine
