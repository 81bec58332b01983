// local-shell-cmd and local-shell-script: one child process on this host (see README.md).
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>

#include "runtime/runners/params.h"
#include "runtime/runners/process.h"
#include "runtime/runners/runner_internal.h"
#include "runtime/runners/shell_args.h"

namespace squall::runners {

namespace {

using std::chrono::milliseconds;

// The pack of "pack.action", for ST2_ACTION_PACK_NAME.
std::string PackOf(const std::string& action) { return action.substr(0, action.find('.')); }

// StackStorm reports a wrong sudo password through this stderr line.
bool SudoPasswordRejected(const std::string& stderr_text) {
  return stderr_text.find("incorrect password attempt") != std::string::npos;
}

// Why `path` cannot be executed, or "" when it can.
std::string ScriptProblem(const std::filesystem::path& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) {
    return "script " + path.string() + " cannot be used: " + std::strerror(errno);
  }
  if (!S_ISREG(st.st_mode)) return "script " + path.string() + " is not a regular file";
  if (access(path.c_str(), X_OK) != 0) {
    return "script " + path.string() + " is not executable (chmod +x it)";
  }
  return "";
}

class LocalRunner final : public Runner {
 public:
  LocalRunner(const RunnerOptions& options, bool script) : options_(options), script_(script) {}

  RunResult Run(const RunRequest& request, const CancelToken& cancel) override {
    RunResult out;
    LocalCommand command = BuildLocalCommand(request, options_, script_);
    if (!command.error.empty()) {
      out.error = command.error;
      return out;
    }
    ProcessResult process = RunProcess(command.spec, &cancel);
    out.result = ShellResultDocument(process);
    switch (process.end) {
      case ProcessResult::End::kSpawnFailed:
        out.error = process.error;
        if (process.error.find("Exec format error") != std::string::npos) {
          out.error += " (does the script start with a #! line?)";
        }
        break;
      case ProcessResult::End::kTimedOut:
        out.outcome = Outcome::kTimedOut;
        out.error = "timed out after " + DurationText(command.limit);
        break;
      case ProcessResult::End::kCanceled:
        out.outcome = Outcome::kCanceled;
        out.error = "canceled";
        break;
      case ProcessResult::End::kSignaled:
        out.error = "killed by signal " + std::to_string(-process.exit_code);
        break;
      case ProcessResult::End::kExited:
        if (process.exit_code == 0) {
          out.outcome = Outcome::kSucceeded;
        } else if (StringParam(request.parameters, "sudo_password").has_value() &&
                   SudoPasswordRejected(process.stderr_text)) {
          out.error = "invalid sudo password, or sudo is not configured for this user";
        } else {
          out.error = "exited with status " + std::to_string(process.exit_code);
        }
        break;
    }
    return out;
  }

 private:
  const RunnerOptions options_;
  const bool script_;
};

}  // namespace

milliseconds EffectiveTimeout(const RunRequest& request) {
  milliseconds limit{0};
  if (std::optional<double> seconds = NumberParam(request.parameters, "timeout");
      seconds && std::isfinite(*seconds) && *seconds > 0) {
    // Capped at ten years so that the deadline arithmetic cannot overflow.
    limit = milliseconds(static_cast<int64_t>(std::min(*seconds, 3.15e8) * 1000.0));
  }
  if (request.timeout.count() > 0 && (limit.count() == 0 || request.timeout < limit)) {
    limit = request.timeout;
  }
  return limit;
}

nlohmann::json ShellResultDocument(const ProcessResult& process) {
  const int code = process.end == ProcessResult::End::kSpawnFailed ? -1 : process.exit_code;
  const bool succeeded = process.end == ProcessResult::End::kExited && code == 0;
  nlohmann::json doc = {
      {"stdout", StripFinalNewline(process.stdout_text)},
      {"stderr", StripFinalNewline(process.stderr_text)},
      {"return_code", code},
      {"succeeded", succeeded},
      {"failed", !succeeded},
  };
  if (process.stdout_truncated) doc["stdout_truncated"] = true;
  if (process.stderr_truncated) doc["stderr_truncated"] = true;
  return doc;
}

LocalCommand BuildLocalCommand(const RunRequest& request, const RunnerOptions& options,
                               bool script) {
  LocalCommand out;
  const nlohmann::json& params = request.parameters;
  if (!params.is_object()) {
    out.error = "parameters must be an object";
    return out;
  }

  std::vector<std::string> argv;
  std::filesystem::path default_cwd;
  if (!script) {
    std::optional<std::string> cmd = StringParam(params, "cmd");
    if (!cmd || cmd->empty()) {
      out.error = "parameter cmd is required and must be a non-empty string";
      return out;
    }
    // The command text was rendered (and its event values quoted) at compile time: it goes to
    // the shell exactly as it is.
    argv = {"/bin/sh", "-c", *cmd};
  } else if (!request.entry_point.empty()) {
    const std::filesystem::path& path = request.entry_point;
    if (!path.is_absolute()) {
      out.error = "entry_point " + path.string() + " is not an absolute path";
      return out;
    }
    if (std::string problem = ScriptProblem(path); !problem.empty()) {
      out.error = problem;
      return out;
    }
    argv.push_back(path.string());
    std::vector<std::string> args =
        BuildScriptArguments(request, StringParamOr(params, "kwarg_op", "--"));
    argv.insert(argv.end(), args.begin(), args.end());
    default_cwd = request.actions_dir.empty() ? path.parent_path() : request.actions_dir;
  } else {
    // core.local_script: `script` names a file already on the host, `args` are its argv.
    std::optional<std::string> script_path = StringParam(params, "script");
    if (!script_path || script_path->empty()) {
      out.error = "action has no entry_point and no script parameter";
      return out;
    }
    std::filesystem::path path(*script_path);
    if (!path.is_absolute()) {
      out.error = "script " + *script_path + " is not an absolute path";
      return out;
    }
    if (std::string problem = ScriptProblem(path); !problem.empty()) {
      out.error = problem;
      return out;
    }
    argv.push_back(path.string());
    if (auto it = params.find("args"); it != params.end() && !it->is_null()) {
      if (!it->is_array()) {
        out.error = "parameter args must be an array of strings";
        return out;
      }
      for (const nlohmann::json& arg : *it) argv.push_back(ArgumentText(arg));
    }
    default_cwd = path.parent_path();
  }

  if (BoolParam(params, "sudo", false)) {
    // -E keeps the environment built below (sudo resets it otherwise), as StackStorm does.
    std::vector<std::string> sudo = {"sudo"};
    std::optional<std::string> password = StringParam(params, "sudo_password");
    if (password && !password->empty()) {
      // The password goes to sudo's stdin, never into argv (visible in ps) or a log.
      sudo.insert(sudo.end(), {"-S", "-p", ""});
      out.spec.stdin_data = *password + "\n";
    } else {
      sudo.push_back("-n");  // fail at once instead of waiting for a password prompt
    }
    sudo.insert(sudo.end(), {"-E", "--"});
    argv.insert(argv.begin(), sudo.begin(), sudo.end());
  }
  out.spec.argv = std::move(argv);

  std::optional<std::string> cwd = StringParam(params, "cwd");
  out.spec.cwd = cwd && !cwd->empty() ? std::filesystem::path(*cwd) : default_cwd;

  EnvParam env = ReadEnv(params);
  if (!env.error.empty()) {
    out.error = env.error;
    return out;
  }
  out.spec.env = {{"ST2_ACTION_PACK_NAME", PackOf(request.action)},
                  {"ST2_ACTION_EXECUTION_ID", std::to_string(request.execution_id)}};
  out.spec.env.insert(out.spec.env.end(), env.vars.begin(), env.vars.end());

  out.limit = EffectiveTimeout(request);
  if (out.limit.count() > 0) out.spec.deadline = std::chrono::steady_clock::now() + out.limit;
  out.spec.output_limit = options.output_limit;
  out.spec.kill_grace = options.kill_grace;
  return out;
}

std::unique_ptr<Runner> MakeLocalRunner(const RunnerOptions& options, bool script) {
  return std::make_unique<LocalRunner>(options, script);
}

}  // namespace squall::runners
