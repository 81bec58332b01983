// pack.yaml: the pack's name (what `import` names), version and description.
//
// The name is `ref` when present, else `name` (StackStorm's rule); it must be a valid pack
// ref, `^[a-z0-9_]+$` (InvalidPackRef otherwise). `name` is required (MissingPackField).
// pack.yaml may hold any other field (StackStorm's pack schema allows them), so unknown
// fields are not reported.
//
// Thread safety: none.
#pragma once

#include <string>

#include "compiler/schema/yaml_reader.h"
#include "compiler/source/source_range.h"

namespace squall::schema {

struct PackMetadata {
  std::string name;  // the ref; empty when pack.yaml gives no valid one
  std::string version;
  std::string description;
  source::SourceRange decl;  // the `ref`/`name` value, or the file start
};

PackMetadata ReadPackMetadata(const YamlFile& file);

// Whether `name` is a valid pack ref: lowercase letters, digits and underscores.
bool IsValidPackRef(std::string_view name);

}  // namespace squall::schema
