// Command-line building shared by the local and remote runners: POSIX shell quoting, StackStorm's
// script argument serialisation, and the small text helpers of the result document.
//
// Pure functions, thread-safe, never throw on any JSON input.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/runners/runner.h"

namespace squall::runners {

// `text` as one word for a POSIX shell: wrapped in single quotes, each embedded ' written as
// '\''. The result is safe whatever `text` holds (newlines, $, `, ;, NUL-free bytes).
std::string ShellQuote(std::string_view text);

// Each element quoted with ShellQuote and joined with single spaces.
std::string ShellJoin(const std::vector<std::string>& words);

// StackStorm's serialisation of a positional argument: booleans "1" / "0", arrays joined with
// commas (elements as ArgumentText), objects as JSON, null as "", strings as they are, numbers
// as JSON numbers.
std::string PositionalText(const nlohmann::json& value);

// True when `name` is a parameter of `runner_type` itself (cmd, cwd, env, sudo, hosts, ...):
// such parameters configure the runner and never become script arguments. Used for parameters
// the request's schema does not describe.
bool IsRunnerParameterName(std::string_view runner_type, std::string_view name);

// The argv tail of a script action (everything after the script path), StackStorm style:
//  - the action's parameters that have a `position`, in position order, each one argument
//    (PositionalText; an unset positional parameter gives an empty argument);
//  - then every other action parameter that is set, in schema order (parameters missing from
//    the schema follow in name order), as `<kwarg_op><name>=<value>`; `true` gives the bare
//    flag `<kwarg_op><name>`, while false, null and "" are left out.
// Runner parameters (ParameterInfo::from_runner, or IsRunnerParameterName when the schema does
// not list them) are never arguments. Values are never parsed by a shell here: each returned
// string is one argv entry.
std::vector<std::string> BuildScriptArguments(const RunRequest& request, std::string_view kwarg_op);

// `text` without one final "\n" and then one final "\r" (StackStorm's strip_shell_chars).
std::string StripFinalNewline(std::string text);

}  // namespace squall::runners
