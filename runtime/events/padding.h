#pragma once

#include <cstddef>

namespace squall::events {

// Bytes that must be readable after a line passed to Decoder::DecodePadded (their content does
// not matter); LineReader guarantees them after every line it returns. At least
// simdjson::SIMDJSON_PADDING (checked in decoder.cpp).
inline constexpr size_t kInputPadding = 64;

}  // namespace squall::events
