#include "compiler/source/source_manager.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace squall::source {
namespace {

struct PositionCase {
  std::string name;
  std::string text;
  uint32_t offset;
  LineCol expected;
  uint32_t utf16_column;  // 0-based

  friend void PrintTo(const PositionCase& c, std::ostream* os) { *os << c.name; }
};

class PositionTest : public testing::TestWithParam<PositionCase> {};

TEST_P(PositionTest, MapsOffset) {
  const PositionCase& c = GetParam();
  SourceManager sources;
  const FileId file_id = sources.AddFile("t.rule", c.text);
  EXPECT_EQ(sources.GetLineCol(file_id, c.offset), c.expected);
  EXPECT_EQ(sources.Utf16Column(file_id, c.offset), c.utf16_column);
}

// "é" is 2 bytes / 1 UTF-16 unit, "€" 3 / 1, "😀" 4 / 2.
INSTANTIATE_TEST_SUITE_P(
    Cases, PositionTest,
    testing::ValuesIn(std::vector<PositionCase>{
        {.name = "empty_file", .text = "", .offset = 0, .expected = {1, 1}, .utf16_column = 0},
        {.name = "start", .text = "ab\ncd", .offset = 0, .expected = {1, 1}, .utf16_column = 0},
        {.name = "at_newline",
         .text = "ab\ncd",
         .offset = 2,
         .expected = {1, 3},
         .utf16_column = 2},
        {.name = "second_line",
         .text = "ab\ncd",
         .offset = 4,
         .expected = {2, 2},
         .utf16_column = 1},
        {.name = "no_trailing_newline_end",
         .text = "ab\ncd",
         .offset = 5,
         .expected = {2, 3},
         .utf16_column = 2},
        {.name = "trailing_newline_end",
         .text = "ab\n",
         .offset = 3,
         .expected = {2, 1},
         .utf16_column = 0},
        {.name = "crlf_second_line",
         .text = "ab\r\ncd\r\n",
         .offset = 5,
         .expected = {2, 2},
         .utf16_column = 1},
        {.name = "crlf_at_cr",
         .text = "ab\r\ncd",
         .offset = 2,
         .expected = {1, 3},
         .utf16_column = 2},
        {.name = "empty_lines",
         .text = "\n\n\nx",
         .offset = 3,
         .expected = {4, 1},
         .utf16_column = 0},
        {.name = "tab_is_one_column",
         .text = "\tx",
         .offset = 1,
         .expected = {1, 2},
         .utf16_column = 1},
        {.name = "utf8_two_byte",
         .text = "\xC3\xA9x",
         .offset = 2,
         .expected = {1, 2},
         .utf16_column = 1},
        {.name = "utf8_mixed",
         .text = "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80z",
         .offset = 10,
         .expected = {1, 5},
         .utf16_column = 5},
        {.name = "utf8_inside_character",
         .text = "a\xE2\x82\xAC",
         .offset = 2,
         .expected = {1, 2},
         .utf16_column = 1},
        {.name = "invalid_bytes_count_one_each",
         .text = "\xFF\xFE\x80x",
         .offset = 3,
         .expected = {1, 4},
         .utf16_column = 3},
        {.name = "truncated_sequence_at_end",
         .text = "a\xE2\x82",
         .offset = 3,
         .expected = {1, 4},
         .utf16_column = 3},
        {.name = "utf8_on_later_line",
         .text = "\xE2\x82\xAC\n\xE2\x82\xAC\xE2\x82\xAC!",
         .offset = 10,
         .expected = {2, 3},
         .utf16_column = 2},
    }),
    [](const testing::TestParamInfo<PositionCase>& param_info) { return param_info.param.name; });

struct LinesCase {
  std::string name;
  std::string text;
  std::vector<std::string> lines;  // LineText of every line
  std::vector<uint32_t> starts;    // LineStart of every line

  friend void PrintTo(const LinesCase& c, std::ostream* os) { *os << c.name; }
};

class LinesTest : public testing::TestWithParam<LinesCase> {};

TEST_P(LinesTest, SplitsLines) {
  const LinesCase& c = GetParam();
  SourceManager sources;
  const FileId file_id = sources.AddFile("t.rule", c.text);
  ASSERT_EQ(sources.LineCount(file_id), c.lines.size());
  for (uint32_t line = 1; line <= c.lines.size(); ++line) {
    EXPECT_EQ(sources.LineText(file_id, line), c.lines[line - 1]) << "line " << line;
    EXPECT_EQ(sources.LineStart(file_id, line), c.starts[line - 1]) << "line " << line;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, LinesTest,
    testing::ValuesIn(std::vector<LinesCase>{
        {.name = "empty_file", .text = "", .lines = {""}, .starts = {0}},
        {.name = "no_trailing_newline", .text = "a\nbc", .lines = {"a", "bc"}, .starts = {0, 2}},
        {.name = "trailing_newline",
         .text = "a\nbc\n",
         .lines = {"a", "bc", ""},
         .starts = {0, 2, 5}},
        {.name = "only_newline", .text = "\n", .lines = {"", ""}, .starts = {0, 1}},
        {.name = "crlf", .text = "a\r\nbc\r\n", .lines = {"a", "bc", ""}, .starts = {0, 3, 7}},
        {.name = "crlf_empty_line", .text = "\r\n\r\n", .lines = {"", "", ""}, .starts = {0, 2, 4}},
        {.name = "lone_cr_is_text",
         .text = "a\rb\nc\r",
         .lines = {"a\rb", "c\r"},
         .starts = {0, 4}},
        {.name = "utf8",
         .text = "\xC3\xA9t\xC3\xA9\n\xE2\x82\xAC",
         .lines = {"\xC3\xA9t\xC3\xA9", "\xE2\x82\xAC"},
         .starts = {0, 6}},
    }),
    [](const testing::TestParamInfo<LinesCase>& param_info) { return param_info.param.name; });

TEST(SourceManagerTest, KeepsPathAndTextAndIdsAreDense) {
  SourceManager sources;
  const FileId a_id = sources.AddFile("a.rule", "alpha");
  const FileId b_id = sources.AddFile("packs/core/b.yaml", "beta");
  EXPECT_EQ(a_id, FileId{0});
  EXPECT_EQ(b_id, FileId{1});
  EXPECT_EQ(sources.FileCount(), 2u);
  EXPECT_EQ(sources.Path(b_id), "packs/core/b.yaml");
  EXPECT_EQ(sources.Text(a_id), "alpha");
}

TEST(SourceManagerTest, ViewsStayValidWhenFilesAreAddedAndWhenMoved) {
  SourceManager sources;
  const FileId first_id = sources.AddFile("first.rule", "short");  // small-string storage
  const std::string_view text = sources.Text(first_id);
  const std::string_view path = sources.Path(first_id);
  const std::string_view line = sources.LineText(first_id, 1);
  for (int i = 0; i < 2000; ++i) {
    // Appending (rather than "f" + to_string) dodges a GCC 12 -O3 -Wrestrict false positive.
    std::string path_i = "f";
    path_i += std::to_string(i);
    sources.AddFile(std::move(path_i), std::to_string(i));
  }
  SourceManager moved = std::move(sources);
  EXPECT_EQ(text, "short");
  EXPECT_EQ(path, "first.rule");
  EXPECT_EQ(line, "short");
  EXPECT_EQ(moved.Text(first_id).data(), text.data());
}

TEST(SourceManagerTest, LargeFileLineTable) {
  // About 10 MB: 800k lines of "line 0000042\n" (13 bytes each), then an empty last line.
  constexpr uint32_t kLines = 800'000;
  std::string text;
  text.reserve(kLines * 13);
  for (uint32_t i = 0; i < kLines; ++i) {
    std::string number = std::to_string(i);
    text += "line " + std::string(7 - number.size(), '0') + number + "\n";
  }
  SourceManager sources;
  const FileId file_id = sources.AddFile("big.rule", std::move(text));
  EXPECT_EQ(sources.LineCount(file_id), kLines + 1);
  EXPECT_EQ(sources.LineText(file_id, 654'322), "line 0654321");
  EXPECT_EQ(sources.GetLineCol(file_id, 654'321 * 13 + 7), (LineCol{654'322, 8}));
  EXPECT_EQ(sources.GetLineCol(file_id, kLines * 13), (LineCol{kLines + 1, 1}));
}

class LoadFileTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("squall_source_test_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path dir_;
};

TEST_F(LoadFileTest, ReadsBytesExactly) {
  const std::string bytes("rule a\r\n\0\xFF tail", 16);
  const std::filesystem::path path = dir_ / "a.rule";
  std::ofstream(path, std::ios::binary) << bytes;
  SourceManager sources;
  std::string error;
  const std::optional<FileId> file_id = sources.LoadFile(path, &error);
  ASSERT_TRUE(file_id.has_value()) << error;
  EXPECT_EQ(sources.Text(*file_id), bytes);
  EXPECT_EQ(sources.Path(*file_id), path.string());
  EXPECT_TRUE(error.empty());
}

TEST_F(LoadFileTest, ReadsFileLargerThanTheReadBuffer) {
  const std::string bytes(200'000, 'x');
  const std::filesystem::path path = dir_ / "big.rule";
  std::ofstream(path, std::ios::binary) << bytes;
  SourceManager sources;
  const std::optional<FileId> file_id = sources.LoadFile(path, nullptr);
  ASSERT_TRUE(file_id.has_value());
  EXPECT_EQ(sources.Text(*file_id), bytes);
}

TEST_F(LoadFileTest, MissingFileReportsReason) {
  SourceManager sources;
  std::string error;
  EXPECT_FALSE(sources.LoadFile("no/such/x.rule", &error).has_value());
  EXPECT_EQ(error, "No such file or directory");
  EXPECT_EQ(sources.FileCount(), 0u);
}

TEST_F(LoadFileTest, DirectoryReportsReason) {
  SourceManager sources;
  std::string error;
  EXPECT_FALSE(sources.LoadFile(dir_, &error).has_value());
  EXPECT_EQ(error, "Is a directory");
}

TEST_F(LoadFileTest, NullErrorIsAllowed) {
  SourceManager sources;
  EXPECT_FALSE(sources.LoadFile(dir_ / "missing.rule", nullptr).has_value());
}

TEST(SourceManagerDeathTest, PreconditionsAbortWithAMessage) {
  SourceManager sources;
  const FileId file_id = sources.AddFile("t.rule", "ab\n");
  EXPECT_DEATH(sources.Text(FileId{7}), "unknown FileId 7");
  EXPECT_DEATH(sources.Text(FileId::Invalid()), "unknown FileId");
  EXPECT_DEATH(sources.GetLineCol(file_id, 4), "offset 4 past the end of t.rule");
  EXPECT_DEATH(sources.LineText(file_id, 0), "line 0 out of range");
  EXPECT_DEATH(sources.LineStart(file_id, 3), "line 3 out of range");
}

}  // namespace
}  // namespace squall::source
