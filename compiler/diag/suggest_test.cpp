#include "compiler/diag/suggest.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace squall::diag {
namespace {

struct SuggestCase {
  std::string name;
  std::vector<std::string> candidates;
  std::string expected;  // empty: no suggestion
};

class SuggestTest : public testing::TestWithParam<SuggestCase> {};

TEST_P(SuggestTest, FindsClosest) {
  const SuggestCase& c = GetParam();
  std::optional<std::string> match = ClosestMatch(c.name, c.candidates);
  EXPECT_EQ(match.value_or(""), c.expected) << c.name;
  EXPECT_EQ(DidYouMean(c.name, c.candidates),
            c.expected.empty() ? "" : "; did you mean `" + c.expected + "`?");
}

INSTANTIATE_TEST_SUITE_P(
    Suggest, SuggestTest,
    testing::Values(SuggestCase{"comand", {"cmd", "command", "cwd"}, "command"},
                    SuggestCase{"tiemout", {"timeout", "time"}, "timeout"},  // transposition
                    SuggestCase{"CMD", {"cmd"}, "cmd"},                      // case only
                    SuggestCase{"x", {"cmd", "cwd"}, ""},                    // too far
                    SuggestCase{"cmd", {"cmd"}, ""},                         // itself
                    SuggestCase{"hosts", {"host", "hots"}, "host"},          // tie: first
                    SuggestCase{"post_mesage", {"post_message", "post_like"}, "post_message"},
                    SuggestCase{"nope", {"code"}, ""},  // two edits in four letters: too far
                    SuggestCase{"anything", {}, ""}));

}  // namespace
}  // namespace squall::diag
