/**
 * Tree-sitter grammar for Squall `.rule` files.
 *
 * A transcription of grammar/SquallParser.g4 + SquallLexer.g4 (the source of truth): same
 * declarations, statements, expression precedence and literal spellings. Where ANTLR resolves
 * an ambiguity by alternative order, this grammar says so with `prec` or `conflicts`.
 *
 * Written in the subset of the grammar DSL that every tree-sitter generator understands
 * (no `reserved`, no externals): the test driver (../test.sh) generates it with the
 * tree-sitter 0.13 generator, the only one installable here; modern `tree-sitter generate`
 * takes it as is. `field()` names are used by queries/; the old generator ignores them.
 */

// Keywords: every lexer keyword of SquallLexer.g4 (editors/check_keywords.py keeps these lists
// equal to the lexer's). Soft keywords are keywords only where they introduce a clause and
// plain names everywhere else (parser rule `softKeyword`).
const SOFT_KEYWORDS = [
  'after', 'backoff', 'by', 'fails', 'failure', 'first', 'followed', 'nothing', 'of', 'per',
  'returns', 'success', 'times', 'to', 'tz', 'up', 'within',
];
const RESERVED_KEYWORDS = [
  'and', 'as', 'ask', 'break', 'catch', 'concurrency', 'const', 'contains', 'continue', 'cron',
  'else', 'endswith', 'every', 'expect', 'fail', 'false', 'for', 'given', 'if', 'import', 'in',
  'let', 'like', 'matches', 'not', 'null', 'on', 'or', 'parallel', 'retry', 'return', 'rule',
  'sleep', 'startswith', 'test', 'then', 'throttle', 'timeout', 'trigger', 'true', 'try', 'wait',
  'webhook', 'when', 'where', 'while', 'with', 'workflow', 'yield',
];

// Expression precedence, tightest first (docs/language.md, SquallParser.g4 `expr`).
const PREC = {
  postfix: 11,
  unary: 10,
  multiplicative: 9,
  additive: 8,
  coalesce: 7,
  comparison: 6,
  not: 5,
  and: 4,
  or: 3,
};

const DIGITS = /[0-9]+(_[0-9]+)*/.source;

const commaSep = (rule) => optional(seq(rule, repeat(seq(',', rule)), optional(',')));
const commaSep1 = (rule) => seq(rule, repeat(seq(',', rule)), optional(','));
// field() only matters to modern generators (queries use the names); it is a no-op elsewhere.
const fld = (name, rule) => (typeof field === 'function' ? field(name, rule) : rule);

module.exports = grammar({
  name: 'squall',

  word: ($) => $.identifier,

  extras: ($) => [/[ \t\f\r\n]/, $.comment],

  conflicts: ($) => [
    // `{` at the start of a statement: a block (ANTLR's first alternative) or a map literal.
    [$.block, $.map],
  ],

  rules: {
    source_file: ($) => repeat($._declaration),

    comment: (_) => token(seq('#', /[^\r\n]*/)),

    // ---- declarations ----
    _declaration: ($) =>
      choice(
        $.import_declaration,
        $.const_declaration,
        $.trigger_declaration,
        $.rule_declaration,
        $.workflow_declaration,
        $.test_declaration,
      ),

    annotation: ($) =>
      seq('@', fld('name', $._name), optional(fld('arguments', $.annotation_arguments))),
    annotation_arguments: ($) => seq('(', commaSep($._expression), ')'),

    import_declaration: ($) =>
      seq(
        repeat($.annotation),
        'import',
        fld('path', $.qualified_name),
        optional(seq('as', fld('alias', $._name))),
      ),

    const_declaration: ($) =>
      seq(
        repeat($.annotation),
        'const',
        fld('name', $._name),
        optional(seq(':', fld('type', $._type))),
        '=',
        fld('value', $._expression),
      ),

    trigger_declaration: ($) =>
      seq(
        repeat($.annotation),
        'trigger',
        fld('name', $.qualified_name),
        '{',
        repeat(seq($.field_declaration, optional(','))),
        '}',
      ),

    rule_declaration: ($) =>
      seq(
        repeat($.annotation),
        'rule',
        fld('name', $._name),
        '{',
        'if',
        fld('trigger', $._rule_trigger),
        'then',
        fld('action', $.action_clause),
        repeat($.outcome_clause),
        '}',
      ),

    workflow_declaration: ($) =>
      seq(
        repeat($.annotation),
        'workflow',
        fld('name', $._name),
        fld('parameters', $.parameter_list),
        optional(seq('->', fld('return_type', $._type))),
        fld('body', $.block),
      ),
    parameter_list: ($) => seq('(', commaSep($.parameter), ')'),
    parameter: ($) =>
      seq(
        fld('name', $._name),
        ':',
        fld('type', $._type),
        optional(seq('=', fld('default', $._expression))),
      ),

    test_declaration: ($) =>
      seq(
        repeat($.annotation),
        'test',
        fld('name', $._string_literal),
        '{',
        repeat($._test_step),
        '}',
      ),

    // ---- names ----
    identifier: (_) => /[a-zA-Z_][a-zA-Z0-9_]*/,
    quoted_identifier: (_) => /`[^`\r\n]*`/,
    // A soft keyword used as a name is an identifier. Where both readings fit, the clause
    // wins (prec -1), as in ANTLR, which tries the keyword's alternative first.
    _soft_keyword_name: (_) => prec(-1, choice(...SOFT_KEYWORDS)),
    _reserved_keyword_name: (_) => choice(...RESERVED_KEYWORDS),
    _name: ($) =>
      choice($.identifier, $.quoted_identifier, alias($._soft_keyword_name, $.identifier)),
    // After `.`, as an argument, field or map key: every word is a name.
    _any_name: ($) => choice($._name, alias($._reserved_keyword_name, $.identifier)),
    qualified_name: ($) => seq($._name, repeat(seq('.', $._any_name))),

    // ---- types ----
    _type: ($) => choice($.named_type, $.record_type),
    named_type: ($) =>
      seq(
        fld('name', $.qualified_name),
        optional(seq('<', commaSep1($._type), '>')),
        optional(alias('?', $.optional_marker)),
      ),
    record_type: ($) =>
      seq(
        '{',
        repeat(seq($.field_declaration, optional(','))),
        '}',
        optional(alias('?', $.optional_marker)),
      ),
    field_declaration: ($) =>
      seq(
        fld('name', $._any_name),
        ':',
        fld('type', $._type),
        optional(seq('=', fld('default', $._expression))),
      ),

    // ---- rules ----
    _rule_trigger: ($) =>
      choice($.simple_trigger, $.absence_trigger, $.sequence_trigger, $.count_trigger),
    simple_trigger: ($) => seq($._trigger_atom, optional($.where_clause)),
    absence_trigger: ($) =>
      seq(
        $._trigger_atom,
        'and',
        'not',
        $._trigger_atom,
        optional($.where_clause),
        $.within_clause,
      ),
    sequence_trigger: ($) =>
      seq(
        $._trigger_atom,
        repeat1(seq('followed', 'by', $._trigger_atom)),
        optional($.where_clause),
        $.within_clause,
      ),
    count_trigger: ($) =>
      seq(
        fld('count', choice($.integer, $._name)),
        'of',
        $._trigger_atom,
        optional($.where_clause),
        $.within_clause,
        optional($.by_clause),
      ),
    where_clause: ($) => seq('where', $._expression),
    within_clause: ($) => seq('within', $._expression),
    by_clause: ($) => seq('by', $._expression),

    _trigger_atom: ($) =>
      choice($.filtered_trigger, $.webhook_trigger, $.timer_trigger, $.cron_trigger,
        $.named_trigger),
    filtered_trigger: ($) => seq('(', $._trigger_atom, $.where_clause, ')'),
    // prec.right: clauses bind to the nearest atom (a `given` payload may follow one).
    webhook_trigger: ($) =>
      prec.right(seq('webhook', fld('name', $._string_literal), optional($.as_clause))),
    timer_trigger: ($) =>
      prec.right(seq('every', fld('interval', $._expression), optional($.as_clause))),
    cron_trigger: ($) =>
      prec.right(
        seq(
          'cron',
          fld('schedule', $._string_literal),
          optional(seq('tz', fld('zone', $._string_literal))),
          optional($.as_clause),
        ),
      ),
    named_trigger: ($) =>
      prec.right(
        seq(
          fld('name', $.qualified_name),
          optional(fld('arguments', $.argument_list)),
          optional($.as_clause),
        ),
      ),
    as_clause: ($) => seq('as', fld('name', $._name)),

    action_clause: ($) => prec.right(seq($.action_call, repeat($._policy))),
    outcome_clause: ($) =>
      seq('on', fld('outcome', choice('success', 'failure')), 'then', $.action_clause),

    _policy: ($) =>
      choice($.retry_policy, $.timeout_policy, $.concurrency_policy, $.throttle_policy),
    retry_policy: ($) =>
      prec.right(
        seq(
          'retry',
          fld('count', $._expression),
          'times',
          optional(seq('every', fld('delay', $._expression))),
          optional(seq('backoff', fld('factor', $._expression))),
          optional(seq('up', 'to', fld('max_delay', $._expression))),
          optional(seq('when', fld('condition', $._expression))),
        ),
      ),
    timeout_policy: ($) => seq('timeout', $._expression),
    concurrency_policy: ($) =>
      prec.right(seq('concurrency', $._expression, optional($.by_clause))),
    throttle_policy: ($) =>
      prec.right(seq('throttle', $._expression, 'per', $._expression, optional($.by_clause))),

    // ---- workflows ----
    block: ($) => seq('{', repeat($._statement), '}'),

    _statement: ($) =>
      choice(
        $.let_statement,
        $.assignment_statement,
        $.if_statement,
        $.parallel_statement,
        $.for_statement,
        $.while_statement,
        $.break_statement,
        $.continue_statement,
        $.try_statement,
        $.fail_statement,
        $.return_statement,
        $.sleep_statement,
        $.yield_statement,
        $.wait_expression,
        $.ask_expression,
        $.block,
        $.expression_statement,
      ),
    let_statement: ($) =>
      seq(
        'let',
        fld('name', $._name),
        optional(seq(':', fld('type', $._type))),
        '=',
        fld('value', $._step_value),
      ),
    _step_value: ($) =>
      choice($.for_statement, $.wait_expression, $.ask_expression, $.step),
    step: ($) => prec.right(seq($._expression, repeat($._policy))),
    assignment_statement: ($) => seq(fld('name', $._name), '=', fld('value', $._expression)),
    if_statement: ($) =>
      prec.right(
        seq(
          'if',
          fld('condition', $._expression),
          fld('consequence', $.block),
          optional(seq('else', fld('alternative', choice($.if_statement, $.block)))),
        ),
      ),
    parallel_statement: ($) =>
      seq(
        'parallel',
        optional(seq('first', fld('count', $._expression))),
        '{',
        repeat($._statement),
        '}',
      ),
    for_statement: ($) =>
      seq(
        'for',
        fld('variable', $._name),
        'in',
        fld('iterable', $._expression),
        optional(seq('concurrency', fld('concurrency', $._expression))),
        fld('body', $.block),
      ),
    while_statement: ($) =>
      seq('while', fld('condition', $._expression), fld('body', $.block)),
    break_statement: (_) => 'break',
    continue_statement: (_) => 'continue',
    try_statement: ($) =>
      seq(
        'try',
        fld('body', $.block),
        'catch',
        optional(fld('error', $._name)),
        fld('handler', $.block),
      ),
    fail_statement: ($) =>
      prec.right(
        seq('fail', fld('message', $._expression), optional(seq('with', fld('details',
          $._expression)))),
      ),
    // `return` takes a following expression as its value, as in ANTLR.
    return_statement: ($) => prec.right(seq('return', optional($._expression))),
    sleep_statement: ($) => seq('sleep', $._expression),
    yield_statement: ($) => seq('yield', $._expression),
    wait_expression: ($) =>
      prec.right(
        seq(
          'wait',
          $._trigger_atom,
          optional($.where_clause),
          optional(seq('timeout', fld('timeout', $._expression))),
        ),
      ),
    ask_expression: ($) =>
      prec.right(
        seq(
          'ask',
          fld('prompt', $._expression),
          fld('type', $._type),
          optional(seq('timeout', fld('timeout', $._expression))),
        ),
      ),
    expression_statement: ($) => prec.right(seq($._expression, repeat($._policy))),

    // ---- tests ----
    _test_step: ($) =>
      choice($.given_step, $.expect_nothing_step, $.expect_call_step, $.when_returns_step,
        $.when_fails_step),
    given_step: ($) =>
      prec.right(
        seq(
          'given',
          $._trigger_atom,
          optional(fld('payload', $._expression)),
          optional($.after_clause),
        ),
      ),
    expect_nothing_step: ($) => prec.right(seq('expect', 'nothing', optional($.after_clause))),
    expect_call_step: ($) => prec.right(seq('expect', $.action_call, optional($.after_clause))),
    when_returns_step: ($) =>
      seq('when', fld('action', $.qualified_name), 'returns', fld('result', $._expression),
        optional(seq('after', fld('after', $._expression)))),
    when_fails_step: ($) =>
      seq('when', fld('action', $.qualified_name), 'fails', 'with', fld('error', $._expression),
        optional(seq('after', fld('after', $._expression)))),
    after_clause: ($) => seq('after', $._expression),

    // ---- expressions ----
    action_call: ($) =>
      seq(fld('action', $.qualified_name), fld('arguments', $.argument_list)),
    argument_list: ($) => seq('(', commaSep($.argument), ')'),
    argument: ($) => seq(optional(seq(fld('name', $._any_name), ':')), fld('value', $._expression)),

    _expression: ($) =>
      choice(
        $.member_expression,
        $.safe_member_expression,
        $.index_expression,
        $.call_expression,
        $.unary_expression,
        $.binary_expression,
        $.not_expression,
        $._primary,
      ),

    member_expression: ($) =>
      prec(PREC.postfix, seq(fld('object', $._expression), '.', fld('property', $._any_name))),
    safe_member_expression: ($) =>
      prec(PREC.postfix, seq(fld('object', $._expression), '?.', fld('property', $._any_name))),
    index_expression: ($) =>
      prec(PREC.postfix, seq(fld('object', $._expression), '[', fld('index', $._expression), ']')),
    call_expression: ($) =>
      prec(PREC.postfix, seq(fld('function', $._expression), fld('arguments', $.argument_list))),
    unary_expression: ($) => prec(PREC.unary, seq(fld('operator', '-'), fld('operand', $._expression))),
    not_expression: ($) => prec(PREC.not, seq('not', fld('operand', $._expression))),

    binary_expression: ($) => {
      const table = [
        [PREC.multiplicative, choice('*', '/', '%')],
        [PREC.additive, choice('+', '-')],
        [PREC.coalesce, '??'],
        [
          PREC.comparison,
          choice('==', '!=', '<', '<=', '>', '>=', 'in', $.not_in, 'like', 'matches', 'contains',
            'startswith', 'endswith'),
        ],
        [PREC.and, 'and'],
        [PREC.or, 'or'],
      ];
      return choice(
        ...table.map(([p, op]) =>
          prec.left(p, seq(fld('left', $._expression), fld('operator', op),
            fld('right', $._expression))),
        ),
      );
    },
    // `not in` is one token so that a statement starting with `not` after an expression
    // statement needs no second token of look-ahead.
    not_in: (_) => token(seq('not', /[ \t\f\r\n]+/, 'in')),

    _primary: ($) =>
      choice(
        $.integer,
        $.float,
        $.factor,
        $.duration,
        $.boolean,
        $.null,
        $._string_literal,
        $._name,
        $.parenthesized_expression,
        $.list,
        $.map,
      ),
    parenthesized_expression: ($) => seq('(', $._expression, ')'),
    list: ($) => seq('[', commaSep($._expression), ']'),
    map: ($) => seq('{', commaSep($.map_entry), '}'),
    map_entry: ($) =>
      seq(fld('key', choice($._any_name, $._string_literal)), ':', fld('value', $._expression)),

    // ---- literals ----
    integer: (_) => token(new RegExp(DIGITS)),
    float: (_) =>
      token(new RegExp(`${DIGITS}\\.${DIGITS}([eE][+-]?[0-9]+)?|${DIGITS}[eE][+-]?[0-9]+`)),
    // A number immediately followed by letters is one token (SUFFIXED_NUMBER): a factor when
    // the suffix is `x`, a duration otherwise (a wrong unit such as `5min` is still one token;
    // `squall check` reports it).
    factor: (_) => token(prec(1, new RegExp(`${DIGITS}(\\.${DIGITS})?x`))),
    duration: (_) =>
      token(new RegExp(`${DIGITS}(\\.${DIGITS})?[a-zA-Z]+([0-9]+(_[0-9]+)*[a-zA-Z]+)*`)),
    boolean: (_) => choice('true', 'false'),
    null: (_) => 'null',

    _string_literal: ($) => choice($.string, $.raw_string),
    raw_string: (_) => token(seq('r"', /[^"\r\n]*/, '"')),
    string: ($) =>
      choice(
        seq(
          '"',
          repeat(choice(
            alias($._string_text, $.string_content),
            alias($._lone_brace, $.string_content),
            $.escape_sequence,
            $.interpolation,
          )),
          '"',
        ),
        seq(
          '"""',
          repeat(choice(
            alias($._triple_string_text, $.string_content),
            alias($._triple_string_quotes, $.string_content),
            alias($._lone_brace, $.string_content),
            $.escape_sequence,
            $.interpolation,
          )),
          '"""',
        ),
      ),
    // prec(1): text wins over a comment, so `"#ops"` is a string.
    _string_text: (_) => token.immediate(prec(1, /[^"\\{\r\n]+/)),
    _triple_string_text: (_) => token.immediate(prec(1, /[^"\\{]+/)),
    // `"` and `""` inside `"""..."""` are text (the longest match makes `"""` the end).
    _triple_string_quotes: (_) => token.immediate(/""?/),
    _lone_brace: (_) => token.immediate('{'),
    escape_sequence: (_) =>
      token.immediate(seq('\\', choice(/u\{[0-9a-fA-F]+\}/, /[^u\r\n]/, /u/))),
    interpolation: ($) =>
      seq(token.immediate('{{'), fld('expression', $._expression), '}}'),
  },
});
