// Pieces shared by the runner implementations (not part of the engine-facing API in runner.h).
// Tests use them to check argv building without running anything. Pure functions unless stated,
// thread-safe.
#pragma once

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "runtime/runners/process.h"
#include "runtime/runners/runner.h"

namespace squall::runners {

// The run's time limit: the `timeout` parameter (seconds; absent, null or <= 0 = none) and
// RunRequest::timeout (0 = none); the smaller of the two set limits wins. 0 = no limit.
std::chrono::milliseconds EffectiveTimeout(const RunRequest& request);

// Every value to mask in what a run returns: RunRequest::secret_values, plus the string values
// of parameters the schema marks secret and of the runners' secret parameters (sudo_password,
// password, private_key, passphrase) whatever the schema says.
std::vector<std::string> CollectSecrets(const RunRequest& request);

// {stdout, stderr, return_code, succeeded, failed} (+ stdout_truncated / stderr_truncated when
// true) for one finished process; stdout and stderr lose their final newline.
nlohmann::json ShellResultDocument(const ProcessResult& process);

// The local runners' child process, ready for RunProcess(): argv (with sudo when asked), cwd,
// env (ST2_ACTION_PACK_NAME, ST2_ACTION_EXECUTION_ID, then the `env` parameter), stdin (the
// sudo password, never in argv), deadline from EffectiveTimeout. `error` is set instead when
// the request cannot run (bad parameter, missing or non-executable script).
struct LocalCommand {
  ProcessSpec spec;
  std::chrono::milliseconds limit{0};
  std::string error;
};
LocalCommand BuildLocalCommand(const RunRequest& request, const RunnerOptions& options,
                               bool script);

// One target of a remote runner, parsed from `hosts` ("host", "host:port", "[v6]:port").
struct SshHost {
  std::string key;  // the entry as given (trimmed): the key of the per-host result
  std::string host;
  int port = 22;
};
// The hosts of `hosts_param`, duplicates removed (first kept); `error` when the list is empty,
// a port is invalid or a host name could be mistaken for an ssh option.
struct SshHosts {
  std::vector<SshHost> hosts;
  std::string error;
};
SshHosts ParseHosts(std::string_view hosts_param, int default_port);

// The remote shell command line (what ssh hands to the remote login shell) that runs `inner`
// (a /bin/sh script text) with the request's cwd, env, sudo and remote timeout. Every value
// from the request is quoted with ShellQuote; `inner` itself is quoted as one word.
// `sudo_password_on_stdin`: sudo reads the password from stdin (-S) instead of failing (-n).
std::string RemoteShellLine(const RunRequest& request, const std::string& inner,
                            bool sudo_password_on_stdin);

std::unique_ptr<Runner> MakeLocalRunner(const RunnerOptions& options, bool script);
std::unique_ptr<Runner> MakeRemoteRunner(const RunnerOptions& options, bool script);
// python-script (python_runner.cpp).
std::unique_ptr<Runner> MakePythonRunner(const RunnerOptions& options);

}  // namespace squall::runners
