#include "runtime/patterns/glob_shape.h"

#include <gtest/gtest.h>

#include <string>

namespace squall::patterns {
namespace {

struct ShapeCase {
  std::string glob;
  LiteralTest test;
  std::string literal;
  bool exact;
};

void PrintTo(const ShapeCase& c, std::ostream* os) { *os << '"' << c.glob << '"'; }

class GlobShapeTest : public testing::TestWithParam<ShapeCase> {};

TEST_P(GlobShapeTest, Analyzes) {
  GlobShape shape = AnalyzeGlob(GetParam().glob);
  EXPECT_EQ(shape.test, GetParam().test);
  EXPECT_EQ(shape.literal, GetParam().literal);
  EXPECT_EQ(shape.exact, GetParam().exact);
}

using L = LiteralTest;

INSTANTIATE_TEST_SUITE_P(
    Shapes, GlobShapeTest,
    testing::Values(
        // Exact shapes: the literal test decides.
        ShapeCase{.glob = "", .test = L::kEquals, .literal = "", .exact = true},
        ShapeCase{.glob = "web-01", .test = L::kEquals, .literal = "web-01", .exact = true},
        ShapeCase{.glob = "*", .test = L::kAny, .literal = "", .exact = true},
        ShapeCase{.glob = "***", .test = L::kAny, .literal = "", .exact = true},
        ShapeCase{.glob = "web-*", .test = L::kPrefix, .literal = "web-", .exact = true},
        ShapeCase{.glob = "web-**", .test = L::kPrefix, .literal = "web-", .exact = true},
        ShapeCase{.glob = "*.log", .test = L::kSuffix, .literal = ".log", .exact = true},
        ShapeCase{.glob = "*error*", .test = L::kContains, .literal = "error", .exact = true},
        ShapeCase{.glob = "**error**", .test = L::kContains, .literal = "error", .exact = true},
        // Escapes are unescaped; a lone trailing backslash is itself.
        ShapeCase{.glob = "web\\*", .test = L::kEquals, .literal = "web*", .exact = true},
        ShapeCase{.glob = "\\?*", .test = L::kPrefix, .literal = "?", .exact = true},
        ShapeCase{.glob = "*a\\\\", .test = L::kSuffix, .literal = "a\\", .exact = true},
        ShapeCase{.glob = "a\\", .test = L::kEquals, .literal = "a\\", .exact = true},
        ShapeCase{.glob = "\\a\\b", .test = L::kEquals, .literal = "ab", .exact = true},
        // General globs: a necessary literal condition, then GlobMatch.
        ShapeCase{.glob = "?", .test = L::kAny, .literal = "", .exact = false},
        ShapeCase{.glob = "*?*", .test = L::kAny, .literal = "", .exact = false},
        ShapeCase{.glob = "a?c", .test = L::kPrefix, .literal = "a", .exact = false},
        ShapeCase{.glob = "web-?*", .test = L::kPrefix, .literal = "web-", .exact = false},
        ShapeCase{.glob = "*?.log", .test = L::kSuffix, .literal = ".log", .exact = false},
        ShapeCase{.glob = "*a*bcd*", .test = L::kContains, .literal = "bcd", .exact = false},
        // Anchored runs get a two-byte bonus: "web" (3 + 2) beats "prod" (4), loses to
        // "-production-" (12).
        ShapeCase{.glob = "web*prod*", .test = L::kPrefix, .literal = "web", .exact = false},
        ShapeCase{.glob = "web*-production-*",
                  .test = L::kContains,
                  .literal = "-production-",
                  .exact = false},
        ShapeCase{.glob = "web-*.example.com",
                  .test = L::kSuffix,
                  .literal = ".example.com",
                  .exact = false}));

}  // namespace
}  // namespace squall::patterns
