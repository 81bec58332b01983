// The pack path options shared by every command that loads packs (`check`, `packs`):
// `--packs DIR` (repeatable) and the SQUALL_PACKS environment variable.
#pragma once

#include <boost/program_options.hpp>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

namespace squall::cli {

struct PackFlags {
  std::vector<std::string> dirs;  // --packs, in command-line order

  // Registers `--packs DIR` (repeatable) on `desc`, storing into `dirs`.
  void AddTo(boost::program_options::options_description& desc);

  // The search path for schema::LoaderOptions (the built-in packs come before it): the
  // --packs directories in order, then the entries of `squall_packs_env` (the value of
  // SQUALL_PACKS, colon-separated, empty entries ignored; null when unset), then a `packs/`
  // directory beside each rule file (not `-`) when one exists. A directory that appears twice
  // is kept at its first position only. Entries need not exist; the loader skips those.
  std::vector<std::filesystem::path> SearchPath(std::span<const std::string> rule_files,
                                                const char* squall_packs_env) const;
};

}  // namespace squall::cli
