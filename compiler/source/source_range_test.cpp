#include "compiler/source/source_range.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace squall::source {
namespace {

constexpr FileId kFile0{0};
constexpr FileId kFile1{1};

TEST(FileIdTest, DefaultIsInvalid) {
  EXPECT_FALSE(FileId{}.IsValid());
  EXPECT_EQ(FileId{}, FileId::Invalid());
  EXPECT_TRUE(kFile0.IsValid());
  EXPECT_LT(kFile0, kFile1);
  EXPECT_NE(kFile0, kFile1);
}

TEST(SourceRangeTest, Validity) {
  EXPECT_FALSE(SourceRange{}.IsValid());
  EXPECT_FALSE(SourceRange::Invalid().IsValid());
  EXPECT_TRUE((SourceRange{kFile0, 3, 3}).IsValid());
  EXPECT_FALSE((SourceRange{kFile0, 4, 3}).IsValid());
  EXPECT_EQ((SourceRange{kFile0, 3, 7}).Length(), 4u);
}

TEST(SourceRangeTest, OrdersByFileThenBeginThenEnd) {
  EXPECT_LT((SourceRange{kFile0, 9, 9}), (SourceRange{kFile1, 0, 0}));
  EXPECT_LT((SourceRange{kFile0, 1, 9}), (SourceRange{kFile0, 2, 3}));
  EXPECT_LT((SourceRange{kFile0, 1, 2}), (SourceRange{kFile0, 1, 3}));
  EXPECT_EQ((SourceRange{kFile0, 1, 2}), (SourceRange{kFile0, 1, 2}));
}

TEST(SourceRangeTest, ContainsOffsetIsHalfOpen) {
  const SourceRange range{kFile0, 2, 5};
  EXPECT_FALSE(range.Contains(1u));
  EXPECT_TRUE(range.Contains(2u));
  EXPECT_TRUE(range.Contains(4u));
  EXPECT_FALSE(range.Contains(5u));
  EXPECT_FALSE((SourceRange{kFile0, 2, 2}).Contains(2u));
}

struct ContainsRangeCase {
  std::string name;
  SourceRange outer;
  SourceRange inner;
  bool expected;

  friend void PrintTo(const ContainsRangeCase& c, std::ostream* os) { *os << c.name; }
};

class ContainsRangeTest : public testing::TestWithParam<ContainsRangeCase> {};

TEST_P(ContainsRangeTest, Contains) {
  const ContainsRangeCase& c = GetParam();
  EXPECT_EQ(c.outer.Contains(c.inner), c.expected);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ContainsRangeTest,
    testing::ValuesIn(std::vector<ContainsRangeCase>{
        {.name = "inside", .outer = {kFile0, 2, 8}, .inner = {kFile0, 3, 5}, .expected = true},
        {.name = "equal", .outer = {kFile0, 2, 8}, .inner = {kFile0, 2, 8}, .expected = true},
        {.name = "empty_at_end",
         .outer = {kFile0, 2, 8},
         .inner = {kFile0, 8, 8},
         .expected = true},
        {.name = "overlap", .outer = {kFile0, 2, 8}, .inner = {kFile0, 7, 9}, .expected = false},
        {.name = "other_file", .outer = {kFile0, 2, 8}, .inner = {kFile1, 3, 5}, .expected = false},
        {.name = "invalid_inner", .outer = {kFile0, 2, 8}, .inner = {}, .expected = false},
        {.name = "invalid_outer", .outer = {}, .inner = {kFile0, 2, 8}, .expected = false},
    }),
    [](const testing::TestParamInfo<ContainsRangeCase>& param_info) {
      return param_info.param.name;
    });

struct JoinCase {
  std::string name;
  SourceRange a;
  SourceRange b;
  SourceRange expected;

  friend void PrintTo(const JoinCase& c, std::ostream* os) { *os << c.name; }
};

class JoinTest : public testing::TestWithParam<JoinCase> {};

TEST_P(JoinTest, CoversBoth) {
  const JoinCase& c = GetParam();
  EXPECT_EQ(Join(c.a, c.b), c.expected);
  EXPECT_EQ(Join(c.b, c.a), c.expected);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, JoinTest,
    testing::ValuesIn(std::vector<JoinCase>{
        {.name = "disjoint", .a = {kFile0, 1, 3}, .b = {kFile0, 7, 9}, .expected = {kFile0, 1, 9}},
        {.name = "nested", .a = {kFile0, 1, 9}, .b = {kFile0, 3, 4}, .expected = {kFile0, 1, 9}},
        {.name = "empty", .a = {kFile0, 5, 5}, .b = {kFile0, 2, 3}, .expected = {kFile0, 2, 5}},
        {.name = "one_invalid", .a = {kFile1, 2, 3}, .b = {}, .expected = {kFile1, 2, 3}},
        {.name = "both_invalid", .a = {}, .b = {}, .expected = {}},
    }),
    [](const testing::TestParamInfo<JoinCase>& param_info) { return param_info.param.name; });

TEST(JoinDeathTest, DifferentFilesAbort) {
  EXPECT_DEATH(Join(SourceRange{kFile0, 0, 1}, SourceRange{kFile1, 0, 1}), "different files");
}

TEST(LineColTest, DefaultIsUnknownAndComparesLexicographically) {
  EXPECT_EQ(LineCol{}, (LineCol{0, 0}));
  EXPECT_LT((LineCol{1, 9}), (LineCol{2, 1}));
  EXPECT_LT((LineCol{2, 1}), (LineCol{2, 2}));
}

}  // namespace
}  // namespace squall::source
