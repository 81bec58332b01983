// Trigger types: `triggers/*.yaml` (one trigger type per file) and the `trigger_types` list
// of `sensors/*.yaml`, each
//
//   name: file_watch.line            # ref = <pack>.<name>
//   pack: linux                      # optional; must match the pack
//   description: ...
//   payload_schema: {type: object, properties: {...}}     -> record named by the ref
//   parameters_schema: {type: object, properties: {...}}  -> trigger parameters
//
// Thread safety: none.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "compiler/schema/catalog.h"
#include "compiler/schema/yaml_reader.h"
#include "compiler/types/type.h"

namespace squall::schema {

// The trigger type of a parsed `triggers/*.yaml` file; nullopt when it has no usable `name`
// (reported) or could not be parsed.
std::optional<TriggerType> ReadTriggerFile(const YamlFile& file, std::string_view pack,
                                           types::TypeContext& types);

// The trigger types a parsed sensor file declares, in file order; entries without a usable
// `name` are reported and skipped.
std::vector<TriggerType> ReadSensorFile(const YamlFile& file, std::string_view pack,
                                        types::TypeContext& types);

}  // namespace squall::schema
