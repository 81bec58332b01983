#include "runtime/workflow/answer.h"

#include <algorithm>
#include <string_view>
#include <vector>

#include "runtime/events/time_text.h"

namespace squall::workflow {

using nlohmann::json;
using types::TypeKind;

namespace {

// Adds `null` to the accepted types of `schema` (an empty schema accepts null already).
void AllowNull(json& schema) {
  if (!schema.contains("type")) return;
  json& type = schema["type"];
  if (type.is_string()) type = json::array({type, "null"});
  if (type.is_array() && std::find(type.begin(), type.end(), "null") == type.end()) {
    type.push_back("null");
  }
}

// Values shown in messages: JSON, cut so that a huge answer does not flood the terminal.
std::string Shown(const json& value) {
  constexpr size_t kMax = 40;
  std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
  if (text.size() > kMax) text = text.substr(0, kMax - 3) + "...";
  return text;
}

std::string Where(const std::string& path) {
  return path.empty() ? "the answer" : "`" + path + "`";
}

std::string Field(const std::string& path, const std::string& name) {
  return path.empty() ? name : path + "." + name;
}

bool Fits(std::string_view type, const json& value) {
  if (type == "boolean") return value.is_boolean();
  if (type == "integer") return value.is_number_integer();
  if (type == "number") return value.is_number();
  if (type == "string") return value.is_string();
  if (type == "null") return value.is_null();
  if (type == "array") return value.is_array();
  if (type == "object") return value.is_object();
  return true;  // outside the subset: not a reason to refuse
}

std::string Spelled(std::string_view type, const json& schema) {
  std::string format = schema.value("format", "");
  if (type == "string" && format == "duration") return "a duration (\"90s\", \"1h30m\")";
  if (type == "string" && format == "date-time") return "a time (RFC 3339)";
  if (type == "integer" && (format == "duration" || format == "date-time")) {
    return "milliseconds";
  }
  if (type == "boolean") return "a bool";
  if (type == "integer") return "an int";
  if (type == "number") return "a number";
  if (type == "string") return "a string";
  if (type == "array") return "a list";
  if (type == "object") return "an object";
  return std::string(type);  // null, or a name outside the subset
}

std::optional<std::string> Check(const json& schema, const json& value, const std::string& path) {
  if (!schema.is_object()) return std::nullopt;
  if (auto type = schema.find("type"); type != schema.end()) {
    std::vector<std::string> names;
    if (type->is_string()) names.push_back(type->get<std::string>());
    if (type->is_array()) {
      for (const json& name : *type) {
        if (name.is_string()) names.push_back(name.get<std::string>());
      }
    }
    bool fits = names.empty() || std::any_of(names.begin(), names.end(),
                                             [&](const auto& name) { return Fits(name, value); });
    if (!fits) {
      std::string expected;
      for (size_t i = 0; i < names.size(); ++i) {
        expected += (i == 0                  ? ""
                     : i + 1 == names.size() ? " or "
                                             : ", ") +
                    Spelled(names[i], schema);
      }
      return Where(path) + ": expected " + expected + ", found " + Shown(value);
    }
  }
  std::string format = schema.value("format", "");
  if (value.is_string() && (format == "duration" || format == "date-time")) {
    const std::string& text = value.get_ref<const std::string&>();
    bool ok = format == "duration" ? events::ParseDurationText(text).has_value()
                                   : events::ParseTimestamp(text).has_value();
    if (!ok)
      return Where(path) + ": expected " + Spelled("string", schema) + ", found " + Shown(value);
  }
  if (value.is_array()) {
    if (auto items = schema.find("items"); items != schema.end()) {
      for (size_t i = 0; i < value.size(); ++i) {
        std::string at = (path.empty() ? "answer" : path) + "[" + std::to_string(i) + "]";
        if (auto failed = Check(*items, value[i], at)) return failed;
      }
    }
  }
  if (value.is_object()) {
    static const json kNone = json::object();
    auto found = schema.find("properties");
    const json& properties = found != schema.end() && found->is_object() ? *found : kNone;
    auto extra = schema.find("additionalProperties");
    for (const auto& [name, field] : value.items()) {
      if (auto property = properties.find(name); property != properties.end()) {
        if (auto failed = Check(*property, field, Field(path, name))) return failed;
      } else if (extra != schema.end() && extra->is_boolean() && !extra->get<bool>()) {
        std::string known;
        for (const auto& [known_name, unused] : properties.items()) {
          known += (known.empty() ? "" : ", ") + known_name;
        }
        return "unknown field `" + Field(path, name) + "`" +
               (known.empty() ? std::string(" (expected none)") : " (expected: " + known + ")");
      } else if (extra != schema.end() && extra->is_object()) {
        if (auto failed = Check(*extra, field, Field(path, name))) return failed;
      }
    }
    if (auto required = schema.find("required"); required != schema.end() && required->is_array()) {
      for (const json& name : *required) {
        if (name.is_string() && !value.contains(name.get<std::string>())) {
          return "missing `" + Field(path, name.get<std::string>()) + "`";
        }
      }
    }
  }
  return std::nullopt;
}

std::string SpellingOf(const json& schema) {
  if (!schema.is_object()) return "json";
  std::vector<std::string> names;
  if (auto type = schema.find("type"); type != schema.end()) {
    if (type->is_string()) names.push_back(type->get<std::string>());
    if (type->is_array()) {
      for (const json& name : *type) {
        if (name.is_string()) names.push_back(name.get<std::string>());
      }
    }
  }
  bool optional = std::erase(names, "null") > 0;
  std::string format = schema.value("format", "");
  std::string out;
  if (format == "duration" || format == "date-time") {
    out = format == "duration" ? "duration" : "time";
  } else if (names.size() != 1) {
    out = names.empty() && optional ? "null" : "json";
    optional = optional && !names.empty() && out != "json";
  } else if (names[0] == "boolean") {
    out = "bool";
  } else if (names[0] == "integer") {
    out = "int";
  } else if (names[0] == "number") {
    out = "float";
  } else if (names[0] == "array") {
    out = "list<" + SpellingOf(schema.value("items", json::object())) + ">";
  } else if (names[0] == "object" && schema.contains("properties")) {
    json required = schema.value("required", json::array());
    out = "{";
    for (const auto& [name, field] : schema["properties"].items()) {
      bool is_required = std::find(required.begin(), required.end(), name) != required.end();
      std::string type = SpellingOf(field);
      if (!is_required && !type.ends_with("?") && type != "json") type += "?";
      out += (out.size() > 1 ? ", " : "") + name + ": " + type;
    }
    out += "}";
  } else if (names[0] == "object") {
    out = "map<" + SpellingOf(schema.value("additionalProperties", json::object())) + ">";
  } else {
    out = names[0];  // string, or a name outside the subset
  }
  return optional ? out + "?" : out;
}

}  // namespace

std::string SchemaSpelling(const json& schema) { return SpellingOf(schema); }

json AnswerSchema(const types::Type* type) {
  if (type == nullptr) return json::object();
  switch (type->kind()) {
    case TypeKind::kError:
    case TypeKind::kNothing:
    case TypeKind::kJson:
      return json::object();
    case TypeKind::kNull:
      return {{"type", "null"}};
    case TypeKind::kBool:
      return {{"type", "boolean"}};
    case TypeKind::kInt:
      return {{"type", "integer"}};
    case TypeKind::kFloat:
      return {{"type", "number"}};
    case TypeKind::kString:
      return {{"type", "string"}};
    case TypeKind::kDuration:
      return {{"type", {"string", "integer"}}, {"format", "duration"}};
    case TypeKind::kTime:
      return {{"type", {"string", "integer"}}, {"format", "date-time"}};
    case TypeKind::kList: {
      json schema = {{"type", "array"}};
      json items = AnswerSchema(type->element());
      if (!items.empty()) schema["items"] = std::move(items);
      return schema;
    }
    case TypeKind::kMap: {
      json schema = {{"type", "object"}};
      json values = AnswerSchema(type->element());
      if (!values.empty()) schema["additionalProperties"] = std::move(values);
      return schema;
    }
    case TypeKind::kOptional: {
      json schema = AnswerSchema(type->element());
      AllowNull(schema);
      return schema;
    }
    case TypeKind::kRecord: {
      json properties = json::object();
      json required = json::array();
      for (const types::Field& field : type->fields()) {
        properties[field.name] = AnswerSchema(field.type);
        if (field.required) required.push_back(field.name);
      }
      json schema = {{"type", "object"}, {"properties", std::move(properties)}};
      if (!required.empty()) schema["required"] = std::move(required);
      if (type->extra_fields() == nullptr) {
        schema["additionalProperties"] = false;
      } else if (json extra = AnswerSchema(type->extra_fields()); !extra.empty()) {
        schema["additionalProperties"] = std::move(extra);
      }
      return schema;
    }
  }
  return json::object();
}

std::optional<std::string> CheckAnswer(const json& schema, const json& answer) {
  return Check(schema, answer, "");
}

}  // namespace squall::workflow
