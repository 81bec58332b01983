// YAML values as StackStorm sees them: PyYAML's `safe_load` (YAML 1.1) decides what a plain
// scalar is, so `60` is an integer, `"60"` a string, `yes`/`True` booleans, `1e5` a string
// (PyYAML's floats need a dot) and `None` the string "None". yaml-cpp hands back untyped
// scalars; the functions here apply those rules and turn values into JSON text.
//
// All functions are pure, never throw (no yaml-cpp conversion is used) and accept any node,
// including undefined ones (treated as null).
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "compiler/types/type.h"

namespace squall::schema {

enum class ValueKind : uint8_t { kNull, kBool, kInt, kFloat, kString, kList, kMap };

// "null", "a boolean", "an integer", "a number", "a string", "a list", "a map": the `found`
// part of a message.
std::string_view Describe(ValueKind kind);

// What PyYAML would load `node` as. Quoted and block scalars are strings; plain scalars
// resolve by YAML 1.1's patterns; a core-schema tag (`!!str`, `!!int`, `!!float`, `!!bool`,
// `!!null`) forces its kind. Other tags do not change the kind (yaml_reader.h reports them).
ValueKind KindOf(const YAML::Node& node);

// The value of a boolean scalar (`true`, `True`, `yes`, `on`, ...); nullopt for other kinds.
std::optional<bool> BoolValue(const YAML::Node& node);
// The value of an integer scalar (`60`, `0x1f`, `0755` is octal as in YAML 1.1, `1_000`,
// `1:30` is base 60); nullopt for other kinds or when it does not fit in 64 bits.
std::optional<int64_t> IntValue(const YAML::Node& node);

// For an explicit `!!int`, `!!float` or `!!bool` tag whose text does not read as one: the tag
// (`!!int`); otherwise nullopt. `!!int "x"` is a load error in PyYAML.
std::optional<std::string> BadTaggedScalar(const YAML::Node& node);

// True for a string that holds a Jinja expression or statement (`{{ ... }}`, `{% ... %}`).
// StackStorm renders those when the action runs, so such a default fits any type.
bool IsTemplate(const YAML::Node& node);

// The JSON text of `node`, spaced like Python's json.dumps: `60`, `"60"`, `true`, `null`,
// `1.5`, `[1, 2]`, `{"a": 1, "b": "x"}`. Map keys become strings. Infinities and NaN are
// written `Infinity`/`-Infinity`/`NaN` as Python does.
std::string ToJson(const YAML::Node& node);

// `text` cut to at most `max_chars` bytes (at a UTF-8 boundary) with "..." appended when
// cut: for values quoted in messages.
std::string Abbreviate(std::string_view text, size_t max_chars = 60);

// Appends `text` as a JSON string literal (quotes included); control characters are
// escaped, other bytes copied as they are.
void AppendJsonString(std::string& out, std::string_view text);

// Whether `node` is a valid value of `type`: `json` takes anything, `float` takes integers,
// `string` and `time` take strings, `T?` takes null, lists and maps element by element, a
// record takes a map whose keys it knows (or accepts as extra fields) with fitting values.
// A Jinja template string fits every type. Null fits only `json`, `null` and `T?`: callers
// that accept a null default (StackStorm does for parameters) check for it first.
bool FitsType(const YAML::Node& node, const types::Type* type);

}  // namespace squall::schema
