#include "compiler/schema/parameters.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <optional>
#include <utility>

namespace squall::schema {
namespace {

// `properties` of the parameter pattern in StackStorm's contrib/schemas/action.json (JSON
// schema draft 4 plus `required` as a boolean, `secret`, `immutable` and `position`).
constexpr std::array<std::string_view, 35> kParameterFields = {"id",
                                                               "$schema",
                                                               "title",
                                                               "description",
                                                               "default",
                                                               "multipleOf",
                                                               "maximum",
                                                               "exclusiveMaximum",
                                                               "minimum",
                                                               "exclusiveMinimum",
                                                               "maxLength",
                                                               "minLength",
                                                               "pattern",
                                                               "additionalItems",
                                                               "items",
                                                               "maxItems",
                                                               "minItems",
                                                               "uniqueItems",
                                                               "maxProperties",
                                                               "minProperties",
                                                               "required",
                                                               "secret",
                                                               "additionalProperties",
                                                               "definitions",
                                                               "properties",
                                                               "patternProperties",
                                                               "dependencies",
                                                               "enum",
                                                               "type",
                                                               "position",
                                                               "immutable",
                                                               "allOf",
                                                               "anyOf",
                                                               "oneOf",
                                                               "not"};

// What an action may change in a runner parameter it re-declares
// (st2common.util.schema.RUNNER_PARAM_OVERRIDABLE_ATTRS).
constexpr std::array<std::string_view, 5> kOverridable = {"default", "description", "enum",
                                                          "immutable", "required"};

bool IsWordName(std::string_view name) {
  if (name.empty()) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

// `"string"` -> `string` for messages; other JSON text stays as it is.
std::string Unquote(const std::string& json) {
  if (json.size() >= 2 && json.front() == '"' && json.back() == '"') {
    return json.substr(1, json.size() - 2);
  }
  return json;
}

// The attributes that only set flags and text, shared by declarations and overrides.
void ReadDefault(const YamlFile& file, const MapEntry& entry, Parameter& parameter) {
  parameter.default_json = ToJson(entry.value);
  // StackStorm accepts a null default for any parameter (allow_default_none) and renders
  // Jinja templates at run time, so only other mismatches are reported.
  if (KindOf(entry.value) != ValueKind::kNull && !FitsType(entry.value, parameter.type)) {
    file.diags().Report(
        diag::Kind::InvalidDefault, entry.value_range,
        {Abbreviate(*parameter.default_json), parameter.name, types::ToString(parameter.type)});
  }
}

void ReadEnum(const YamlFile& file, const MapEntry& entry, Parameter& parameter) {
  if (!ExpectList(file, entry)) return;
  parameter.enum_json.clear();
  for (const YAML::Node& value : entry.value) {
    parameter.enum_json.push_back(ToJson(value));
    if (KindOf(value) != ValueKind::kNull && !FitsType(value, parameter.type)) {
      file.diags().Report(diag::Kind::InvalidEnumValue, file.Range(value),
                          {Abbreviate(parameter.enum_json.back()), parameter.name,
                           types::ToString(parameter.type)});
    }
  }
}

// `required: true|false`; a list is draft 4's, about an object parameter's own properties.
void ReadRequired(const YamlFile& file, const MapEntry& entry, Parameter& parameter) {
  if (entry.value.IsSequence()) return;
  if (std::optional<bool> required = ReadBool(file, entry)) parameter.required = *required;
}

Parameter Declared(const MapEntry& entry, const types::Type* type) {
  return Parameter{.name = entry.key,
                   .type = type,
                   .required = false,
                   .default_json = std::nullopt,
                   .enum_json = {},
                   .secret = false,
                   .immutable = false,
                   .position = std::nullopt,
                   .description = {},
                   .decl = entry.key_range,
                   .from_runner = false};
}

void CheckImmutableHasDefault(const YamlFile& file, const MapEntry& entry,
                              const Parameter& parameter) {
  if (parameter.immutable && !parameter.default_json) {
    file.diags().Report(diag::Kind::ImmutableWithoutDefault, entry.key_range, {parameter.name});
  }
}

}  // namespace

std::span<const std::string_view> KnownParameterFields() { return kParameterFields; }

Parameter ReadParameter(SchemaConverter& converter, const YamlFile& file, const MapEntry& entry,
                        const ParameterReadOptions& options, AttributeJson* attributes) {
  if (options.strict && !IsWordName(entry.key)) {
    file.diags().Report(diag::Kind::InvalidParameterName, entry.key_range, {entry.key});
  }
  Parameter parameter = Declared(entry, converter.Convert(entry));
  if (!entry.value.IsMap()) return parameter;  // Convert reported it; `x:` alone is json

  MapView view(file, entry.value);
  if (options.strict) view.CheckKnownFields(kParameterFields, options.owner);
  for (const MapEntry& attribute : view.entries()) {
    if (attributes != nullptr) (*attributes)[attribute.key] = ToJson(attribute.value);
    if (attribute.key == "default") {
      ReadDefault(file, attribute, parameter);
      continue;
    }
    if (KindOf(attribute.value) == ValueKind::kNull) continue;  // `secret:` alone: unset
    if (attribute.key == "required") {
      ReadRequired(file, attribute, parameter);
    } else if (attribute.key == "enum") {
      ReadEnum(file, attribute, parameter);
    } else if (attribute.key == "secret") {
      parameter.secret = ReadBool(file, attribute).value_or(false);
    } else if (attribute.key == "immutable") {
      parameter.immutable = ReadBool(file, attribute).value_or(false);
    } else if (attribute.key == "position") {
      if (std::optional<int64_t> position = ReadIndex(file, attribute)) {
        if (*position <= std::numeric_limits<int>::max())
          parameter.position = static_cast<int>(*position);
      }
    } else if (attribute.key == "description") {
      parameter.description = ReadText(file, attribute).value_or("");
    }
  }
  return parameter;
}

std::vector<Parameter> ReadParameters(SchemaConverter& converter, const YamlFile& file,
                                      const MapEntry& entry,
                                      std::vector<AttributeJson>* attributes) {
  std::vector<Parameter> parameters;
  if (KindOf(entry.value) == ValueKind::kNull || !ExpectMap(file, entry)) return parameters;
  MapView view(file, entry.value);
  for (const MapEntry& declaration : view.entries()) {
    AttributeJson declared;
    parameters.push_back(ReadParameter(converter, file, declaration, ParameterReadOptions{},
                                       attributes != nullptr ? &declared : nullptr));
    CheckImmutableHasDefault(file, declaration, parameters.back());
    if (attributes != nullptr) attributes->push_back(std::move(declared));
  }
  return parameters;
}

std::vector<Parameter> ReadSchemaParameters(SchemaConverter& converter, const YamlFile& file,
                                            const MapEntry& schema_entry) {
  std::vector<Parameter> parameters;
  if (KindOf(schema_entry.value) == ValueKind::kNull) return parameters;
  if (!schema_entry.value.IsMap()) {
    ReportFieldType(file, schema_entry, "a JSON schema map");
    return parameters;
  }
  ParameterReadOptions options{.strict = false, .owner = "a trigger parameter"};
  for (const SchemaConverter::Property& property : converter.Properties(schema_entry.value)) {
    parameters.push_back(ReadParameter(converter, file, property.entry, options, nullptr));
    parameters.back().required = property.required;
  }
  return parameters;
}

std::vector<Parameter> MergeParameters(SchemaConverter& converter, const YamlFile& file,
                                       const MapEntry* action_parameters,
                                       const RunnerParameters& runner) {
  std::vector<Parameter> merged;
  std::vector<bool> mentioned(runner.parameters.size(), false);
  auto runner_index = [&](std::string_view name) -> std::optional<size_t> {
    for (size_t i = 0; i < runner.parameters.size(); ++i) {
      if (runner.parameters[i].name == name) return i;
    }
    return std::nullopt;
  };

  bool has_map = action_parameters != nullptr &&
                 KindOf(action_parameters->value) != ValueKind::kNull &&
                 ExpectMap(file, *action_parameters);
  MapView view(file, has_map ? action_parameters->value : YAML::Node());
  for (const MapEntry& entry : view.entries()) {
    std::optional<size_t> index = runner_index(entry.key);
    if (!index) {
      merged.push_back(ReadParameter(converter, file, entry, ParameterReadOptions{}, nullptr));
      CheckImmutableHasDefault(file, entry, merged.back());
      continue;
    }
    mentioned[*index] = true;
    const Parameter& base = runner.parameters[*index];
    const AttributeJson& base_attributes = runner.attributes[*index];
    Parameter parameter = base;
    parameter.decl = entry.key_range;
    parameter.from_runner = true;
    if (!entry.value.IsMap()) {
      if (KindOf(entry.value) != ValueKind::kNull) {
        ReportFieldType(file, entry, "a map of parameter attributes");
      }
      merged.push_back(std::move(parameter));
      continue;
    }
    MapView attributes(file, entry.value);
    attributes.CheckKnownFields(kParameterFields, "a parameter");
    for (const MapEntry& attribute : attributes.entries()) {
      bool overridable =
          std::find(kOverridable.begin(), kOverridable.end(), attribute.key) != kOverridable.end();
      bool known = std::find(kParameterFields.begin(), kParameterFields.end(), attribute.key) !=
                   kParameterFields.end();
      // An unknown attribute is already reported (UnknownPackField); it overrides nothing.
      if (overridable || !known) continue;
      auto runner_value = base_attributes.find(attribute.key);
      std::string action_value = ToJson(attribute.value);
      if (runner_value != base_attributes.end() && runner_value->second == action_value) continue;
      if (attribute.key == "type") {
        std::string runner_type =
            runner_value == base_attributes.end() ? "json" : Unquote(runner_value->second);
        file.diags()
            .Report(
                diag::Kind::RunnerParameterTypeOverride, attribute.value_range,
                {entry.key, runner_type, std::string(runner.runner_name), Unquote(action_value)})
            .AddNote(diag::Kind::PreviousDeclaration, base.decl, {entry.key});
      } else {
        file.diags()
            .Report(diag::Kind::RunnerParameterOverride, attribute.key_range,
                    {entry.key, attribute.key, std::string(runner.runner_name)})
            .AddNote(diag::Kind::PreviousDeclaration, base.decl, {entry.key});
      }
    }
    if (const MapEntry* immutable = attributes.Find("immutable")) {
      if (base_attributes.contains("immutable")) {
        file.diags()
            .Report(diag::Kind::ImmutableRunnerParameter, immutable->key_range,
                    {entry.key, std::string(runner.runner_name)})
            .AddNote(diag::Kind::PreviousDeclaration, base.decl, {entry.key});
      }
    }
    for (const MapEntry& attribute : attributes.entries()) {
      if (attribute.key == "default") {
        ReadDefault(file, attribute, parameter);
        continue;
      }
      if (KindOf(attribute.value) == ValueKind::kNull) continue;
      if (attribute.key == "description") {
        parameter.description = ReadText(file, attribute).value_or(parameter.description);
      } else if (attribute.key == "required") {
        ReadRequired(file, attribute, parameter);
      } else if (attribute.key == "enum") {
        ReadEnum(file, attribute, parameter);
      } else if (attribute.key == "immutable") {
        parameter.immutable = ReadBool(file, attribute).value_or(parameter.immutable);
      }
    }
    CheckImmutableHasDefault(file, entry, parameter);
    merged.push_back(std::move(parameter));
  }
  for (size_t i = 0; i < runner.parameters.size(); ++i) {
    if (!mentioned[i]) merged.push_back(runner.parameters[i]);
  }
  return merged;
}

}  // namespace squall::schema
