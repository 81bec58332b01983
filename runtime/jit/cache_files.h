// Files of Squall's caches (compiled objects, lowered programs): content hashes for keys,
// reading, and writing so that a reader never sees half a file.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace squall::jit {

// BLAKE2b-256 of `bytes` (libsodium) as 64 lowercase hex digits.
std::string HashHex(std::string_view bytes);

// The file's bytes; nullopt when it cannot be read.
std::optional<std::string> ReadCacheFile(const std::filesystem::path& path);

// Writes `bytes` to a temporary file beside `path` and renames it over `path` (creating the
// directory), so concurrent readers see the old file or the new one, never a part. Best
// effort: a cache that cannot be written only costs the next start its speed.
void WriteCacheFile(const std::filesystem::path& path, std::string_view bytes);

}  // namespace squall::jit
