// Typed reads of RunRequest::parameters for the runners.
//
// The engine validates parameters against the action schema before a run, but runners still
// defend against wrong types: a value of the wrong type reads as absent, and the runner reports
// a clear error instead of throwing from nlohmann::json. Pure functions, thread-safe.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace squall::runners {

// The string value of `name`, or nullopt when absent, null or not a string.
std::optional<std::string> StringParam(const nlohmann::json& params, std::string_view name);
// The string value of `name`, or `fallback` when absent, null, not a string or empty.
std::string StringParamOr(const nlohmann::json& params, std::string_view name,
                          std::string fallback);
bool BoolParam(const nlohmann::json& params, std::string_view name, bool fallback);
std::optional<double> NumberParam(const nlohmann::json& params, std::string_view name);

// The `env` parameter as NAME=value pairs. Non-string values are written as JSON. Returns an
// error message instead when `env` is not an object or a name is not a valid variable name.
struct EnvParam {
  std::vector<std::pair<std::string, std::string>> vars;
  std::string error;
};
EnvParam ReadEnv(const nlohmann::json& params);

// `value` as command-line text: strings as they are, everything else as JSON.
std::string ArgumentText(const nlohmann::json& value);

// "30s" or "1.5s", for timeout messages.
std::string DurationText(std::chrono::milliseconds duration);

}  // namespace squall::runners
