// StackStorm's templates in action parameter defaults: a pack's YAML may default a parameter to
// text that names the call's other parameters (`cmd: sleep {{max_pause}}`, core.echo's
// `env: {SQUALL_MESSAGE: "{{message}}"}`, linux.cp's `cp {{args}} {{source}} {{destination}}`).
// StackStorm renders them with the call's parameters before the runner starts; so does Squall,
// for the references it can resolve: `{{ name }}` where `name` is a parameter of the call.
// Anything else (`{{ st2kv.system.x }}`, filters, `{% %}`) is left as written.
//
// Only defaults are rendered: a value the rule gave was rendered by the rule already, and text
// that came from an event must never be read as a template.
//
// Thread safety: pure functions.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "compiler/ir/ir.h"

namespace squall::engine {

// Renders, in `values` (the call's parameters by name, defaults applied), the parameters named
// in `defaulted` (those that took their default from `spec`). A reference is replaced by the
// value's text as Jinja prints it (strings as they are, `True`/`False`, `None`, numbers, JSON
// for lists and maps); a string that is one reference and nothing else takes the value itself,
// type included. In a shell command line (`cmd` of the shell runners) a value is inserted as it
// is only when it holds nothing but letters, digits, spaces and `_ . / : = @ % + , -` (so
// `args: "-r -f"` stays two words); anything else is quoted for the shell as one word, so event
// data cannot become shell syntax. A default that references another templated default is
// rendered after it; references in a cycle are left as written.
void RenderDefaultTemplates(const ir::ActionSpec& spec, const std::vector<std::string>& defaulted,
                            nlohmann::json& values);

}  // namespace squall::engine
