// Loads packs in StackStorm's layout into the typed catalog (catalog.h).
//
// Where packs come from, in priority order (the first pack of a name wins; later ones of the
// same name are `shadowed()`):
//   1. the built-in packs of `stdlib/packs/` (embedded in the binary): `import core` always
//      means Squall's core pack;
//   2. each directory of the search path, in order. A directory holds pack directories (each
//      with a `pack.yaml`) and may hold `_runners/*.yaml` (StackStorm runner definitions).
//
// A pack directory is a subdirectory holding a `pack.yaml` (directories starting with `_` or
// `.` are skipped); its name is pack.yaml's `ref`, else its `name`. Files are added to the
// SourceManager under `<search dir>/<pack>/...`, built-in ones under `stdlib/packs/<pack>/...`
// (Pack::dir likewise).
//
// Runners: the built-in runners of `stdlib/runners/` first, then every `_runners/` directory
// of the search path; the first definition of a runner name wins. Runner files are read once,
// the first time a pack with actions loads (or FindRunner is called).
//
// Packs load lazily: `Load("slack")` reads slack's YAML the first time it is asked for, so a
// broken pack that no rule imports costs nothing and reports nothing. Every YAML problem is a
// diagnostic at the YAML file's line and column (the file is added to the SourceManager); one
// bad file never hides the others, and a pack with problems still returns what did load.
//
// Thread safety: none.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/diag/diagnostic_engine.h"
#include "compiler/schema/catalog.h"
#include "compiler/schema/pack_files.h"
#include "compiler/source/source_manager.h"
#include "compiler/types/type.h"

namespace squall::schema {

struct LoaderOptions {
  // Directories of packs, in priority order (after the built-ins). An entry that does not
  // exist or is not a directory holds no packs; it is not an error. A repeated entry counts
  // once, at its first position.
  std::vector<std::filesystem::path> search_path;
  bool builtin = true;  // include stdlib's packs and runners (tests may turn them off)
  // Tests: when set (and `builtin`), these files stand in for stdlib's embedded ones, laid out
  // the same way (`packs/<pack>/...`, `runners/*.yaml`) and shown as `stdlib/<path>`.
  std::optional<std::vector<MemoryFile>> builtin_files;
  // Report problems of Warning severity (UnknownPackField, InvalidDefault, InvalidEnumValue,
  // UnsupportedSchema). `squall packs` does; a command checking rules against packs its user
  // does not maintain (six upstream slack files give 25 InvalidDefault warnings) may not.
  bool report_warnings = true;
};

class PackLoader {
 public:
  // `sources`, `diags` and `types` must outlive the loader and every Pack it returns.
  PackLoader(LoaderOptions options, source::SourceManager& sources, diag::DiagnosticEngine& diags,
             types::TypeContext& types);
  ~PackLoader();
  PackLoader(const PackLoader&) = delete;
  PackLoader& operator=(const PackLoader&) = delete;

  // The pack named `name`, loaded on first use; null when no pack has that name. The
  // returned pointer stays valid for the loader's lifetime. The first call reports the
  // problems of the pack's files (and of the runner files, the first time a pack with actions
  // loads) into the DiagnosticEngine; later calls report nothing. Never throws.
  const Pack* Load(std::string_view name);

  // Names of every available pack (built-in and on the search path), sorted, without loading
  // them (only their pack.yaml is read). For did-you-mean and `squall packs list`.
  std::vector<std::string> AvailablePacks();

  // The runner named `name`; null when no runner has that name. Reads every runner file on
  // first use (reporting their problems).
  const Runner* FindRunner(std::string_view name);

  // Names of every runner, sorted (reads the runner files like FindRunner).
  std::vector<std::string> RunnerNames();

  // A pack directory hidden by an earlier pack of the same name.
  struct Shadowed {
    std::string name;
    std::filesystem::path dir;
    std::filesystem::path by;  // the winning pack's dir
    std::string version;       // from the hidden pack's pack.yaml
  };
  // In discovery order (built-ins, then the search path in order; a directory's packs by
  // directory name). Like AvailablePacks, reads only pack.yaml files.
  std::vector<Shadowed> shadowed();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace squall::schema
