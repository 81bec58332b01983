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

// Through NextChunk, each chunk split as Decoder::StartBatch splits it; a line longer than the
// limit is written as its first max_line_bytes + 1 bytes and "…", like a truncated one.
std::vector<std::string> ReadAllChunks(LineReader& reader, size_t max_line_bytes) {
  std::vector<std::string> lines;
  std::string_view chunk;
  while (reader.NextChunk(chunk)) {
    EXPECT_FALSE(chunk.empty());
    while (!chunk.empty()) {
      const size_t newline = chunk.find('\n');
      std::string_view line = chunk.substr(0, newline);
      chunk.remove_prefix(newline == std::string_view::npos ? chunk.size() : newline + 1);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (newline == std::string_view::npos && line.size() <= max_line_bytes) {
        EXPECT_TRUE(chunk.empty());  // only the input's last line lacks a newline
      }
      lines.push_back(line.size() > max_line_bytes
                          ? std::string(line.substr(0, max_line_bytes + 1)) + "…"
                          : std::string(line));
    }
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

TEST_P(LineReaderTest, ChunksHoldTheSameLines) {
  const LineCase& c = GetParam();
  for (size_t chunk : {1u, 2u, 3u, 5u, 8u, 64u, 4096u}) {
    std::istringstream in(c.input);
    LineReader reader(in, {.max_line_bytes = c.max_line_bytes, .chunk_bytes = chunk});
    EXPECT_EQ(ReadAllChunks(reader, c.max_line_bytes), c.lines) << "chunk " << chunk;
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

// An unterminated, malformed last line gets the same rejection however the input was cut into
// reads (what lay after it in the buffer used to be left from earlier reads, and a `}` there
// changes which error simdjson finds first).
TEST(LineReaderTest, TheLastLineIsDecodedTheSameWhateverTheReads) {
  const std::string input =
      std::string(200, '}') + "\n" + R"({"trigger":"t","payload":[]}"t","payload":{"b":tru}})";
  for (size_t chunk = 1; chunk <= 100; ++chunk) {
    std::istringstream in(input);
    LineReader reader(in, {.chunk_bytes = chunk});
    Decoder decoder({}, {});
    DecodedEvent event;
    Line line;
    ASSERT_TRUE(reader.Next(line));
    ASSERT_TRUE(reader.Next(line));
    const DecodeResult result = decoder.DecodePadded(line.text, event);
    EXPECT_EQ(result.outcome, DecodeResult::Outcome::kRejected);
    EXPECT_EQ(RejectReasonName(result.reason), "invalid_payload") << "chunk " << chunk;
  }
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

// Lines through Next + DecodePadded and chunks through NextChunk + a batch decode alike (only
// the length a too-long line's message gives may differ: both are at least the limit + 1).
TEST(LineReaderTest, ChunksDecodeLikeLines) {
  std::string input;
  for (int i = 0; i < 200; ++i) {
    switch (i % 7) {
      case 0:
        input += R"({"trigger":"t","payload":{"v":")" + std::to_string(i) + R"("}})";
        break;
      case 1:
        input += R"({"trigger":"t","payload":{"v":)";  // unclosed
        break;
      case 2:
        input += R"({"trigger":"t","payload":{"v":")" + std::string(60, 'x') + R"("}})";
        break;
      case 3:
        input += "  ";
        break;
      case 4:
        input += "{\"trigger\":\"t\",\"payload\":{\"v\":\"\xff\"}}";
        break;
      default:
        input += R"({"payload":{"v":"p"},"trigger":"t","id":)" + std::to_string(i) + "}";
        break;
    }
    input += i % 5 == 0 ? "\r\n" : "\n";
  }
  input += R"({"trigger":"t","payload":{}})";
  const DecoderOptions options{.max_line_bytes = 80};
  std::vector<DecoderPlan> plans;
  plans.emplace_back("t",
                     std::vector<FieldPath>{{.segments = {"v"}, .kind = types::TypeKind::kString}});
  for (size_t chunk : {1u, 7u, 64u, 1000u, 100000u}) {
    Decoder by_line(options, plans);
    Decoder by_chunk(options, plans);
    std::istringstream line_in(input), chunk_in(input);
    LineReader lines(line_in, {.max_line_bytes = 80, .chunk_bytes = chunk});
    LineReader chunks(chunk_in, {.max_line_bytes = 80, .chunk_bytes = chunk});
    Line line;
    DecodedEvent line_event, chunk_event;
    DecodeResult chunk_result;
    std::string_view text;
    bool have_chunk = false;
    size_t count = 0;
    while (lines.Next(line)) {
      const DecodeResult line_result = by_line.DecodePadded(line.text, line_event);
      while (!(have_chunk && by_chunk.DecodeNext(chunk_event, chunk_result))) {
        ASSERT_TRUE(chunks.NextChunk(text)) << "chunk " << chunk << ", line " << line.number;
        by_chunk.StartBatch(text);
        have_chunk = true;
      }
      ++count;
      ASSERT_EQ(chunk_result.outcome, line_result.outcome) << "line " << line.number;
      if (line_result.outcome == DecodeResult::Outcome::kRejected) {
        EXPECT_EQ(chunk_result.reason, line_result.reason) << "line " << line.number;
        if (line_result.reason != RejectReason::kLineTooLong) {
          EXPECT_EQ(chunk_result.message, line_result.message) << "line " << line.number;
        }
      } else if (line_result.ok()) {
        EXPECT_EQ(chunk_event.line, line_event.line);
        EXPECT_EQ(chunk_event.id, line_event.id);
        EXPECT_EQ(chunk_event.slots[0].state, line_event.slots[0].state);
        EXPECT_EQ(chunk_event.slots[0].text, line_event.slots[0].text);
      }
    }
    EXPECT_FALSE(have_chunk && by_chunk.DecodeNext(chunk_event, chunk_result));
    EXPECT_FALSE(chunks.NextChunk(text));
    EXPECT_EQ(count, 201u);
    EXPECT_EQ(by_chunk.stats().events, by_line.stats().events);
    EXPECT_EQ(by_chunk.stats().by_reason, by_line.stats().by_reason);
  }
}

}  // namespace
}  // namespace squall::events
