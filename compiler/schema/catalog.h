// The typed catalog of packs: what the checker resolves `import`, action calls and trigger names
// against. Built from StackStorm-layout pack directories and the built-in packs of `stdlib/`
// by the loader (loader.h); immutable once loaded.
//
// Every entity keeps where it was declared (a range in the pack YAML, added to the
// SourceManager) so diagnostics can point into the YAML with a note.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/source/source_range.h"
#include "compiler/types/type.h"

namespace squall::schema {

// One action parameter after merging the runner's `runner_parameters` (StackStorm rules: the
// action may override `default`, `description`, `enum`, `immutable` and `required` of a runner
// parameter, never its `type`), or one trigger parameter from a `parameters_schema`.
struct Parameter {
  std::string name;
  // From the YAML `type` (string, integer, number, boolean, array, object, null) and its
  // `items`/`properties`, mapped as docs/packs.md says; `json` when the YAML gives no type
  // (the type of the `enum` values when only `enum` is given). Never optional because the
  // parameter is: whether it may be omitted is `required`.
  const types::Type* type = nullptr;
  bool required = false;
  // The default as JSON text (`60`, `"--"`, `null`, `{"a": 1}`); nullopt when there is none.
  // Kept as written even when it does not fit `type` (reported as InvalidDefault): a Jinja
  // template (`"{{ config_context.x }}"`) is StackStorm's to render at run time.
  std::optional<std::string> default_json;
  // Allowed values as JSON text (`"GET"`, `1`), in YAML order; empty = any value.
  std::vector<std::string> enum_json;
  bool secret = false;
  bool immutable = false;
  std::optional<int> position;  // StackStorm argument position for script runners
  std::string description;
  // The parameter's key in the YAML that declares it last: the action file when the action
  // declares or overrides it, otherwise the runner file.
  source::SourceRange decl;
  bool from_runner = false;  // declared by the runner (possibly overridden by the action)
};

// Looks a parameter up by name in declaration order; null when absent.
const Parameter* FindParameter(const std::vector<Parameter>& parameters, std::string_view name);

struct Runner {
  std::string name;  // `local-shell-cmd`
  std::string description;
  bool enabled = true;
  std::vector<Parameter> parameters;  // runner_parameters
  // The runner's `output_schema` as a type; json when it declares none.
  const types::Type* output = nullptr;
  // The field of the output that an action's own `output_schema` describes (`result` for
  // python-script, `output` for orquesta); empty when the runner names none.
  std::string output_key;
  source::SourceRange decl;  // the `name:` value
};

struct Action {
  std::string pack;  // `core`
  std::string name;  // `local`
  std::string ref;   // `core.local`
  std::string runner_type;
  std::string description;
  bool enabled = true;
  std::string entry_point;
  // Merged parameters: the action's own in YAML order, then the runner's it does not mention.
  std::vector<Parameter> parameters;
  // The type of the execution result, a record named `<ref>.result` when anything declares
  // one, else json. StackStorm validates an action's `output_schema` against the result's
  // `output_key` field (python-script: `result`), so with a runner output schema that has that
  // field, this is the runner's record with that field typed by the action's schema; without
  // one, the action's schema types the whole result; without an action schema it is the
  // runner's output.
  const types::Type* output = nullptr;
  source::SourceRange decl;  // the `name:` value in the action YAML
};

struct TriggerType {
  std::string pack;  // `linux`
  std::string name;  // `file_watch.line`
  std::string ref;   // `linux.file_watch.line`
  std::string description;
  // The `payload_schema` as a record type named `<ref>` (a map<...> for an object schema
  // without properties); json when there is no schema or it is not an object schema.
  const types::Type* payload = nullptr;
  // From `parameters_schema` (trigger parameters set where the trigger is used); empty when
  // the trigger takes none.
  std::vector<Parameter> parameters;
  source::SourceRange decl;  // the `name:` value (sensor `trigger_types` entry or trigger file)
};

struct Pack {
  std::string name;  // the pack's `ref` (or `name`): what `import` names
  std::string version;
  std::string description;
  // The directory the pack was loaded from; for a built-in pack, `stdlib/packs/<name>`.
  std::filesystem::path dir;
  bool builtin = false;
  std::vector<Action> actions;        // sorted by name
  std::vector<TriggerType> triggers;  // sorted by name
  source::SourceRange decl;           // pack.yaml's `ref`/`name` value, or the file start

  const Action* FindAction(std::string_view action_name) const;
  const TriggerType* FindTrigger(std::string_view trigger_name) const;
};

}  // namespace squall::schema
