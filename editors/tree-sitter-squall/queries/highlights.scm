; Squall highlights (nvim-treesitter / Helix / Zed capture names).
; Later patterns win in Neovim and Zed; Helix takes the first: specific patterns come first
; where that matters and generic fallbacks last.

(comment) @comment

; ---- declarations ----
(rule_declaration name: (_) @function)
(workflow_declaration name: (_) @function)
(trigger_declaration name: (qualified_name (identifier) @type))
(test_declaration name: (string) @string.special)
(const_declaration name: (_) @constant)
(import_declaration path: (qualified_name (identifier) @module))
(import_declaration alias: (_) @module)
(annotation "@" @attribute name: (_) @attribute)

(parameter name: (_) @variable.parameter)
(field_declaration name: (_) @property)
(argument name: (_) @variable.parameter)
(map_entry key: (identifier) @property)
(as_clause name: (_) @variable)
(let_statement name: (_) @variable)
(for_statement variable: (_) @variable)
(try_statement error: (_) @variable)

; ---- types ----
(named_type name: (qualified_name (identifier) @type))
((named_type name: (qualified_name (identifier) @type.builtin))
  (#any-of? @type.builtin "string" "int" "float" "bool" "duration" "time" "json" "list" "map"))
(optional_marker) @operator

; ---- triggers and actions ----
(named_trigger name: (qualified_name (identifier) @type))
(action_call action: (qualified_name (identifier) @module))
(action_call action: (qualified_name (identifier) @function.call .))
(action_call action: (qualified_name (quoted_identifier) @function.call .))
(when_returns_step action: (qualified_name (identifier) @function.call .))
(when_fails_step action: (qualified_name (identifier) @function.call .))
(call_expression function: (identifier) @function.call)
(call_expression function: (member_expression property: (_) @function.call))
((call_expression function: (identifier) @function.builtin)
  (#any-of? @function.builtin
    "abs" "exists" "float" "format_time" "from_json" "int" "join" "keys" "kv" "len" "lower"
    "max" "min" "now" "parse_time" "raw" "replace" "seconds" "secret" "split" "string"
    "to_json" "trim" "upper" "uuid" "values"))

; ---- expressions ----
(member_expression property: (_) @property)
(safe_member_expression property: (_) @property)
((identifier) @variable.builtin
  (#any-of? @variable.builtin "event" "result" "error"))
((identifier) @variable.builtin
  (#eq? @variable.builtin "_"))

; ---- literals ----
(string) @string
(raw_string) @string.regexp
(string_content) @string
(escape_sequence) @string.escape
(interpolation "{{" @punctuation.special "}}" @punctuation.special)
(integer) @number
(float) @number.float
(duration) @number
(factor) @number
(boolean) @boolean
(null) @constant.builtin
(quoted_identifier) @variable

; ---- keywords ----
["import" "const" "trigger" "rule" "workflow" "test" "let"] @keyword
["if" "then" "else"] @keyword.conditional
["for" "while" "break" "continue" "parallel"] @keyword.repeat
["return" "yield"] @keyword.return
["try" "catch" "fail"] @keyword.exception
["and" "or" "not" "in" "like" "matches" "contains" "startswith" "endswith"] @keyword.operator
(not_in) @keyword.operator
["where" "within" "by" "followed" "of" "as" "on" "success" "failure"] @keyword
["webhook" "every" "cron" "tz"] @keyword
["retry" "times" "backoff" "up" "to" "when" "timeout" "concurrency" "throttle" "per"] @keyword
["wait" "ask" "sleep" "with" "first"] @keyword
["given" "expect" "nothing" "after" "returns" "fails"] @keyword
["true" "false" "null"] @keyword

; ---- operators and punctuation ----
["==" "!=" "<" "<=" ">" ">=" "+" "-" "*" "/" "%" "??" "=" "->"] @operator
["." "?."] @punctuation.delimiter
["," ":"] @punctuation.delimiter
["(" ")" "[" "]" "{" "}"] @punctuation.bracket
