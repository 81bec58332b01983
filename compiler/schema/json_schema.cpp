#include "compiler/schema/json_schema.h"

#include <algorithm>
#include <array>
#include <string_view>
#include <utility>

#include "compiler/diag/suggest.h"

namespace squall::schema {
namespace {

// Keywords whose meaning a Squall type cannot carry: the schema becomes json.
constexpr std::array<std::string_view, 3> kUnsupportedKeywords = {"$ref", "allOf", "not"};

// A synthetic entry for a schema found in a list (an anyOf alternative).
MapEntry ElementEntry(const YamlFile& file, const std::string& key, const YAML::Node& node) {
  source::SourceRange range = file.Range(node);
  return MapEntry{
      .key = key, .key_node = node, .value = node, .key_range = range, .value_range = range};
}

// Draft 4's `required: [names]` on an object schema.
std::vector<std::string> RequiredNames(const MapView& schema) {
  std::vector<std::string> names;
  const MapEntry* required = schema.FindSet("required");
  if (required != nullptr && required->value.IsSequence()) {
    for (const YAML::Node& name : required->value) {
      if (name.IsScalar()) names.push_back(name.Scalar());
    }
  }
  return names;
}

}  // namespace

void ReportUnknownType(const YamlFile& file, const MapEntry& entry, const std::string& name) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 8> kPythonNames = {{
      {"str", "string"},
      {"int", "integer"},
      {"float", "number"},
      {"bool", "boolean"},
      {"dict", "object"},
      {"map", "object"},
      {"list", "array"},
      {"none", "null"},
  }};
  std::string hint;
  for (auto [python, json] : kPythonNames) {
    if (name == python) hint = "; did you mean `" + std::string(json) + "`?";
  }
  if (hint.empty()) {
    static const std::vector<std::string> kTypes = {"string", "integer", "number", "boolean",
                                                    "array",  "object",  "null"};
    hint = diag::DidYouMean(name, kTypes);
  }
  if (hint.empty()) {
    hint = "; use `string`, `integer`, `number`, `boolean`, `array`, `object` or `null`";
  }
  file.diags().Report(diag::Kind::UnknownParameterType, entry.value_range, {name, hint});
}

SchemaConverter::SchemaConverter(const YamlFile& file, types::TypeContext& types)
    : file_(file), types_(types) {}

const types::Type* SchemaConverter::Convert(const MapEntry& entry, const std::string& record_name) {
  if (KindOf(entry.value) == ValueKind::kNull) return types_.Json();
  if (!entry.value.IsMap()) {
    ReportFieldType(file_, entry, "a JSON schema map");
    return types_.Json();
  }
  MapView schema(file_, entry.value);
  for (std::string_view keyword : kUnsupportedKeywords) {
    if (const MapEntry* unsupported = schema.Find(keyword)) {
      file_.diags().Report(diag::Kind::UnsupportedSchema, unsupported->key_range,
                           {std::string(keyword)});
      return types_.Json();
    }
  }
  const MapEntry* type_entry = schema.FindSet("type");
  if (type_entry == nullptr) {
    if (const MapEntry* values = schema.FindSet("enum")) return ConvertEnum(*values);
    if (schema.FindSet("properties") != nullptr) return ConvertObject(schema, record_name);
    if (const MapEntry* any_of = schema.FindSet("anyOf")) return ConvertUnion(*any_of);
    if (const MapEntry* one_of = schema.FindSet("oneOf")) return ConvertUnion(*one_of);
    return types_.Json();
  }
  if (KindOf(type_entry->value) == ValueKind::kString) {
    return ConvertNamed(type_entry->value.Scalar(), *type_entry, schema, record_name);
  }
  if (type_entry->value.IsSequence()) {
    // type: [T, "null"] is T?; several non-null types are json.
    std::vector<std::string> names;
    bool nullable = false;
    for (const YAML::Node& element : type_entry->value) {
      if (KindOf(element) != ValueKind::kString) {
        ReportFieldType(file_, *type_entry, "a type name or a list of type names",
                        std::string("a list holding ") + std::string(Describe(KindOf(element))));
        return types_.Json();
      }
      if (element.Scalar() == "null") {
        nullable = true;
      } else {
        names.push_back(element.Scalar());
      }
    }
    if (names.empty()) return nullable ? types_.Null() : types_.Json();
    if (names.size() > 1) return types_.Json();
    const types::Type* type = ConvertNamed(names[0], *type_entry, schema, record_name);
    return nullable ? types_.Optional(type) : type;
  }
  ReportFieldType(file_, *type_entry, "a type name or a list of type names");
  return types_.Json();
}

const types::Type* SchemaConverter::ConvertNamed(const std::string& type_name,
                                                 const MapEntry& type_entry, const MapView& schema,
                                                 const std::string& record_name) {
  if (type_name == "string") {
    const MapEntry* format = schema.FindSet("format");
    if (format != nullptr && format->value.IsScalar() && format->value.Scalar() == "date-time") {
      return types_.Time();
    }
    return types_.String();
  }
  if (type_name == "integer") return types_.Int();
  if (type_name == "number") return types_.Float();
  if (type_name == "boolean") return types_.Bool();
  if (type_name == "null") return types_.Null();
  if (type_name == "any") return types_.Json();  // draft 3
  if (type_name == "object") return ConvertObject(schema, record_name);
  if (type_name == "array") {
    const MapEntry* items = schema.FindSet("items");
    if (items == nullptr) return types_.List(types_.Json());
    if (items->value.IsSequence()) {
      // Tuple validation: one schema per position.
      file_.diags().Report(diag::Kind::UnsupportedSchema, items->key_range, {"items: [...]"});
      return types_.List(types_.Json());
    }
    return types_.List(Convert(*items));
  }
  ReportUnknownType(file_, type_entry, type_name);
  return types_.Json();
}

const types::Type* SchemaConverter::ConvertObject(const MapView& schema,
                                                  const std::string& record_name) {
  const types::Type* extra = nullptr;  // closed
  bool explicitly_closed = false;
  bool has_additional = false;
  if (const MapEntry* additional = schema.FindSet("additionalProperties")) {
    has_additional = true;
    if (std::optional<bool> open = BoolValue(additional->value)) {
      extra = *open ? types_.Json() : nullptr;
      explicitly_closed = !*open;
    } else if (additional->value.IsMap()) {
      extra = Convert(*additional);
    } else {
      ReportFieldType(file_, *additional, "a boolean or a JSON schema map");
      extra = types_.Json();
    }
  }
  const MapEntry* properties = schema.FindSet("properties");
  if (properties != nullptr && !properties->value.IsMap()) {
    ReportFieldType(file_, *properties, "a map of property schemas");
    properties = nullptr;
  }
  if (properties == nullptr) {
    if (explicitly_closed) return types_.Record({}, nullptr, record_name);
    return types_.Map(has_additional && extra != nullptr ? extra : types_.Json());
  }
  std::vector<types::Field> fields;
  for (const Property& property : PropertiesOf(properties->value, RequiredNames(schema))) {
    fields.push_back(MakeField(property));
  }
  return types_.Record(std::move(fields), extra, record_name);
}

const types::Type* SchemaConverter::ConvertUnion(const MapEntry& entry) {
  if (!entry.value.IsSequence()) {
    ReportFieldType(file_, entry, "a list of JSON schemas");
    return types_.Json();
  }
  const types::Type* only = nullptr;
  size_t non_null = 0;
  bool nullable = false;
  for (const YAML::Node& alternative : entry.value) {
    const types::Type* type = Convert(ElementEntry(file_, entry.key, alternative));
    if (type->kind() == types::TypeKind::kNull) {
      nullable = true;
    } else {
      only = type;
      ++non_null;
    }
  }
  if (non_null != 1) return non_null == 0 && nullable ? types_.Null() : types_.Json();
  return nullable ? types_.Optional(only) : only;
}

const types::Type* SchemaConverter::ConvertEnum(const MapEntry& entry) {
  if (!entry.value.IsSequence()) {
    ReportFieldType(file_, entry, "a list of values");
    return types_.Json();
  }
  const types::Type* type = nullptr;
  bool nullable = false;
  for (const YAML::Node& value : entry.value) {
    const types::Type* value_type = nullptr;
    switch (KindOf(value)) {
      case ValueKind::kNull:
        nullable = true;
        continue;
      case ValueKind::kBool:
        value_type = types_.Bool();
        break;
      case ValueKind::kInt:
        value_type = types_.Int();
        break;
      case ValueKind::kFloat:
        value_type = types_.Float();
        break;
      case ValueKind::kString:
        value_type = types_.String();
        break;
      case ValueKind::kList:
      case ValueKind::kMap:
        value_type = types_.Json();
        break;
    }
    if (type == nullptr) {
      type = value_type;
    } else if (type != value_type) {
      bool numbers = type->IsNumeric() && value_type->IsNumeric();
      type = numbers ? types_.Float() : types_.Json();
    }
  }
  if (type == nullptr) return nullable ? types_.Null() : types_.Json();
  return nullable ? types_.Optional(type) : type;
}

std::vector<SchemaConverter::Property> SchemaConverter::Properties(
    const YAML::Node& object_schema) {
  MapView schema(file_, object_schema);
  const MapEntry* properties = schema.FindSet("properties");
  if (properties == nullptr || !properties->value.IsMap()) return {};
  return PropertiesOf(properties->value, RequiredNames(schema));
}

std::vector<SchemaConverter::Property> SchemaConverter::PropertiesOf(
    const YAML::Node& properties, const std::vector<std::string>& required_names) {
  std::vector<Property> result;
  MapView view(file_, properties);
  for (const MapEntry& entry : view.entries()) {
    bool required =
        std::find(required_names.begin(), required_names.end(), entry.key) != required_names.end();
    if (entry.value.IsMap()) {
      // Draft 3: `required: true` on the property itself. A list there is draft 4's, for the
      // property's own properties.
      MapView property(file_, entry.value);
      if (const MapEntry* flag = property.FindSet("required")) {
        if (std::optional<bool> value = BoolValue(flag->value)) {
          required = required || *value;
        } else if (!flag->value.IsSequence()) {
          ReportFieldType(file_, *flag, "a boolean or a list of property names");
        }
      }
    }
    result.push_back(Property{.entry = entry, .required = required});
  }
  return result;
}

types::Field SchemaConverter::MakeField(const Property& property) {
  const types::Type* type = Convert(property.entry);
  if (!property.required) type = types_.Optional(type);
  types::Field field{.name = property.entry.key,
                     .type = type,
                     .required = property.required,
                     .default_json = {},
                     .description = {},
                     .decl = property.entry.key_range};
  if (!property.entry.value.IsMap()) return field;
  MapView schema(file_, property.entry.value);
  if (const MapEntry* description = schema.FindSet("description")) {
    field.description = ReadText(file_, *description).value_or("");
  }
  if (const MapEntry* default_value = schema.Find("default")) {
    field.default_json = ToJson(default_value->value);
    if (KindOf(default_value->value) != ValueKind::kNull && !FitsType(default_value->value, type)) {
      file_.diags().Report(diag::Kind::InvalidDefault, default_value->value_range,
                           {Abbreviate(field.default_json), field.name, types::ToString(type)});
    }
  }
  return field;
}

const types::Type* SchemaConverter::ConvertOutput(const MapEntry& entry,
                                                  const std::string& record_name) {
  if (entry.value.IsMap()) {
    // StackStorm calls a schema legacy when it has no `type`; one whose `type` is itself a
    // schema (a field named "type") is legacy too, not a broken full schema.
    MapView schema(file_, entry.value);
    const MapEntry* type = schema.Find("type");
    if (type == nullptr || type->value.IsMap()) {
      return RecordFromProperties(entry.value, types_.Json(), record_name);
    }
  }
  return Convert(entry, record_name);
}

const types::Type* SchemaConverter::RecordFromProperties(const YAML::Node& properties,
                                                         const types::Type* extra,
                                                         const std::string& record_name) {
  std::vector<types::Field> fields;
  for (const Property& property : PropertiesOf(properties, {})) {
    fields.push_back(MakeField(property));
  }
  return types_.Record(std::move(fields), extra, record_name);
}

}  // namespace squall::schema
