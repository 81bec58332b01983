// Internal to runtime/store: the advisory lock that makes one `squall run` the owner of a state
// directory. flock(2) on `<state_dir>/lock`, which also holds the owner's pid for the message
// a second owner gets. The kernel drops the lock when the process dies (kill -9 included), so
// a stale lock file never blocks a restart.
//
// Ownership: the StateLock owns the file descriptor; the lock lasts until it is destroyed.
// flock locks belong to the open file, so a second StateLock in the same process also fails.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

namespace squall::store::internal {

class StateLock {
 public:
  // Takes the exclusive lock without waiting; null and "state directory X is in use by process
  // N" (or the system error) otherwise.
  static std::unique_ptr<StateLock> Acquire(const std::filesystem::path& state_dir,
                                            std::string* error);
  // Whether no process holds the lock right now (a shared opener uses it to decide whether it
  // may migrate the schema). Takes and drops the lock; false when it cannot tell.
  static bool IsFree(const std::filesystem::path& state_dir);

  StateLock(const StateLock&) = delete;
  StateLock& operator=(const StateLock&) = delete;
  ~StateLock();

 private:
  explicit StateLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace squall::store::internal
