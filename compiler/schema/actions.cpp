#include "compiler/schema/actions.h"

#include <array>
#include <utility>
#include <vector>

#include "compiler/diag/suggest.h"
#include "compiler/schema/json_schema.h"
#include "compiler/schema/parameters.h"

namespace squall::schema {
namespace {

// `properties` of StackStorm's contrib/schemas/action.json.
constexpr std::array<std::string_view, 14> kActionFields = {
    "id",          "ref",          "uid",  "name",       "description",   "enabled",
    "runner_type", "entry_point",  "pack", "parameters", "output_schema", "tags",
    "notify",      "metadata_file"};

constexpr std::array<std::string_view, 4> kWorkflowKeys = {"version", "tasks", "chain",
                                                           "workflows"};

// The runner's output record renamed `name`, with field `key` typed `type` (kept optional
// when the runner's field is).
const types::Type* Specialize(const types::Type* runner_output, const std::string& key,
                              const types::Type* type, const std::string& name,
                              types::TypeContext& types) {
  std::vector<types::Field> fields = runner_output->fields();
  for (types::Field& field : fields) {
    if (field.name == key) field.type = field.required ? type : types.Optional(type);
  }
  return types.Record(std::move(fields), runner_output->extra_fields(), name);
}

const types::Type* OutputType(SchemaConverter& converter, const MapView& view, const Runner* runner,
                              const std::string& ref, types::TypeContext& types) {
  std::string name = ref + ".result";
  const types::Type* runner_output = runner != nullptr ? runner->output : types.Json();
  bool runner_record = runner_output->kind() == types::TypeKind::kRecord;
  const MapEntry* schema = view.FindSet("output_schema");
  if (schema == nullptr) {
    if (!runner_record) return runner_output;
    return types.Record(runner_output->fields(), runner_output->extra_fields(), name);
  }
  bool keyed = runner_record && !runner->output_key.empty() &&
               runner_output->FindField(runner->output_key) != nullptr;
  if (!keyed) return converter.ConvertOutput(*schema, name);
  const types::Type* own = converter.ConvertOutput(*schema, {});
  return Specialize(runner_output, runner->output_key, own, name, types);
}

}  // namespace

bool IsWorkflowDefinition(const YamlFile& file) {
  if (!file.root().IsMap()) return false;
  MapView view(file, file.root());
  if (view.Find("name") != nullptr || view.Find("runner_type") != nullptr) return false;
  for (std::string_view key : kWorkflowKeys) {
    if (view.Find(key) != nullptr) return true;
  }
  return false;
}

std::optional<Action> ReadActionFile(const YamlFile& file, std::string_view pack,
                                     const RunnerLookup& runners, types::TypeContext& types) {
  if (!file.ok()) return std::nullopt;
  const YAML::Node& root = file.root();
  if (!root.IsMap()) {
    file.diags().Report(
        diag::Kind::InvalidMetadataFile, file.Range(root),
        {"action metadata", "a map of fields", std::string(Describe(KindOf(root)))});
    return std::nullopt;
  }
  MapView view(file, root);
  view.CheckKnownFields(kActionFields, "action metadata");

  const MapEntry* name = view.Find("name");
  if (name == nullptr) {
    file.diags().Report(diag::Kind::MissingPackField, file.Range(root),
                        {"name", "action metadata"});
    return std::nullopt;
  }
  std::optional<std::string> name_text = ReadString(file, *name);
  if (!name_text) return std::nullopt;

  Action action;
  action.pack = std::string(pack);
  action.name = *name_text;
  action.ref = action.pack + "." + action.name;
  action.decl = name->value_range;

  if (const MapEntry* pack_field = view.FindSet("pack")) {
    std::optional<std::string> declared = ReadString(file, *pack_field);
    if (declared && *declared != pack) {
      file.diags().Report(diag::Kind::PackNameMismatch, pack_field->value_range,
                          {"action `" + action.name + "`", *declared, std::string(pack)});
    }
  }
  if (const MapEntry* description = view.FindSet("description")) {
    action.description = ReadText(file, *description).value_or("");
  }
  if (const MapEntry* enabled = view.FindSet("enabled")) {
    action.enabled = ReadBool(file, *enabled).value_or(true);
  }
  if (const MapEntry* entry_point = view.FindSet("entry_point")) {
    action.entry_point = ReadText(file, *entry_point).value_or("");
  }

  const RunnerDefinition* runner = nullptr;
  const MapEntry* runner_type = view.Find("runner_type");
  if (runner_type == nullptr) {
    file.diags().Report(diag::Kind::MissingPackField, file.Range(root),
                        {"runner_type", "action metadata"});
  } else if (std::optional<std::string> runner_name = ReadString(file, *runner_type)) {
    action.runner_type = *runner_name;
    runner = runners.find(*runner_name);
    if (runner == nullptr) {
      file.diags().Report(diag::Kind::UnknownRunner, runner_type->value_range,
                          {*runner_name, diag::DidYouMean(*runner_name, runners.names)});
    }
  }

  SchemaConverter converter(file, types);
  const MapEntry* parameters = view.Find("parameters");
  if (runner != nullptr) {
    action.parameters = MergeParameters(converter, file, parameters, runner->ForMerge());
  } else if (parameters != nullptr) {
    action.parameters = ReadParameters(converter, file, *parameters, nullptr);
  }
  action.output =
      OutputType(converter, view, runner != nullptr ? &runner->runner : nullptr, action.ref, types);
  return action;
}

}  // namespace squall::schema
