#include "cli/program_cache.h"

#include <algorithm>

#include "compiler/ir/serialize.h"
#include "runtime/jit/cache_files.h"
#include "runtime/jit/jit_engine.h"

namespace squall::cli {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kMagic = "SQUALL-PROGRAM-1\n";

std::string Absolute(const fs::path& path) {
  std::error_code ec;
  fs::path absolute = fs::absolute(path, ec);
  return (ec ? path : absolute.lexically_normal()).string();
}

// Length-prefixed, so that no two different inputs hash the same text.
void Append(std::string& out, std::string_view part) {
  out += std::to_string(part.size());
  out += ':';
  out += part;
}

// Reads a length-prefixed field written by Append.
bool Take(std::string_view& in, std::string_view& part) {
  size_t colon = in.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon > 12) return false;
  size_t size = 0;
  for (char c : in.substr(0, colon)) {
    if (c < '0' || c > '9') return false;
    size = size * 10 + static_cast<size_t>(c - '0');
  }
  in.remove_prefix(colon + 1);
  if (size > in.size()) return false;
  part = in.substr(0, size);
  in.remove_prefix(size);
  return true;
}

}  // namespace

bool ProgramCache::Prepare(const std::vector<std::string>& rule_files,
                           const std::vector<fs::path>& pack_search_path) {
  if (dir_.empty()) return false;
  std::string text;
  Append(text, kMagic);
  Append(text, jit::BuildId());
  for (const std::string& path : rule_files) {
    std::optional<std::string> bytes = jit::ReadCacheFile(path);
    if (!bytes) return false;
    // Absolute: the program holds absolute paths (action scripts), so the same relative
    // names in another directory are other inputs.
    Append(text, Absolute(path));
    Append(text, jit::HashHex(*bytes));
  }
  for (const fs::path& dir : pack_search_path) {
    Append(text, Absolute(dir));
    std::vector<std::string> names;
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec); !ec && it != fs::directory_iterator();
         it.increment(ec)) {
      names.push_back(it->path().filename().string());
    }
    std::sort(names.begin(), names.end());
    for (const std::string& name : names) Append(text, name);
    Append(text, "");
  }
  key_ = jit::HashHex(text);
  return true;
}

std::optional<ir::Program> ProgramCache::Load(types::TypeContext& types) const {
  if (key_.empty()) return std::nullopt;
  std::optional<std::string> entry = jit::ReadCacheFile(dir_ / (key_ + ".program"));
  if (!entry) return std::nullopt;
  std::string_view in = *entry;
  std::string_view part;
  if (!Take(in, part) || part != kMagic || !Take(in, part)) return std::nullopt;
  // The manifest: every pack file the compile read must still have the same bytes.
  std::string_view manifest = part;
  while (!manifest.empty()) {
    std::string_view path, hash;
    if (!Take(manifest, path) || !Take(manifest, hash)) return std::nullopt;
    std::optional<std::string> bytes = jit::ReadCacheFile(fs::path(path));
    if (!bytes || jit::HashHex(*bytes) != hash) return std::nullopt;
  }
  if (!Take(in, part) || !in.empty()) return std::nullopt;
  return ir::Deserialize(part, types);
}

void ProgramCache::Store(const ir::Program& program, const source::SourceManager& sources,
                         const std::vector<source::FileId>& rule_file_ids) const {
  if (key_.empty()) return;
  std::string manifest;
  for (uint32_t i = 0; i < sources.FileCount(); ++i) {
    source::FileId id{.value = i};
    if (std::find(rule_file_ids.begin(), rule_file_ids.end(), id) != rule_file_ids.end()) {
      continue;
    }
    // Files of the built-in packs are embedded (the build id covers them): only files that
    // exist on disk with the bytes the compile read are listed.
    std::string path(sources.Path(id));
    std::optional<std::string> bytes = jit::ReadCacheFile(path);
    if (!bytes || *bytes != sources.Text(id)) continue;
    Append(manifest, path);
    Append(manifest, jit::HashHex(*bytes));
  }
  std::string entry;
  Append(entry, kMagic);
  Append(entry, manifest);
  Append(entry, ir::Serialize(program));
  jit::WriteCacheFile(dir_ / (key_ + ".program"), entry);
}

}  // namespace squall::cli
