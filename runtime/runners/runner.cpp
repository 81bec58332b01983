#include "runtime/runners/runner.h"

#include <algorithm>
#include <exception>
#include <string_view>

#include "runtime/runners/params.h"
#include "runtime/runners/runner_internal.h"

namespace squall::runners {

namespace {

constexpr std::string_view kMask = "********";

// StackStorm's noop runner result.
class NoopRunner final : public Runner {
 public:
  RunResult Run(const RunRequest&, const CancelToken&) override {
    RunResult out;
    out.outcome = Outcome::kSucceeded;
    out.result = {{"succeeded", true}, {"failed", false}, {"return_code", 0}};
    return out;
  }
  bool RunsInline() const override { return true; }
};

// What CreateRunner hands out: turns exceptions into failures and masks secrets in everything
// returned, so no individual runner can forget either.
class GuardedRunner final : public Runner {
 public:
  explicit GuardedRunner(std::unique_ptr<Runner> inner) : inner_(std::move(inner)) {}
  bool RunsInline() const override { return inner_->RunsInline(); }

  RunResult Run(const RunRequest& request, const CancelToken& cancel) override {
    RunResult out;
    try {
      out = inner_->Run(request, cancel);
    } catch (const std::exception& e) {
      out = RunResult{};
      out.error = std::string("runner failed: ") + e.what();
    } catch (...) {
      out = RunResult{};
      out.error = "runner failed with an unknown exception";
    }
    try {
      std::vector<std::string> secrets = CollectSecrets(request);
      out.result = MaskSecrets(out.result, secrets);
      out.error = MaskSecrets(std::move(out.error), secrets);
    } catch (...) {
      // Masking cannot leave the result half masked: drop it rather than leak.
      out.outcome = Outcome::kFailed;
      out.result = nlohmann::json::object();
      out.error = "runner failed while masking secrets";
    }
    return out;
  }

 private:
  std::unique_ptr<Runner> inner_;
};

std::vector<std::string> UsableSecrets(const std::vector<std::string>& secrets) {
  std::vector<std::string> out;
  for (const std::string& s : secrets) {
    if (!s.empty()) out.push_back(s);
  }
  // Longest first: a secret that contains another must be masked whole.
  std::sort(out.begin(), out.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::string MaskSorted(std::string text, const std::vector<std::string>& secrets) {
  for (const std::string& secret : secrets) {
    size_t at = 0;
    while ((at = text.find(secret, at)) != std::string::npos) {
      text.replace(at, secret.size(), kMask);
      at += kMask.size();
    }
  }
  return text;
}

nlohmann::json MaskValue(const nlohmann::json& value, const std::vector<std::string>& secrets) {
  if (value.is_string()) return MaskSorted(value.get<std::string>(), secrets);
  if (value.is_array()) {
    nlohmann::json out = nlohmann::json::array();
    for (const nlohmann::json& item : value) out.push_back(MaskValue(item, secrets));
    return out;
  }
  if (value.is_object()) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [key, item] : value.items()) {
      out[MaskSorted(key, secrets)] = MaskValue(item, secrets);
    }
    return out;
  }
  return value;
}

}  // namespace

const char* OutcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::kSucceeded:
      return "succeeded";
    case Outcome::kFailed:
      return "failed";
    case Outcome::kTimedOut:
      return "timeout";
    case Outcome::kCanceled:
      return "canceled";
  }
  return "failed";
}

std::string MaskSecrets(std::string text, const std::vector<std::string>& secrets) {
  return MaskSorted(std::move(text), UsableSecrets(secrets));
}

nlohmann::json MaskSecrets(const nlohmann::json& value, const std::vector<std::string>& secrets) {
  return MaskValue(value, UsableSecrets(secrets));
}

std::vector<std::string> CollectSecrets(const RunRequest& request) {
  std::vector<std::string> out = request.secret_values;
  auto add_param = [&](std::string_view name) {
    std::optional<std::string> v = StringParam(request.parameters, name);
    if (v && !v->empty()) out.push_back(*v);
  };
  for (const ParameterInfo& info : request.schema) {
    if (info.secret) add_param(info.name);
  }
  for (std::string_view name : {"sudo_password", "password", "private_key", "passphrase"}) {
    add_param(name);
  }
  return out;
}

std::unique_ptr<Runner> CreateRunner(std::string_view runner_type, const RunnerOptions& options) {
  std::unique_ptr<Runner> inner;
  if (runner_type == "local-shell-cmd") {
    inner = MakeLocalRunner(options, /*script=*/false);
  } else if (runner_type == "local-shell-script") {
    inner = MakeLocalRunner(options, /*script=*/true);
  } else if (runner_type == "remote-shell-cmd") {
    inner = MakeRemoteRunner(options, /*script=*/false);
  } else if (runner_type == "remote-shell-script") {
    inner = MakeRemoteRunner(options, /*script=*/true);
  } else if (runner_type == "python-script") {
    inner = MakePythonRunner(options);
  } else if (runner_type == "noop") {
    inner = std::make_unique<NoopRunner>();
  } else {
    return nullptr;
  }
  return std::make_unique<GuardedRunner>(std::move(inner));
}

}  // namespace squall::runners
