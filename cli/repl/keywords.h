// The keywords of the Squall lexer, for completion. Generated at configure time from
// grammar/SquallLexer.g4 (every token rule whose literal is a lower-case word, the rule
// editors/check_keywords.py applies), so this list cannot drift from the grammar.
#pragma once

#include <span>
#include <string_view>

namespace squall::repl {

// Sorted as in the lexer (alphabetically); static storage, thread-safe.
std::span<const std::string_view> Keywords();

}  // namespace squall::repl
