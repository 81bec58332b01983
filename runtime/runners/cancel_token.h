// CancelToken: a one-shot cancellation flag that a blocked runner can wait on.
//
// The engine owns the token and keeps it alive for the whole Run() call; runners only read it.
// Cancel() may be called from any thread, any number of times. The flag can be backed by an
// eventfd that becomes (and stays) readable once cancelled, so a runner waiting in poll() or in
// an Asio loop wakes at once instead of polling a boolean. The eventfd is made on the first
// fd() call: most executions (noop steps, quick commands) never wait on it, and creating and
// closing a file per execution was a measurable share of a workflow step.
#pragma once

#include <atomic>

namespace squall::runners {

class CancelToken {
 public:
  CancelToken() = default;
  ~CancelToken();
  CancelToken(const CancelToken&) = delete;
  CancelToken& operator=(const CancelToken&) = delete;

  // Marks the token cancelled and wakes every waiter. Thread-safe, idempotent.
  void Cancel();
  bool canceled() const { return canceled_.load(); }
  // Readable (POLLIN) once Cancel() has been called; never read from it, so every waiter sees it.
  // Thread-safe; throws std::system_error when no eventfd can be created.
  int fd() const;

 private:
  // Both sequentially consistent: Cancel() stores `canceled_` then reads `fd_`, fd() stores
  // `fd_` then reads `canceled_`, so at least one of them sees the other and signals the fd.
  std::atomic<bool> canceled_{false};
  mutable std::atomic<int> fd_{-1};
};

}  // namespace squall::runners
