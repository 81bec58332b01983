#include "runtime/runners/cancel_token.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <system_error>

namespace squall::runners {
namespace {

void Signal(int fd) {
  const uint64_t one = 1;
  // Two writes at most (Cancel and fd() may both signal): the counter cannot overflow, so the
  // write cannot fail with EAGAIN.
  [[maybe_unused]] ssize_t n = write(fd, &one, sizeof one);
}

}  // namespace

CancelToken::~CancelToken() {
  if (int fd = fd_.load(); fd >= 0) close(fd);
}

int CancelToken::fd() const {
  int fd = fd_.load();
  if (fd >= 0) return fd;
  const int made = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (made < 0) throw std::system_error(errno, std::generic_category(), "eventfd");
  if (!fd_.compare_exchange_strong(fd, made)) {
    close(made);  // another thread made it first; `fd` is now theirs
    return fd;
  }
  if (canceled_.load()) Signal(made);
  return made;
}

void CancelToken::Cancel() {
  if (canceled_.exchange(true)) return;
  if (int fd = fd_.load(); fd >= 0) Signal(fd);
}

}  // namespace squall::runners
