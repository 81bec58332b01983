#include "compiler/schema/runners.h"

#include <array>
#include <string_view>
#include <utility>

#include "compiler/schema/json_schema.h"

namespace squall::schema {
namespace {

// RunnerTypeAPI's fields (st2common/models/api/action.py) plus `aliases`, which runner.yaml
// files carry.
constexpr std::array<std::string_view, 12> kRunnerFields = {"id",
                                                            "uid",
                                                            "name",
                                                            "description",
                                                            "enabled",
                                                            "runner_package",
                                                            "runner_module",
                                                            "query_module",
                                                            "output_key",
                                                            "output_schema",
                                                            "runner_parameters",
                                                            "aliases"};

std::optional<RunnerDefinition> ReadRunner(const YamlFile& file, const YAML::Node& node,
                                           types::TypeContext& types) {
  if (!node.IsMap()) {
    file.diags().Report(
        diag::Kind::InvalidMetadataFile, file.Range(node),
        {"a runner definition", "a map of fields", std::string(Describe(KindOf(node)))});
    return std::nullopt;
  }
  MapView view(file, node);
  view.CheckKnownFields(kRunnerFields, "a runner definition");
  RunnerDefinition definition;
  Runner& runner = definition.runner;
  runner.output = types.Json();
  const MapEntry* name = view.Find("name");
  if (name == nullptr) {
    file.diags().Report(diag::Kind::MissingPackField, file.Range(node),
                        {"name", "a runner definition"});
    return std::nullopt;
  }
  std::optional<std::string> name_text = ReadString(file, *name);
  if (!name_text) return std::nullopt;
  runner.name = *name_text;
  runner.decl = name->value_range;

  SchemaConverter converter(file, types);
  if (const MapEntry* description = view.FindSet("description")) {
    runner.description = ReadText(file, *description).value_or("");
  }
  if (const MapEntry* enabled = view.FindSet("enabled")) {
    runner.enabled = ReadBool(file, *enabled).value_or(true);
  }
  if (const MapEntry* parameters = view.Find("runner_parameters")) {
    runner.parameters = ReadParameters(converter, file, *parameters, &definition.attributes);
    for (Parameter& parameter : runner.parameters) parameter.from_runner = true;
  }
  if (const MapEntry* output_key = view.FindSet("output_key")) {
    runner.output_key = ReadString(file, *output_key).value_or("");
  }
  if (const MapEntry* output_schema = view.FindSet("output_schema")) {
    runner.output = converter.ConvertOutput(*output_schema, {});
  }
  return definition;
}

}  // namespace

std::vector<RunnerDefinition> ReadRunnerFile(const YamlFile& file, types::TypeContext& types) {
  std::vector<RunnerDefinition> runners;
  const YAML::Node& root = file.root();
  if (!file.ok()) return runners;
  if (root.IsMap()) {
    if (std::optional<RunnerDefinition> runner = ReadRunner(file, root, types)) {
      runners.push_back(std::move(*runner));
    }
    return runners;
  }
  if (!root.IsSequence()) {
    file.diags().Report(
        diag::Kind::InvalidMetadataFile, file.Range(root),
        {"a runner file", "a list of runner definitions", std::string(Describe(KindOf(root)))});
    return runners;
  }
  for (const YAML::Node& node : root) {
    if (std::optional<RunnerDefinition> runner = ReadRunner(file, node, types)) {
      runners.push_back(std::move(*runner));
    }
  }
  return runners;
}

}  // namespace squall::schema
