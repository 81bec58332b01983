// "Did you mean ...?" for unknown names: the closest candidate by edit distance.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace squall::diag {

// The candidate closest to `name` by case-insensitive Damerau-Levenshtein distance (an
// adjacent transposition counts as one edit), if that distance is at most a third of
// `name`'s length (rounded down, at least 1): `nope` suggests nothing for `code`. Ties go to the
// earlier candidate; an exact match of `name` itself is never suggested.
std::optional<std::string> ClosestMatch(std::string_view name,
                                        std::span<const std::string> candidates);

// `; did you mean `x`?` when a close candidate exists, else empty: ready to be the last
// argument of a message such as "unknown action `{0}`{1}".
std::string DidYouMean(std::string_view name, std::span<const std::string> candidates);

}  // namespace squall::diag
