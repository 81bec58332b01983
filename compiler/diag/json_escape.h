#pragma once

// JSON string escaping, for the JSON diagnostics renderer and for stages that print values as
// JSON (no JSON library is linked into these stages).

#include <string>
#include <string_view>

namespace squall::diag {

// Appends `text` as a JSON string literal, quotes included. The output is always valid
// UTF-8 and valid JSON: '"' and '\' are backslash-escaped; control characters U+0000..U+001F
// become \u00XX (lowercase hex); U+2028 and U+2029 become \u2028 and \u2029 (JavaScript
// treats them as line breaks); each byte of invalid UTF-8 becomes U+FFFD; everything else is
// copied as is.
void AppendJsonString(std::string& out, std::string_view text);

}  // namespace squall::diag
