// Runner definitions: StackStorm's runner.yaml files (`_runners/*.yaml` on the search path,
// `stdlib/runners/*.yaml` built in). Each file is a YAML list of runners:
//
//   - name: local-shell-cmd
//     description: ...
//     runner_parameters: {cmd: {type: string}, timeout: {type: integer, default: 60}}
//     output_key: result            # optional
//     output_schema: {...}          # optional
//
// Thread safety: none.
#pragma once

#include <vector>

#include "compiler/schema/catalog.h"
#include "compiler/schema/parameters.h"
#include "compiler/schema/yaml_reader.h"
#include "compiler/types/type.h"

namespace squall::schema {

// A runner and what the runner merge needs beyond the catalog.
struct RunnerDefinition {
  Runner runner;
  std::vector<AttributeJson> attributes;  // parallel to runner.parameters

  RunnerParameters ForMerge() const {
    return RunnerParameters{
        .runner_name = runner.name, .parameters = runner.parameters, .attributes = attributes};
  }
};

// The runners of one parsed runner file, in file order (a file holding a single map instead
// of a list is read as one runner). A runner without a usable `name` is reported and
// skipped; other problems are reported and what is valid is kept.
std::vector<RunnerDefinition> ReadRunnerFile(const YamlFile& file, types::TypeContext& types);

}  // namespace squall::schema
