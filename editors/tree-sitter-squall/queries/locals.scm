; Scopes and definitions for reference highlighting.
(workflow_declaration) @local.scope
(rule_declaration) @local.scope
(block) @local.scope

(parameter name: (identifier) @local.definition)
(let_statement name: (identifier) @local.definition)
(for_statement variable: (identifier) @local.definition)
(try_statement error: (identifier) @local.definition)
(as_clause name: (identifier) @local.definition)

(identifier) @local.reference
