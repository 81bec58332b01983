#include "runtime/runners/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string_view>
#include <utility>

extern char** environ;

namespace squall::runners {
namespace {

using Clock = std::chrono::steady_clock;

// After the child exits, output still in flight is read for at most this long: a background
// grandchild that keeps the pipes open must not hold the execution until its timeout.
constexpr std::chrono::milliseconds kDrainAfterExit{250};
// Poll interval when the kernel has no pidfd_open (before Linux 5.3).
constexpr std::chrono::milliseconds kExitPollInterval{20};

class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  Fd& operator=(Fd&&) = delete;
  ~Fd() { Reset(); }
  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  void Reset(int fd = -1) {
    if (fd_ >= 0) close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

std::string Errno(std::string_view what, int err) {
  return std::string(what) + ": " + std::strerror(err);
}

// The caller's environment with `extra` added; a name in `extra` replaces the inherited one and
// the last of several equal names wins.
std::vector<std::string> BuildEnvironment(
    const std::vector<std::pair<std::string, std::string>>& extra) {
  auto overridden = [&](std::string_view name, size_t from) {
    for (size_t i = from; i < extra.size(); ++i) {
      if (extra[i].first == name) return true;
    }
    return false;
  };
  std::vector<std::string> out;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view entry(*e);
    if (!overridden(entry.substr(0, entry.find('=')), 0)) out.emplace_back(entry);
  }
  for (size_t i = 0; i < extra.size(); ++i) {
    if (!overridden(extra[i].first, i + 1)) out.push_back(extra[i].first + "=" + extra[i].second);
  }
  return out;
}

std::vector<char*> CStrings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (std::string& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// One captured output stream.
struct Capture {
  Fd fd;
  std::string* text;
  bool* truncated;
  size_t limit;

  // Reads one chunk; closes the stream on EOF or error. Bytes past the cap are dropped (not left
  // in the pipe) so that a chatty child never blocks on a full pipe.
  void ReadSome() {
    char buf[65536];
    ssize_t n = read(fd.get(), buf, sizeof buf);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
    if (n <= 0) {
      fd.Reset();
      return;
    }
    size_t keep = std::min(static_cast<size_t>(n), limit - std::min(limit, text->size()));
    text->append(buf, keep);
    if (keep < static_cast<size_t>(n)) *truncated = true;
  }
};

// posix_spawn attributes and file actions, destroyed on every path.
struct SpawnSetup {
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  SpawnSetup() {
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attr);
  }
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;
};

// glibc 2.36's <sys/pidfd.h> declares pidfd_open without extern "C" (fixed in 2.37), so C++
// cannot link against it: call the system call directly. -1 when the kernel lacks it (< 5.3).
int PidfdOpen(pid_t pid) {
#ifdef SYS_pidfd_open
  return static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
#else
  (void)pid;
  return -1;
#endif
}

bool ChildExited(int pidfd, pid_t pid) {
  if (pidfd >= 0) {
    pollfd p{pidfd, POLLIN, 0};
    return poll(&p, 1, 0) == 1;
  }
  // WNOWAIT leaves the zombie in place: its pid (and so the process group id) cannot be reused
  // before we have finished signalling the group.
  siginfo_t info{};
  return waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
         info.si_pid == pid;
}

}  // namespace

ProcessResult RunProcess(const ProcessSpec& spec, const CancelToken* cancel) {
  ProcessResult result;
  if (spec.argv.empty()) {
    result.error = "empty command";
    return result;
  }
  // A run cancelled before it started never starts: nothing to kill, nothing half done.
  if (cancel != nullptr && cancel->canceled()) {
    result.end = ProcessResult::End::kCanceled;
    result.exit_code = -9;
    return result;
  }

  int out_pipe[2];
  int err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0) {
    result.error = Errno("pipe", errno);
    return result;
  }
  Fd out_read(out_pipe[0]);
  Fd out_write(out_pipe[1]);
  if (pipe2(err_pipe, O_CLOEXEC) != 0) {
    result.error = Errno("pipe", errno);
    return result;
  }
  Fd err_read(err_pipe[0]);
  Fd err_write(err_pipe[1]);
  // stdin is a socket rather than a pipe so that writes can use MSG_NOSIGNAL: a child that exits
  // without reading its input must not SIGPIPE the engine.
  Fd in_parent;
  Fd in_child;
  if (!spec.stdin_data.empty()) {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
      result.error = Errno("socketpair", errno);
      return result;
    }
    in_parent.Reset(sv[0]);
    in_child.Reset(sv[1]);
    shutdown(in_child.get(), SHUT_WR);
  }

  SpawnSetup setup;
  if (in_child.valid()) {
    posix_spawn_file_actions_adddup2(&setup.actions, in_child.get(), 0);
  } else {
    posix_spawn_file_actions_addopen(&setup.actions, 0, "/dev/null", O_RDONLY, 0);
  }
  posix_spawn_file_actions_adddup2(&setup.actions, out_write.get(), 1);
  posix_spawn_file_actions_adddup2(&setup.actions, err_write.get(), 2);
  for (const auto& [from, to] : spec.inherit_fds) {
    posix_spawn_file_actions_adddup2(&setup.actions, from, to);
  }
  if (!spec.cwd.empty()) posix_spawn_file_actions_addchdir_np(&setup.actions, spec.cwd.c_str());
  // Own process group (pgid = pid) so the whole tree can be signalled; default signal handling
  // and an empty mask, whatever the engine ignores or blocks (SIGPIPE in particular).
  sigset_t empty;
  sigset_t all;
  sigemptyset(&empty);
  sigfillset(&all);
  sigdelset(&all, SIGKILL);
  sigdelset(&all, SIGSTOP);
  posix_spawnattr_setflags(&setup.attr,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  posix_spawnattr_setpgroup(&setup.attr, 0);
  posix_spawnattr_setsigmask(&setup.attr, &empty);
  posix_spawnattr_setsigdefault(&setup.attr, &all);

  std::vector<std::string> argv_strings = spec.argv;
  std::vector<std::string> env_strings = BuildEnvironment(spec.env);
  std::vector<char*> argv = CStrings(argv_strings);
  std::vector<char*> envp = CStrings(env_strings);
  pid_t pid = 0;
  const bool search_path = spec.argv[0].find('/') == std::string::npos;
  int rc = search_path
               ? posix_spawnp(&pid, argv[0], &setup.actions, &setup.attr, argv.data(), envp.data())
               : posix_spawn(&pid, argv[0], &setup.actions, &setup.attr, argv.data(), envp.data());
  if (rc != 0) {
    result.error = "cannot run " + spec.argv[0];
    if (!spec.cwd.empty() && rc == ENOENT && !std::filesystem::is_directory(spec.cwd)) {
      result.error += ": working directory " + spec.cwd.string() + " does not exist";
    } else {
      result.error += std::string(": ") + std::strerror(rc);
    }
    return result;
  }
  out_write.Reset();
  err_write.Reset();
  in_child.Reset();
  Fd pidfd(PidfdOpen(pid));

  Capture captures[2] = {
      {std::move(out_read), &result.stdout_text, &result.stdout_truncated, spec.output_limit},
      {std::move(err_read), &result.stderr_text, &result.stderr_truncated, spec.output_limit},
  };
  size_t stdin_written = 0;
  ProcessResult::End forced = ProcessResult::End::kExited;  // kExited: not forced
  bool killed = false;
  bool exited = false;
  Clock::time_point kill_at;
  Clock::time_point drain_until;

  auto force = [&](ProcessResult::End why) {
    forced = why;
    kill(-pid, SIGTERM);
    kill_at = Clock::now() + spec.kill_grace;
  };

  while (true) {
    const Clock::time_point now = Clock::now();
    if (exited && ((!captures[0].fd.valid() && !captures[1].fd.valid()) || now >= drain_until)) {
      break;
    }
    if (!exited && forced == ProcessResult::End::kExited && now >= spec.deadline) {
      force(ProcessResult::End::kTimedOut);
    }
    if (forced != ProcessResult::End::kExited && !killed && Clock::now() >= kill_at) {
      kill(-pid, SIGKILL);
      killed = true;
    }

    pollfd fds[5];
    nfds_t nfds = 0;
    int index[5];  // 0, 1: captures; 2: stdin; 3: cancel; 4: pidfd
    auto add = [&](int fd, short events, int what) {
      fds[nfds] = pollfd{fd, events, 0};
      index[nfds++] = what;
    };
    for (int i = 0; i < 2; ++i) {
      if (captures[i].fd.valid()) add(captures[i].fd.get(), POLLIN, i);
    }
    if (in_parent.valid()) add(in_parent.get(), POLLOUT, 2);
    // Once the child has exited on its own a late cancel changes nothing: the run finished.
    if (cancel != nullptr && forced == ProcessResult::End::kExited && !exited) {
      add(cancel->fd(), POLLIN, 3);
    }
    if (pidfd.valid() && !exited) add(pidfd.get(), POLLIN, 4);

    Clock::time_point wake = Clock::time_point::max();
    if (forced == ProcessResult::End::kExited) wake = std::min(wake, spec.deadline);
    if (forced != ProcessResult::End::kExited && !killed) wake = std::min(wake, kill_at);
    if (exited) wake = std::min(wake, drain_until);
    if (!pidfd.valid() && !exited) wake = std::min(wake, Clock::now() + kExitPollInterval);
    int timeout_ms = -1;
    if (wake != Clock::time_point::max()) {
      auto left = std::chrono::ceil<std::chrono::milliseconds>(wake - Clock::now()).count();
      timeout_ms = static_cast<int>(std::clamp<int64_t>(left, 0, 1 << 30));
    }
    int ready = poll(fds, nfds, timeout_ms);
    if (ready < 0 && errno != EINTR) {
      // Only ENOMEM is possible with valid descriptors; the child must not outlive the wait.
      kill(-pid, SIGKILL);
      break;
    }

    for (nfds_t i = 0; ready > 0 && i < nfds; ++i) {
      if (fds[i].revents == 0) continue;
      switch (index[i]) {
        case 0:
        case 1:
          captures[index[i]].ReadSome();
          break;
        case 2: {
          ssize_t n = send(in_parent.get(), spec.stdin_data.data() + stdin_written,
                           spec.stdin_data.size() - stdin_written, MSG_NOSIGNAL | MSG_DONTWAIT);
          if (n > 0) stdin_written += static_cast<size_t>(n);
          // Done, or the child closed its stdin: either way there is nothing more to send.
          if ((n < 0 && errno != EAGAIN && errno != EINTR) ||
              stdin_written == spec.stdin_data.size()) {
            in_parent.Reset();
          }
          break;
        }
        case 3:
          force(ProcessResult::End::kCanceled);
          break;
        default:
          break;  // pidfd: checked below
      }
    }
    if (!exited && ChildExited(pidfd.get(), pid)) {
      exited = true;
      drain_until = Clock::now() + kDrainAfterExit;
      in_parent.Reset();
      // The leader is gone after SIGTERM: whatever else is left of its group gets no more grace.
      if (forced != ProcessResult::End::kExited && !killed) {
        kill(-pid, SIGKILL);
        killed = true;
      }
    }
  }

  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (forced != ProcessResult::End::kExited) {
    result.end = forced;
    result.exit_code = -9;
  } else if (WIFSIGNALED(status)) {
    result.end = ProcessResult::End::kSignaled;
    result.exit_code = -WTERMSIG(status);
  } else {
    result.end = ProcessResult::End::kExited;
    result.exit_code = WEXITSTATUS(status);
  }
  return result;
}

}  // namespace squall::runners
