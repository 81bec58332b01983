// Glob matching as `like` defines it: `*` matches any run of characters (including none),
// `?` exactly one character (a UTF-8 code point), `\` makes the next character literal;
// everything else matches itself, case-sensitively. Used to fold constant `like`s; the
// runtime's matcher must agree (the conformance tests pin the semantics).
#pragma once

#include <string_view>

namespace squall::check {

bool GlobMatch(std::string_view pattern, std::string_view text);

}  // namespace squall::check
