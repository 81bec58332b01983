// Quoting event data into shell command lines. A rule's `cmd: "rm -f {{event.path}}"` for a
// shell runner (`local-shell-cmd`, `remote-shell-cmd`) is run with `/bin/sh -c`, so an
// interpolated value must reach the command as data, never as shell syntax (`; rm -rf /`,
// `$(...)`, backticks, newlines). Each interpolation is quoted for the quoting context the
// literal text around it leaves the shell in: outside quotes, inside "double quotes" or inside
// 'single quotes'. The context is found at compile time from the literal parts (they are
// constants), so the run-time cost is one escape per interpolated value.
//
// `raw(x)` opts a value out (the checker warns, RawShellInterpolation).
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace squall::shell {

enum class QuoteContext : uint8_t {
  kBare,    // outside quotes: the value becomes one single-quoted word
  kDouble,  // inside "...": `\`, `"`, `$` and backquote are backslash-escaped
  kSingle,  // inside '...': every `'` becomes `'\''` (close, escaped quote, reopen)
};

// The context the POSIX shell is in after reading `literal`, starting in `start`. Backslash
// escapes outside single quotes are honoured; a trailing lone backslash escapes nothing.
QuoteContext ContextAfter(std::string_view literal, QuoteContext start = QuoteContext::kBare);

// `value` escaped so that, inserted at a point where the shell is in `context`, the shell
// reads exactly `value` as (part of) one word. NUL bytes, which no argument can hold, are
// dropped.
std::string Quote(std::string_view value, QuoteContext context);

// Whether `parameter` of an action run by `runner_type` is a command line the runner hands
// to a shell (`cmd` of local-shell-cmd and remote-shell-cmd).
bool IsShellCommandParameter(std::string_view runner_type, std::string_view parameter);

}  // namespace squall::shell
