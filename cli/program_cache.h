// The lowered program of a set of rule files, cached on disk beside the JIT's objects, so that
// `squall run` with unchanged rules and packs skips parsing, checking and lowering (for 10,000
// rules most of its start-up; the JIT's object cache then skips LLVM).
//
// Key: BLAKE2b of the executable's build id, each rule file's absolute path and bytes, the
// pack search path (absolute) and the names in each of its directories (a pack appearing
// earlier on the path changes what an import resolves to). An entry also lists every other file the
// compile read (pack YAML) with the hash of its bytes; it is used only when all of them are
// unchanged. Only compiles without any diagnostic are stored, so a hit has nothing to report.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "compiler/ir/ir.h"
#include "compiler/source/source_manager.h"
#include "compiler/types/type.h"

namespace squall::cli {

class ProgramCache {
 public:
  // `dir` empty: a cache that never hits and stores nothing.
  explicit ProgramCache(std::filesystem::path dir) : dir_(std::move(dir)) {}

  // Computes the key of these inputs; false when there is no cache or a rule file cannot be
  // read (compiling reports that).
  bool Prepare(const std::vector<std::string>& rule_files,
               const std::vector<std::filesystem::path>& pack_search_path);

  // The cached program, its types created in `types`; nullopt on a miss.
  std::optional<ir::Program> Load(types::TypeContext& types) const;

  // Stores `program`, compiled from the rule files whose ids are `rule_file_ids` in `sources`
  // (every other file there is part of the entry's manifest). Best effort.
  void Store(const ir::Program& program, const source::SourceManager& sources,
             const std::vector<source::FileId>& rule_file_ids) const;

 private:
  std::filesystem::path dir_;
  std::string key_;  // hex; empty until Prepare succeeds
};

}  // namespace squall::cli
