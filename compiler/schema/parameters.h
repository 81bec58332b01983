// Parameter maps: an action's `parameters`, a runner's `runner_parameters`, a trigger type's
// `parameters_schema`, and the merge of an action's parameters with its runner's.
//
// Runner merge (StackStorm's st2common/validators/api/action.py): an action inherits every
// runner parameter. Re-declaring one may change only `default`, `description`, `enum`,
// `immutable` and `required`; repeating any other attribute with the same value is allowed,
// changing it is an error (RunnerParameterTypeOverride for `type`, RunnerParameterOverride
// for the rest, e.g. `secret` or `position`). An action may not re-declare `immutable` when the
// runner's parameter has it (ImmutableRunnerParameter), and an immutable parameter needs a
// default from the action or the runner (ImmutableWithoutDefault).
//
// Thread safety: none.
#pragma once

#include <map>
#include <span>
#include <string>
#include <vector>

#include "compiler/schema/catalog.h"
#include "compiler/schema/json_schema.h"
#include "compiler/schema/yaml_reader.h"
#include "compiler/types/type.h"

namespace squall::schema {

// A parameter's attributes as written, each as JSON text (`"type"` -> `"string"`): what the
// merge compares an action's re-declaration with.
using AttributeJson = std::map<std::string, std::string, std::less<>>;

struct ParameterReadOptions {
  // Action and runner parameters are named in calls, so names must be words (`^\w+$`, as
  // StackStorm's action schema requires) and attributes must be ones StackStorm knows.
  // Trigger parameters come from a free-form JSON schema and skip both checks.
  bool strict = true;
  std::string_view owner = "a parameter";  // for UnknownPackField: "unknown field `x` in ..."
};

// Reads one parameter declaration `entry` (`cmd: {type: string, required: true}`). When
// `attributes` is not null it receives the attributes as JSON text.
Parameter ReadParameter(SchemaConverter& converter, const YamlFile& file, const MapEntry& entry,
                        const ParameterReadOptions& options, AttributeJson* attributes);

// Reads a map of parameter declarations (`entry` is the `parameters:` pair; a null value
// means none). `attributes`, when not null, receives one AttributeJson per parameter, in the
// same order as the result.
std::vector<Parameter> ReadParameters(SchemaConverter& converter, const YamlFile& file,
                                      const MapEntry& entry,
                                      std::vector<AttributeJson>* attributes);

// The parameters of a trigger type from its `parameters_schema` (an object schema):
// requiredness from draft 3 or draft 4, types never optional.
std::vector<Parameter> ReadSchemaParameters(SchemaConverter& converter, const YamlFile& file,
                                            const MapEntry& schema_entry);

// The runner a merge draws from.
struct RunnerParameters {
  std::string_view runner_name;
  std::span<const Parameter> parameters;
  std::span<const AttributeJson> attributes;  // parallel to `parameters`
};

// Merges the action's `parameters` (may be null: the action declares none) with the runner's.
// Result: the action's parameters in YAML order (a re-declared runner parameter keeps its
// position there, `from_runner` set and `decl` at the action's key), then the runner's
// parameters the action does not mention, in the runner's order.
std::vector<Parameter> MergeParameters(SchemaConverter& converter, const YamlFile& file,
                                       const MapEntry* action_parameters,
                                       const RunnerParameters& runner);

// The attributes StackStorm's action schema allows in a parameter declaration.
std::span<const std::string_view> KnownParameterFields();

}  // namespace squall::schema
