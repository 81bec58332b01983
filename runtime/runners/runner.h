// The runner interface: how the execution engine runs one action execution.
//
// A Runner executes one kind of StackStorm runner_type (local-shell-cmd, remote-shell-script,
// http-request, noop, ...). The engine builds a RunRequest (parameters already defaulted and
// rendered), calls Run() on one of its worker threads and gets a RunResult back. Runners created
// by CreateRunner() are stateless apart from their options: one instance may serve any number of
// concurrent Run() calls from different threads. Run() blocks until the execution ends, times out
// or is cancelled through the CancelToken, never throws, and masks every secret value in what it
// returns.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/runners/cancel_token.h"

namespace squall::runners {

// How an execution ended; maps onto StackStorm's succeeded / failed / timeout / canceled.
enum class Outcome : uint8_t { kSucceeded, kFailed, kTimedOut, kCanceled };
// "succeeded", "failed", "timeout", "canceled" (StackStorm's status names).
const char* OutcomeName(Outcome outcome);

// One parameter of the action's merged schema, as far as runners need it.
struct ParameterInfo {
  std::string name;
  std::optional<int> position;  // positional argument index for script runners
  bool from_runner = false;     // declared by the runner (even when the action overrides it)
  bool secret = false;
};

struct RunRequest {
  int64_t execution_id = 0;
  std::string action;  // "core.local", for messages
  std::string runner;  // runner_type
  // Final parameter values by name (defaults applied, templates rendered). Must be an object.
  nlohmann::json parameters = nlohmann::json::object();
  // The merged parameters in declaration order: the action's own first, then the runner's.
  std::vector<ParameterInfo> schema;
  std::filesystem::path entry_point;  // absolute path of the script; empty when none
  // The pack's actions/ directory: default working directory of local scripts. When empty the
  // script's own directory is used.
  std::filesystem::path actions_dir;
  std::chrono::milliseconds timeout{0};    // whole execution; 0 = no limit
  std::vector<std::string> secret_values;  // replaced by "********" in the result and error
};

struct RunResult {
  Outcome outcome = Outcome::kFailed;
  nlohmann::json result;  // the runner's result document (shape per runner, see README.md)
  std::string error;      // one-line reason when the outcome is not kSucceeded
};

// The key-value store and secrets as runners that hand them to actions see them (python-script:
// `self.action_service.get_value(...)`). The service implements it over its store; tests use a
// map. Every method may be called from several runner threads at once: implementations are
// thread-safe. None throws.
class Datastore {
 public:
  virtual ~Datastore() = default;

  struct Entry {
    std::string key;
    std::string value_json;     // the stored JSON value (a JSON string for StackStorm values)
    int64_t expires_at_ms = 0;  // Unix epoch milliseconds; 0: never
  };

  // The value of `key` (JSON text), nullopt when absent or expired.
  virtual std::optional<std::string> Get(const std::string& key) = 0;
  // Every live entry whose key starts with `prefix`, in key order.
  virtual std::vector<Entry> List(const std::string& prefix) = 0;
  // Stores `value_json` (valid JSON) under `key`, expiring after `ttl` when it is > 0.
  // Returns "" when stored, otherwise why not (a key the runtime owns, a failed write).
  virtual std::string Put(const std::string& key, const std::string& value_json,
                          std::chrono::milliseconds ttl) = 0;
  // Removes `key`; true when it existed and is gone.
  virtual bool Delete(const std::string& key) = 0;

  // The secret store (encrypted at rest): the same contract, plaintext values.
  virtual std::optional<std::string> GetSecret(const std::string& name) = 0;
  virtual std::string PutSecret(const std::string& name, const std::string& value) = 0;
  virtual bool DeleteSecret(const std::string& name) = 0;
};

struct RunnerOptions {
  // Cap per stream for captured stdout / stderr; the rest is read and dropped, and the result
  // says so ("stdout_truncated": true).
  size_t output_limit = 1 << 20;
  // Extra `-o` options for ssh (e.g. "UserKnownHostsFile=/dev/null").
  std::vector<std::string> ssh_options;
  std::filesystem::path ssh_binary = "ssh";
  std::filesystem::path scp_binary = "scp";    // unused: scripts are streamed over ssh's stdin
  std::string default_ssh_user;                // when the action gives no username
  std::filesystem::path default_ssh_key;       // when the action gives no private_key
  std::filesystem::path ca_file;               // extra CA bundle for http-request
  std::chrono::milliseconds kill_grace{2000};  // SIGTERM -> SIGKILL delay on timeout / cancel
  size_t http_response_limit = 8 << 20;        // bytes of response body before http-request fails

  // python-script: the interpreter (looked up in PATH when it has no '/').
  std::filesystem::path python_binary = "python3";
  // python-script: where pack configs live, `<pack_config_dir>/<pack>.yaml` (StackStorm's
  // /opt/stackstorm/configs). Empty: packs run with their schema defaults only.
  std::filesystem::path pack_config_dir;
  // python-script: the directory under which the runner writes its embedded Python modules
  // (a `python-<content hash>` subdirectory, reused while the content is the same). Empty: a
  // private temporary directory, removed when the runner is destroyed.
  std::filesystem::path scratch_dir;
  // python-script: datastore access for actions; null: their datastore calls fail with a
  // clear error. Shared by every runner made from these options; must outlive their runs.
  std::shared_ptr<Datastore> datastore;
};

class Runner {
 public:
  virtual ~Runner() = default;
  // Blocking; thread-safe; never throws.
  virtual RunResult Run(const RunRequest& request, const CancelToken& cancel) = 0;
  // True when Run never blocks (no process, no I/O): the engine calls it on its control
  // thread rather than giving it a thread of its own.
  virtual bool RunsInline() const { return false; }
};

// A runner for `runner_type`, or null for types not handled by this library (http-request,
// inject-trigger, orquesta, ...). The returned runner masks secrets and turns exceptions into
// kFailed results.
std::unique_ptr<Runner> CreateRunner(std::string_view runner_type, const RunnerOptions& options);

// Replaces every occurrence of each non-empty secret in `text` with "********".
std::string MaskSecrets(std::string text, const std::vector<std::string>& secrets);
// The same, applied to every string (and object key) inside `value`.
nlohmann::json MaskSecrets(const nlohmann::json& value, const std::vector<std::string>& secrets);

}  // namespace squall::runners
