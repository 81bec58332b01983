#include "compiler/schema/triggers.h"

#include <array>
#include <string>

#include "compiler/schema/json_schema.h"
#include "compiler/schema/parameters.h"

namespace squall::schema {
namespace {

// TriggerTypeAPI's fields (st2common/models/api/trigger.py; the trigger_types items of
// contrib/schemas/sensor.json).
constexpr std::array<std::string_view, 10> kTriggerFields = {"id",
                                                             "ref",
                                                             "uid",
                                                             "name",
                                                             "pack",
                                                             "description",
                                                             "payload_schema",
                                                             "parameters_schema",
                                                             "tags",
                                                             "metadata_file"};

// `properties` of contrib/schemas/sensor.json.
constexpr std::array<std::string_view, 12> kSensorFields = {
    "id",           "ref",         "uid",     "class_name",    "pack",          "description",
    "artifact_uri", "entry_point", "enabled", "trigger_types", "poll_interval", "metadata_file"};

void CheckPackField(const YamlFile& file, const MapView& view, std::string_view pack,
                    const std::string& what) {
  if (const MapEntry* pack_field = view.FindSet("pack")) {
    std::optional<std::string> declared = ReadString(file, *pack_field);
    if (declared && *declared != pack) {
      file.diags().Report(diag::Kind::PackNameMismatch, pack_field->value_range,
                          {what, *declared, std::string(pack)});
    }
  }
}

std::optional<TriggerType> ReadTriggerType(const YamlFile& file, const YAML::Node& node,
                                           std::string_view pack, types::TypeContext& types) {
  if (!node.IsMap()) {
    file.diags().Report(diag::Kind::InvalidMetadataFile, file.Range(node),
                        {"a trigger type", "a map of fields", std::string(Describe(KindOf(node)))});
    return std::nullopt;
  }
  MapView view(file, node);
  view.CheckKnownFields(kTriggerFields, "a trigger type");
  const MapEntry* name = view.Find("name");
  if (name == nullptr) {
    file.diags().Report(diag::Kind::MissingPackField, file.Range(node), {"name", "a trigger type"});
    return std::nullopt;
  }
  std::optional<std::string> name_text = ReadString(file, *name);
  if (!name_text) return std::nullopt;

  TriggerType trigger;
  trigger.pack = std::string(pack);
  trigger.name = *name_text;
  trigger.ref = trigger.pack + "." + trigger.name;
  trigger.decl = name->value_range;
  trigger.payload = types.Json();
  CheckPackField(file, view, pack, "trigger type `" + trigger.name + "`");
  if (const MapEntry* description = view.FindSet("description")) {
    trigger.description = ReadText(file, *description).value_or("");
  }
  SchemaConverter converter(file, types);
  if (const MapEntry* payload = view.FindSet("payload_schema")) {
    const types::Type* type = converter.Convert(*payload, trigger.ref);
    // A payload is always an object; a schema for anything else says nothing usable.
    if (type->kind() == types::TypeKind::kRecord || type->kind() == types::TypeKind::kMap) {
      trigger.payload = type;
    }
  }
  if (const MapEntry* parameters = view.FindSet("parameters_schema")) {
    trigger.parameters = ReadSchemaParameters(converter, file, *parameters);
  }
  return trigger;
}

}  // namespace

std::optional<TriggerType> ReadTriggerFile(const YamlFile& file, std::string_view pack,
                                           types::TypeContext& types) {
  if (!file.ok()) return std::nullopt;
  return ReadTriggerType(file, file.root(), pack, types);
}

std::vector<TriggerType> ReadSensorFile(const YamlFile& file, std::string_view pack,
                                        types::TypeContext& types) {
  std::vector<TriggerType> triggers;
  if (!file.ok()) return triggers;
  const YAML::Node& root = file.root();
  if (!root.IsMap()) {
    file.diags().Report(diag::Kind::InvalidMetadataFile, file.Range(root),
                        {"a sensor", "a map of fields", std::string(Describe(KindOf(root)))});
    return triggers;
  }
  MapView view(file, root);
  view.CheckKnownFields(kSensorFields, "a sensor");
  if (view.Find("class_name") == nullptr) {
    file.diags().Report(diag::Kind::MissingPackField, file.Range(root), {"class_name", "a sensor"});
  }
  CheckPackField(file, view, pack, "a sensor");
  const MapEntry* trigger_types = view.FindSet("trigger_types");
  if (trigger_types == nullptr || !ExpectList(file, *trigger_types)) return triggers;
  for (const YAML::Node& node : trigger_types->value) {
    if (std::optional<TriggerType> trigger = ReadTriggerType(file, node, pack, types)) {
      triggers.push_back(std::move(*trigger));
    }
  }
  return triggers;
}

}  // namespace squall::schema
