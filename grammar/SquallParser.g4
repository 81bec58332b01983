// Squall parser grammar. Structure only: no actions, no semantic predicates, every
// alternative of a multi-alternative rule is labeled. Names, types, and everything else that
// needs context are checked later (compiler/check); the AST builder (compiler/parse) turns
// this parse tree into the AST and validates literal spellings.
//
// Newlines are insignificant: every statement starts with a keyword or a name and ends where
// the next one cannot continue it. Expression precedence, loosest first, is documented in
// docs/language.md and encoded in `expr` below (ANTLR gives earlier alternatives of a
// left-recursive rule higher precedence).
parser grammar SquallParser;

options { tokenVocab = SquallLexer; }

file: annotatedDecl* EOF;
// A lone expression (the REPL's `:type`, tools): a start rule of its own, because ANTLR's error
// recovery needs a rule that invokes `expr` (a left-recursive rule started directly crashes
// the C++ runtime's getErrorRecoverySet).
expressionInput: expr EOF;

annotatedDecl: annotation* decl;

annotation: AT name (LPAREN (expr (COMMA expr)* COMMA?)? RPAREN)?;

decl
  : IMPORT qualifiedName (AS name)?                                      # ImportDecl
  | CONST name (COLON typeExpr)? ASSIGN expr                             # ConstDecl
  | TRIGGER qualifiedName LBRACE (fieldDecl COMMA?)* RBRACE              # TriggerDecl
  | RULE name LBRACE ruleBody RBRACE                                     # RuleDecl
  | WORKFLOW name LPAREN paramList? RPAREN (ARROW typeExpr)? block       # WorkflowDecl
  | TEST stringLiteral LBRACE testStep* RBRACE                           # TestDecl
  ;

// ---- names ----
// Words that are keywords only in one position may still name variables and parameters.
softKeyword
  : AFTER | BACKOFF | BY | FAILS | FAILURE | FIRST | FOLLOWED | NOTHING | OF | PER | RETURNS
  | SUCCESS | TIMES | TO | TZ | UP | WITHIN
  ;
name: IDENT | QUOTED_IDENT | softKeyword;
// After a `.`, as a parameter, field or map key: every word is a name.
anyName: name | keyword;
keyword
  : AND | AS | ASK | BREAK | CATCH | CONCURRENCY | CONST | CONTAINS | CONTINUE | CRON | ELSE
  | ENDSWITH | EVERY | EXPECT | FAIL | FALSE | FOR | GIVEN | IF | IMPORT | IN | LET | LIKE
  | MATCHES | NOT | NULL_LIT | ON | OR | PARALLEL | RETRY | RETURN | RULE | SLEEP | STARTSWITH
  | TEST | THEN | THROTTLE | TIMEOUT | TRIGGER | TRUE | TRY | WAIT | WEBHOOK | WHEN | WHERE
  | WHILE | WITH | WORKFLOW | YIELD
  ;
qualifiedName: name (DOT anyName)*;

// ---- types ----
typeExpr
  : qualifiedName (LT typeExpr (COMMA typeExpr)* GT)? QUESTION?          # NamedType
  | LBRACE (fieldDecl COMMA?)* RBRACE QUESTION?                          # RecordType
  ;
fieldDecl: anyName COLON typeExpr (ASSIGN expr)?;

// ---- rules ----
ruleBody: IF ruleTrigger THEN actionClause outcomeClause*;

ruleTrigger
  : triggerAtom (WHERE expr)?                                            # SimpleTrigger
  | triggerAtom AND NOT triggerAtom (WHERE expr)? WITHIN expr            # AbsenceTrigger
  | triggerAtom (FOLLOWED BY triggerAtom)+ (WHERE expr)? WITHIN expr     # SequenceTrigger
  | countExpr OF triggerAtom (WHERE expr)? WITHIN expr (BY expr)?        # CountTrigger
  ;
countExpr: INT | name;

triggerAtom
  : LPAREN triggerAtom WHERE expr RPAREN                                 # FilteredTrigger
  | WEBHOOK stringLiteral (AS name)?                                     # WebhookTrigger
  | EVERY expr (AS name)?                                                # TimerTrigger
  | CRON stringLiteral (TZ stringLiteral)? (AS name)?                    # CronTrigger
  | qualifiedName triggerArgs? (AS name)?                                # NamedTrigger
  ;
// Trigger parameters (StackStorm `parameters_schema`): `linux.file_watch.line(file_path: p)`.
// Arguments must be named; the AST builder reports a positional one.
triggerArgs: LPAREN argList? RPAREN;

actionClause: actionCall policy*;
outcomeClause: ON (SUCCESS | FAILURE) THEN actionClause;

policy
  : RETRY expr TIMES (EVERY expr)? (BACKOFF expr)? (UP TO expr)? (WHEN expr)?  # RetryPolicy
  | TIMEOUT expr                                                               # TimeoutPolicy
  | CONCURRENCY expr (BY expr)?                                                # ConcurrencyPolicy
  | THROTTLE expr PER expr (BY expr)?                                          # ThrottlePolicy
  ;

// ---- workflows ----
paramList: param (COMMA param)* COMMA?;
param: name COLON typeExpr (ASSIGN expr)?;

block: LBRACE statement* RBRACE;

statement
  : LET name (COLON typeExpr)? ASSIGN stepValue                          # LetStmt
  | name ASSIGN expr                                                     # AssignStmt
  | ifStatement                                                          # IfStmt
  | PARALLEL (FIRST expr)? LBRACE statement* RBRACE                      # ParallelStmt
  | forLoop                                                              # ForStmt
  | WHILE expr block                                                     # WhileStmt
  | BREAK                                                                # BreakStmt
  | CONTINUE                                                             # ContinueStmt
  | TRY block CATCH name? block                                          # TryStmt
  | FAIL expr (WITH expr)?                                               # FailStmt
  | RETURN expr?                                                         # ReturnStmt
  | SLEEP expr                                                           # SleepStmt
  | YIELD expr                                                           # YieldStmt
  | waitExpr                                                             # WaitStmt
  | askExpr                                                              # AskStmt
  | block                                                                # BlockStmt
  | expr policy*                                                         # ExprStmt
  ;
ifStatement: IF expr block (ELSE (ifStatement | block))?;

// What a `let` may bind: a step (action or workflow call with policies), a `for` used as a
// value (the list of its yields), a `wait` or an `ask`, or any expression.
stepValue
  : forLoop                                                              # ForValue
  | waitExpr                                                             # WaitValue
  | askExpr                                                              # AskValue
  | expr policy*                                                         # ExprValue
  ;
forLoop: FOR name IN expr (CONCURRENCY expr)? block;
waitExpr: WAIT triggerAtom (WHERE expr)? (TIMEOUT expr)?;
askExpr: ASK expr typeExpr (TIMEOUT expr)?;

// ---- tests ----
testStep
  : GIVEN triggerAtom expr? (AFTER expr)?                                # GivenStep
  | EXPECT NOTHING (AFTER expr)?                                         # ExpectNothingStep
  | EXPECT actionCall (AFTER expr)?                                      # ExpectCallStep
  | WHEN qualifiedName RETURNS expr (AFTER expr)?                        # WhenReturnsStep
  | WHEN qualifiedName FAILS WITH expr (AFTER expr)?                     # WhenFailsStep
  ;

// ---- expressions ----
actionCall: qualifiedName LPAREN argList? RPAREN;
argList: argument (COMMA argument)* COMMA?;
argument: (anyName COLON)? expr;

expr
  : expr DOT anyName                                                     # MemberExpr
  | expr QDOT anyName                                                    # SafeMemberExpr
  | expr LBRACK expr RBRACK                                              # IndexExpr
  | expr LPAREN argList? RPAREN                                          # CallExpr
  | MINUS expr                                                           # NegateExpr
  | expr op=(STAR | SLASH | PERCENT) expr                                # MultiplicativeExpr
  | expr op=(PLUS | MINUS) expr                                          # AdditiveExpr
  | expr COALESCE expr                                                   # CoalesceExpr
  | expr comparisonOp expr                                               # ComparisonExpr
  | NOT expr                                                             # NotExpr
  | expr AND expr                                                        # AndExpr
  | expr OR expr                                                         # OrExpr
  | primary                                                              # PrimaryExpr
  ;
comparisonOp
  : EQ | NE | LT | LE | GT | GE | IN | NOT IN | LIKE | MATCHES | CONTAINS | STARTSWITH
  | ENDSWITH
  ;

primary
  : INT                                                                  # IntLiteral
  | FLOAT                                                                # FloatLiteral
  | SUFFIXED_NUMBER                                                      # SuffixedLiteral
  | (TRUE | FALSE)                                                       # BoolLiteral
  | NULL_LIT                                                             # NullLiteral
  | stringLiteral                                                        # StringExpr
  | name                                                                 # NameExpr
  | LPAREN expr RPAREN                                                   # ParenExpr
  | LBRACK (expr (COMMA expr)* COMMA?)? RBRACK                           # ListLiteral
  | LBRACE (mapEntry (COMMA mapEntry)* COMMA?)? RBRACE                   # MapLiteral
  ;
mapEntry: (anyName | stringLiteral) COLON expr;

stringLiteral
  : (QUOTE | TRIPLE_QUOTE) stringPart* (STR_END | STR_UNTERMINATED)      # QuotedString
  | RAW_STRING                                                           # RawString
  ;
stringPart
  : STR_TEXT                                                             # TextPart
  | STR_ESCAPE                                                           # EscapePart
  | STR_INTERP_END                                                       # BracePart
  | STR_INTERP_BEGIN expr RBRACE STR_INTERP_END                          # InterpolationPart
  ;
