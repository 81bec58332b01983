// Child processes for the shell and ssh runners: spawn, feed stdin, capture output, enforce a
// deadline and cancellation, reap.
//
// RunProcess() is a blocking call with no shared state: any number of threads may run processes
// at once. Every descriptor it opens is O_CLOEXEC, so a child spawned by another thread never
// inherits this run's pipes (which would keep them open and hang the reader). The child runs in
// its own process group so that a timeout or cancel can signal everything it started: SIGTERM to
// the group, then SIGKILL after the grace period. The child is always reaped before returning.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "runtime/runners/cancel_token.h"

namespace squall::runners {

struct ProcessSpec {
  // argv[0] is looked up in PATH when it has no '/'. No shell is involved.
  std::vector<std::string> argv;
  std::filesystem::path cwd;  // empty: the caller's working directory
  // Added to (or replacing in) the caller's environment.
  std::vector<std::pair<std::string, std::string>> env;
  // Written to the child's stdin, which is then closed; an empty string gives /dev/null.
  std::string stdin_data;
  // Extra descriptors for the child: {fd in this process, fd number in the child} (>= 3). The
  // caller keeps ownership of its fds, which must differ from their child numbers (dup2 onto
  // itself would keep close-on-exec); the child's copies are not close-on-exec.
  std::vector<std::pair<int, int>> inherit_fds;
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  size_t output_limit = 1 << 20;  // per stream
  std::chrono::milliseconds kill_grace{2000};
};

struct ProcessResult {
  enum class End { kExited, kSignaled, kTimedOut, kCanceled, kSpawnFailed };
  End end = End::kSpawnFailed;
  int exit_code = -1;  // kExited: the status; kSignaled: minus the signal; else -9 (st2's value)
  std::string stdout_text;
  std::string stderr_text;
  bool stdout_truncated = false;
  bool stderr_truncated = false;
  std::string error;  // kSpawnFailed: why
};

// Runs `spec` to completion. `cancel` may be null.
ProcessResult RunProcess(const ProcessSpec& spec, const CancelToken* cancel);

}  // namespace squall::runners
