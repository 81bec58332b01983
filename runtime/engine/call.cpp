// Evaluating one action call; see call.h.
#include "runtime/engine/call.h"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "runtime/engine/param_templates.h"
#include "runtime/interp/value.h"
#include "runtime/runners/runner.h"
#include "stdlib/builtin_files.h"

namespace squall::engine {
namespace {

using Json = nlohmann::json;
constexpr std::string_view kMask = "********";

constexpr std::string_view kStdlibPrefix = "stdlib:";

// Writes the built-in script `stdlib:<path>` to `<scratch_dir>/stdlib/<path>` (atomically,
// executable); its path, or "" when it is unknown or cannot be written.
std::string MaterializeStdlib(const std::string& entry_point, const std::string& scratch_dir) {
  std::string_view rel = std::string_view(entry_point).substr(kStdlibPrefix.size());
  for (const stdlib::EmbeddedFile& file : stdlib::BuiltinFiles()) {
    if (file.path != rel) continue;
    std::filesystem::path path = std::filesystem::path(scratch_dir) / "stdlib" / rel;
    std::error_code ec;
    std::filesystem::create_directories(path.parent_path(), ec);
    std::filesystem::path temp = path;
    temp += ".tmp";
    {
      std::ofstream out(temp, std::ios::binary | std::ios::trunc);
      out.write(file.text.data(), static_cast<std::streamsize>(file.text.size()));
      if (!out) return "";
    }
    ::chmod(temp.c_str(), 0755);
    std::filesystem::rename(temp, path, ec);
    return ec ? "" : path.string();
  }
  return "";
}

}  // namespace

std::string DumpJson(const Json& value) {
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

Json ParseJsonOr(std::string_view text, Json fallback) {
  if (text.empty()) return fallback;
  Json doc = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  return doc.is_discarded() ? fallback : doc;
}

EvaluatedPolicy EvaluatePolicies(interp::Interpreter& in, uint32_t matcher, const ir::Policies& p,
                                 const events::DecodedEvent& e) {
  auto eval = [&](ir::NodeRef ref) {
    return ref.IsValid() ? in.Evaluate(matcher, ref, e) : interp::Value::Absent();
  };
  auto integer = [&](ir::NodeRef ref, int64_t fallback) -> int64_t {
    interp::Value v = eval(ref);
    if (v.kind == interp::Value::Kind::kInt || v.kind == interp::Value::Kind::kDuration) {
      return v.integer;
    }
    if (v.kind == interp::Value::Kind::kFloat) return static_cast<int64_t>(v.number);
    return fallback;
  };
  auto text = [&](ir::NodeRef ref) {
    return ref.IsValid() ? interp::ToText(eval(ref)) : std::string();
  };
  EvaluatedPolicy policy;
  if (p.retry) {
    RetryPolicy retry;
    retry.count = static_cast<int>(std::clamp<int64_t>(integer(p.retry_count, 0), 0, 1000));
    retry.every_ms = std::max<int64_t>(integer(p.retry_every, 0), 0);
    interp::Value backoff = eval(p.retry_backoff);
    if (backoff.kind == interp::Value::Kind::kFloat) retry.backoff = backoff.number;
    if (backoff.kind == interp::Value::Kind::kInt)
      retry.backoff = static_cast<double>(backoff.integer);
    retry.up_to_ms = std::max<int64_t>(integer(p.retry_up_to, 0), 0);
    retry.has_when = p.retry_when.IsValid();
    policy.retry = retry;
  }
  policy.timeout_ms = std::max<int64_t>(integer(p.timeout, 0), 0);
  if (p.concurrency.IsValid()) {
    policy.concurrency =
        static_cast<int>(std::clamp<int64_t>(integer(p.concurrency, 1), 1, 1 << 20));
    policy.concurrency_key = text(p.concurrency_by);
  }
  if (p.throttle.IsValid()) {
    policy.throttle = static_cast<int>(std::clamp<int64_t>(integer(p.throttle, 1), 1, 1 << 20));
    policy.throttle_period_ms = std::max<int64_t>(integer(p.throttle_period, 0), 1);
    policy.throttle_key = text(p.throttle_by);
  }
  return policy;
}

RenderedParameters RenderParameters(interp::Interpreter& in, uint32_t matcher,
                                    const std::vector<ir::Argument>& arguments,
                                    const ir::ActionSpec* spec, const events::DecodedEvent& e) {
  RenderedParameters out;
  std::vector<interp::Value> values = in.Arguments(matcher, arguments, e);
  out.secrets = in.TakeRevealedSecrets();
  for (size_t i = 0; i < arguments.size() && i < values.size(); ++i) {
    out.values[arguments[i].name] = ParseJsonOr(interp::ToJson(values[i]), nullptr);
  }
  if (spec == nullptr) return out;
  std::vector<std::string> defaulted;
  for (const ir::ActionParameter& p : spec->parameters) {
    if (!out.values.contains(p.name) && !p.default_json.empty()) {
      out.values[p.name] = ParseJsonOr(p.default_json, nullptr);
      defaulted.push_back(p.name);
    }
  }
  RenderDefaultTemplates(*spec, defaulted, out.values);
  for (const ir::ActionParameter& p : spec->parameters) {
    Json& params = out.values;
    if (p.secret && params.contains(p.name) && params[p.name].is_string() &&
        !params[p.name].get<std::string>().empty()) {
      out.secrets.push_back(params[p.name].get<std::string>());
    }
  }
  return out;
}

Json MaskParameters(const Json& params, const ir::ActionSpec* spec,
                    const std::vector<std::string>& secrets) {
  Json masked = runners::MaskSecrets(params, secrets);
  if (spec != nullptr) {
    for (const ir::ActionParameter& p : spec->parameters) {
      if (p.secret && masked.contains(p.name) && !masked[p.name].is_null()) {
        masked[p.name] = kMask;
      }
    }
  }
  return masked;
}

bool ShouldRetry(const EvaluatedPolicy& policy, int attempts, interp::Interpreter& in,
                 uint32_t matcher, const ir::Policies* call_policies,
                 const events::DecodedEvent& event, const interp::Value& result,
                 const interp::Value& error) {
  if (!policy.retry || attempts > policy.retry->count) return false;
  if (!policy.retry->has_when) return true;
  if (call_policies == nullptr || !call_policies->retry_when.IsValid()) return false;
  in.SetContext(result, error);
  interp::Value holds = in.Evaluate(matcher, call_policies->retry_when, event);
  in.SetContext(interp::Value::Absent(), interp::Value::Absent());
  return holds.kind == interp::Value::Kind::kBool && holds.boolean;
}

bool PrepareRunRequest(const ir::ActionSpec& spec, const std::string& scratch_dir,
                       runners::RunRequest& request, std::string* error) {
  for (const ir::ActionParameter& p : spec.parameters) {
    runners::ParameterInfo info;
    info.name = p.name;
    if (p.position >= 0) info.position = p.position;
    info.from_runner = p.from_runner;
    info.secret = p.secret;
    request.schema.push_back(std::move(info));
  }
  std::string entry = spec.entry_point;
  if (entry.starts_with(kStdlibPrefix)) {
    entry = MaterializeStdlib(entry, scratch_dir);
    if (entry.empty()) {
      *error = "cannot write out the built-in script of `" + spec.ref + "`";
      return false;
    }
  }
  if (!entry.empty()) {
    request.entry_point = entry;
    request.actions_dir = request.entry_point.parent_path();
  }
  return true;
}

Json ErrorDocument(std::string_view message, std::string_view action, std::string_view status,
                   const Json& result) {
  return Json{{"message", message}, {"action", action}, {"status", status}, {"result", result}};
}

Json ExecutionEventPayload(int64_t execution_id, std::string_view action, std::string_view runner,
                           std::string_view status, const Json& parameters, const Json& result,
                           int64_t started_at_ms, int64_t finished_at_ms, std::string_view rule) {
  Json payload = {{"execution_id", std::to_string(execution_id)},
                  {"action", action},
                  {"runner", runner},
                  {"status", status},
                  {"parameters", parameters},
                  {"result", result},
                  {"finished_at", interp::FormatTime(finished_at_ms)}};
  if (started_at_ms > 0) payload["started_at"] = interp::FormatTime(started_at_ms);
  if (!rule.empty()) payload["rule"] = rule;
  return payload;
}

Json ActionTriggerPayload(int64_t execution_id, std::string_view action, std::string_view runner,
                          std::string_view status, const Json& parameters, const Json& result,
                          int64_t started_at_ms) {
  const size_t dot = action.find('.');
  return Json{{"execution_id", std::to_string(execution_id)},
              {"status", status == "timed_out" ? std::string_view("timeout") : status},
              {"start_timestamp",
               started_at_ms > 0 ? Json(interp::FormatTime(started_at_ms)) : Json(nullptr)},
              {"action_name", dot == std::string_view::npos ? action : action.substr(dot + 1)},
              {"action_ref", action},
              {"runner_ref", runner},
              {"parameters", parameters},
              {"result", result}};
}

}  // namespace squall::engine
