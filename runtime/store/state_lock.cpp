// Internal to runtime/store: see state_lock.h.
#include "runtime/store/state_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace squall::store::internal {
namespace {

std::filesystem::path LockPath(const std::filesystem::path& state_dir) {
  return state_dir / "lock";
}

int OpenLockFile(const std::filesystem::path& path) {
  return ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
}

// The pid the owner wrote, or "" when the file does not hold one (yet).
std::string ReadOwnerPid(int fd) {
  char buffer[32] = {};
  const ssize_t n = ::pread(fd, buffer, sizeof(buffer) - 1, 0);
  if (n <= 0) return {};
  std::string pid(buffer, static_cast<size_t>(n));
  while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
  return pid;
}

void WriteOwnerPid(int fd) {
  const std::string pid = std::to_string(::getpid()) + "\n";
  // Best effort: the pid only improves the message a second owner gets.
  if (::ftruncate(fd, 0) == 0) {
    [[maybe_unused]] ssize_t written = ::pwrite(fd, pid.data(), pid.size(), 0);
  }
}

}  // namespace

std::unique_ptr<StateLock> StateLock::Acquire(const std::filesystem::path& state_dir,
                                              std::string* error) {
  const std::filesystem::path path = LockPath(state_dir);
  const int fd = OpenLockFile(path);
  if (fd < 0) {
    *error = "cannot open " + path.string() + ": " + std::strerror(errno);
    return nullptr;
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    if (err == EWOULDBLOCK) {
      const std::string pid = ReadOwnerPid(fd);
      *error = "state directory " + state_dir.string() + " is in use by " +
               (pid.empty() ? std::string("another process") : "process " + pid);
    } else {
      *error = "cannot lock " + path.string() + ": " + std::strerror(err);
    }
    ::close(fd);
    return nullptr;
  }
  WriteOwnerPid(fd);
  return std::unique_ptr<StateLock>(new StateLock(fd));
}

bool StateLock::IsFree(const std::filesystem::path& state_dir) {
  const int fd = OpenLockFile(LockPath(state_dir));
  if (fd < 0) return false;
  const bool free = ::flock(fd, LOCK_EX | LOCK_NB) == 0;
  ::close(fd);  // drops the lock if we took it
  return free;
}

StateLock::~StateLock() { ::close(fd_); }

}  // namespace squall::store::internal
