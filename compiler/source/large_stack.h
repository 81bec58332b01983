// Runs deeply recursive stage code (the parser, the checker) on a thread with a large stack,
// so that inputs the stages accept (bracket nesting up to its limit, operator chains up to
// 10,000 terms) never overflow the 8 MB main-thread stack, in debug builds too.
#pragma once

#include <cstddef>
#include <functional>

namespace squall::source {

// Generous: each stage bounds its own recursion; only the pages actually touched are mapped.
inline constexpr size_t kLargeStackBytes = size_t{256} << 20;

// Runs `work` on a thread with a kLargeStackBytes stack and waits for it. If such a thread
// cannot be created, runs it on the calling thread. Exceptions must not escape `work`.
void RunWithLargeStack(const std::function<void()>& work);

}  // namespace squall::source
