// JSON and text renderings of the store's records, shared by the state-directory commands
// (`squall executions`, `squall events`): one JSON shape per record everywhere (`--json`
// output), timestamps as UTC RFC 3339 strings with milliseconds (null when unset).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/store/store.h"

namespace squall::cli {

// Stored JSON text as a value: null when empty; the text itself as a JSON string when it does
// not parse (it always should, but what is stored is never hidden).
nlohmann::ordered_json ParseStored(const std::string& text);
// FormatTime(at, millis) as a JSON string; null for 0.
nlohmann::ordered_json TimeJson(store::Millis at);

nlohmann::ordered_json ExecutionJson(const store::Execution& e);
nlohmann::ordered_json AttemptJson(const store::Attempt& a);
nlohmann::ordered_json EnforcementJson(const store::Enforcement& en);
nlohmann::ordered_json EventJson(const store::Event& ev);

// `\n<heading>:\n` then `text` as pretty JSON indented by two spaces; nothing for "".
void PrintJsonBlock(std::ostream& out, std::string_view heading, const std::string& text);

// How long the latest attempt of `e` ran, as FormatDuration: still counting (to `now`) while it
// runs; "-" before it started or when it ended without a finish time.
std::string ExecutionElapsed(const store::Execution& e, store::Millis now);

// Prints `rows` (the first is the header) as columns separated by two spaces, each as wide as
// its widest cell; columns whose index is in `right` are right-aligned. The last column is not
// padded (no trailing blanks).
void PrintTable(std::ostream& out, const std::vector<std::vector<std::string>>& rows,
                std::span<const size_t> right);

// `text` (a command-line argument, standard input or a file: `from` says which, e.g. "the
// payload") parsed as JSON. Otherwise prints `squall <command>: error: <from> is not valid JSON:
// <where and why>` to `err` and returns nullopt.
std::optional<nlohmann::ordered_json> ParseJsonText(std::string_view command,
                                                    const std::string& text,
                                                    const std::string& from, std::ostream& err);

// A record id as the user typed it: a positive decimal number, optionally after `#`.
std::optional<int64_t> ParseId(std::string_view text);

}  // namespace squall::cli
