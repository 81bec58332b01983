// CancelToken: a one-shot cancellation flag that a blocked runner can wait on.
//
// The engine owns the token and keeps it alive for the whole Run() call; runners only read it.
// Cancel() may be called from any thread, any number of times. The flag is backed by an eventfd
// that becomes (and stays) readable once cancelled, so a runner waiting in poll() or in an Asio
// loop wakes at once instead of polling a boolean.
#pragma once

#include <atomic>

namespace squall::runners {

class CancelToken {
 public:
  CancelToken();
  ~CancelToken();
  CancelToken(const CancelToken&) = delete;
  CancelToken& operator=(const CancelToken&) = delete;

  // Marks the token cancelled and wakes every waiter. Thread-safe, idempotent.
  void Cancel();
  bool canceled() const { return canceled_.load(std::memory_order_acquire); }
  // Readable (POLLIN) once Cancel() has been called; never read from it, so every waiter sees it.
  int fd() const { return fd_; }

 private:
  std::atomic<bool> canceled_{false};
  int fd_ = -1;
};

}  // namespace squall::runners
