#include "compiler/diag/kind.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "compiler/diag/format_string.h"
#include "compiler/diag/message.h"

namespace squall::diag {
namespace {

// Every registered kind, checked one by one so a failure names the offending kind.
class RegistryTest : public testing::TestWithParam<Kind> {};

TEST_P(RegistryTest, PlaceholdersAreNumberedContiguouslyFromZero) {
  const KindInfo& info = Info(GetParam());
  const std::optional<uint32_t> count = internal::ArgCount(info.format);
  ASSERT_TRUE(count.has_value()) << info.name << ": \"" << info.format << "\"";
  EXPECT_EQ(*count, info.arg_count);
}

TEST_P(RegistryTest, MessageFollowsWordingRule) {
  const KindInfo& info = Info(GetParam());
  ASSERT_FALSE(info.format.empty()) << info.name;
  EXPECT_FALSE(info.format.front() >= 'A' && info.format.front() <= 'Z')
      << info.name << " must start lowercase: \"" << info.format << "\"";
  EXPECT_NE(info.format.back(), '.') << info.name << " must not end with a period";
  EXPECT_TRUE(internal::FollowsWordingRule(info.format)) << info.name;
}

TEST_P(RegistryTest, NameRoundTrips) {
  const Kind kind = GetParam();
  EXPECT_EQ(KindFromName(Info(kind).name), kind);
}

TEST_P(RegistryTest, FormatsWithItsArity) {
  const KindInfo& info = Info(GetParam());
  const std::vector<Arg> args(info.arg_count, Arg("x"));
  const std::string message = FormatMessage(GetParam(), args);
  EXPECT_EQ(message.find("{0}"), std::string::npos) << message;
}

INSTANTIATE_TEST_SUITE_P(AllKinds, RegistryTest, testing::ValuesIn(AllKinds()),
                         [](const testing::TestParamInfo<Kind>& param_info) {
                           return std::string(Info(param_info.param).name);
                         });

TEST(KindTest, AllKindsIsTheEnumInOrderAndNamesAreUnique) {
  std::set<std::string_view> names;
  for (size_t i = 0; i < AllKinds().size(); ++i) {
    EXPECT_EQ(static_cast<size_t>(AllKinds()[i]), i);
    EXPECT_TRUE(names.insert(Info(AllKinds()[i]).name).second) << Info(AllKinds()[i]).name;
  }
}

TEST(KindTest, SeedKinds) {
  EXPECT_EQ(Info(Kind::CannotReadFile).name, "CannotReadFile");
  EXPECT_EQ(Info(Kind::CannotReadFile).severity, Severity::Error);
  EXPECT_EQ(Info(Kind::CannotReadFile).format, "cannot read `{0}`: {1}");
  EXPECT_EQ(Info(Kind::CannotReadFile).arg_count, 2u);
  EXPECT_EQ(Info(Kind::TooManyErrors).severity, Severity::Error);
  EXPECT_EQ(Info(Kind::DeclaredHere).severity, Severity::Note);
  EXPECT_EQ(Info(Kind::PreviousDefinition).severity, Severity::Note);
}

TEST(KindTest, KindFromNameIsExactAndCaseSensitive) {
  EXPECT_EQ(KindFromName("DeclaredHere"), Kind::DeclaredHere);
  EXPECT_EQ(KindFromName("declaredhere"), std::nullopt);
  EXPECT_EQ(KindFromName("DeclaredHere "), std::nullopt);
  EXPECT_EQ(KindFromName(""), std::nullopt);
}

TEST(KindTest, SeverityNames) {
  EXPECT_EQ(SeverityName(Severity::Error), "error");
  EXPECT_EQ(SeverityName(Severity::Warning), "warning");
  EXPECT_EQ(SeverityName(Severity::Note), "note");
}

TEST(KindDeathTest, OutOfRangeKindAborts) {
  EXPECT_DEATH(Info(static_cast<Kind>(60000)), "invalid diag::Kind 60000");
}

}  // namespace
}  // namespace squall::diag
