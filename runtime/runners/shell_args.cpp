#include "runtime/runners/shell_args.h"

#include <algorithm>
#include <array>
#include <set>

#include "runtime/runners/params.h"

namespace squall::runners {

std::string ShellQuote(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  out.push_back('\'');
  for (char c : text) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out.push_back(c);
    }
  }
  out.push_back('\'');
  return out;
}

std::string ShellJoin(const std::vector<std::string>& words) {
  std::string out;
  for (const std::string& word : words) {
    if (!out.empty()) out.push_back(' ');
    out += ShellQuote(word);
  }
  return out;
}

std::string PositionalText(const nlohmann::json& value) {
  if (value.is_null()) return "";
  if (value.is_boolean()) return value.get<bool>() ? "1" : "0";
  if (value.is_array()) {
    std::string out;
    for (size_t i = 0; i < value.size(); ++i) {
      if (i > 0) out.push_back(',');
      out += ArgumentText(value[i]);
    }
    return out;
  }
  return ArgumentText(value);
}

bool IsRunnerParameterName(std::string_view runner_type, std::string_view name) {
  // The runner_parameters of stdlib/runners/local.yaml and remote.yaml.
  static constexpr std::array<std::string_view, 9> kLocal = {
      "cmd",           "cwd",     "env",   "kwarg_op",       "sudo",
      "sudo_password", "timeout", "debug", "content_version"};
  static constexpr std::array<std::string_view, 17> kRemote = {
      "hosts",          "cmd",        "username",      "password",
      "private_key",    "passphrase", "port",          "bastion_host",
      "parallel",       "cwd",        "dir",           "env",
      "kwarg_op",       "sudo",       "sudo_password", "timeout",
      "content_version"};
  auto in = [&](const auto& list) {
    return std::find(list.begin(), list.end(), name) != list.end();
  };
  if (runner_type.starts_with("remote-")) return in(kRemote);
  return in(kLocal);
}

std::vector<std::string> BuildScriptArguments(const RunRequest& request,
                                              std::string_view kwarg_op) {
  const nlohmann::json& params = request.parameters;
  auto value_of = [&](const std::string& name) -> const nlohmann::json* {
    if (!params.is_object()) return nullptr;
    auto it = params.find(name);
    return it == params.end() ? nullptr : &*it;
  };

  std::vector<const ParameterInfo*> positional;
  std::vector<std::string> named_order;
  std::set<std::string, std::less<>> seen;
  for (const ParameterInfo& info : request.schema) {
    if (!seen.insert(info.name).second) continue;  // a name listed twice counts once
    if (info.from_runner) continue;
    if (info.position.has_value()) {
      positional.push_back(&info);
    } else {
      named_order.push_back(info.name);
    }
  }
  if (params.is_object()) {
    for (const auto& [name, value] : params.items()) {
      if (seen.contains(name) || IsRunnerParameterName(request.runner, name)) continue;
      named_order.push_back(name);
    }
  }
  std::stable_sort(
      positional.begin(), positional.end(),
      [](const ParameterInfo* a, const ParameterInfo* b) { return *a->position < *b->position; });

  // StackStorm's order (ShellScriptAction._get_script_arguments): the named arguments, then
  // the positional ones.
  std::vector<std::string> args;
  for (const std::string& name : named_order) {
    const nlohmann::json* value = value_of(name);
    if (value == nullptr || value->is_null()) continue;
    if (value->is_string() && value->get_ref<const std::string&>().empty()) continue;
    if (value->is_boolean()) {
      if (value->get<bool>()) args.push_back(std::string(kwarg_op) + name);
      continue;
    }
    args.push_back(std::string(kwarg_op) + name + "=" + ArgumentText(*value));
  }
  for (const ParameterInfo* info : positional) {
    const nlohmann::json* value = value_of(info->name);
    args.push_back(value == nullptr ? std::string() : PositionalText(*value));
  }
  return args;
}

std::string StripFinalNewline(std::string text) {
  if (!text.empty() && text.back() == '\n') text.pop_back();
  if (!text.empty() && text.back() == '\r') text.pop_back();
  return text;
}

}  // namespace squall::runners
