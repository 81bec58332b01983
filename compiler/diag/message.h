#pragma once

// Typed message arguments and the substitution of {N} placeholders.

#include <concepts>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>

#include "compiler/diag/kind.h"

namespace squall::diag {

// Integer types accepted by Arg: every integral type except bool and the character types,
// which would silently print as numbers.
template <typename T>
concept ArgInteger = std::integral<T> && !std::same_as<T, bool> && !std::same_as<T, char> &&
                     !std::same_as<T, wchar_t> && !std::same_as<T, char8_t> &&
                     !std::same_as<T, char16_t> && !std::same_as<T, char32_t>;

// One message argument. Implicitly constructible so emit sites read naturally:
// `Emit(Kind::X, range, {name, 3, 1.5})`. Strings are copied (an Arg never dangles).
// Formatting: strings verbatim, integers in decimal, doubles in the shortest form that
// round-trips (`60`, `1.5`, `1e+100`).
class Arg {
 public:
  Arg(std::string_view value)
      : value_(std::string(value)) {}                     // NOLINT(google-explicit-constructor)
  Arg(const std::string& value) : value_(value) {}        // NOLINT(google-explicit-constructor)
  Arg(std::string&& value) : value_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Arg(const char* value) : value_(std::string(value)) {}  // NOLINT(google-explicit-constructor)
  template <ArgInteger T>
  Arg(T value) {  // NOLINT(google-explicit-constructor)
    if constexpr (std::is_signed_v<T>) {
      value_ = static_cast<int64_t>(value);
    } else {
      value_ = static_cast<uint64_t>(value);
    }
  }
  Arg(double value) : value_(value) {}  // NOLINT(google-explicit-constructor)

  // Appends the formatted value to `out`.
  void AppendTo(std::string& out) const;
  std::string ToString() const;

 private:
  std::variant<std::string, int64_t, uint64_t, double> value_;
};

// Replaces every placeholder {N} in `format` (syntax in format_string.h) with args[N].
// Arity mismatch is a programming error and aborts with a message: a placeholder without
// an argument, or an argument no placeholder uses.
std::string Substitute(std::string_view format, std::span<const Arg> args);

// The message of `kind` with `args` substituted; aborts on the same errors as Substitute,
// naming the kind.
std::string FormatMessage(Kind kind, std::span<const Arg> args);

}  // namespace squall::diag
