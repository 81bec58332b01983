#include "compiler/schema/loader.h"

#include <algorithm>
#include <exception>
#include <utility>

#include "compiler/schema/actions.h"
#include "compiler/schema/diag_buffer.h"
#include "compiler/schema/pack_metadata.h"
#include "compiler/schema/runners.h"
#include "compiler/schema/triggers.h"
#include "compiler/schema/yaml_reader.h"
#include "stdlib/builtin_files.h"

namespace squall::schema {
namespace {

// A place packs and runners come from: stdlib's embedded files or one search-path directory.
struct Root {
  std::unique_ptr<PackFiles> files;
  std::string packs_dir;    // where the pack directories are, relative to the root
  std::string runners_dir;  // where the runner files are
  bool builtin = false;
};

std::string JoinPath(std::string_view dir, std::string_view name) {
  if (dir.empty()) return std::string(name);
  std::string path(dir);
  path += '/';
  path += name;
  return path;
}

bool IsYamlFileName(std::string_view name) {
  return name.ends_with(".yaml") || name.ends_with(".yml");
}

std::vector<std::string> YamlFiles(const Root& root, std::string_view dir) {
  std::vector<std::string> names = root.files->Files(dir);
  std::erase_if(names, [](const std::string& name) { return !IsYamlFileName(name); });
  return names;
}

std::vector<MemoryFile> EmbeddedBuiltinFiles() {
  std::vector<MemoryFile> files;
  for (const stdlib::EmbeddedFile& file : stdlib::BuiltinFiles()) {
    files.push_back(MemoryFile{.path = std::string(file.path), .text = std::string(file.text)});
  }
  return files;
}

// Keeps the first entity of each name (the input is in file order) and reports the others.
template <typename T>
void DropDuplicates(std::vector<T>& entities, diag::Kind kind, std::string_view pack,
                    DiagBuffer& diags) {
  std::stable_sort(entities.begin(), entities.end(),
                   [](const T& a, const T& b) { return a.name < b.name; });
  std::vector<T> kept;
  kept.reserve(entities.size());
  for (T& entity : entities) {
    if (!kept.empty() && kept.back().name == entity.name) {
      diags.Report(kind, entity.decl, {entity.name, std::string(pack)})
          .AddNote(diag::Kind::PreviousDeclaration, kept.back().decl, {entity.name});
      continue;
    }
    kept.push_back(std::move(entity));
  }
  entities = std::move(kept);
}

}  // namespace

struct PackLoader::Impl {
  struct PackEntry {
    std::string name;
    const Root* root = nullptr;
    std::string rel_dir;  // the pack directory, relative to its root
    std::filesystem::path dir;
    PackMetadata metadata;
    DiagBuffer pending;  // pack.yaml's problems, reported when the pack loads
    std::unique_ptr<Pack> pack;
  };

  Impl(LoaderOptions loader_options, source::SourceManager& source_manager,
       diag::DiagnosticEngine& engine, types::TypeContext& type_context)
      : options(std::move(loader_options)),
        sources(source_manager),
        diags(engine),
        types(type_context) {
    if (options.builtin) {
      std::vector<MemoryFile> files =
          options.builtin_files ? std::move(*options.builtin_files) : EmbeddedBuiltinFiles();
      roots.push_back(Root{.files = MemoryPackFiles(std::move(files), "stdlib"),
                           .packs_dir = "packs",
                           .runners_dir = "runners",
                           .builtin = true});
    }
    std::vector<std::filesystem::path> seen;
    for (const std::filesystem::path& dir : options.search_path) {
      // A directory listed twice would shadow each of its packs with itself.
      std::filesystem::path normal = dir.lexically_normal();
      if (!normal.has_filename()) normal = normal.parent_path();  // "a/" is "a"
      if (std::find(seen.begin(), seen.end(), normal) != seen.end()) continue;
      seen.push_back(std::move(normal));
      roots.push_back(Root{.files = DirectoryPackFiles(dir),
                           .packs_dir = "",
                           .runners_dir = "_runners",
                           .builtin = false});
    }
  }

  // Adds a file to the SourceManager; an unreadable one is reported.
  std::optional<source::FileId> AddFile(const Root& root, const std::string& path,
                                        DiagBuffer& buffer) {
    std::string error;
    std::optional<source::FileId> file_id = root.files->Add(path, sources, &error);
    if (!file_id) {
      buffer.Report(diag::Kind::CannotReadFile, source::SourceRange{},
                    {root.files->DisplayPath(path).string(), error});
    }
    return file_id;
  }

  // Runs `read` over the parsed file at `path`. yaml-cpp exceptions are not expected past
  // YamlFile (no throwing accessor is used), but none may leave the library either.
  template <typename Read>
  void ReadFile(const Root& root, const std::string& path, DiagBuffer& buffer, Read read) {
    std::optional<source::FileId> file_id = AddFile(root, path, buffer);
    if (!file_id) return;
    try {
      YamlFile file(sources, *file_id, buffer);
      read(file);
    } catch (const std::exception& e) {
      buffer.Report(diag::Kind::YamlSyntax,
                    source::SourceRange{.file = *file_id, .begin = 0, .end = 0}, {e.what()});
    }
  }

  void EnsureIndexed() {
    if (indexed) return;
    indexed = true;
    for (const Root& root : roots) {
      for (const std::string& subdir : root.files->Subdirectories(root.packs_dir)) {
        // `_runners`, `_schemas`, `.git`: not packs.
        if (subdir.starts_with('_') || subdir.starts_with('.')) continue;
        std::string rel_dir = JoinPath(root.packs_dir, subdir);
        std::string pack_yaml = JoinPath(rel_dir, "pack.yaml");
        if (!root.files->HasFile(pack_yaml)) continue;
        PackEntry entry;
        entry.root = &root;
        entry.rel_dir = rel_dir;
        entry.dir = root.files->DisplayPath(rel_dir);
        ReadFile(root, pack_yaml, entry.pending,
                 [&](const YamlFile& file) { entry.metadata = ReadPackMetadata(file); });
        // A pack.yaml without a usable name still makes the pack loadable by its directory
        // name, so its problems get reported when someone asks for it.
        entry.name = entry.metadata.name.empty() ? subdir : entry.metadata.name;
        auto existing = packs.find(entry.name);
        if (existing != packs.end()) {
          shadowed.push_back(Shadowed{.name = entry.name,
                                      .dir = entry.dir,
                                      .by = existing->second.dir,
                                      .version = entry.metadata.version});
          continue;
        }
        std::string name = entry.name;
        packs.emplace(std::move(name), std::move(entry));
      }
    }
  }

  void EnsureRunners() {
    if (runners_loaded) return;
    runners_loaded = true;
    DiagBuffer buffer;
    for (const Root& root : roots) {
      for (const std::string& name : YamlFiles(root, root.runners_dir)) {
        ReadFile(root, JoinPath(root.runners_dir, name), buffer, [&](const YamlFile& file) {
          for (RunnerDefinition& definition : ReadRunnerFile(file, types)) {
            std::string runner_name = definition.runner.name;
            if (runners.contains(runner_name)) continue;  // the first definition wins
            runner_names.push_back(runner_name);
            runners.emplace(std::move(runner_name), std::move(definition));
          }
        });
      }
    }
    std::sort(runner_names.begin(), runner_names.end());
    buffer.FlushTo(diags, options.report_warnings);
  }

  const RunnerDefinition* FindRunnerDefinition(std::string_view name) {
    EnsureRunners();
    auto it = runners.find(name);
    return it == runners.end() ? nullptr : &it->second;
  }

  void LoadPack(PackEntry& entry) {
    entry.pending.FlushTo(diags, options.report_warnings);
    auto pack = std::make_unique<Pack>();
    pack->name = entry.name;
    pack->version = entry.metadata.version;
    pack->description = entry.metadata.description;
    pack->dir = entry.dir;
    pack->builtin = entry.root->builtin;
    pack->decl = entry.metadata.decl;

    DiagBuffer buffer;
    const Root& root = *entry.root;
    std::string actions_dir = JoinPath(entry.rel_dir, "actions");
    std::vector<std::string> action_files = YamlFiles(root, actions_dir);
    if (!action_files.empty()) EnsureRunners();
    RunnerLookup lookup{
        .find = [this](std::string_view name) { return FindRunnerDefinition(name); },
        .names = runner_names};
    for (const std::string& name : action_files) {
      ReadFile(root, JoinPath(actions_dir, name), buffer, [&](const YamlFile& file) {
        if (IsWorkflowDefinition(file)) return;
        if (std::optional<Action> action = ReadActionFile(file, pack->name, lookup, types)) {
          pack->actions.push_back(std::move(*action));
        }
      });
    }
    std::string triggers_dir = JoinPath(entry.rel_dir, "triggers");
    for (const std::string& name : YamlFiles(root, triggers_dir)) {
      ReadFile(root, JoinPath(triggers_dir, name), buffer, [&](const YamlFile& file) {
        if (std::optional<TriggerType> trigger = ReadTriggerFile(file, pack->name, types)) {
          pack->triggers.push_back(std::move(*trigger));
        }
      });
    }
    std::string sensors_dir = JoinPath(entry.rel_dir, "sensors");
    for (const std::string& name : YamlFiles(root, sensors_dir)) {
      ReadFile(root, JoinPath(sensors_dir, name), buffer, [&](const YamlFile& file) {
        for (TriggerType& trigger : ReadSensorFile(file, pack->name, types)) {
          pack->triggers.push_back(std::move(trigger));
        }
      });
    }
    DropDuplicates(pack->actions, diag::Kind::DuplicateAction, pack->name, buffer);
    DropDuplicates(pack->triggers, diag::Kind::DuplicateTriggerType, pack->name, buffer);
    buffer.FlushTo(diags, options.report_warnings);
    entry.pack = std::move(pack);
  }

  LoaderOptions options;
  source::SourceManager& sources;
  diag::DiagnosticEngine& diags;
  types::TypeContext& types;
  // Filled by the constructor and never resized afterwards: PackEntry::root points into it.
  std::vector<Root> roots;

  bool indexed = false;
  std::map<std::string, PackEntry, std::less<>> packs;
  std::vector<Shadowed> shadowed;

  bool runners_loaded = false;
  std::map<std::string, RunnerDefinition, std::less<>> runners;
  std::vector<std::string> runner_names;  // sorted, for did-you-mean
};

PackLoader::PackLoader(LoaderOptions options, source::SourceManager& sources,
                       diag::DiagnosticEngine& diags, types::TypeContext& types)
    : impl_(std::make_unique<Impl>(std::move(options), sources, diags, types)) {}

PackLoader::~PackLoader() = default;

const Pack* PackLoader::Load(std::string_view name) {
  impl_->EnsureIndexed();
  auto it = impl_->packs.find(name);
  if (it == impl_->packs.end()) return nullptr;
  if (it->second.pack == nullptr) impl_->LoadPack(it->second);
  return it->second.pack.get();
}

std::vector<std::string> PackLoader::AvailablePacks() {
  impl_->EnsureIndexed();
  std::vector<std::string> names;
  names.reserve(impl_->packs.size());
  for (const auto& [name, entry] : impl_->packs) names.push_back(name);
  return names;
}

const Runner* PackLoader::FindRunner(std::string_view name) {
  const RunnerDefinition* definition = impl_->FindRunnerDefinition(name);
  return definition == nullptr ? nullptr : &definition->runner;
}

std::vector<std::string> PackLoader::RunnerNames() {
  impl_->EnsureRunners();
  return impl_->runner_names;
}

std::vector<PackLoader::Shadowed> PackLoader::shadowed() {
  impl_->EnsureIndexed();
  return impl_->shadowed;
}

}  // namespace squall::schema
