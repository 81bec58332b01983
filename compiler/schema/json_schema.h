// JSON schema (as written in pack YAML) -> Squall type. The mapping (docs/packs.md has the
// table):
//
//   string -> string (format: date-time -> time)   integer -> int   number -> float
//   boolean -> bool   null -> null   array -> list<items' type, json when no items>
//   object with properties -> record: closed, or extra fields of type json
//     (additionalProperties: true) or of the given schema's type
//   object without properties -> map<json> (map<T> for additionalProperties: T; the empty
//     closed record for additionalProperties: false)
//   {} / no type -> json, except: `enum` alone -> the type of its values; `properties`
//     alone -> an object
//   type: [T, "null"] and anyOf/oneOf of one schema and null -> T?; other unions -> json
//   $ref, allOf, not, tuple `items` -> json with an UnsupportedSchema warning
//
// A record field is required when the property says `required: true` (draft 3) or the object
// lists it in `required: [...]` (draft 4); any other field gets an optional type. Defaults are
// kept as JSON text and checked against the field's type (InvalidDefault).
//
// Thread safety: none (builds types in one TypeContext).
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

#include "compiler/schema/yaml_reader.h"
#include "compiler/types/type.h"

namespace squall::schema {

class SchemaConverter {
 public:
  // `file` and `types` must outlive the converter; problems go to file.diags().
  SchemaConverter(const YamlFile& file, types::TypeContext& types);

  // The type of the schema `entry.value` (e.g. the value of `payload_schema:`). An object
  // schema with properties becomes a record named `record_name` (anonymous when empty). A
  // value that is not a map is reported (PackFieldType) and gives json.
  const types::Type* Convert(const MapEntry& entry, const std::string& record_name = {});

  // The type of an `output_schema` in either of StackStorm's forms: a full JSON schema (it has
  // a `type` name), or the legacy map from field names to schemas, which StackStorm reads as
  // `{type: object, properties: <map>, additionalProperties: true}` (an open record).
  const types::Type* ConvertOutput(const MapEntry& entry, const std::string& record_name);

  // The record for a map of property schemas `properties` (the legacy action output_schema
  // form, where the map is the properties themselves): draft-3 `required: true` marks
  // required fields, extra fields have type `extra` (null: closed).
  const types::Type* RecordFromProperties(const YAML::Node& properties, const types::Type* extra,
                                          const std::string& record_name);

  // One property of an object schema.
  struct Property {
    MapEntry entry;  // key and schema
    bool required = false;
  };
  // The properties of an object schema with their requiredness; empty when it has none.
  std::vector<Property> Properties(const YAML::Node& object_schema);

  // Field type (optional unless required), description, default (checked) of a property.
  types::Field MakeField(const Property& property);

 private:
  const types::Type* ConvertNamed(const std::string& type_name, const MapEntry& type_entry,
                                  const MapView& schema, const std::string& record_name);
  const types::Type* ConvertObject(const MapView& schema, const std::string& record_name);
  const types::Type* ConvertUnion(const MapEntry& entry);
  const types::Type* ConvertEnum(const MapEntry& entry);
  std::vector<Property> PropertiesOf(const YAML::Node& properties,
                                     const std::vector<std::string>& required_names);

  const YamlFile& file_;
  types::TypeContext& types_;
};

// Reports UnknownParameterType for the type name in `entry` (with a did-you-mean that also
// knows Python's names: `str`, `int`, `dict`, ...).
void ReportUnknownType(const YamlFile& file, const MapEntry& entry, const std::string& name);

}  // namespace squall::schema
