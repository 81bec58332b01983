#include "runtime/events/line_reader.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "runtime/events/decoder.h"

namespace squall::events {
namespace {

struct LineCase {
  std::string name;
  std::string input;
  std::vector<std::string> lines;  // a truncated line is written as its text followed by "…"
  size_t max_line_bytes = 1 << 20;
};

void PrintTo(const LineCase& c, std::ostream* os) { *os << c.name; }

std::vector<std::string> ReadAll(LineReader& reader) {
  std::vector<std::string> lines;
  Line line;
  uint64_t expected_number = 1;
  while (reader.Next(line)) {
    EXPECT_EQ(line.number, expected_number++);
    lines.push_back(std::string(line.text) + (line.truncated ? "…" : ""));
  }
  EXPECT_EQ(reader.error(), "");
  return lines;
}

class LineReaderTest : public testing::TestWithParam<LineCase> {};

// Every chunk size, so that lines and CRLFs straddle reads at every position.
TEST_P(LineReaderTest, SplitsLines) {
  const LineCase& c = GetParam();
  for (size_t chunk : {1u, 2u, 3u, 5u, 8u, 64u, 4096u}) {
    std::istringstream in(c.input);
    LineReader reader(in, {.max_line_bytes = c.max_line_bytes, .chunk_bytes = chunk});
    EXPECT_EQ(ReadAll(reader), c.lines) << "chunk " << chunk;
    EXPECT_EQ(reader.bytes_read(), c.input.size());
  }
}

INSTANTIATE_TEST_SUITE_P(
    Lines, LineReaderTest,
    testing::Values(
        LineCase{.name = "empty", .input = "", .lines = {}},
        LineCase{.name = "one", .input = "abc\n", .lines = {"abc"}},
        LineCase{.name = "no_final_newline", .input = "abc\ndef", .lines = {"abc", "def"}},
        LineCase{.name = "crlf", .input = "abc\r\ndef\r\n", .lines = {"abc", "def"}},
        LineCase{.name = "final_cr", .input = "abc\r", .lines = {"abc"}},
        LineCase{.name = "lone_cr_inside", .input = "a\rb\n", .lines = {"a\rb"}},
        LineCase{.name = "empty_lines", .input = "\n\r\n\nx\n", .lines = {"", "", "", "x"}},
        LineCase{.name = "just_newline", .input = "\n", .lines = {""}},
        LineCase{.name = "too_long",
                 .input = "abcdefgh\nxy\n",
                 .lines = {"abcde…", "xy"},
                 .max_line_bytes = 4},
        LineCase{.name = "too_long_last",
                 .input = "xy\nabcdefgh",
                 .lines = {"xy", "abcde…"},
                 .max_line_bytes = 4},
        LineCase{.name = "one_over",
                 .input = "abcde\nabcd\r\nabcd\n",
                 .lines = {"abcde…", "abcd", "abcd"},
                 .max_line_bytes = 4},
        LineCase{
            .name = "one_over_at_end", .input = "abcde", .lines = {"abcde…"}, .max_line_bytes = 4},
        LineCase{.name = "very_long",
                 .input = std::string(10000, 'z') + "\nok\n" + std::string(999, 'y'),
                 .lines = {"zzzzzzzzzzz…", "ok", std::string(11, 'y') + "…"},
                 .max_line_bytes = 10}),
    [](const auto& p) { return p.param.name; });

TEST(LineReaderFdTest, ReadsAPipeAsLinesArrive) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  std::thread writer([fd = fds[1]] {
    for (const char* part : {R"({"trigger":"t",)", "\"payload\":{}}\r\n", "\n", "{}"}) {
      ASSERT_GT(write(fd, part, std::char_traits<char>::length(part)), 0);
    }
    close(fd);
  });
  LineReader reader(fds[0]);
  Decoder decoder({}, {});
  DecodedEvent event;
  Line line;
  std::vector<DecodeResult::Outcome> outcomes;
  while (reader.Next(line)) outcomes.push_back(decoder.DecodePadded(line.text, event).outcome);
  writer.join();
  close(fds[0]);
  EXPECT_EQ(reader.error(), "");
  EXPECT_EQ(outcomes, (std::vector<DecodeResult::Outcome>{DecodeResult::Outcome::kEvent,
                                                          DecodeResult::Outcome::kBlank,
                                                          DecodeResult::Outcome::kRejected}));
  EXPECT_EQ(decoder.stats().rejected_for(RejectReason::kMissingTrigger), 1u);
}

TEST(LineReaderFdTest, ReportsReadErrors) {
  LineReader reader(-1);
  Line line;
  EXPECT_FALSE(reader.Next(line));
  EXPECT_NE(reader.error(), "");
}

TEST(LineReaderTest, TruncatedLinesAreRejectedByTheDecoder) {
  std::istringstream in(R"({"trigger":"t","payload":{"v":"0123456789"}})"
                        "\n"
                        R"({"trigger":"t","payload":{}})");
  LineReader reader(in, {.max_line_bytes = 30});
  Decoder decoder({.max_line_bytes = 30}, {});
  DecodedEvent event;
  Line line;
  ASSERT_TRUE(reader.Next(line));
  EXPECT_TRUE(line.truncated);
  EXPECT_EQ(decoder.DecodePadded(line.text, event).reason, RejectReason::kLineTooLong);
  ASSERT_TRUE(reader.Next(line));
  EXPECT_TRUE(decoder.DecodePadded(line.text, event).ok());
}

}  // namespace
}  // namespace squall::events
