#include "compiler/source/check.h"

#include <cstdio>
#include <cstdlib>

namespace squall::source::internal {

void CheckFailed(std::string_view condition, std::string_view file, int line,
                 std::string_view message) {
  std::fprintf(stderr, "squall: internal error at %.*s:%d: %.*s (failed: %.*s)\n",
               static_cast<int>(file.size()), file.data(), line, static_cast<int>(message.size()),
               message.data(), static_cast<int>(condition.size()), condition.data());
  std::fflush(stderr);
  std::abort();
}

}  // namespace squall::source::internal
