// StackStorm's rule criteria operators (st2common/st2common/operators.py) over interpreter
// values: the `st2_*` built-in functions (stdlib/functions.def, docs/language.md "StackStorm
// criteria semantics").
//
// Each operator gives the result StackStorm's Python gives for the same payload value and
// (rendered) pattern, including its Python semantics: `==` between numbers and booleans
// (`True == 1`), ordering that raises `TypeError` between unrelated types, `in` on strings
// (substring), lists (membership) and dicts (keys), `str.lower()` with Unicode case mapping,
// `fnmatch`, Python `re` patterns (run on RE2 after a translation, see TranslatePythonRegex)
// and `timediff_*` against the current time. Where Python raises, StackStorm counts the
// criterion as not matching: so does every function here (the result is false).
//
// Values: kAbsent is Python's None (a missing key and an explicit null are the same, as in
// StackStorm's JSONPath lookup); a `time` counts as its RFC 3339 text (except in timediff_*,
// where it is the instant itself), a `duration` as its number of seconds.
//
// Thread safety: an Operators object is single-threaded (its regex cache is mutable).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "runtime/interp/value.h"

namespace re2 {
class RE2;
}

namespace squall::interp::st2 {

// The operators, by StackStorm's canonical names (aliases such as `eq`, `lt`, `in` are the
// importer's business: it writes the canonical function).
enum class Op : uint8_t {
  kEquals,
  kNequals,
  kIequals,
  kContains,
  kIcontains,
  kNcontains,
  kIncontains,
  kStartswith,
  kIstartswith,
  kEndswith,
  kIendswith,
  kLessthan,
  kGreaterthan,
  kMatchwildcard,
  kMatchregex,
  kRegex,
  kIregex,
  kTimediffLt,
  kTimediffGt,
  kExists,
  kNexists,
  kInside,
  kNinside,
  kSearch,
};

// The operator StackStorm's get_operator() returns for `name` (case-insensitive, with the
// short aliases `eq`, `neq`, `ieq`, `lt`, `gt`, `td_lt`, `td_gt`, `in`, `nin`); nullopt for
// an unknown name.
std::optional<Op> OperatorByName(std::string_view name);

// Python's `str.lower()` of UTF-8 text (Unicode case mapping, `İ` -> `i̇`, final sigma).
std::string PythonLower(std::string_view text);

// Python `a == b` for JSON-shaped values (None == None; numbers and bools by value; lists in
// order; dicts by key; otherwise false).
bool PythonEquals(const Value& a, const Value& b);

// A Python `re` pattern as an RE2 pattern with the same meaning where RE2 can express it:
// `$` also matches before a final newline (unless the pattern sets the `m` flag), `\Z` is
// `\z`, `\d` `\w` `\s` (and `\D` `\W` `\S` outside classes) are Unicode-aware, `\uXXXX`,
// `\UXXXXXXXX` and `{,n}` are spelled RE2's way. What RE2 lacks (backreferences, lookaround,
// `(?x)`, conditional groups) stays as written and fails to compile there, which makes the
// operator false.
std::string TranslatePythonRegex(std::string_view pattern);

// Seconds since the epoch of a date text as StackStorm's date_utils.parse reads it (ISO 8601
// as ciso8601 parses it: `YYYY-MM-DD`, `YYYYMMDD`, optional time `hh[:mm[:ss[.f...]]]` or
// `hhmm[ss]` after `T`, `t` or a space, optional `Z`, `±hh`, `±hh:mm`, `±hhmm`; no zone is
// UTC). nullopt when the text is not such a date (dateutil's free-form fallback is not
// reproduced).
std::optional<double> ParseDateSeconds(std::string_view text);

// Python's outcome of an operator: a truth value, or an exception (which StackStorm turns into
// "no match").
enum class Tri : uint8_t { kFalse, kTrue, kError };

class Operators {
 public:
  Operators();
  ~Operators();
  Operators(const Operators&) = delete;
  Operators& operator=(const Operators&) = delete;

  // `op(value, pattern)` as StackStorm evaluates one criterion whose operator is not
  // `search`; false wherever Python raises. `now_seconds` is the current UTC time (timediff).
  bool Apply(Op op, const Value& value, const Value& pattern, double now_seconds);

  // StackStorm's `search` operator: `value` (a list; a dict is a one-element list) against
  // `criteria` (a map `"item.<jsonpath>[#n]" -> {type, pattern, condition?}`) with
  // `condition` any | all | any2any | all2any. Child patterns are used as written after
  // Jinja's treatment of plain text (newlines normalized, one trailing newline dropped); a
  // child pattern holding `{{`, `{%` or `{#` (a template) makes that child false.
  bool Search(const Value& value, const Value& condition, const Value& criteria,
              double now_seconds);

 private:
  // Python's result of the operator, or kError where Python raises.
  Tri Evaluate(Op op, const Value& value, const Value& pattern, double now_seconds);
  Tri SearchTri(const Value& value, const Value& criteria, const Value& condition,
                double now_seconds);
  // One child criterion of `search` for `item`: StackStorm's _check_criterion (kError only
  // for what escapes it: a child that is not a dict, a `type` that is unknown or not text).
  Tri Child(const std::string& key, const Value& spec, const Value& item, double now_seconds);
  // Python re.compile(pattern, flags) followed by match() (anchored) or search().
  Tri Regex(const Value& value, const Value& pattern, bool dotall, bool ignore_case, bool anchored);

  std::unordered_map<std::string, std::unique_ptr<re2::RE2>> regexes_;
};

}  // namespace squall::interp::st2
