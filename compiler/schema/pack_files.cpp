#include "compiler/schema/pack_files.h"

#include <algorithm>
#include <system_error>
#include <utility>

namespace squall::schema {
namespace {

namespace fs = std::filesystem;

class DirectoryFiles final : public PackFiles {
 public:
  explicit DirectoryFiles(fs::path root) : root_(std::move(root)) {}

  std::vector<std::string> Subdirectories(std::string_view dir) const override {
    return List(dir, /*directories=*/true);
  }
  std::vector<std::string> Files(std::string_view dir) const override {
    return List(dir, /*directories=*/false);
  }
  bool HasFile(std::string_view path) const override {
    std::error_code ec;
    return fs::is_regular_file(Resolve(path), ec);
  }
  std::optional<source::FileId> Add(std::string_view path, source::SourceManager& sources,
                                    std::string* error) const override {
    return sources.LoadFile(Resolve(path), error);
  }
  fs::path DisplayPath(std::string_view path) const override { return Resolve(path); }

 private:
  fs::path Resolve(std::string_view path) const {
    return path.empty() ? root_ : root_ / fs::path(path);
  }

  // Every std::filesystem call takes an error_code: nothing here may throw.
  std::vector<std::string> List(std::string_view dir, bool directories) const {
    std::vector<std::string> names;
    std::error_code ec;
    fs::directory_iterator it(Resolve(dir), ec);
    for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
      std::error_code type_ec;
      bool is_wanted = directories ? it->is_directory(type_ec) : it->is_regular_file(type_ec);
      if (is_wanted && !type_ec) names.push_back(it->path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
  }

  fs::path root_;
};

class MemoryFiles final : public PackFiles {
 public:
  MemoryFiles(std::vector<MemoryFile> files, fs::path display_root)
      : files_(std::move(files)), display_root_(std::move(display_root)) {
    std::sort(files_.begin(), files_.end(),
              [](const MemoryFile& a, const MemoryFile& b) { return a.path < b.path; });
  }

  std::vector<std::string> Subdirectories(std::string_view dir) const override {
    std::vector<std::string> names;
    for (const MemoryFile& file : files_) {
      std::optional<std::string_view> rest = Inside(file.path, dir);
      if (!rest) continue;
      size_t slash = rest->find('/');
      if (slash == std::string_view::npos) continue;
      names.emplace_back(rest->substr(0, slash));
    }
    // Sorted paths keep each directory's files together, but "a-b/" sorts before "a/".
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
    return names;
  }
  std::vector<std::string> Files(std::string_view dir) const override {
    std::vector<std::string> names;
    for (const MemoryFile& file : files_) {
      std::optional<std::string_view> rest = Inside(file.path, dir);
      if (rest && rest->find('/') == std::string_view::npos) names.emplace_back(*rest);
    }
    return names;
  }
  bool HasFile(std::string_view path) const override { return Find(path) != nullptr; }
  std::optional<source::FileId> Add(std::string_view path, source::SourceManager& sources,
                                    std::string* error) const override {
    const MemoryFile* file = Find(path);
    if (file == nullptr) {
      if (error != nullptr) *error = "No such file or directory";
      return std::nullopt;
    }
    return sources.AddFile(DisplayPath(path).string(), file->text);
  }
  fs::path DisplayPath(std::string_view path) const override {
    return path.empty() ? display_root_ : display_root_ / fs::path(path);
  }

 private:
  // The part of `path` below `dir`, or nullopt when `path` is not below it.
  static std::optional<std::string_view> Inside(std::string_view path, std::string_view dir) {
    if (dir.empty()) return path;
    if (path.size() <= dir.size() + 1 || !path.starts_with(dir) || path[dir.size()] != '/') {
      return std::nullopt;
    }
    return path.substr(dir.size() + 1);
  }
  const MemoryFile* Find(std::string_view path) const {
    auto it = std::lower_bound(files_.begin(), files_.end(), path,
                               [](const MemoryFile& a, std::string_view b) { return a.path < b; });
    return it != files_.end() && it->path == path ? &*it : nullptr;
  }

  std::vector<MemoryFile> files_;
  fs::path display_root_;
};

}  // namespace

std::unique_ptr<PackFiles> DirectoryPackFiles(std::filesystem::path root) {
  return std::make_unique<DirectoryFiles>(std::move(root));
}

std::unique_ptr<PackFiles> MemoryPackFiles(std::vector<MemoryFile> files,
                                           std::filesystem::path display_root) {
  return std::make_unique<MemoryFiles>(std::move(files), std::move(display_root));
}

}  // namespace squall::schema
