// Action metadata: one `actions/<name>.yaml` file of a pack, read into a catalog Action with
// its parameters merged with its runner's (parameters.h) and its output typed.
//
// Which files are action metadata: every top-level `actions/*.yaml` and `actions/*.yml`
// (never subdirectories such as `actions/workflows/`). A top-level file is skipped without a
// diagnostic only when it clearly is a workflow definition: a map with neither `name` nor
// `runner_type` but with `version`, `tasks`, `chain` or `workflows`. Anything else is read as
// metadata and its problems reported.
//
// Output type: StackStorm validates an action's `output_schema` against the runner result's
// `output_key` field (python-script's `result`, orquesta's `output`), the rest of the result
// being the runner's. So when the runner has an output schema with that field, the action's
// output is the runner's record with that field's type replaced by the action's schema; when
// it has none, the action's schema types the whole result. Without an action schema the
// runner's output is used. Either way the record is named `<pack>.<action>.result`.
//
// Thread safety: none.
#pragma once

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "compiler/schema/catalog.h"
#include "compiler/schema/runners.h"
#include "compiler/schema/yaml_reader.h"
#include "compiler/types/type.h"

namespace squall::schema {

// How an action finds its runner: the definition named `name` or null, and every runner name
// (for did-you-mean).
struct RunnerLookup {
  std::function<const RunnerDefinition*(std::string_view name)> find;
  std::span<const std::string> names;
};

// True when the parsed file is a workflow definition rather than action metadata (see the
// file comment).
bool IsWorkflowDefinition(const YamlFile& file);

// Reads the action of a parsed metadata file of pack `pack`. Returns nullopt when the file
// has no usable `name` (reported) or could not be parsed; otherwise the action, with every
// problem reported and the rest kept (an action whose runner is unknown keeps its own
// parameters).
std::optional<Action> ReadActionFile(const YamlFile& file, std::string_view pack,
                                     const RunnerLookup& runners, types::TypeContext& types);

}  // namespace squall::schema
