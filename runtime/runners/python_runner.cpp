// python-script: runs an unmodified StackStorm Python action (see README.md, "python-script").
//
// The embedded modules of python/ are written once to a directory of their own; each run starts
// `python3 <dir>/squall_python_wrapper.py` in its own process group with the job (a JSON
// object) on stdin and one end of a Unix socket pair as fd 3. The wrapper imports the action,
// and talks JSON lines over fd 3 (protocol in python/squall_channel.py): datastore calls, the
// values to mask, and finally the result or the error. A thread of this runner answers those
// requests while RunProcess() waits for the child, so timeouts, cancel, output capture and the
// process-group kill are exactly the local runners'.
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "runtime/runners/params.h"
#include "runtime/runners/process.h"
#include "runtime/runners/python_shim_files.h"
#include "runtime/runners/runner_internal.h"

namespace squall::runners {

namespace {

using Json = nlohmann::json;
namespace fs = std::filesystem;

constexpr int kChannelFd = 3;                   // the wrapper's end of the channel
constexpr size_t kMaxMessageBytes = 16u << 20;  // one channel line (a result, a list reply)
constexpr std::string_view kWrapper = "squall_python_wrapper.py";
// The python-script runner's own parameters (stdlib/runners, _runners/python_runner.runner.yaml):
// never passed to run() even when the request carries no schema.
constexpr std::string_view kRunnerParameters[] = {"env", "timeout", "log_level", "debug",
                                                  "content_version"};

uint64_t Fnv1a(uint64_t hash, std::string_view bytes) {
  for (unsigned char c : bytes) {
    hash ^= c;
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

bool SameContent(const fs::path& path, std::string_view text) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str() == text;
}

// Writes every embedded module under `dir`, each through a temporary file and a rename so that
// a concurrent reader never sees a half-written module. "" or why not.
std::string WriteShim(const fs::path& dir) {
  static std::atomic<uint64_t> counter{0};
  std::error_code ec;
  for (const EmbeddedFile& file : PythonShimFiles()) {
    fs::path target = dir / fs::path(std::string(file.path));
    if (SameContent(target, file.text)) continue;
    fs::create_directories(target.parent_path(), ec);
    if (ec) return "cannot create " + target.parent_path().string() + ": " + ec.message();
    fs::path temp = target;
    temp += ".tmp." + std::to_string(getpid()) + "." + std::to_string(counter++);
    {
      std::ofstream out(temp, std::ios::binary | std::ios::trunc);
      out.write(file.text.data(), static_cast<std::streamsize>(file.text.size()));
      if (!out.flush()) return "cannot write " + temp.string();
    }
    fs::rename(temp, target, ec);
    if (ec) {
      fs::remove(temp, ec);
      return "cannot write " + target.string();
    }
  }
  return "";
}

// The JSON value of a stored entry as StackStorm's string values: a JSON string as its text,
// any other value as its JSON text.
std::string ValueText(const std::string& value_json) {
  Json value = Json::parse(value_json, nullptr, false);
  if (value.is_discarded()) return value_json;
  if (value.is_string()) return value.get<std::string>();
  return value.dump();
}

// "2026-12-07T10:00:00.000000Z" (StackStorm's expire_timestamp form).
std::string IsoTime(int64_t ms) {
  std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char text[96];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms % 1000) * 1000);
  return text;
}

bool SendAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// What the wrapper told the runner during one run. Written by the channel thread only, read
// after it was joined.
struct ChannelState {
  std::optional<Json> end;  // the "result" or "error" message
  std::vector<std::string> secrets;
};

// Answers the wrapper's requests on `fd` until it closes or the runner shuts the socket down.
class ChannelServer {
 public:
  ChannelServer(int fd, Datastore* datastore, ChannelState& state)
      : fd_(fd), datastore_(datastore), state_(state) {}

  void Serve() {
    std::string buffer;
    bool discarding = false;  // inside a line longer than kMaxMessageBytes
    char chunk[65536];
    while (true) {
      ssize_t n = read(fd_, chunk, sizeof chunk);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return;
      buffer.append(chunk, static_cast<size_t>(n));
      size_t start = 0;
      for (size_t nl; (nl = buffer.find('\n', start)) != std::string::npos; start = nl + 1) {
        Json reply;
        if (discarding) {
          discarding = false;
          reply = Error("message larger than " + std::to_string(kMaxMessageBytes >> 20) +
                        " MiB (a result must be smaller)");
        } else {
          reply = Handle(std::string_view(buffer).substr(start, nl - start));
        }
        if (!SendAll(fd_, reply.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n")) {
          return;
        }
      }
      buffer.erase(0, start);
      if (buffer.size() > kMaxMessageBytes) {
        discarding = true;
        buffer.clear();
      }
    }
  }

 private:
  static Json Error(std::string message) {
    return Json{{"ok", false}, {"error", std::move(message)}};
  }

  Json Handle(std::string_view line) {
    Json request = Json::parse(line, nullptr, false);
    if (!request.is_object() || !request.contains("op") || !request["op"].is_string()) {
      return Error("not a request: expected a JSON object with an `op`");
    }
    const std::string op = request["op"].get<std::string>();
    if (op == "result" || op == "error") {
      state_.end = std::move(request);
      return Json{{"ok", true}};
    }
    if (op == "secrets") {
      for (const Json& value : request.value("values", Json::array())) {
        if (value.is_string()) state_.secrets.push_back(value.get<std::string>());
      }
      return Json{{"ok", true}};
    }
    if (op != "get" && op != "set" && op != "delete" && op != "list") {
      return Error("unknown request `" + op + "`");
    }
    if (datastore_ == nullptr) return Error("this runtime gives actions no datastore access");
    if (op == "list") {
      std::optional<std::string> prefix = StringParam(request, "prefix");
      Json items = Json::array();
      for (const Datastore::Entry& entry : datastore_->List(prefix.value_or(""))) {
        Json item = {{"key", entry.key}, {"value", ValueText(entry.value_json)}};
        if (entry.expires_at_ms > 0) item["expires_at"] = IsoTime(entry.expires_at_ms);
        items.push_back(std::move(item));
      }
      return Json{{"ok", true}, {"items", std::move(items)}};
    }
    std::optional<std::string> key = StringParam(request, "key");
    if (!key || key->empty() || std::any_of(key->begin(), key->end(), [](char c) {
          return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
        })) {
      return Error("a datastore key must be non-empty text without control characters");
    }
    if (op == "get") {
      if (BoolParam(request, "decrypt", false)) {
        if (std::optional<std::string> secret = datastore_->GetSecret(*key)) {
          state_.secrets.push_back(*secret);
          return Json{{"ok", true}, {"value", *secret}};
        }
      }
      std::optional<std::string> value = datastore_->Get(*key);
      return Json{{"ok", true}, {"value", value ? Json(ValueText(*value)) : Json(nullptr)}};
    }
    if (op == "delete") {
      bool deleted = datastore_->Delete(*key);
      deleted = datastore_->DeleteSecret(*key) || deleted;
      return Json{{"ok", true}, {"deleted", deleted}};
    }
    std::optional<std::string> value = StringParam(request, "value");
    if (!value) return Error("a datastore value must be a string");
    std::chrono::milliseconds ttl{0};
    if (std::optional<double> seconds = NumberParam(request, "ttl"); seconds && *seconds > 0) {
      ttl = std::chrono::milliseconds(static_cast<int64_t>(std::min(*seconds, 3.15e8) * 1000.0));
    }
    std::string error;
    if (BoolParam(request, "encrypt", false)) {
      if (ttl.count() > 0) return Error("encrypted values cannot have a ttl in Squall");
      state_.secrets.push_back(*value);
      error = datastore_->PutSecret(*key, *value);
    } else {
      error = datastore_->Put(*key, Json(*value).dump(), ttl);
    }
    if (!error.empty()) return Error(error);
    return Json{{"ok", true}};
  }

  const int fd_;
  Datastore* const datastore_;
  ChannelState& state_;
};

// Both ends of the channel; closed on every path.
struct ChannelFds {
  int runner = -1;
  int wrapper = -1;  // numbered >= 10 so that dup2 onto fd 3 clears close-on-exec
  ChannelFds() = default;
  ChannelFds(const ChannelFds&) = delete;
  ChannelFds& operator=(const ChannelFds&) = delete;
  ~ChannelFds() {
    if (runner >= 0) close(runner);
    if (wrapper >= 0) close(wrapper);
  }
  std::string Open() {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
      return std::string("socketpair: ") + std::strerror(errno);
    }
    runner = sv[0];
    wrapper = fcntl(sv[1], F_DUPFD_CLOEXEC, 10);
    close(sv[1]);
    if (wrapper < 0) return std::string("fcntl: ") + std::strerror(errno);
    return "";
  }
};

// Where the action's pack is: the nearest directory above the entry point that holds a
// pack.yaml (entry points may sit in subdirectories of actions/), else the parent of the
// actions directory.
struct PackLayout {
  fs::path pack_dir;
  fs::path actions_dir;
};
PackLayout FindPackLayout(const RunRequest& request) {
  for (fs::path dir = request.entry_point.parent_path(); dir.has_relative_path();
       dir = dir.parent_path()) {
    std::error_code ec;
    if (fs::is_regular_file(dir / "pack.yaml", ec)) return {dir, dir / "actions"};
  }
  fs::path actions =
      request.actions_dir.empty() ? request.entry_point.parent_path() : request.actions_dir;
  return {actions.parent_path(), actions};
}

// The action's own parameters: run() gets these only, as in StackStorm.
Json ActionParameters(const RunRequest& request) {
  Json out = Json::object();
  for (const auto& [name, value] : request.parameters.items()) {
    bool runner_parameter = false;
    bool in_schema = false;
    for (const ParameterInfo& info : request.schema) {
      if (info.name == name) {
        in_schema = true;
        runner_parameter = info.from_runner;
        break;
      }
    }
    if (!in_schema) {
      for (std::string_view runner_name : kRunnerParameters) {
        runner_parameter = runner_parameter || name == runner_name;
      }
    }
    if (!runner_parameter) out[name] = value;
  }
  return out;
}

// The last non-empty line of `text`, for errors that point at stderr.
std::string LastLine(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
    text.remove_suffix(1);
  }
  size_t nl = text.rfind('\n');
  return std::string(nl == std::string_view::npos ? text : text.substr(nl + 1));
}

// `options` with the paths the child uses made absolute against the current directory: the
// child runs in the pack's actions/ directory, where `--state state` or `--config-dir cfg`
// (or `--python venv/bin/python3`) would name something else. A bare program name
// (`python3`) stays a PATH lookup.
RunnerOptions WithAbsolutePaths(RunnerOptions options) {
  std::error_code ec;
  auto absolute = [&ec](fs::path& path) {
    if (path.empty() || path.is_absolute()) return;
    fs::path resolved = fs::absolute(path, ec);
    if (!ec) path = std::move(resolved);
  };
  absolute(options.pack_config_dir);
  absolute(options.scratch_dir);
  if (options.python_binary.has_parent_path()) absolute(options.python_binary);
  return options;
}

class PythonRunner final : public Runner {
 public:
  explicit PythonRunner(const RunnerOptions& options) : options_(WithAbsolutePaths(options)) {}

  ~PythonRunner() override {
    if (owns_shim_dir_) {
      std::error_code ec;
      fs::remove_all(shim_dir_, ec);
    }
  }

  RunResult Run(const RunRequest& request, const CancelToken& cancel) override {
    RunResult out;
    out.error = Prepare(request);
    if (!out.error.empty()) return out;

    const Json& params = request.parameters;
    EnvParam env = ReadEnv(params);
    if (!env.error.empty()) {
      out.error = env.error;
      return out;
    }
    const PackLayout layout = FindPackLayout(request);
    const std::string pack = request.action.substr(0, request.action.find('.'));
    std::string log_level = StringParamOr(params, "log_level", "DEBUG");
    if (BoolParam(params, "debug", false)) log_level = "DEBUG";

    ChannelFds channel;
    if (std::string error = channel.Open(); !error.empty()) {
      out.error = "cannot open the action channel: " + error;
      return out;
    }
    Json job = {
        {"entry_point", request.entry_point.string()},
        {"pack", pack},
        {"pack_dir", layout.pack_dir.string()},
        {"actions_dir", layout.actions_dir.string()},
        {"config_file", options_.pack_config_dir.empty()
                            ? std::string()
                            : (options_.pack_config_dir / (pack + ".yaml")).string()},
        {"schema_file", (layout.pack_dir / "config.schema.yaml").string()},
        {"parameters", ActionParameters(request)},
        {"log_level", log_level},
        {"execution_id", request.execution_id},
        {"channel_fd", kChannelFd},
    };

    ProcessSpec spec;
    spec.argv = {options_.python_binary.string(), (shim_dir_ / kWrapper).string()};
    spec.cwd = layout.actions_dir;
    spec.env = {{"ST2_ACTION_PACK_NAME", pack},
                {"ST2_ACTION_EXECUTION_ID", std::to_string(request.execution_id)},
                // UTF-8 output whatever the locale; no buffering, so output before a timeout
                // kill is kept; no __pycache__ written into the pack's directories.
                {"PYTHONIOENCODING", "utf-8"},
                {"PYTHONUNBUFFERED", "1"},
                {"PYTHONDONTWRITEBYTECODE", "1"}};
    spec.env.insert(spec.env.end(), env.vars.begin(), env.vars.end());
    spec.stdin_data = job.dump(-1, ' ', false, Json::error_handler_t::replace);
    spec.inherit_fds = {{channel.wrapper, kChannelFd}};
    const std::chrono::milliseconds limit = EffectiveTimeout(request);
    if (limit.count() > 0) spec.deadline = std::chrono::steady_clock::now() + limit;
    spec.output_limit = options_.output_limit;
    spec.kill_grace = options_.kill_grace;

    ChannelState state;
    ChannelServer server(channel.runner, options_.datastore.get(), state);
    std::thread serving([&server] { server.Serve(); });
    ProcessResult process = RunProcess(spec, &cancel);
    // Wakes the server even when a grandchild still holds the wrapper's end; what the wrapper
    // sent before it exited is still read first.
    shutdown(channel.runner, SHUT_RDWR);
    serving.join();

    out = Finish(process, state, limit);
    out.result = MaskSecrets(out.result, state.secrets);
    out.error = MaskSecrets(std::move(out.error), state.secrets);
    return out;
  }

 private:
  // Writes the embedded modules out once and checks the request. "" or why the run cannot
  // start.
  std::string Prepare(const RunRequest& request) {
    std::call_once(shim_once_, [this] { shim_error_ = MaterializeShim(); });
    if (!shim_error_.empty())
      return "cannot write the python-script runner's modules: " + shim_error_;
    if (!request.parameters.is_object()) return "parameters must be an object";
    const fs::path& entry = request.entry_point;
    if (entry.empty()) return "action " + request.action + " has no entry_point (its .py file)";
    if (!entry.is_absolute()) return "entry_point " + entry.string() + " is not an absolute path";
    std::error_code ec;
    if (!fs::is_regular_file(entry, ec)) {
      return "entry_point " + entry.string() + " does not exist or is not a file";
    }
    return "";
  }

  std::string MaterializeShim() {
    if (options_.scratch_dir.empty()) {
      const char* tmp = std::getenv("TMPDIR");
      std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/squall-python-XXXXXX";
      if (mkdtemp(pattern.data()) == nullptr) {
        return "mkdtemp " + pattern + ": " + std::strerror(errno);
      }
      shim_dir_ = pattern;
      owns_shim_dir_ = true;
    } else {
      uint64_t hash = 0xcbf29ce484222325ULL;
      for (const EmbeddedFile& file : PythonShimFiles()) {
        hash = Fnv1a(Fnv1a(Fnv1a(hash, file.path), std::string_view("\0", 1)), file.text);
      }
      char name[32];
      std::snprintf(name, sizeof name, "python-%016llx", static_cast<unsigned long long>(hash));
      shim_dir_ = options_.scratch_dir / name;
    }
    return WriteShim(shim_dir_);
  }

  // A successful execution's result is the value run() returned (StackStorm's
  // `result.result`), which the checker types by the action's output_schema
  // (stdlib/runners/python.yaml); the process's output is kept only when the run fails, in
  // the error's `result`.
  static void Succeed(RunResult& out) {
    out.outcome = Outcome::kSucceeded;
    Json value = out.result["result"];
    out.result = std::move(value);
  }

  static RunResult Finish(const ProcessResult& process, const ChannelState& state,
                          std::chrono::milliseconds limit) {
    RunResult out;
    const std::optional<Json>& end = state.end;
    const bool returned = end && end->value("op", "") == "result";
    const int code = process.end == ProcessResult::End::kSpawnFailed ? -1 : process.exit_code;
    out.result = {{"result", returned ? end->value("result", Json()) : Json()},
                  {"stdout", process.stdout_text},
                  {"stderr", process.stderr_text},
                  {"exit_code", code}};
    if (process.stdout_truncated) out.result["stdout_truncated"] = true;
    if (process.stderr_truncated) out.result["stderr_truncated"] = true;
    switch (process.end) {
      case ProcessResult::End::kSpawnFailed:
        out.error = process.error + " (the python-script runner needs Python 3; see --python)";
        return out;
      case ProcessResult::End::kTimedOut:
        out.outcome = Outcome::kTimedOut;
        out.error = "timed out after " + DurationText(limit);
        return out;
      case ProcessResult::End::kCanceled:
        out.outcome = Outcome::kCanceled;
        out.error = "canceled";
        return out;
      case ProcessResult::End::kSignaled:
        out.error = "killed by signal " + std::to_string(-code);
        return out;
      case ProcessResult::End::kExited:
        break;
    }
    if (end && end->value("op", "") == "error") {
      Json message = end->value("message", Json());
      out.error = message.is_string() ? message.get<std::string>() : "the action failed";
      return out;
    }
    if (returned) {
      // StackStorm: a returned status decides; without one the exit status does.
      Json status = end->value("status", Json());
      if (status.is_boolean() ? status.get<bool>() : code == 0) {
        Succeed(out);
      } else {
        out.error = status.is_boolean() ? "the action returned (False, result)"
                                        : "exited with status " + std::to_string(code);
      }
      return out;
    }
    // The process ended without reporting (sys.exit() in run(), os._exit, a wrapper that could
    // not start): as in StackStorm the exit status decides.
    if (code == 0) {
      Succeed(out);
      return out;
    }
    out.error = "exited with status " + std::to_string(code) + " before the action returned";
    if (std::string last = LastLine(process.stderr_text); !last.empty()) {
      out.error += ": " + last;
    }
    return out;
  }

  const RunnerOptions options_;
  std::once_flag shim_once_;
  std::string shim_error_;
  fs::path shim_dir_;
  bool owns_shim_dir_ = false;
};

}  // namespace

std::unique_ptr<Runner> MakePythonRunner(const RunnerOptions& options) {
  return std::make_unique<PythonRunner>(options);
}

}  // namespace squall::runners
