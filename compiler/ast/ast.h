// The Squall abstract syntax tree.
//
// Ownership and immutability: a parsed file is an `ast::File` that owns every node through
// `Ptr<T>` (a `std::unique_ptr<const T>`), so nothing can change a node once the parse stage has
// handed the tree out. Later stages keep what they learn (types, resolved names) in side tables
// keyed by `NodeId`.
//
// Every node carries a `NodeId` (dense, unique within its file, assigned in creation order by the
// parse stage) and a `SourceRange` (byte offsets into the file's text). Leaves that are not nodes
// (identifiers, qualified names) carry their own ranges.
//
// Dispatch: each hierarchy (Expr, TypeExpr, Policy, Stmt, TestStep, Decl) has a `kind` field
// and every concrete struct a `kKind` constant, used by `As<T>()` / `Cast<T>()` below.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <typeinfo>
#include <vector>

#include "compiler/source/source_manager.h"

namespace squall::ast {

using source::SourceRange;

template <typename T>
using Ptr = std::unique_ptr<const T>;

// Dense id of a node within one file: index into side tables.
struct NodeId {
  uint32_t value = 0;
  friend bool operator==(NodeId, NodeId) = default;
  friend auto operator<=>(NodeId, NodeId) = default;
};

struct Node {
  NodeId id;
  SourceRange range;
};

// A name as written: `disk`, `` `echochain-param` `` (stored without the backquotes).
struct Identifier {
  std::string name;
  SourceRange range;
};

// `core.local`, `disk.low`, `slack`: one or more identifiers joined by dots.
struct QualifiedName {
  std::vector<Identifier> parts;
  SourceRange range;
  // The parts joined with '.'.
  std::string ToString() const;
};

// Returns `T*` when `node.kind == T::kKind`, otherwise nullptr.
template <typename T, typename Base>
const T* As(const Base* node) {
  return node != nullptr && node->kind == T::kKind ? static_cast<const T*>(node) : nullptr;
}
// Like As, but the kind must match (checked; aborts otherwise).
template <typename T, typename Base>
const T& Cast(const Base& node);
[[noreturn]] void AbortOnBadCast(const char* type_name);

// ---------------------------------------------------------------------------------------------
// Types as written in source: `string`, `list<int>?`, `{approved: bool, reason: string?}`.

enum class TypeExprKind : uint8_t { kNamed, kRecord };

struct TypeExpr : Node {
  TypeExprKind kind;
  bool optional = false;  // trailing `?`
  explicit TypeExpr(TypeExprKind k) : kind(k) {}
  virtual ~TypeExpr() = default;
};

struct Expr;
struct FieldDecl;

struct NamedType : TypeExpr {
  static constexpr TypeExprKind kKind = TypeExprKind::kNamed;
  NamedType() : TypeExpr(kKind) {}
  QualifiedName name;
  std::vector<Ptr<TypeExpr>> args;  // `list<T>`, `map<T>`
};

struct RecordType : TypeExpr {
  static constexpr TypeExprKind kKind = TypeExprKind::kRecord;
  RecordType() : TypeExpr(kKind) {}
  std::vector<Ptr<FieldDecl>> fields;
};

// `name: type [= default]`: a trigger field, a record type field, or a workflow parameter.
struct FieldDecl : Node {
  Identifier name;
  Ptr<TypeExpr> type;
  Ptr<Expr> default_value;  // may be null
};

// ---------------------------------------------------------------------------------------------
// Expressions.

enum class ExprKind : uint8_t {
  kInt,
  kFloat,
  kDuration,
  kFactor,
  kBool,
  kNull,
  kString,
  kName,
  kMember,
  kIndex,
  kCall,
  kUnary,
  kBinary,
  kList,
  kMap,
  kFor,
  kWait,
  kAsk,
  kError,
};

struct Expr : Node {
  ExprKind kind;
  explicit Expr(ExprKind k) : kind(k) {}
  virtual ~Expr() = default;
};

// Literals keep their spelling so that `squall fmt` reproduces them exactly.
struct IntLiteral : Expr {
  static constexpr ExprKind kKind = ExprKind::kInt;
  IntLiteral() : Expr(kKind) {}
  int64_t value = 0;
  std::string spelling;
};

struct FloatLiteral : Expr {
  static constexpr ExprKind kKind = ExprKind::kFloat;
  FloatLiteral() : Expr(kKind) {}
  double value = 0;
  std::string spelling;
};

// `30s`, `1h30m`, `250ms`, `2d`.
struct DurationLiteral : Expr {
  static constexpr ExprKind kKind = ExprKind::kDuration;
  DurationLiteral() : Expr(kKind) {}
  int64_t milliseconds = 0;
  std::string spelling;
};

// `2x`, `1.5x`: a multiplier, as in `backoff 2x`.
struct FactorLiteral : Expr {
  static constexpr ExprKind kKind = ExprKind::kFactor;
  FactorLiteral() : Expr(kKind) {}
  double value = 0;
  std::string spelling;
};

struct BoolLiteral : Expr {
  static constexpr ExprKind kKind = ExprKind::kBool;
  BoolLiteral() : Expr(kKind) {}
  bool value = false;
};

struct NullLiteral : Expr {
  static constexpr ExprKind kKind = ExprKind::kNull;
  NullLiteral() : Expr(kKind) {}
};

enum class StringStyle : uint8_t {
  kQuoted,  // "..."
  kTriple,  // """...""" (may span lines)
  kRaw,     // r"..." (no escapes, no interpolation)
};

// One piece of a string literal: literal text (escapes decoded) or an `{{expr}}`.
struct StringPart {
  std::string text;      // decoded text; empty for an interpolation
  std::string spelling;  // the text exactly as written (escapes not decoded)
  Ptr<Expr> expr;        // non-null exactly for an interpolation
  SourceRange range;     // the text, or the whole `{{expr}}`
};

struct StringLiteral : Expr {
  static constexpr ExprKind kKind = ExprKind::kString;
  StringLiteral() : Expr(kKind) {}
  StringStyle style = StringStyle::kQuoted;
  std::vector<StringPart> parts;  // adjacent text parts are merged
  // True when the literal has no interpolation; `Text()` is then its value.
  bool IsPlain() const;
  std::string Text() const;  // concatenation of the text parts
};

// A bare name: a binding (`event`, `d`, `result`), a const, a parameter, or the first part of
// a dotted path (`core` in `core.local`); the checker decides which.
struct NameExpr : Expr {
  static constexpr ExprKind kKind = ExprKind::kName;
  NameExpr() : Expr(kKind) {}
  Identifier name;
};

// `object.member` or `object?.member`.
struct MemberExpr : Expr {
  static constexpr ExprKind kKind = ExprKind::kMember;
  MemberExpr() : Expr(kKind) {}
  Ptr<Expr> object;
  Identifier member;
  bool safe = false;  // `?.`
};

struct IndexExpr : Expr {
  static constexpr ExprKind kKind = ExprKind::kIndex;
  IndexExpr() : Expr(kKind) {}
  Ptr<Expr> object;
  Ptr<Expr> index;
};

struct Argument {
  std::optional<Identifier> name;  // `name: value`; absent for a positional argument
  Ptr<Expr> value;
  SourceRange range;
};

// `callee(args)`: an action, a workflow, or a built-in function. The callee of an action call
// is a chain of names (`core.local`); see `CalleePath`.
struct CallExpr : Expr {
  static constexpr ExprKind kKind = ExprKind::kCall;
  CallExpr() : Expr(kKind) {}
  Ptr<Expr> callee;
  std::vector<Argument> args;
};

enum class UnaryOp : uint8_t { kNot, kNegate };

struct UnaryExpr : Expr {
  static constexpr ExprKind kKind = ExprKind::kUnary;
  UnaryExpr() : Expr(kKind) {}
  UnaryOp op = UnaryOp::kNot;
  Ptr<Expr> operand;
};

enum class BinaryOp : uint8_t {
  kOr,
  kAnd,
  kEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,
  kIn,
  kNotIn,
  kLike,
  kMatches,
  kContains,
  kStartsWith,
  kEndsWith,
  kCoalesce,
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
};

// The operator as written in source: "and", "==", "not in", "??", ...
std::string_view Spelling(BinaryOp op);
std::string_view Spelling(UnaryOp op);
bool IsComparison(BinaryOp op);

struct BinaryExpr : Expr {
  static constexpr ExprKind kKind = ExprKind::kBinary;
  BinaryExpr() : Expr(kKind) {}
  BinaryOp op = BinaryOp::kOr;
  SourceRange op_range;
  Ptr<Expr> lhs;
  Ptr<Expr> rhs;
};

struct ListExpr : Expr {
  static constexpr ExprKind kKind = ExprKind::kList;
  ListExpr() : Expr(kKind) {}
  std::vector<Ptr<Expr>> elements;
};

struct MapEntry {
  std::string key;          // decoded key text
  bool quoted_key = false;  // written as a string literal (`"x-y": 1`)
  SourceRange key_range;
  Ptr<Expr> value;
};

struct MapExpr : Expr {
  static constexpr ExprKind kKind = ExprKind::kMap;
  MapExpr() : Expr(kKind) {}
  std::vector<MapEntry> entries;
};

struct BlockStmt;
struct TriggerAtom;
struct Policy;

// `for x in items [concurrency n] { ... }`: a statement, or a value (the list of its yields)
// when bound with `let`.
struct ForExpr : Expr {
  static constexpr ExprKind kKind = ExprKind::kFor;
  ForExpr() : Expr(kKind) {}
  Identifier variable;
  Ptr<Expr> iterable;
  Ptr<Expr> concurrency;  // may be null
  Ptr<BlockStmt> body;
};

// `wait approval.granted where cond timeout 1h`: suspends until a matching event arrives.
struct WaitExpr : Expr {
  static constexpr ExprKind kKind = ExprKind::kWait;
  WaitExpr() : Expr(kKind) {}
  Ptr<TriggerAtom> trigger;
  Ptr<Expr> where;    // may be null
  Ptr<Expr> timeout;  // may be null
};

// `ask "prompt" {answer: type} timeout 4h`: suspends until a person answers.
struct AskExpr : Expr {
  static constexpr ExprKind kKind = ExprKind::kAsk;
  AskExpr() : Expr(kKind) {}
  Ptr<Expr> prompt;
  Ptr<TypeExpr> answer_type;
  Ptr<Expr> timeout;  // may be null
};

// Stands in for an expression the parser could not read; a syntax error was reported for it.
struct ErrorExpr : Expr {
  static constexpr ExprKind kKind = ExprKind::kError;
  ErrorExpr() : Expr(kKind) {}
};

// The dotted path `a.b.c` when `expr` is a name or a chain of plain (non-safe) member accesses
// on a name; nullopt otherwise. Used to read the callee of an action or workflow call.
std::optional<QualifiedName> CalleePath(const Expr& expr);

// ---------------------------------------------------------------------------------------------
// Triggers and rules.

enum class TriggerAtomKind : uint8_t { kNamed, kWebhook, kTimer, kCron };

// One event source in a rule, `wait` or `given`: `disk.low as d`, `webhook "deploy"`,
// `every 5m`, `cron "0 3 * * 1-5" tz "Europe/Paris"`, `(intf.down as d where cond)`, or a
// named trigger with parameters, `linux.file_watch.line(file_path: "/var/log/auth.log")`.
struct TriggerAtom : Node {
  TriggerAtomKind kind = TriggerAtomKind::kNamed;
  QualifiedName name;  // kNamed
  // kNamed: the trigger parameters `(name: value, ...)`. `has_args` tells `x()` from `x`;
  // `args_range` covers the parentheses (valid when `has_args`). The parse stage reports an
  // argument without a name, so every argument of a tree without errors has one.
  std::vector<Argument> args;
  bool has_args = false;
  SourceRange args_range;
  Ptr<Expr> argument;               // kWebhook: hook name; kTimer: interval; kCron: schedule
  Ptr<Expr> time_zone;              // kCron `tz "..."`; may be null
  std::optional<Identifier> alias;  // `as x`
  Ptr<Expr> filter;                 // `(atom where filter)`; may be null
};

enum class RuleTriggerKind : uint8_t { kSimple, kAbsence, kSequence, kCount };

// What fires a rule, with its condition.
//   kSimple:   atoms[0] [where]
//   kAbsence:  atoms[0] and not atoms[1] [where] within
//   kSequence: atoms[0] followed by atoms[1] ... [where] within
//   kCount:    count of atoms[0] [where] within [by]
struct RuleTrigger : Node {
  RuleTriggerKind kind = RuleTriggerKind::kSimple;
  std::vector<Ptr<TriggerAtom>> atoms;
  Ptr<Expr> where;   // may be null
  Ptr<Expr> within;  // null for kSimple
  Ptr<Expr> count;   // kCount only
  Ptr<Expr> by;      // kCount only; may be null
};

enum class PolicyKind : uint8_t { kRetry, kTimeout, kConcurrency, kThrottle };

struct Policy : Node {
  PolicyKind kind;
  explicit Policy(PolicyKind k) : kind(k) {}
  virtual ~Policy() = default;
};

// `retry N times [every D] [backoff F] [up to D] [when cond]`
struct RetryPolicy : Policy {
  static constexpr PolicyKind kKind = PolicyKind::kRetry;
  RetryPolicy() : Policy(kKind) {}
  Ptr<Expr> count;
  Ptr<Expr> every;    // may be null
  Ptr<Expr> backoff;  // may be null
  Ptr<Expr> up_to;    // may be null
  Ptr<Expr> when;     // may be null
};

// `timeout D`
struct TimeoutPolicy : Policy {
  static constexpr PolicyKind kKind = PolicyKind::kTimeout;
  TimeoutPolicy() : Policy(kKind) {}
  Ptr<Expr> duration;
};

// `concurrency N [by key]`
struct ConcurrencyPolicy : Policy {
  static constexpr PolicyKind kKind = PolicyKind::kConcurrency;
  ConcurrencyPolicy() : Policy(kKind) {}
  Ptr<Expr> limit;
  Ptr<Expr> by;  // may be null
};

// `throttle N per D [by key]`
struct ThrottlePolicy : Policy {
  static constexpr PolicyKind kKind = PolicyKind::kThrottle;
  ThrottlePolicy() : Policy(kKind) {}
  Ptr<Expr> count;
  Ptr<Expr> period;
  Ptr<Expr> by;  // may be null
};

// `core.local(cmd: "...") retry 3 times timeout 2m`
struct ActionClause : Node {
  Ptr<CallExpr> call;
  std::vector<Ptr<Policy>> policies;
};

enum class Outcome : uint8_t { kSuccess, kFailure };

// `on success then ...` / `on failure then ...`
struct OutcomeClause : Node {
  Outcome outcome = Outcome::kSuccess;
  Ptr<ActionClause> action;
};

// ---------------------------------------------------------------------------------------------
// Workflow statements.

enum class StmtKind : uint8_t {
  kLet,
  kAssign,
  kIf,
  kParallel,
  kWhile,
  kBreak,
  kContinue,
  kTry,
  kFail,
  kReturn,
  kSleep,
  kYield,
  kBlock,
  kExpr,
};

struct Stmt : Node {
  StmtKind kind;
  explicit Stmt(StmtKind k) : kind(k) {}
  virtual ~Stmt() = default;
};

// `let name [: type] = value [policies]`
struct LetStmt : Stmt {
  static constexpr StmtKind kKind = StmtKind::kLet;
  LetStmt() : Stmt(kKind) {}
  Identifier name;
  Ptr<TypeExpr> type;  // may be null
  Ptr<Expr> value;
  std::vector<Ptr<Policy>> policies;
};

// `name = value`
struct AssignStmt : Stmt {
  static constexpr StmtKind kKind = StmtKind::kAssign;
  AssignStmt() : Stmt(kKind) {}
  Identifier target;
  Ptr<Expr> value;
};

// `if cond { } [else if ... | else { }]`
struct IfStmt : Stmt {
  static constexpr StmtKind kKind = StmtKind::kIf;
  IfStmt() : Stmt(kKind) {}
  Ptr<Expr> condition;
  Ptr<BlockStmt> then_block;
  Ptr<Stmt> else_branch;  // an IfStmt or a BlockStmt; may be null
};

// `parallel [first N] { branch... }`: each statement is one branch.
struct ParallelStmt : Stmt {
  static constexpr StmtKind kKind = StmtKind::kParallel;
  ParallelStmt() : Stmt(kKind) {}
  Ptr<Expr> first;  // may be null
  std::vector<Ptr<Stmt>> branches;
};

struct WhileStmt : Stmt {
  static constexpr StmtKind kKind = StmtKind::kWhile;
  WhileStmt() : Stmt(kKind) {}
  Ptr<Expr> condition;
  Ptr<BlockStmt> body;
};

struct BreakStmt : Stmt {
  static constexpr StmtKind kKind = StmtKind::kBreak;
  BreakStmt() : Stmt(kKind) {}
};

struct ContinueStmt : Stmt {
  static constexpr StmtKind kKind = StmtKind::kContinue;
  ContinueStmt() : Stmt(kKind) {}
};

// `try { } catch [name] { }`
struct TryStmt : Stmt {
  static constexpr StmtKind kKind = StmtKind::kTry;
  TryStmt() : Stmt(kKind) {}
  Ptr<BlockStmt> body;
  std::optional<Identifier> error_name;
  Ptr<BlockStmt> handler;
};

// `fail message [with details]`
struct FailStmt : Stmt {
  static constexpr StmtKind kKind = StmtKind::kFail;
  FailStmt() : Stmt(kKind) {}
  Ptr<Expr> message;
  Ptr<Expr> details;  // may be null
};

struct ReturnStmt : Stmt {
  static constexpr StmtKind kKind = StmtKind::kReturn;
  ReturnStmt() : Stmt(kKind) {}
  Ptr<Expr> value;  // may be null
};

// `sleep D`: a durable delay.
struct SleepStmt : Stmt {
  static constexpr StmtKind kKind = StmtKind::kSleep;
  SleepStmt() : Stmt(kKind) {}
  Ptr<Expr> duration;
};

// `yield value` inside a `for` used as a value.
struct YieldStmt : Stmt {
  static constexpr StmtKind kKind = StmtKind::kYield;
  YieldStmt() : Stmt(kKind) {}
  Ptr<Expr> value;
};

struct BlockStmt : Stmt {
  static constexpr StmtKind kKind = StmtKind::kBlock;
  BlockStmt() : Stmt(kKind) {}
  std::vector<Ptr<Stmt>> statements;
};

// An expression used as a statement: an action or workflow call with its policies, a `for`
// loop, a `wait` or an `ask` whose value is not bound.
struct ExprStmt : Stmt {
  static constexpr StmtKind kKind = StmtKind::kExpr;
  ExprStmt() : Stmt(kKind) {}
  Ptr<Expr> expr;
  std::vector<Ptr<Policy>> policies;
};

// ---------------------------------------------------------------------------------------------
// Test steps.

enum class TestStepKind : uint8_t { kGiven, kExpectNothing, kExpectCall, kWhenReturns, kWhenFails };

struct TestStep : Node {
  TestStepKind kind;
  explicit TestStep(TestStepKind k) : kind(k) {}
  virtual ~TestStep() = default;
};

// `given disk.low {payload} [after D]`
struct GivenStep : TestStep {
  static constexpr TestStepKind kKind = TestStepKind::kGiven;
  GivenStep() : TestStep(kKind) {}
  Ptr<TriggerAtom> trigger;
  Ptr<Expr> payload;  // may be null
  Ptr<Expr> after;    // may be null
};

// `expect nothing [after D]`
struct ExpectNothingStep : TestStep {
  static constexpr TestStepKind kKind = TestStepKind::kExpectNothing;
  ExpectNothingStep() : TestStep(kKind) {}
  Ptr<Expr> after;  // may be null
};

// `expect core.local(cmd: _) [after D]`
struct ExpectCallStep : TestStep {
  static constexpr TestStepKind kKind = TestStepKind::kExpectCall;
  ExpectCallStep() : TestStep(kKind) {}
  Ptr<CallExpr> call;
  Ptr<Expr> after;  // may be null
};

// `when core.local returns {exit_code: 1} [after D]`
struct WhenReturnsStep : TestStep {
  static constexpr TestStepKind kKind = TestStepKind::kWhenReturns;
  WhenReturnsStep() : TestStep(kKind) {}
  QualifiedName action;
  Ptr<Expr> value;
  Ptr<Expr> after;  // how long each attempt takes; may be null
};

// `when core.local fails with "message" [after D]`
struct WhenFailsStep : TestStep {
  static constexpr TestStepKind kKind = TestStepKind::kWhenFails;
  WhenFailsStep() : TestStep(kKind) {}
  QualifiedName action;
  Ptr<Expr> message;
  Ptr<Expr> after;  // how long each attempt takes; may be null
};

// ---------------------------------------------------------------------------------------------
// Declarations.

// `@name` or `@name(args)` before a declaration, e.g. `@disabled`, `@backstop`.
struct Annotation : Node {
  Identifier name;
  std::vector<Ptr<Expr>> args;
  bool has_parens = false;
};

enum class DeclKind : uint8_t { kImport, kConst, kTrigger, kRule, kWorkflow, kTest };

struct Decl : Node {
  DeclKind kind;
  std::vector<Ptr<Annotation>> annotations;
  explicit Decl(DeclKind k) : kind(k) {}
  virtual ~Decl() = default;
};

// `import pack [as alias]`
struct ImportDecl : Decl {
  static constexpr DeclKind kKind = DeclKind::kImport;
  ImportDecl() : Decl(kKind) {}
  QualifiedName pack;
  std::optional<Identifier> alias;
};

// `const name [: type] = value`
struct ConstDecl : Decl {
  static constexpr DeclKind kKind = DeclKind::kConst;
  ConstDecl() : Decl(kKind) {}
  Identifier name;
  Ptr<TypeExpr> type;  // may be null
  Ptr<Expr> value;
};

// `trigger name { field: type ... }`
struct TriggerDecl : Decl {
  static constexpr DeclKind kKind = DeclKind::kTrigger;
  TriggerDecl() : Decl(kKind) {}
  QualifiedName name;
  std::vector<Ptr<FieldDecl>> fields;
};

// `rule name { if <trigger> then <action> [on success|failure then <action>] }`
struct RuleDecl : Decl {
  static constexpr DeclKind kKind = DeclKind::kRule;
  RuleDecl() : Decl(kKind) {}
  Identifier name;
  Ptr<RuleTrigger> trigger;
  Ptr<ActionClause> action;
  std::vector<Ptr<OutcomeClause>> outcomes;
};

// `workflow name(params) [-> type] { body }`
struct WorkflowDecl : Decl {
  static constexpr DeclKind kKind = DeclKind::kWorkflow;
  WorkflowDecl() : Decl(kKind) {}
  Identifier name;
  std::vector<Ptr<FieldDecl>> params;
  Ptr<TypeExpr> return_type;  // may be null
  Ptr<BlockStmt> body;
};

// `test "name" { steps }`
struct TestDecl : Decl {
  static constexpr DeclKind kKind = DeclKind::kTest;
  TestDecl() : Decl(kKind) {}
  Ptr<StringLiteral> name;
  std::vector<Ptr<TestStep>> steps;
};

// A `# ...` comment, kept for `squall fmt`.
struct Comment {
  SourceRange range;  // from `#` to the end of the line, newline excluded
};

// One parsed `.rule` file.
struct File : Node {
  source::FileId file;
  std::vector<Ptr<Decl>> decls;
  std::vector<Comment> comments;  // in source order
  uint32_t node_count = 0;        // every NodeId in this file is < node_count
};

template <typename T, typename Base>
const T& Cast(const Base& node) {
  if (node.kind != T::kKind) {
    AbortOnBadCast(typeid(T).name());
  }
  return static_cast<const T&>(node);
}

}  // namespace squall::ast
