// The checker's output: every parsed file with what the checker learned about it, kept in
// side tables keyed by NodeId (the AST itself never changes).
//
// Ownership: a CheckedProgram points into the ast::Files it was checked from, the
// schema::PackLoader that resolved its packs and the types::TypeContext that owns its types;
// all three must outlive it.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "compiler/ast/ast.h"
#include "compiler/check/constant.h"
#include "compiler/schema/catalog.h"
#include "compiler/types/type.h"

namespace squall::check {

enum class Builtin : uint8_t {
#define SQUALL_BUILTIN(Id, Name, Signature, Description) k##Id,
#include "stdlib/functions.def"
};

// The name a built-in function is called by (`len`).
std::string_view BuiltinName(Builtin builtin);

// What a call expression calls.
struct CallTarget {
  enum class Kind : uint8_t { kAction, kWorkflow, kBuiltin };
  Kind kind = Kind::kAction;
  const schema::Action* action = nullptr;       // kAction
  const ast::WorkflowDecl* workflow = nullptr;  // kWorkflow
  Builtin builtin = Builtin::kKv;               // kBuiltin
};

// What a trigger atom (in a rule, `wait` or `given`) names.
struct TriggerTarget {
  std::string ref;  // `disk.low`, `core.webhook`, `linux.file_watch.line`
  const types::Type* payload = nullptr;
  const schema::TriggerType* pack_trigger = nullptr;  // null for a trigger declared in a file
  const ast::TriggerDecl* declared = nullptr;         // null for a pack trigger
};

// A trigger type declared in a file, as a type.
struct DeclaredTrigger {
  const ast::TriggerDecl* decl = nullptr;
  const types::Type* payload = nullptr;  // a record named after the trigger
};

struct CheckedWorkflow {
  const ast::WorkflowDecl* decl = nullptr;
  std::vector<types::Field> params;     // in declaration order; `required` = no default
  const types::Type* result = nullptr;  // declared return type, else the join of returns
};

// A correlation rule (absence, sequence, count) as the runtime binds it: the events of its
// atoms ("steps") travel together as one record, so that its condition and its action read
// them through names. docs/language.md, "Correlation over time", says which atom each name
// denotes: in an absence rule `event` is the second atom in the condition but the first in
// the action.
struct CheckedCorrelation {
  // One field per step, in step order: the step's alias, else `event` when the action calls
  // that step `event`, else `#<step>` (a step nothing can name). Each field's type is the
  // step's payload; the record is named `correlation.<rule>`.
  const types::Type* payload = nullptr;
  std::vector<std::string> fields;
  // The names the rule's condition (`where`) and its action and follow-ups read, and the step
  // each denotes.
  std::map<std::string, int> condition_names;
  std::map<std::string, int> action_names;
  int64_t within_ms = 0;  // the window (0 when it is not a valid constant: an error was given)
  int64_t count = 0;      // a count rule's N (0 likewise)
};

struct CheckedFile {
  const ast::File* file = nullptr;
  // imports: alias -> pack (null when the pack was not found).
  std::map<std::string, const schema::Pack*> imports;
  std::map<std::string, DeclaredTrigger> triggers;  // by dotted name
  std::map<std::string, CheckedWorkflow> workflows;
  std::map<std::string, const types::Type*> consts;
  // The value of each constant that could be computed (a constant with an error has none).
  std::map<std::string, ConstValue> const_values;

  // Side tables, indexed by NodeId::value (size file->node_count).
  std::vector<const types::Type*> expr_types;      // every expression; null for other nodes
  std::unordered_map<uint32_t, CallTarget> calls;  // CallExpr id -> target
  std::unordered_map<uint32_t, TriggerTarget> trigger_atoms;  // TriggerAtom id -> target
  std::unordered_map<uint32_t, std::string> const_refs;       // NameExpr id -> constant name
  // The values of a test's data (payloads, scripted results and messages, expected arguments
  // and the elements of list and map literals among them that hold a `_`, `after` durations):
  // expression id -> its value. `squall test` runs tests from these (compiler/ir/test_case.h).
  std::unordered_map<uint32_t, ConstValue> test_values;
  // TriggerAtom id -> the values of its constant trigger parameters, in source order: the
  // trigger instance a rule or test listens to. The short forms record the built-in
  // trigger's: `webhook "x"` {url}, `every D` {delta, unit}, `cron "..." tz "..."`
  // {schedule, timezone}.
  std::unordered_map<uint32_t, std::vector<std::pair<std::string, ConstValue>>> trigger_parameters;
  // RuleTrigger id -> the binding of a correlation rule's steps (absent for simple rules).
  std::unordered_map<uint32_t, CheckedCorrelation> correlations;

  const types::Type* TypeOf(const ast::Expr& expr) const {
    return expr.id.value < expr_types.size() ? expr_types[expr.id.value] : nullptr;
  }
};

struct CheckedProgram {
  std::vector<CheckedFile> files;
};

}  // namespace squall::check
