#include "cli/pack_flags.h"

#include <algorithm>
#include <string_view>
#include <system_error>

namespace squall::cli {

namespace po = boost::program_options;

void PackFlags::AddTo(po::options_description& desc) {
  desc.add_options()  //
      ("packs", po::value(&dirs)->value_name("DIR")->composing(),
       "a directory of packs in StackStorm's layout (repeatable; searched in order, after the "
       "built-in packs and before $SQUALL_PACKS)");
}

std::vector<std::filesystem::path> PackFlags::SearchPath(std::span<const std::string> rule_files,
                                                         const char* squall_packs_env) const {
  std::vector<std::filesystem::path> path;
  std::vector<std::filesystem::path> seen;  // lexically normal forms, to drop repeats
  auto add = [&](const std::filesystem::path& dir) {
    std::filesystem::path normal = dir.lexically_normal();
    if (!normal.has_filename()) normal = normal.parent_path();  // "a/" is "a"
    if (std::find(seen.begin(), seen.end(), normal) != seen.end()) return;
    seen.push_back(std::move(normal));
    path.push_back(dir);
  };
  for (const std::string& dir : dirs) add(dir);
  if (squall_packs_env != nullptr) {
    std::string_view entries(squall_packs_env);
    while (!entries.empty()) {
      size_t colon = entries.find(':');
      std::string_view entry = entries.substr(0, colon);
      if (!entry.empty()) add(std::filesystem::path(entry));
      if (colon == std::string_view::npos) break;
      entries.remove_prefix(colon + 1);
    }
  }
  for (const std::string& file : rule_files) {
    if (file == "-") continue;
    std::filesystem::path beside = std::filesystem::path(file).parent_path() / "packs";
    std::error_code ec;
    if (std::filesystem::is_directory(beside, ec)) add(beside);
  }
  return path;
}

}  // namespace squall::cli
