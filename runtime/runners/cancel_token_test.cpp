#include "runtime/runners/cancel_token.h"

#include <gtest/gtest.h>
#include <poll.h>

#include <thread>
#include <vector>

namespace squall::runners {
namespace {

bool Readable(int fd) {
  pollfd p{fd, POLLIN, 0};
  return poll(&p, 1, 0) == 1 && (p.revents & POLLIN) != 0;
}

TEST(CancelTokenTest, FdIsReadableOnlyAfterCancel) {
  CancelToken token;
  const int fd = token.fd();
  EXPECT_FALSE(Readable(fd));
  EXPECT_FALSE(token.canceled());
  token.Cancel();
  token.Cancel();  // idempotent
  EXPECT_TRUE(token.canceled());
  EXPECT_TRUE(Readable(fd));
  EXPECT_EQ(token.fd(), fd);  // one fd for the token's life
}

// The fd is made lazily: one asked for after the cancel must be readable at once.
TEST(CancelTokenTest, FdMadeAfterCancelIsReadable) {
  CancelToken token;
  token.Cancel();
  EXPECT_TRUE(Readable(token.fd()));
}

// Cancel racing with the first fd() calls: every caller gets the same fd, and it is readable.
TEST(CancelTokenTest, RacingFirstFdAndCancelAlwaysSignal) {
  for (int round = 0; round < 200; ++round) {
    CancelToken token;
    std::vector<int> seen(3, -1);
    std::vector<std::thread> threads;
    for (int i = 0; i < 3; ++i) threads.emplace_back([&, i] { seen[i] = token.fd(); });
    threads.emplace_back([&] { token.Cancel(); });
    for (std::thread& t : threads) t.join();
    EXPECT_EQ(seen[0], seen[1]);
    EXPECT_EQ(seen[1], seen[2]);
    ASSERT_TRUE(Readable(seen[0])) << "round " << round;
  }
}

}  // namespace
}  // namespace squall::runners
