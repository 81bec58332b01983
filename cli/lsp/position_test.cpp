#include "cli/lsp/position.h"

#include <gtest/gtest.h>

#include <string>

namespace squall::lsp {
namespace {

struct OffsetCase {
  const char* name;
  std::string text;
  uint32_t offset;
  Position position;
};

// "é" is 2 bytes / 1 unit, "€" 3 bytes / 1 unit, "🚨" (U+1F6A8) 4 bytes / 2 units.
TEST(PositionTest, OffsetToPositionCountsUtf16Units) {
  const OffsetCase cases[] = {
      {"start", "abc", 0, {0, 0}},
      {"ascii", "abc", 2, {0, 2}},
      {"end", "abc", 3, {0, 3}},
      {"past end is clamped", "abc", 99, {0, 3}},
      {"second line", "ab\ncd", 4, {1, 1}},
      {"after newline", "ab\n", 3, {1, 0}},
      {"two-byte char", "é=1", 2, {0, 1}},
      {"three-byte char", "€x", 3, {0, 1}},
      {"astral char is two units", "🚨x", 4, {0, 2}},
      {"inside a multi-byte char maps to its start", "🚨x", 2, {0, 0}},
      {"invalid byte is one unit",
       "\xff"
       "a",
       1,
       {0, 1}},
      {"crlf: the \\r ends the line", "ab\r\ncd", 3, {0, 2}},
      {"crlf: next line", "ab\r\ncd", 5, {1, 1}},
      {"mixed", "x = \"né🚨\"\ny", 11, {0, 7}},
  };
  for (const OffsetCase& c : cases) {
    EXPECT_EQ(OffsetToPosition(c.text, c.offset), c.position) << c.name;
  }
}

TEST(PositionTest, PositionToOffsetIsTheInverseAndClamps) {
  const OffsetCase cases[] = {
      {"start", "abc", 0, {0, 0}},
      {"ascii", "abc", 2, {0, 2}},
      {"character past the line end", "ab\ncd", 2, {0, 9}},
      {"line past the end", "ab\ncd", 5, {7, 0}},
      {"second line", "ab\ncd", 4, {1, 1}},
      {"two-byte char", "é=1", 2, {0, 1}},
      {"astral char", "🚨x", 4, {0, 2}},
      {"middle of a surrogate pair", "🚨x", 4, {0, 1}},
      {"crlf line end excludes \\r", "ab\r\ncd", 2, {0, 5}},
      {"invalid byte",
       "\xff"
       "a",
       1,
       {0, 1}},
      {"empty text", "", 0, {3, 3}},
  };
  for (const OffsetCase& c : cases) {
    EXPECT_EQ(PositionToOffset(c.text, c.position), c.offset) << c.name;
  }
}

TEST(PositionTest, RoundTripsEveryCharacterBoundary) {
  std::string text = "rule r {\n  if é.x where \"🚨€\" == event.ü\r\n}\n";
  for (uint32_t offset = 0; offset <= text.size(); ++offset) {
    bool boundary =
        offset == text.size() || (static_cast<unsigned char>(text[offset]) & 0xC0) != 0x80;
    if (!boundary || (offset < text.size() && text[offset] == '\n' && text[offset - 1] == '\r')) {
      continue;
    }
    EXPECT_EQ(PositionToOffset(text, OffsetToPosition(text, offset)), offset) << offset;
  }
}

TEST(PositionTest, EndPosition) {
  EXPECT_EQ(EndPosition(""), (Position{0, 0}));
  EXPECT_EQ(EndPosition("a\nbé"), (Position{1, 2}));
  EXPECT_EQ(EndPosition("a\n"), (Position{1, 0}));
}

TEST(PositionTest, Uris) {
  EXPECT_EQ(UriToPath("file:///tmp/a.rule"), "/tmp/a.rule");
  EXPECT_EQ(UriToPath("file:///tmp/my%20rules/%C3%A9.rule"), "/tmp/my rules/é.rule");
  EXPECT_EQ(UriToPath("file://localhost/tmp/a.rule"), "/tmp/a.rule");
  EXPECT_EQ(UriToPath("untitled:Untitled-1"), "");
  EXPECT_EQ(UriToPath("file:///bad%zzescape"), "/bad%zzescape");
  EXPECT_EQ(PathToUri("/tmp/my rules/é.rule"), "file:///tmp/my%20rules/%C3%A9.rule");
  EXPECT_EQ(UriToPath(PathToUri("/a/b c/#x.rule")), "/a/b c/#x.rule");
}

}  // namespace
}  // namespace squall::lsp
