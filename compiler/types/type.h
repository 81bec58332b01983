// Squall's semantic types: what the checker assigns to every expression, what pack schemas are
// turned into, and what later stages (IR, event decoding, runtime) lower.
//
//   string int float bool duration time json    scalars and the dynamic type
//   list<T> map<T>                               generics (map keys are strings)
//   T?                                           optional: T, null or absent
//   {name: string, pid: int, user: string?}      records (trigger payloads, action results)
//   null, nothing, <error>                       internal: the type of `null`, of `[]`'s
//                                                elements, and of an expression that already
//                                                has an error (absorbs further errors)
//
// Ownership: every `Type` lives in a `TypeContext` and is referred to by `const Type*`.
// Non-record types are interned, so pointer equality is type equality for them. Records are
// created one by one (each has its own fields, declaration location and optional name) and
// compare structurally through `SameType`.
//
// Thread safety: a TypeContext is not thread-safe to build; finished types are immutable and
// may be read from any thread.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "compiler/source/source_range.h"

namespace squall::types {

enum class TypeKind : uint8_t {
  kError,    // an expression that already produced a diagnostic; compatible with everything
  kNothing,  // the bottom type: element type of `[]`, value type of `{}` as a map
  kNull,     // the type of the literal `null`
  kBool,
  kInt,
  kFloat,
  kString,
  kDuration,
  kTime,
  kJson,  // dynamic: checked at run time
  kList,
  kMap,
  kOptional,
  kRecord,
};

class Type;

// One field of a record type.
struct Field {
  std::string name;
  const Type* type = nullptr;  // for an optional field, an optional type (`string?`)
  // The field must be present (a required trigger payload field, a record field without
  // `?`). A field that is not required has an optional type.
  bool required = true;
  // Default used when an event omits the field, as JSON text (e.g. `[]`, `"warning"`);
  // empty when there is none.
  std::string default_json;
  std::string description;   // from a schema's `description`; may be empty
  source::SourceRange decl;  // where the field is declared (rule file or pack YAML)
};

class Type {
 public:
  TypeKind kind() const { return kind_; }

  // list<T>, map<T>, T?: the element, value or wrapped type. Null for other kinds.
  const Type* element() const { return element_; }

  // Records only.
  const std::vector<Field>& fields() const { return fields_; }
  const Field* FindField(std::string_view name) const;
  // Type of fields not listed in `fields()`: null for a closed record (an unknown field is an
  // error), `json` for a record that allows any additional property.
  const Type* extra_fields() const { return extra_fields_; }
  // The name a record is known by (`disk.low`, `core.local.result`); empty for an anonymous
  // record. Names only affect printing.
  const std::string& name() const { return name_; }

  bool IsOptional() const { return kind_ == TypeKind::kOptional; }
  bool IsError() const { return kind_ == TypeKind::kError; }
  bool IsNumeric() const { return kind_ == TypeKind::kInt || kind_ == TypeKind::kFloat; }
  // T for `T?`, otherwise this type.
  const Type* NonOptional() const { return IsOptional() ? element_ : this; }

 private:
  friend class TypeContext;
  explicit Type(TypeKind kind) : kind_(kind) {}

  TypeKind kind_;
  const Type* element_ = nullptr;
  std::vector<Field> fields_;
  const Type* extra_fields_ = nullptr;
  std::string name_;
};

// Builds and owns types.
class TypeContext {
 public:
  TypeContext();
  TypeContext(const TypeContext&) = delete;
  TypeContext& operator=(const TypeContext&) = delete;

  const Type* Error() const { return error_; }
  const Type* Nothing() const { return nothing_; }
  const Type* Null() const { return null_; }
  const Type* Bool() const { return bool_; }
  const Type* Int() const { return int_; }
  const Type* Float() const { return float_; }
  const Type* String() const { return string_; }
  const Type* Duration() const { return duration_; }
  const Type* Time() const { return time_; }
  const Type* Json() const { return json_; }

  const Type* List(const Type* element);
  const Type* Map(const Type* value);
  // `T?`. Optional(T?) is T?, Optional(null) is null, Optional(json) is json (json already
  // includes null), Optional(<error>) is <error>.
  const Type* Optional(const Type* type);
  // A new record. Fields keep their order; names must be unique (checked).
  const Type* Record(std::vector<Field> fields, const Type* extra_fields = nullptr,
                     std::string name = {});

  // The smallest type both `a` and `b` are assignable to: `int`/`float` join to `float`, `T`
  // and `null` to `T?`, list and map element types join, anything else that differs to `json`.
  const Type* Join(const Type* a, const Type* b);

 private:
  const Type* Make(TypeKind kind);

  std::deque<std::unique_ptr<Type>> types_;
  const Type* error_;
  const Type* nothing_;
  const Type* null_;
  const Type* bool_;
  const Type* int_;
  const Type* float_;
  const Type* string_;
  const Type* duration_;
  const Type* time_;
  const Type* json_;
  std::map<std::pair<TypeKind, const Type*>, const Type*> interned_;
};

// Structural equality (records: same field names in the same order with the same types,
// requiredness and extra-field type; names and locations are ignored).
bool SameType(const Type* a, const Type* b);

// How a value of type `from` may flow where `to` is expected.
enum class Assignability : uint8_t {
  kNo,
  kYes,
  kRuntimeChecked,  // `from` or a part of it is `json`: checked when the value is known
  kMayBeNull,       // `from` is `T?` (or null) and `to` is a non-optional T
};

// Whether a value of `from` can be used where `to` is expected: identical types; `<error>`
// and `nothing` either way; `int` to `float`; T and null to `T?`; list and map covariantly;
// a record to another record whose required fields it has (with assignable types) and that
// accepts its other fields; a record to `map<T>` when every field is assignable to T;
// anything to `json`; `json` to anything (run-time checked).
Assignability CheckAssignable(const Type* from, const Type* to);

// `string`, `list<int>`, `string?`, `{a: int, b: string?}`, `json`, `null`, `nothing`,
// `<error>`. A named record prints as its name (`disk.low`) unless it is the outermost type and
// `expand_named_record` is set.
std::string ToString(const Type* type, bool expand_named_record = false);

}  // namespace squall::types
