// Where pack files come from: a directory on disk (a search-path entry) or a list of files
// held in memory (stdlib's packs and runners embedded in the binary, and tests). Both give the
// loader the same view, so every file goes through the same reading code.
//
// Paths are relative to the tree's root and '/'-separated ("core/actions/local.yaml"); ""
// is the root itself. Listing a directory that does not exist gives nothing: a search-path
// entry that is missing or not a directory simply holds no packs.
//
// Thread safety: the trees are immutable; concurrent reads are fine, but Add() writes to the
// SourceManager it is given.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/source/source_manager.h"

namespace squall::schema {

class PackFiles {
 public:
  virtual ~PackFiles() = default;

  // Names of the immediate subdirectories of `dir`, sorted.
  virtual std::vector<std::string> Subdirectories(std::string_view dir) const = 0;
  // Names of the regular files directly in `dir`, sorted.
  virtual std::vector<std::string> Files(std::string_view dir) const = 0;
  virtual bool HasFile(std::string_view path) const = 0;
  // Adds the file at `path` to `sources` under DisplayPath(path) and returns its id; on
  // failure returns nullopt and sets `*error` to the reason ("Permission denied").
  virtual std::optional<source::FileId> Add(std::string_view path, source::SourceManager& sources,
                                            std::string* error) const = 0;
  // How diagnostics and Pack::dir name `path`: the root joined with it.
  virtual std::filesystem::path DisplayPath(std::string_view path) const = 0;
};

// The files under `root` on disk. Symbolic links are followed; I/O errors while listing are
// treated as an empty directory (reading a file reports its error through Add).
std::unique_ptr<PackFiles> DirectoryPackFiles(std::filesystem::path root);

struct MemoryFile {
  std::string path;  // relative, '/'-separated: "packs/core/pack.yaml"
  std::string text;
};

// The given files, shown as `display_root/<path>` (e.g. "stdlib/packs/core/pack.yaml").
// Directories are implied by the paths.
std::unique_ptr<PackFiles> MemoryPackFiles(std::vector<MemoryFile> files,
                                           std::filesystem::path display_root);

}  // namespace squall::schema
