// remote-shell-cmd and remote-shell-script over the system OpenSSH client (see README.md).
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "runtime/runners/params.h"
#include "runtime/runners/process.h"
#include "runtime/runners/runner_internal.h"
#include "runtime/runners/shell_args.h"

namespace squall::runners {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// ssh's own connect timeout when the execution has a longer (or no) limit.
constexpr int kConnectTimeoutSeconds = 10;
// Remote `timeout -k`: seconds between the remote TERM and KILL.
constexpr int kRemoteKillAfterSeconds = 5;

std::string Trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

// Host names reach ssh as an argument and, for a bastion, a ProxyCommand: accept only the
// characters of DNS names and IP literals so nothing can read as an option or shell syntax.
bool ValidHostName(std::string_view host) {
  if (host.empty() || host[0] == '-') return false;
  for (char c : host) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '-' || c == '_' || c == ':' || c == '%';
    if (!ok) return false;
  }
  return true;
}

bool ParsePort(std::string_view text, int* port) {
  if (text.empty() || text.size() > 5) return false;
  int value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  if (value < 1 || value > 65535) return false;
  *port = value;
  return true;
}

// One "host", "host:port", "[v6]" or "[v6]:port".
bool ParseHostEntry(const std::string& entry, int default_port, SshHost* out) {
  out->key = entry;
  out->port = default_port;
  std::string_view rest = entry;
  if (rest.starts_with('[')) {
    size_t close = rest.find(']');
    if (close == std::string_view::npos) return false;
    out->host = std::string(rest.substr(1, close - 1));
    rest = rest.substr(close + 1);
    if (!rest.empty()) {
      if (rest[0] != ':' || !ParsePort(rest.substr(1), &out->port)) return false;
    }
  } else if (size_t colon = rest.find(':'); colon != std::string_view::npos &&
                                            rest.find(':', colon + 1) == std::string_view::npos) {
    out->host = std::string(rest.substr(0, colon));
    if (!ParsePort(rest.substr(colon + 1), &out->port)) return false;
  } else {
    out->host = std::string(rest);  // a name, or a bare IPv6 address
  }
  return ValidHostName(out->host);
}

// `text` for an ssh_config value that ssh expands %-tokens in (ProxyCommand).
std::string EscapePercent(std::string_view text) {
  std::string out;
  for (char c : text) {
    out.push_back(c);
    if (c == '%') out.push_back('%');
  }
  return out;
}

// A private key given as key material, written to a 0600 file for `ssh -i` and removed when
// the run ends.
class TempKeyFile {
 public:
  TempKeyFile() = default;
  TempKeyFile(const TempKeyFile&) = delete;
  TempKeyFile& operator=(const TempKeyFile&) = delete;
  ~TempKeyFile() {
    if (!path_.empty()) unlink(path_.c_str());
  }

  // Returns "" or why the file could not be written.
  std::string Write(std::string material) {
    std::error_code ec;
    std::filesystem::path dir = std::filesystem::temp_directory_path(ec);
    if (ec) dir = "/tmp";
    std::string templ = (dir / "squall-ssh-key-XXXXXX").string();
    int fd = mkostemp(templ.data(), O_CLOEXEC);  // mode 0600
    if (fd < 0) return std::string("cannot create a key file: ") + std::strerror(errno);
    path_ = templ;
    if (!material.ends_with('\n')) material.push_back('\n');  // ssh rejects keys without it
    size_t done = 0;
    while (done < material.size()) {
      ssize_t n = write(fd, material.data() + done, material.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        int err = errno;
        close(fd);
        return std::string("cannot write the key file: ") + std::strerror(err);
      }
      done += static_cast<size_t>(n);
    }
    close(fd);
    return "";
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

bool LooksLikeKeyMaterial(const std::string& value) {
  return value.find("-----BEGIN ") != std::string::npos || value.find('\n') != std::string::npos;
}

std::string RandomHex() {
  thread_local std::mt19937_64 gen{std::random_device{}()};
  std::ostringstream out;
  out << std::hex << gen();
  return out.str();
}

std::string LastLine(const std::string& text) {
  std::string t = StripFinalNewline(text);
  size_t nl = t.find_last_of('\n');
  return Trim(nl == std::string::npos ? t : t.substr(nl + 1));
}

// One host's outcome.
struct HostRun {
  nlohmann::json doc;
  ProcessResult::End end = ProcessResult::End::kSpawnFailed;
  std::string reason;  // for the execution's error line
};

struct SshCall {
  std::string remote_line;
  std::string stdin_data;
};

class RemoteRunner final : public Runner {
 public:
  RemoteRunner(const RunnerOptions& options, bool script) : options_(options), script_(script) {}

  RunResult Run(const RunRequest& request, const CancelToken& cancel) override {
    RunResult out;
    const nlohmann::json& params = request.parameters;
    if (!params.is_object()) {
      out.error = "parameters must be an object";
      return out;
    }
    int default_port = 22;
    if (std::optional<double> port = NumberParam(params, "port"); port.has_value()) {
      if (*port < 1 || *port > 65535 || *port != static_cast<int>(*port)) {
        out.error = "parameter port must be an integer from 1 to 65535";
        return out;
      }
      default_port = static_cast<int>(*port);
    }
    SshHosts hosts = ParseHosts(StringParamOr(params, "hosts", ""), default_port);
    if (!hosts.error.empty()) {
      out.error = hosts.error;
      return out;
    }
    if (EnvParam env = ReadEnv(params); !env.error.empty()) {
      out.error = env.error;
      return out;
    }

    if (!script_ && StringParamOr(params, "cmd", "").empty()) {
      out.error = "parameter cmd is required and must be a non-empty string";
      return out;
    }

    // Credentials.
    TempKeyFile key_file;
    std::string key_path;
    std::optional<std::string> key = StringParam(params, "private_key");
    if (key && !key->empty()) {
      if (LooksLikeKeyMaterial(*key)) {
        if (std::string error = key_file.Write(*key); !error.empty()) {
          out.error = error;
          return out;
        }
        key_path = key_file.path();
      } else {
        key_path = *key;
        if (!std::filesystem::exists(key_path)) {
          out.error = "private_key file " + key_path + " does not exist";
          return out;
        }
      }
    } else if (StringParam(params, "password").value_or("") != "") {
      out.error =
          "password authentication is not supported: ssh runs in batch mode; give a private_key "
          "(or configure a default key)";
      return out;
    } else if (!options_.default_ssh_key.empty()) {
      key_path = options_.default_ssh_key.string();
    }
    std::string user = StringParamOr(params, "username", options_.default_ssh_user);

    // The script to stream, and where it lands on each host.
    std::string script_text;
    std::string remote_dir;
    if (script_) {
      if (request.entry_point.empty()) {
        out.error = "remote-shell-script needs an entry_point";
        return out;
      }
      std::ifstream in(request.entry_point, std::ios::binary);
      if (!in) {
        out.error = "cannot read script " + request.entry_point.string();
        return out;
      }
      std::ostringstream buffer;
      buffer << in.rdbuf();
      script_text = buffer.str();
      remote_dir = StringParamOr(params, "dir", "/tmp");
    }

    std::vector<std::string> base;
    std::string error = BaseSshArgv(params, key_path, user, &base);
    if (!error.empty()) {
      out.error = error;
      return out;
    }

    const milliseconds limit = EffectiveTimeout(request);
    const Clock::time_point deadline =
        limit.count() > 0 ? Clock::now() + limit : Clock::time_point::max();
    // A file name of its own per host: two host names may be one machine (an alias, or
    // 127.0.0.1 and localhost), and with `parallel` their copies must not overwrite or remove
    // each other's.
    std::vector<std::vector<SshCall>> calls(hosts.hosts.size());
    for (std::vector<SshCall>& host_calls : calls) {
      const std::string remote_file =
          script_ ? remote_dir + "/squall-" + std::to_string(request.execution_id) + "-" +
                        RandomHex() + "-" + request.entry_point.filename().string()
                  : std::string();
      host_calls = Calls(request, script_text, remote_file);
    }

    std::vector<HostRun> runs(hosts.hosts.size());
    auto run_host = [&](size_t i) {
      runs[i] = RunOnHost(base, hosts.hosts[i], calls[i], deadline, limit, cancel);
    };
    if (BoolParam(params, "parallel", false) && hosts.hosts.size() > 1) {
      std::vector<std::thread> threads;
      threads.reserve(hosts.hosts.size());
      for (size_t i = 0; i < hosts.hosts.size(); ++i) threads.emplace_back(run_host, i);
      for (std::thread& t : threads) t.join();
    } else {
      for (size_t i = 0; i < hosts.hosts.size(); ++i) run_host(i);
    }

    // One record per host; the execution succeeds only when every host did.
    out.result = nlohmann::json::object();
    bool any_canceled = false;
    bool any_timed_out = false;
    std::vector<std::string> failures;
    for (size_t i = 0; i < runs.size(); ++i) {
      out.result[hosts.hosts[i].key] = runs[i].doc;
      if (runs[i].end == ProcessResult::End::kCanceled) any_canceled = true;
      if (runs[i].end == ProcessResult::End::kTimedOut) any_timed_out = true;
      if (!runs[i].doc.value("succeeded", false)) {
        failures.push_back(hosts.hosts[i].key + " (" + runs[i].reason + ")");
      }
    }
    if (failures.empty()) {
      out.outcome = Outcome::kSucceeded;
      return out;
    }
    std::string list;
    for (const std::string& f : failures) list += (list.empty() ? "" : ", ") + f;
    if (any_canceled) {
      out.outcome = Outcome::kCanceled;
      out.error = "canceled";
    } else if (any_timed_out) {
      out.outcome = Outcome::kTimedOut;
      out.error = "timed out after " + DurationText(limit) + " on " + list;
    } else {
      out.outcome = Outcome::kFailed;
      out.error = "failed on " + std::to_string(failures.size()) + " of " +
                  std::to_string(runs.size()) + " hosts: " + list;
    }
    return out;
  }

 private:
  // ssh options common to every host (everything before `-p`).
  std::string BaseSshArgv(const nlohmann::json& params, const std::string& key_path,
                          const std::string& user, std::vector<std::string>* argv) const {
    std::vector<std::string> common = {"-o", "BatchMode=yes", "-o",
                                       "ConnectTimeout=" + std::to_string(kConnectTimeoutSeconds)};
    for (const std::string& option : options_.ssh_options) {
      common.push_back("-o");
      common.push_back(option);
    }
    if (!key_path.empty()) {
      common.insert(common.end(), {"-i", key_path, "-o", "IdentitiesOnly=yes"});
    }
    *argv = {options_.ssh_binary.string(), "-T"};
    argv->insert(argv->end(), common.begin(), common.end());
    if (!user.empty()) argv->insert(argv->end(), {"-l", user});

    std::string bastion = StringParamOr(params, "bastion_host", "");
    if (bastion.empty()) return "";
    // The jump host gets the same credentials and options: ssh -J would not pass -i along, so
    // the hop is an explicit ProxyCommand (run by ssh through the local shell: every piece is
    // quoted, and %-escaped because ssh expands %h / %p in it).
    std::string bastion_user = user;
    if (size_t at = bastion.rfind('@'); at != std::string::npos) {
      bastion_user = bastion.substr(0, at);
      bastion = bastion.substr(at + 1);
    }
    SshHost hop;
    if (!ParseHostEntry(bastion, 22, &hop)) return "invalid bastion_host '" + bastion + "'";
    std::string proxy = ShellQuote(options_.ssh_binary.string());
    for (const std::string& word : common) proxy += " " + ShellQuote(word);
    if (!bastion_user.empty()) proxy += " -l " + ShellQuote(bastion_user);
    proxy += " -p " + std::to_string(hop.port) + " -W '[%h]:%p' -- " + ShellQuote(hop.host);
    // Only the -W argument is meant to have tokens: escape the rest.
    std::string escaped = EscapePercent(proxy);
    const std::string token = "'[%%h]:%%p'";
    if (size_t at = escaped.find(token); at != std::string::npos) {
      escaped.replace(at, token.size(), "'[%h]:%p'");
    }
    argv->insert(argv->end(), {"-o", "ProxyCommand=" + escaped});
    return "";
  }

  // The ssh invocations for one host, in order (same on every host).
  std::vector<SshCall> Calls(const RunRequest& request, const std::string& script_text,
                             const std::string& remote_file) const {
    std::optional<std::string> sudo_password = StringParam(request.parameters, "sudo_password");
    const bool password =
        BoolParam(request.parameters, "sudo", false) && sudo_password && !sudo_password->empty();
    const std::string password_line = password ? *sudo_password + "\n" : std::string();
    if (!script_) {
      std::optional<std::string> cmd = StringParam(request.parameters, "cmd");
      // The command text was rendered (event values quoted) at compile time: not re-quoted,
      // but run by /bin/sh -c as one quoted word so cwd / env / sudo / timeout wrap it whole.
      return {{RemoteShellLine(request, cmd.value_or(""), password), password_line}};
    }
    const std::string file = ShellQuote(remote_file);
    std::string dir = std::filesystem::path(remote_file).parent_path().string();
    std::vector<std::string> args =
        BuildScriptArguments(request, StringParamOr(request.parameters, "kwarg_op", "--"));
    std::string invoke = "exec " + file;
    if (!args.empty()) invoke += " " + ShellJoin(args);
    const std::string upload =
        "umask 077 && mkdir -p " + ShellQuote(dir) + " && cat > " + file + " && chmod 700 " + file;
    const std::string run = RemoteShellLine(request, invoke, password);
    const std::string cleanup = "; rc=$?; rm -f " + file + "; exit $rc";
    if (!password) {
      // One connection: the script arrives on stdin, is saved, run and removed.
      return {{upload + " && { " + run + "; }" + cleanup, script_text}};
    }
    // sudo -S needs stdin for the password: upload first, then run on a second connection.
    return {{upload, script_text}, {run + cleanup, password_line}};
  }

  HostRun RunOnHost(const std::vector<std::string>& base, const SshHost& host,
                    const std::vector<SshCall>& calls, Clock::time_point deadline,
                    milliseconds limit, const CancelToken& cancel) const {
    HostRun run;
    ProcessResult process;
    for (const SshCall& call : calls) {
      ProcessSpec spec;
      spec.argv = base;
      spec.argv.insert(spec.argv.end(),
                       {"-p", std::to_string(host.port), "--", host.host, call.remote_line});
      spec.stdin_data = call.stdin_data;
      spec.deadline = deadline;
      spec.output_limit = options_.output_limit;
      spec.kill_grace = options_.kill_grace;
      process = RunProcess(spec, &cancel);
      if (process.end != ProcessResult::End::kExited || process.exit_code != 0) break;
    }
    run.end = process.end;
    run.doc = ShellResultDocument(process);
    switch (process.end) {
      case ProcessResult::End::kSpawnFailed:
        run.reason = process.error;
        run.doc["error"] = process.error;
        break;
      case ProcessResult::End::kTimedOut:
        run.reason = "timed out after " + DurationText(limit);
        run.doc["error"] = run.reason;
        break;
      case ProcessResult::End::kCanceled:
        run.reason = "canceled";
        run.doc["error"] = run.reason;
        break;
      case ProcessResult::End::kSignaled:
        run.reason = "ssh killed by signal " + std::to_string(-process.exit_code);
        run.doc["error"] = run.reason;
        break;
      case ProcessResult::End::kExited:
        if (process.exit_code == 255) {
          // ssh's own failure (connection, authentication): its last stderr line says why.
          std::string why = LastLine(process.stderr_text);
          run.reason = why.empty() ? "ssh failed with status 255" : why;
          run.doc["error"] = run.reason;
        } else if (process.exit_code != 0) {
          run.reason = "exited with status " + std::to_string(process.exit_code);
        }
        break;
    }
    return run;
  }

  const RunnerOptions options_;
  const bool script_;
};

}  // namespace

SshHosts ParseHosts(std::string_view hosts_param, int default_port) {
  SshHosts out;
  std::string_view rest = hosts_param;
  while (true) {
    size_t comma = rest.find(',');
    std::string entry = Trim(rest.substr(0, comma));
    if (!entry.empty()) {
      SshHost host;
      if (!ParseHostEntry(entry, default_port, &host)) {
        out.error = "invalid host '" + entry + "' in hosts";
        out.hosts.clear();
        return out;
      }
      bool duplicate = false;
      for (const SshHost& h : out.hosts) duplicate = duplicate || h.key == host.key;
      if (!duplicate) out.hosts.push_back(std::move(host));
    }
    if (comma == std::string_view::npos) break;
    rest = rest.substr(comma + 1);
  }
  if (out.hosts.empty()) out.error = "parameter hosts is required: a comma-separated host list";
  return out;
}

std::string RemoteShellLine(const RunRequest& request, const std::string& inner,
                            bool sudo_password_on_stdin) {
  const nlohmann::json& params = request.parameters;
  std::string script;
  if (std::string cwd = StringParamOr(params, "cwd", ""); !cwd.empty()) {
    script += "cd " + ShellQuote(cwd) + " && ";
  }
  std::vector<std::pair<std::string, std::string>> env = {
      {"ST2_ACTION_PACK_NAME", request.action.substr(0, request.action.find('.'))},
      {"ST2_ACTION_EXECUTION_ID", std::to_string(request.execution_id)}};
  EnvParam user_env = ReadEnv(params);  // names are identifiers: checked by ReadEnv
  env.insert(env.end(), user_env.vars.begin(), user_env.vars.end());
  script += "export";
  for (const auto& [name, value] : env) script += " " + name + "=" + ShellQuote(value);
  script += " && " + inner;

  std::string command = "/bin/sh -c " + ShellQuote(script);
  if (BoolParam(params, "sudo", false)) {
    command =
        std::string("sudo ") + (sudo_password_on_stdin ? "-S -p ''" : "-n") + " -- " + command;
  }
  const milliseconds limit = EffectiveTimeout(request);
  if (limit.count() <= 0) return command;
  // Killing the local ssh does not stop the remote command (no tty, no SIGHUP): the remote
  // `timeout` (coreutils, when the host has it) ends it there too, with its process group.
  const int64_t seconds = (limit.count() + 999) / 1000;
  return "if command -v timeout >/dev/null 2>&1; then timeout -k " +
         std::to_string(kRemoteKillAfterSeconds) + " " + std::to_string(seconds) + " " + command +
         "; else " + command + "; fi";
}

std::unique_ptr<Runner> MakeRemoteRunner(const RunnerOptions& options, bool script) {
  return std::make_unique<RemoteRunner>(options, script);
}

}  // namespace squall::runners
