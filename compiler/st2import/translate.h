// The expression-level half of `squall import st2`: StackStorm criteria keys (jsonpath_rw
// paths such as `trigger.a.'b.c'[0]#2`) and Jinja templates (`{{ trigger.x | upper }}`) to
// Squall expression text, plus the spelling helpers (names, string literals) the importer
// builds source text with.
//
// Every function is pure: no I/O, no diagnostics engine. A failure is a Problem value (a
// diagnostic kind and its arguments) that the caller reports at the YAML node it came from.
// Thread safety: all functions may run concurrently.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/diag/kind.h"

namespace squall::st2import {

// A diagnostic to report at the YAML value being translated: `args` fill `kind`'s message.
struct Problem {
  diag::Kind kind;
  std::vector<std::string> args;
};

// --- spelling Squall source -------------------------------------------------------------

// `name` as a Squall name where only plain names are allowed (a rule name): as is when it is
// an identifier and not a keyword of the language (parse::Keywords(), soft ones included) or
// `event`/`error`, else backquoted (`` `notify-errbot` ``). A backquote, which no Squall name
// can hold, and control characters (C0, DEL, C1, U+2028, U+2029) become `_`.
std::string SpellName(std::string_view name);
// `name` where any word is a name (after `.`, argument names, map keys, fields): backquoted
// only when it is not an identifier.
std::string SpellAnyName(std::string_view name);
// A dotted reference (`examples.echochain-param`) with each segment spelled by SpellAnyName
// (the first by SpellName).
std::string SpellDotted(std::string_view ref);
// A quoted Squall string literal holding exactly `text` (escapes for `"`, `\`, control
// characters, C1 controls and U+2028/U+2029 as `\u{...}`; braces escaped when `text` holds
// `{{`, so nothing is interpolated).
std::string StringLiteral(std::string_view text);
// `text` made safe for one `#` comment line: every control character (C0 including line
// breaks and tabs, DEL, C1, U+2028, U+2029) and every byte that is not valid UTF-8 becomes a
// space, so the comment cannot end early and what follows cannot become source.
std::string CommentText(std::string_view text);

// --- criteria keys -----------------------------------------------------------------------

// What StackStorm looks up for the criteria key `key`: the text before the first `#` is a
// jsonpath_rw path that must start at `trigger` (the payload). Supported: fields (plain or
// quoted with ' or "), `[n]` indexes. Returns the Squall expression (`event.a?.b[0]`; members
// below the first use `?.`, so a missing level is null as in StackStorm's lookup) or a
// Problem (ImportUnsupportedPath). `webhook` maps StackStorm's webhook payload onto Squall's
// (`headers_lower` is `headers`, whose names are lower-cased).
struct KeyResult {
  std::string expr;
  std::string top_field;  // the payload field read (`a` for `trigger.a.b`); empty for `trigger`
  std::optional<Problem> problem;
};
KeyResult TranslateCriteriaKey(std::string_view key, bool webhook = false);

// --- Jinja -------------------------------------------------------------------------------

// Where a template is rendered, which decides what it may name and how text is treated.
enum class TemplateContext {
  kCriteriaPattern,  // a criteria `pattern`: `trigger`, `st2kv.system`, `system`
  kActionParameter,  // an action parameter: also `st2kv`, `action_context`, `config_context`
};

// One translated string value.
struct TemplateResult {
  // A Squall expression: a string literal with interpolations (`"echo {{event.x}}"`), or,
  // when `single_expression`, the bare expression of a string that is one `{{ expr }}`
  // (`event.x`, `kv("k") ?? ""`).
  std::string text;
  std::string single_expression;        // set when the whole string is one `{{ expr }}`
  bool is_template = false;             // the string held `{{`, `{%` or `{#`
  std::vector<std::string> top_fields;  // payload fields read (`trigger.<field>...`)
  // The payload paths (as Squall expressions, `event.a?.b`) the rendering needs present:
  // StackStorm renders with StrictUndefined, so a missing one is a render error. A path read
  // directly by `default`/`d` is not listed (that filter makes it defined). No duplicates.
  std::vector<std::string> required_paths;
  std::optional<Problem> problem;  // the first error; `text` is then meaningless
  std::vector<Problem> warnings;   // e.g. ImportKvPattern
};

// Translates the string value `text` rendered by StackStorm's Jinja in `context`: literal
// text is kept (after Jinja's newline rules: `\r\n` and `\r` read as `\n`, and one trailing
// newline dropped from a rendered template, from every criteria pattern), `{{ expr }}`
// becomes an interpolation of the translated expression, `{# ... #}` renders nothing, and
// `{% ... %}` blocks are ImportUnsupportedJinja. Expressions: `trigger.<path>` (`event`),
// `st2kv.system.<key>` and `system.<key>` (`kv("<key>") ?? ""`: a missing key renders ""),
// literals, `( )`, and the filters listed in translate.cpp (kFilters); anything else is a
// Problem (ImportUnsupportedJinja, ImportUnsupportedVariable, ImportUnknownFilter; StackStorm
// filters with no faithful form, kRefusedFilters, are ImportUnsupportedJinja with the reason).
// A datastore lookup that reaches StackStorm's `to_complex` unconverted in a criteria pattern
// is an ImportKvPattern warning.
TemplateResult TranslateTemplate(std::string_view text, TemplateContext context,
                                 bool webhook = false);

// Jinja's reading of plain text in a criteria pattern: `\r\n` and `\r` become `\n`, then one
// trailing `\n` is dropped (keep_trailing_newline=False).
std::string RenderPlainPattern(std::string_view text);

}  // namespace squall::st2import
