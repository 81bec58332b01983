#include "compiler/shell/shell_quote.h"

#include <gtest/gtest.h>
#include <stdio.h>
#include <unistd.h>

#include <string>
#include <vector>

namespace squall::shell {
namespace {

TEST(ContextAfter, FollowsQuotes) {
  struct Case {
    std::string literal;
    QuoteContext expected;
  };
  const std::vector<Case> cases = {
      {"rm -f ", QuoteContext::kBare},
      {"echo \"", QuoteContext::kDouble},
      {"echo '", QuoteContext::kSingle},
      {"echo \"a\" ", QuoteContext::kBare},
      {"echo 'it'\"s ", QuoteContext::kDouble},
      {"echo \\\" ", QuoteContext::kBare},        // escaped quote outside quotes
      {"echo \"a\\\"b ", QuoteContext::kDouble},  // escaped quote inside double quotes
      {"echo '\\' ", QuoteContext::kBare},        // no escapes inside single quotes
      {"echo \"it's ", QuoteContext::kDouble},    // ' inside "..." is literal
      {"echo 'say \"", QuoteContext::kSingle},    // " inside '...' is literal
      {"trailing \\", QuoteContext::kBare},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(ContextAfter(c.literal), c.expected) << c.literal;
  }
}

// Runs `command` with /bin/sh -c and returns its standard output.
std::string RunShell(const std::string& command) {
  std::string quoted_for_popen = Quote(command, QuoteContext::kBare);
  FILE* pipe = popen(("/bin/sh -c " + quoted_for_popen).c_str(), "r");
  std::string out;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
  pclose(pipe);
  return out;
}

// The real shell reads every hostile value back exactly, in every context: nothing it holds
// is executed or expanded.
TEST(Quote, TheShellReadsTheValueBackVerbatim) {
  const std::vector<std::string> hostile = {
      "plain",
      "; rm -rf /tmp/squall-should-not-exist",
      "$(touch /tmp/squall-pwned)",
      "`touch /tmp/squall-pwned`",
      "a'b\"c\\d$e`f",
      "line1\nline2; echo injected",
      "'; echo injected; '",
      "\"; echo injected; \"",
      "$HOME ${HOME} $((1+1)) !! * ? [a] ~",
      "",
      "\\",
      "' \\' '\\''",
  };
  struct Template {
    std::string prefix;
    std::string suffix;
  };
  const std::vector<Template> templates = {
      {"printf '%s' ", ""},
      {"printf '%s' \"", "\""},
      {"printf '%s' '", "'"},
      {
          "printf '%s' \"before ",
          " after\"",
      },
      {"printf '%s' x", "y"},
  };
  for (const Template& t : templates) {
    QuoteContext context = ContextAfter(t.prefix);
    for (const std::string& value : hostile) {
      std::string command = t.prefix + Quote(value, context) + t.suffix;
      std::string expected = value;
      if (t.prefix.ends_with("before ")) expected = "before " + value + " after";
      if (t.prefix.ends_with("x")) expected = "x" + value + "y";
      EXPECT_EQ(RunShell(command), expected) << command;
    }
  }
  EXPECT_NE(access("/tmp/squall-pwned", F_OK), 0) << "a value was executed";
}

TEST(Quote, DropsNulBytes) {
  EXPECT_EQ(Quote(std::string("a\0b", 3), QuoteContext::kBare), "'ab'");
}

TEST(IsShellCommandParameter, OnlyCmdOfShellRunners) {
  EXPECT_TRUE(IsShellCommandParameter("local-shell-cmd", "cmd"));
  EXPECT_TRUE(IsShellCommandParameter("remote-shell-cmd", "cmd"));
  EXPECT_FALSE(IsShellCommandParameter("local-shell-script", "cmd"));
  EXPECT_FALSE(IsShellCommandParameter("local-shell-cmd", "cwd"));
  EXPECT_FALSE(IsShellCommandParameter("http-request", "cmd"));
}

}  // namespace
}  // namespace squall::shell
