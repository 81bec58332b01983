// Helpers shared by the runners' tests: temp directories, files, waiting for conditions,
// process liveness, background daemons. Test-only code.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace squall::runners::testing {

// A fresh directory under $TMPDIR (or /tmp), removed with its content on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

void WriteFile(const std::filesystem::path& path, const std::string& text, int mode = 0644);
std::string ReadFile(const std::filesystem::path& path);

// Polls `condition` every 10 ms until it holds or `timeout` passes; returns its last value.
bool WaitFor(const std::function<bool()>& condition,
             std::chrono::milliseconds timeout = std::chrono::seconds(10));

// True when `pid` exists and is not a zombie (a container's PID 1 may never reap orphans).
bool ProcessRunning(pid_t pid);
// Pids of running processes whose command line (argv joined by spaces) equals `cmdline`.
std::vector<pid_t> FindProcesses(const std::string& cmdline);

// Starts `argv` in the background with stdout and stderr appended to `log`; returns its pid or
// -1. StopBackground() sends SIGTERM, then SIGKILL after 2 s, and reaps it.
pid_t StartBackground(const std::vector<std::string>& argv, const std::filesystem::path& log);
void StopBackground(pid_t pid);

// A TCP port on 127.0.0.1 that was free a moment ago.
int FreeLoopbackPort();
// True when something accepts TCP connections on 127.0.0.1:port.
bool PortAccepts(int port);

}  // namespace squall::runners::testing
