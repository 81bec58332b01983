#include "runtime/events/time_text.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace squall::events {
namespace {

struct TextCase {
  std::string text;
  std::optional<int64_t> millis;  // nullopt: rejected
};

void PrintTo(const TextCase& c, std::ostream* os) { *os << '"' << c.text << '"'; }

class TimestampTest : public testing::TestWithParam<TextCase> {};

TEST_P(TimestampTest, Parses) {
  EXPECT_EQ(ParseTimestamp(GetParam().text), GetParam().millis) << GetParam().text;
}

constexpr int64_t k20240502T10 = 1'714'644'000'000;  // 2024-05-02T10:00:00Z

INSTANTIATE_TEST_SUITE_P(
    Timestamps, TimestampTest,
    testing::Values(
        TextCase{.text = "1970-01-01T00:00:00Z", .millis = 0},
        TextCase{.text = "2024-05-02T10:00:00Z", .millis = k20240502T10},
        TextCase{.text = "2024-05-02t10:00:00z", .millis = k20240502T10},
        TextCase{.text = "2024-05-02 10:00:00Z", .millis = k20240502T10},
        TextCase{.text = "2024-05-02T10:00:00", .millis = k20240502T10},  // no offset: UTC
        TextCase{.text = "2024-05-02T10:00:00.5Z", .millis = k20240502T10 + 500},
        TextCase{.text = "2024-05-02T10:00:00,25Z", .millis = k20240502T10 + 250},
        TextCase{.text = "2024-05-02T10:00:00.123456789Z", .millis = k20240502T10 + 123},
        TextCase{.text = "2024-05-02 10:00:00.5+02:00", .millis = k20240502T10 - 7'200'000 + 500},
        TextCase{.text = "2024-05-02T10:00:00+0200", .millis = k20240502T10 - 7'200'000},
        TextCase{.text = "2024-05-02T10:00:00+02", .millis = k20240502T10 - 7'200'000},
        TextCase{.text = "2024-05-02T10:00:00-05:30", .millis = k20240502T10 + 19'800'000},
        TextCase{.text = "1969-12-31T23:59:59.999Z", .millis = -1},
        TextCase{.text = "2000-02-29T00:00:00Z", .millis = 951'782'400'000},
        TextCase{.text = "2016-12-31T23:59:60Z", .millis = 1'483'228'800'000},  // leap second
        TextCase{.text = "0000-01-01T00:00:00Z", .millis = -62'167'219'200'000},
        TextCase{.text = "9999-12-31T23:59:59Z", .millis = 253'402'300'799'000},
        // Rejected.
        TextCase{.text = "", .millis = std::nullopt},
        TextCase{.text = "2024-05-02", .millis = std::nullopt},
        TextCase{.text = "2024-05-02T10:00Z", .millis = std::nullopt},
        TextCase{.text = "2024-5-2T10:00:00Z", .millis = std::nullopt},
        TextCase{.text = "2024-13-02T10:00:00Z", .millis = std::nullopt},
        TextCase{.text = "2023-02-29T10:00:00Z", .millis = std::nullopt},
        TextCase{.text = "2024-05-02T24:00:00Z", .millis = std::nullopt},
        TextCase{.text = "2024-05-02T10:60:00Z", .millis = std::nullopt},
        TextCase{.text = "2024-05-02T10:00:61Z", .millis = std::nullopt},
        TextCase{.text = "2024-05-02T10:00:00.Z", .millis = std::nullopt},
        TextCase{.text = "2024-05-02T10:00:00+24:00", .millis = std::nullopt},
        TextCase{.text = "2024-05-02T10:00:00+02:0", .millis = std::nullopt},
        TextCase{.text = "2024-05-02T10:00:00Z ", .millis = std::nullopt},
        TextCase{.text = " 2024-05-02T10:00:00Z", .millis = std::nullopt},
        TextCase{.text = "2024-05-02X10:00:00Z", .millis = std::nullopt},
        TextCase{.text = "yesterday", .millis = std::nullopt}));

class DurationTextTest : public testing::TestWithParam<TextCase> {};

TEST_P(DurationTextTest, Parses) {
  EXPECT_EQ(ParseDurationText(GetParam().text), GetParam().millis) << GetParam().text;
}

INSTANTIATE_TEST_SUITE_P(
    Durations, DurationTextTest,
    testing::Values(
        TextCase{.text = "250ms", .millis = 250}, TextCase{.text = "90s", .millis = 90'000},
        TextCase{.text = "5m", .millis = 300'000}, TextCase{.text = "2h", .millis = 7'200'000},
        TextCase{.text = "1d", .millis = 86'400'000},
        TextCase{.text = "1h30m", .millis = 5'400'000},
        TextCase{.text = "1m30s500ms", .millis = 90'500},
        TextCase{.text = "1.5h", .millis = 5'400'000}, TextCase{.text = "0.5s", .millis = 500},
        TextCase{.text = "0.0010s", .millis = 1}, TextCase{.text = "0s", .millis = 0},
        TextCase{.text = "-5m", .millis = -300'000},
        TextCase{.text = "106751991167d", .millis = 9'223'372'036'828'800'000},
        // Rejected.
        TextCase{.text = "", .millis = std::nullopt}, TextCase{.text = "-", .millis = std::nullopt},
        TextCase{.text = "5", .millis = std::nullopt},
        TextCase{.text = "5min", .millis = std::nullopt},
        TextCase{.text = "3w", .millis = std::nullopt},
        TextCase{.text = "30m1h", .millis = std::nullopt},
        TextCase{.text = "1h1h", .millis = std::nullopt},
        TextCase{.text = "1.5ms", .millis = std::nullopt},
        TextCase{.text = "0.0001s", .millis = std::nullopt},
        TextCase{.text = ".5s", .millis = std::nullopt},
        TextCase{.text = "5.s", .millis = std::nullopt},
        TextCase{.text = "106751991168d", .millis = std::nullopt},  // overflow
        TextCase{.text = "99999999999999999999s", .millis = std::nullopt},
        TextCase{.text = "5 s", .millis = std::nullopt},
        TextCase{.text = "PT5S", .millis = std::nullopt}));

}  // namespace
}  // namespace squall::events
