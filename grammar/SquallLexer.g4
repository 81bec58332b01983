// Squall lexer. Pure token definitions: no actions and no semantic predicates; only lexer
// commands (skip, channel, pushMode/popMode).
//
// Strings are lexed in modes so that `{{expr}}` interpolations are ordinary tokens with exact
// positions: a `{{` inside a string pushes DEFAULT_MODE; inside DEFAULT_MODE every `{` pushes
// DEFAULT_MODE and every `}` pops, so the `}` that closes an interpolation pops back into the
// string mode, where the second `}` is lexed as STR_INTERP_END. The C++ lexer subclass
// (compiler/parse) makes popMode on an empty stack harmless, so an unbalanced `}` at top level
// is a syntax error rather than a crash.
lexer grammar SquallLexer;

channels { COMMENTS }

// ---- keywords (reserved; any keyword is still allowed after `.`, as a parameter name, and as
// a field or map key, see `anyName` in the parser) ----
AFTER: 'after';
AND: 'and';
AS: 'as';
ASK: 'ask';
BACKOFF: 'backoff';
BREAK: 'break';
BY: 'by';
CATCH: 'catch';
CONCURRENCY: 'concurrency';
CONST: 'const';
CONTAINS: 'contains';
CONTINUE: 'continue';
CRON: 'cron';
ELSE: 'else';
ENDSWITH: 'endswith';
EVERY: 'every';
EXPECT: 'expect';
FAIL: 'fail';
FAILS: 'fails';
FAILURE: 'failure';
FALSE: 'false';
FIRST: 'first';
FOLLOWED: 'followed';
FOR: 'for';
GIVEN: 'given';
IF: 'if';
IMPORT: 'import';
IN: 'in';
LET: 'let';
LIKE: 'like';
MATCHES: 'matches';
NOT: 'not';
NOTHING: 'nothing';
NULL_LIT: 'null';
OF: 'of';
ON: 'on';
OR: 'or';
PARALLEL: 'parallel';
PER: 'per';
RETRY: 'retry';
RETURN: 'return';
RETURNS: 'returns';
RULE: 'rule';
SLEEP: 'sleep';
STARTSWITH: 'startswith';
SUCCESS: 'success';
TEST: 'test';
THEN: 'then';
THROTTLE: 'throttle';
TIMEOUT: 'timeout';
TIMES: 'times';
TO: 'to';
TRIGGER: 'trigger';
TRUE: 'true';
TRY: 'try';
TZ: 'tz';
UP: 'up';
WAIT: 'wait';
WEBHOOK: 'webhook';
WHEN: 'when';
WHERE: 'where';
WHILE: 'while';
WITH: 'with';
WITHIN: 'within';
WORKFLOW: 'workflow';
YIELD: 'yield';

// ---- punctuation and operators ----
ARROW: '->';
EQ: '==';
NE: '!=';
LE: '<=';
GE: '>=';
LT: '<';
GT: '>';
ASSIGN: '=';
QDOT: '?.';
COALESCE: '??';
QUESTION: '?';
DOT: '.';
COMMA: ',';
COLON: ':';
SEMI: ';';
PLUS: '+';
MINUS: '-';
STAR: '*';
SLASH: '/';
PERCENT: '%';
AT: '@';
LPAREN: '(';
RPAREN: ')';
LBRACK: '[';
RBRACK: ']';
LBRACE: '{' -> pushMode(DEFAULT_MODE);
RBRACE: '}' -> popMode;

// ---- literals ----
// A number immediately followed by letters is one token: durations (`30s`, `1h30m`, `250ms`),
// backoff factors (`2x`, `1.5x`). The parse stage validates the suffix, so `5min` is reported as
// an unknown unit instead of silently lexing as `5m` followed by `in`.
SUFFIXED_NUMBER: DIGITS ('.' DIGITS)? LETTER+ (DIGITS LETTER+)*;
FLOAT: DIGITS '.' DIGITS EXPONENT? | DIGITS EXPONENT;
INT: DIGITS;

IDENT: (LETTER | '_') (LETTER | DIGIT | '_')*;
// `name-with-dashes` and keywords used as plain names: any text but backquote and newline.
QUOTED_IDENT: '`' ~[`\r\n]* '`';
UNTERMINATED_QUOTED_IDENT: '`' ~[`\r\n]*;

RAW_STRING: 'r"' ~["\r\n]* '"';
UNTERMINATED_RAW_STRING: 'r"' ~["\r\n]*;
TRIPLE_QUOTE: '"""' -> pushMode(TRIPLE_STRING_MODE);
QUOTE: '"' -> pushMode(STRING_MODE);

COMMENT: '#' ~[\r\n]* -> channel(COMMENTS);
NEWLINE: ('\r'? '\n' | '\r') -> skip;
WS: [ \t\f]+ -> skip;

// Anything else (control bytes, stray unicode, a lone `!`): one token per character, so the
// parser reports it with its exact location and carries on.
BAD_CHAR: .;

fragment DIGIT: [0-9];
fragment DIGITS: DIGIT+ ('_' DIGIT+)*;
fragment LETTER: [a-zA-Z];
fragment EXPONENT: [eE] [+-]? DIGIT+;

// ---- "..." strings: single line, escapes, interpolation ----
mode STRING_MODE;
STR_END: '"' -> popMode;
STR_INTERP_BEGIN: '{{' -> pushMode(DEFAULT_MODE);
STR_INTERP_END: '}';
STR_ESCAPE: '\\' ( ~[\r\nu] | 'u{' [0-9a-fA-F]+ '}' | 'u' )?;
STR_TEXT: ~["\\{}\r\n]+ | '{';
// A newline ends an unterminated string: the parser reports it and resumes on the next line.
STR_UNTERMINATED: ('\r'? '\n' | '\r') -> popMode;

// ---- """...""" strings: may span lines; same escapes and interpolation ----
mode TRIPLE_STRING_MODE;
TSTR_END: '"""' -> type(STR_END), popMode;
TSTR_INTERP_BEGIN: '{{' -> type(STR_INTERP_BEGIN), pushMode(DEFAULT_MODE);
TSTR_INTERP_END: '}' -> type(STR_INTERP_END);
TSTR_ESCAPE: '\\' ( ~[u] | 'u{' [0-9a-fA-F]+ '}' | 'u' )? -> type(STR_ESCAPE);
TSTR_TEXT: (~["\\{}]+ | '{' | '"' | '""') -> type(STR_TEXT);
