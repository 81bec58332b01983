#include "runtime/runners/params.h"

#include <cstdio>

namespace squall::runners {

namespace {
const nlohmann::json* Find(const nlohmann::json& params, std::string_view name) {
  if (!params.is_object()) return nullptr;
  auto it = params.find(name);
  return it == params.end() ? nullptr : &*it;
}

bool IsVariableName(std::string_view name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
  for (char c : name) {
    bool ok =
        c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}
}  // namespace

std::optional<std::string> StringParam(const nlohmann::json& params, std::string_view name) {
  const nlohmann::json* v = Find(params, name);
  if (v == nullptr || !v->is_string()) return std::nullopt;
  return v->get<std::string>();
}

std::string StringParamOr(const nlohmann::json& params, std::string_view name,
                          std::string fallback) {
  std::optional<std::string> v = StringParam(params, name);
  return v && !v->empty() ? *v : fallback;
}

bool BoolParam(const nlohmann::json& params, std::string_view name, bool fallback) {
  const nlohmann::json* v = Find(params, name);
  return v != nullptr && v->is_boolean() ? v->get<bool>() : fallback;
}

std::optional<double> NumberParam(const nlohmann::json& params, std::string_view name) {
  const nlohmann::json* v = Find(params, name);
  if (v == nullptr || !v->is_number()) return std::nullopt;
  return v->get<double>();
}

EnvParam ReadEnv(const nlohmann::json& params) {
  EnvParam out;
  const nlohmann::json* env = Find(params, "env");
  if (env == nullptr || env->is_null()) return out;
  if (!env->is_object()) {
    out.error = "parameter env must be an object of NAME -> value";
    return out;
  }
  for (const auto& [name, value] : env->items()) {
    // Names reach a remote shell as `export NAME=...`: only plain identifiers are safe there, and
    // nothing else is a usable variable name anyway.
    if (!IsVariableName(name)) {
      out.error = "env: invalid variable name '" + name + "'";
      return out;
    }
    out.vars.emplace_back(name, value.is_null() ? std::string() : ArgumentText(value));
  }
  return out;
}

std::string ArgumentText(const nlohmann::json& value) {
  return value.is_string() ? value.get<std::string>() : value.dump();
}

std::string DurationText(std::chrono::milliseconds duration) {
  const long long ms = duration.count();
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3gs", static_cast<double>(ms) / 1000.0);
  return buf;
}

}  // namespace squall::runners
