// Text forms of `time` and `duration` values in event payloads. Pure functions, no allocation.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace squall::events {

// An RFC 3339 / ISO 8601 timestamp as milliseconds since 1970-01-01T00:00:00Z:
//   YYYY-MM-DD(T|t| )hh:mm:ss[.fraction][Z|z|(+|-)hh:mm|(+|-)hhmm|(+|-)hh]
// e.g. `2024-05-02T10:00:00Z`, `2024-05-02 10:00:00.5+02:00`. Without an offset the time is
// UTC. Years 0000-9999; fields are range-checked (month 1-12, the month's days, hours 0-23,
// minutes 0-59, seconds 0-60, offsets up to 23:59); a fraction of any length is truncated to
// milliseconds. A leap second (`:60`) counts as the first second of the next minute.
// Returns nullopt for anything else (a date alone, missing seconds, trailing text).
std::optional<int64_t> ParseTimestamp(std::string_view text);

// A duration written like a Squall duration literal, as milliseconds: one or more
// `<number><unit>` groups, units `d h m s ms` from largest to smallest, each at most once;
// a group's number may have a fraction if the result is a whole number of milliseconds; an
// optional leading `-`. `250ms`, `90s`, `1h30m`, `1.5h`, `-5m`. Returns nullopt for anything
// else, including a bare number and a value that does not fit in 64 bits.
std::optional<int64_t> ParseDurationText(std::string_view text);

}  // namespace squall::events
