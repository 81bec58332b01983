// `squall import st2`: StackStorm rule YAML -> formatted Squall source.
//
// An Importer reads rule files (each added to the caller's SourceManager, so diagnostics
// point at the YAML's line and column), converts every rule it can, and renders the result
// as `.rule` source: one file for everything, or one per pack. What cannot be converted
// faithfully is a diagnostic at the YAML node; such a rule is left out of the output, with
// a comment naming it in its place.
//
// Packs: with a PackLoader, triggers and actions are looked up so that (a) a trigger type no
// pack declares gets a `trigger` declaration in the output with the payload fields the rules
// read, typed `json?`, (b) a parameter whose type is not `string` receives a whole-string
// template `"{{ trigger.x }}"` as the bare value `event.x` (StackStorm casts the rendered text
// back by the parameter's type), and (c) `import` lines name exactly the packs used. Without
// one, every referenced pack is imported and every trigger is assumed declared.
//
// Thread safety: none; one Importer per command run.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "compiler/diag/diagnostic_engine.h"
#include "compiler/schema/loader.h"
#include "compiler/source/source_manager.h"

namespace squall::st2import {

// A rule file to import and the pack it belongs to (the directory above `rules/`, or
// `default`), which a rule's own `pack:` field overrides.
struct RuleFile {
  std::filesystem::path path;
  std::string pack;
};

// Expands command-line paths: a `.yaml`/`.yml` file is itself; a directory with a `rules/`
// subdirectory is a pack (its `rules/*.yaml`, `*.yml`); any other directory is a directory of
// packs (each subdirectory's `rules/`, directories starting with `_` or `.` skipped). Files are
// sorted by path within each argument. `packs_dirs` receives the directories that hold the
// packs found (the parent of a pack directory), for the pack search path. A path that names
// nothing (missing, or a directory without rules) is returned in `empty`.
struct CollectedFiles {
  std::vector<RuleFile> files;
  std::vector<std::filesystem::path> packs_dirs;
  std::vector<std::string> empty;
};
CollectedFiles CollectRuleFiles(const std::vector<std::string>& paths);

class Importer {
 public:
  // `sources`, `diags` and `packs` (may be null) must outlive the Importer.
  Importer(source::SourceManager& sources, diag::DiagnosticEngine& diags,
           schema::PackLoader* packs);
  ~Importer();
  Importer(const Importer&) = delete;
  Importer& operator=(const Importer&) = delete;

  // Reads `file` (CannotReadFile if it cannot be read) and converts the rule in it (a file
  // holds one rule: its first YAML document, as StackStorm's loader reads one).
  void AddFile(const RuleFile& file);
  // Converts the rules of YAML text already in `sources` (tests, stdin).
  void AddText(source::FileId file_id, const std::string& default_pack);

  // The packs of the rules read so far (converted or not), sorted.
  std::vector<std::string> Packs() const;

  // Formatted Squall source holding the rules of `pack`, or of every pack when nullopt, with
  // the imports and trigger declarations they need. A rule name used in several packs is
  // written `` `<pack>.<name>` `` whatever `pack` is, so the files of every pack go together.
  // Returns nullopt only if the generated text does not parse, which is a bug in the importer:
  // `error` then holds the text and the parser's first message.
  std::optional<std::string> Render(const std::optional<std::string>& pack,
                                    std::string* error) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace squall::st2import
