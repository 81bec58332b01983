#pragma once

// Invariant checks for Squall's own code. A failed check is a bug in the compiler (never a
// user mistake, which is a diagnostic): it prints the message and aborts, in every build
// type. The message expression is evaluated only when the check fails.

#include <string_view>

namespace squall::source::internal {

// Prints "squall: internal error at FILE:LINE: MESSAGE (failed: CONDITION)" to stderr and
// aborts.
[[noreturn]] void CheckFailed(std::string_view condition, std::string_view file, int line,
                              std::string_view message);

}  // namespace squall::source::internal

// SQUALL_CHECK(condition, message): aborts with `message` (anything convertible to
// std::string_view, e.g. a std::string built on the spot) when `condition` is false.
#define SQUALL_CHECK(condition, message)                                                \
  do {                                                                                  \
    if (!(condition)) [[unlikely]] {                                                    \
      ::squall::source::internal::CheckFailed(#condition, __FILE__, __LINE__, message); \
    }                                                                                   \
  } while (false)
