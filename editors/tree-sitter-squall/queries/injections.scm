; The pattern of `matches` is an RE2 regular expression.
((binary_expression operator: "matches" right: (raw_string) @injection.content)
  (#set! injection.language "regex"))
