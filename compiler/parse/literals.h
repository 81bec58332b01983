// Reading literal spellings: numbers with digit separators, durations, factors, string escapes
// and quoted names. Pure functions over the token text, independent of ANTLR, so every rule
// about what a literal means is in one place and unit-testable on its own.
//
// Each function returns the value it could read plus, for an invalid spelling, a Problem: the
// diagnostic kind and its arguments. The caller places the diagnostic at the token's range.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "compiler/diag/kind.h"

namespace squall::parse {

// Why a literal spelling is invalid: `kind` with the arguments of its message.
struct Problem {
  diag::Kind kind;
  std::vector<std::string> args;
};

template <typename T>
struct LiteralResult {
  T value{};                       // best effort when `problem` is set (0 for numbers)
  std::optional<Problem> problem;  // set when the spelling is invalid
};

// `42`, `1_000_000`. Values above INT64_MAX are IntegerOverflow.
LiteralResult<int64_t> ReadInt(std::string_view spelling);

// `4.5`, `1e9`, `1_000.5`. Infinite or denormal-to-zero results are FloatOutOfRange.
LiteralResult<double> ReadFloat(std::string_view spelling);

struct Duration {
  int64_t milliseconds = 0;
};
struct Factor {
  double value = 0;
};

// A number immediately followed by letters (lexer token SUFFIXED_NUMBER): a duration
// (`30s`, `1h30m`, `250ms`, `1.5h`; units d h m s ms, each at most once and from largest to
// smallest) or a factor (`2x`, `1.5x`). Problems: UnknownDurationUnit,
// MisorderedDurationUnits, FractionalDuration (not a whole number of milliseconds),
// DurationOverflow.
LiteralResult<std::variant<Duration, Factor>> ReadSuffixedNumber(std::string_view spelling);

// The canonical spelling of a duration, largest unit first: 5400000 -> "1h30m", 0 -> "0s".
std::string DurationSpelling(int64_t milliseconds);

// Decodes one escape token of a string literal (`\n`, `\u{1F600}`, ...) and appends the text
// it stands for to `out`. On an invalid escape (InvalidEscape, InvalidUnicodeEscape) appends
// the spelling unchanged. A lone `\` (the string ended right after it) appends nothing and is
// not a problem: the unterminated string is reported instead.
std::optional<Problem> DecodeEscape(std::string_view spelling, std::string& out);

}  // namespace squall::parse
