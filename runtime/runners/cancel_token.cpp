#include "runtime/runners/cancel_token.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <system_error>

namespace squall::runners {

CancelToken::CancelToken() : fd_(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
  if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "eventfd");
}

CancelToken::~CancelToken() { close(fd_); }

void CancelToken::Cancel() {
  if (canceled_.exchange(true, std::memory_order_acq_rel)) return;
  const uint64_t one = 1;
  // The counter cannot overflow with one write, so the write cannot fail with EAGAIN.
  [[maybe_unused]] ssize_t n = write(fd_, &one, sizeof one);
}

}  // namespace squall::runners
