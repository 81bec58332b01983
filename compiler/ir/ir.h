// The matcher IR: what the rules of a program do with one event, per trigger type, in a form
// that a reference interpreter evaluates and the code generator (compiler/codegen) compiles,
// with identical semantics (both arrive with the rest of issue 4; today the IR is produced,
// printed by `--dump=ir` and tested).
//
// For each trigger type a `Matcher` lists
//   - the payload fields its rules read (`Slot`s: a key path from the payload root and the
//     type the checker gave it); the event decoder (runtime/events) extracts exactly these;
//   - for each rule, its condition as an expression over slots and constants, split into
//     conjuncts (`and` at the top) so that shared predicates can be indexed, and the rule's
//     action with each argument as an expression (rendered for `--dry-run`).
//
// Expressions live in one flat node pool per matcher (`Node`s referring to operands by
// index), which is cheap to walk without recursion, to hash, and to lower to LLVM.
//
// Semantics (docs/language.md, "Rules of the checker", is the reference):
//   - Every value may be *absent* (a missing field, a null, a JSON value of the wrong type):
//     a comparison or string predicate with an absent operand is false (`!=` is true),
//     `and`/`or`/`not` treat an absent operand as false, `??` picks its right side,
//     arithmetic on an absent value is absent, and a condition that is absent is false.
//   - `json` slots carry whatever JSON value the event has; operators check its JSON type
//     at run time, and a mismatch makes the predicate false.
//
// Ownership: a Program owns everything it holds; types point into the TypeContext the
// program was checked with, which must outlive it.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/source/source_range.h"
#include "compiler/types/type.h"

namespace squall::ir {

// Index of a node in its matcher's pool.
struct NodeRef {
  static constexpr uint32_t kNone = UINT32_MAX;
  uint32_t index = kNone;
  bool IsValid() const { return index != kNone; }
  friend bool operator==(NodeRef, NodeRef) = default;
};

enum class Op : uint8_t {
  // Leaves.
  kConst,    // constants[index]
  kSlot,     // the value of slots[index] (absent when the event lacks it)
  kPresent,  // operand present and not null (`exists(x)`, `x != null`)
  // Logic.
  kNot,
  kAnd,  // n-ary
  kOr,   // n-ary
  // Comparisons (two operands).
  kEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,
  // Collections and strings (two operands: the subject first).
  kIn,          // operand 0 in operand 1 (list element, map key, substring)
  kLike,        // operand 0 like glob operand 1
  kMatches,     // operand 0 matches regexes[index] (constant patterns), or operand 1
  kStartsWith,  // operand 0 startswith operand 1
  kEndsWith,    // operand 0 endswith operand 1
  // Values.
  kCoalesce,  // operand 0 ?? operand 1
  kNeg,
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
  kConcat,  // n-ary: the operands rendered as text and joined (string interpolation)
  kList,    // n-ary: a list of the operands
  kMap,     // n-ary: a map; keys[i] names operand i
  kMember,  // operand 0 . key (a record, map or json value that is not a slot)
  kIndex,   // operand 0 [operand 1]
  kCall,    // builtin `index` (check::Builtin) applied to the operands
  // Outside the event.
  kContext,     // the value of a finished action the runtime supplies (ContextValue `index`)
  kShellQuote,  // operand 0 rendered as text and quoted for shell::QuoteContext `index`
};

constexpr Op kLastOp = Op::kShellQuote;

// What a kContext node reads: the finished action's `result` (in `on success` and `retry ...
// when`) or its `error` (in `on failure` and `retry ... when`), as JSON the runtime provides.
enum class ContextValue : uint32_t { kResult = 0, kError = 1 };

// Printable name of an operator (`eq`, `like`, ...), used by the IR printer.
const char* OpName(Op op);

struct Node {
  Op op = Op::kConst;
  const types::Type* type = nullptr;  // the checker's type of the value
  uint32_t index = 0;                 // kConst, kSlot, kMatches (regex), kCall (builtin)
  uint32_t first_operand = 0;         // into Matcher::operands
  uint32_t operand_count = 0;
  uint32_t first_key = 0;     // kMap: keys of the operands; kMember: the key; into Matcher::keys
  source::SourceRange range;  // the source expression, for `squall explain`
};

// A compile-time value.
struct Constant {
  enum class Kind : uint8_t { kNull, kBool, kInt, kFloat, kString, kDuration, kList, kMap };
  Kind kind = Kind::kNull;
  bool boolean = false;
  int64_t integer = 0;  // kInt; kDuration in milliseconds
  double number = 0;
  std::string text;
  std::vector<Constant> elements;  // kList, kMap (the values)
  std::vector<std::string> keys;   // kMap, parallel to `elements`
};

struct Slot {
  std::vector<std::string> path;      // object keys from the payload root
  const types::Type* type = nullptr;  // as the checker typed the field (may be optional, json)
  // The field's declared default (`vrf: string = "default"`) as JSON text, used when the event
  // omits the field or has null there; empty when it has none.
  std::string default_json;
};

// How one conjunct of a rule's condition tests the event, for indexing. Anything that is not
// a plain test of one slot against constants is kOther (evaluated as is).
struct Conjunct {
  enum class Kind : uint8_t {
    kEquals,      // slot == constant (or `in` a constant list: several constants)
    kCompare,     // slot < <= > >= constant (numbers, durations, times, strings)
    kContains,    // slot contains constant substring
    kLike,        // slot like constant glob
    kStartsWith,  // slot startswith constant
    kEndsWith,    // slot endswith constant
    kMatches,     // slot matches constant regex
    kOther,
  };
  Kind kind = Kind::kOther;
  NodeRef node;                  // the conjunct's expression (always valid)
  uint32_t slot = 0;             // when not kOther
  Op compare = Op::kEq;          // kCompare: which comparison, slot on the left
  std::vector<uint32_t> consts;  // the constants compared with (into Matcher::constants)
};

struct Argument {
  std::string name;
  NodeRef value;
  // A duration given to a pack action's integer/number parameter: passed as seconds.
  bool duration_as_seconds = false;
};

// The policies of an action call (docs/language.md, "Policies"), each an expression evaluated
// with the event when the execution is created, except `retry ... when`, which is evaluated
// when an attempt fails (with `result` and `error`). Invalid refs: the policy is not given.
struct Policies {
  bool retry = false;
  NodeRef retry_count;
  NodeRef retry_every;    // may be invalid
  NodeRef retry_backoff;  // may be invalid
  NodeRef retry_up_to;    // may be invalid
  NodeRef retry_when;     // may be invalid
  NodeRef timeout;
  NodeRef concurrency;
  NodeRef concurrency_by;
  NodeRef throttle;
  NodeRef throttle_period;
  NodeRef throttle_by;
};

// `on success then ...` / `on failure then ...`: an action call whose arguments may read
// `result` / `error` (kContext nodes) besides the event.
struct FollowUp {
  bool on_success = true;
  std::string action;
  bool action_is_workflow = false;
  std::vector<Argument> arguments;
  Policies policies;
};

struct RuleMatch {
  std::string name;
  source::SourceRange range;        // the rule's name
  bool disabled = false;            // @disabled: compiled, never fires
  bool backstop = false;            // @backstop: fires only when no standard rule matched
  NodeRef condition;                // the whole condition; invalid = always true
  std::vector<Conjunct> conjuncts;  // the top-level `and`s of `condition` (atom filter first)
  // The action: `core.local` or a workflow name; its arguments as written (defaults are the
  // runtime's business, from the pack schema).
  std::string action;
  bool action_is_workflow = false;
  std::vector<Argument> arguments;
  Policies policies;
  std::vector<FollowUp> follow_ups;  // in source order
  // A correlation's feeder (docs/language.md, "Correlation over time"): when `condition` (the
  // atom's own filter; for a count also the rule's `where`) holds, the event is step `step` of
  // Program::correlations[feeds], and goes to that correlation's state machine instead of
  // running an action (a feeder has none). `key`: the parts of the step's join key (the sides
  // of the condition's equalities between steps, or a count's `by`), in this matcher.
  int32_t feeds = -1;
  uint32_t step = 0;
  std::vector<NodeRef> key;
};

struct Matcher {
  std::string trigger;  // the trigger ref: `disk.low`, `core.webhook`, `linux.file_watch.line`
  // Trigger parameters (`linux.file_watch.line(file_path: "...")`) select an instance: rules
  // with different parameters match different event streams. Rendered as compact JSON, empty
  // when the atom has none.
  std::string parameters_json;
  const types::Type* payload = nullptr;
  std::vector<Slot> slots;
  std::vector<Constant> constants;
  std::vector<std::string> regexes;  // constant `matches` patterns (RE2 syntax, validated)
  std::vector<std::string> keys;
  std::vector<Node> nodes;
  std::vector<uint32_t> operands;
  std::vector<RuleMatch> rules;  // in program order
};

// A rule the matcher IR does not cover, with the reason (none today; kept for rules a later
// construct cannot lower).
struct SkippedRule {
  std::string name;
  source::SourceRange range;
  std::string reason;
};

enum class CorrelationKind : uint8_t { kAbsence, kSequence, kCount };

// A conjunct of a correlation's `where` that its join keys do not already decide; it can be
// evaluated once the first `steps` steps are bound (a sequence evaluates the conjuncts of each
// prefix as it grows).
struct CorrelationTest {
  NodeRef node;  // in the correlation's matcher
  uint32_t steps = 1;
};

// A correlation rule. Its events travel as one record, the payload of the synthetic trigger
// `correlation.<rule>`: one field per step (`fields`). The matcher of that trigger holds the
// rule's action (an ordinary rule, which fires on the event the runtime emits when the
// correlation fires) and the nodes of `tests`; each atom's matcher holds a feeder
// (RuleMatch::feeds) per step.
struct Correlation {
  std::string name;
  source::SourceRange range;  // the rule's name
  CorrelationKind kind = CorrelationKind::kAbsence;
  uint32_t steps = 2;
  int64_t within_ms = 0;
  int64_t count = 0;  // kCount: N
  bool disabled = false;
  std::string trigger;              // `correlation.<rule>`
  std::vector<std::string> fields;  // the payload record's field per step
  std::vector<CorrelationTest> tests;
};

// The synthetic trigger a correlation's firings are: `correlation.<rule>`.
std::string CorrelationTrigger(std::string_view rule);

// What the runtime needs to run an action the rules call, from its pack metadata (so that a
// program loaded from the cache runs without the packs being parsed again).
struct ActionParameter {
  std::string name;
  std::string default_json;  // empty when there is none
  bool required = false;
  bool secret = false;
  bool immutable = false;
  int position = -1;  // StackStorm script argument position; -1 when none
  bool from_runner = false;
  bool shell_command = false;  // a command line the runner gives to a shell (shell::)
};

struct ActionSpec {
  std::string ref;     // `core.local`
  std::string runner;  // runner type, `local-shell-cmd`
  // The script an entry point names: an absolute path, or `stdlib:packs/<pack>/actions/<file>`
  // for a built-in pack's script (embedded in the binary); empty when none.
  std::string entry_point;
  std::vector<ActionParameter> parameters;  // the merged parameters in declaration order
};

// ---------------------------------------------------------------------------------------------
// Workflows: a checked workflow body as an explicit state machine (docs/language.md,
// "Workflows"). Every action or workflow call, `sleep`, `wait`, `ask` and `parallel`/`for`
// join is a suspension point: a state the runtime (runtime/workflow) leaves the machine in
// while the outside world works, with the frame of live variables persisted.
//
// The frame is one JSON object per strand of control: parameters, `let` bindings, loop
// variables, caught errors and the temporaries that hold a nested step's value, each under
// its own key (`Variable::key`, unique in the workflow even when a name is reused in sibling
// blocks). Expressions read the frame through slots whose path starts at a variable's key
// (`st.result.oper` is the slot ["st", "result", "oper"]), so they live in an ordinary
// `Matcher` of the program (trigger `workflow <name>`, which no event carries) and the
// interpreter evaluates them as it evaluates rule conditions over an event. In a `wait`
// condition the candidate event is the variable kEventKey.
//
// Control: a state names its successor (`next`, and `alt` for the other way of a branch); a
// `parallel` or `for` starts child strands at its `bodies` and resumes at `next` once the
// join is satisfied; a child strand ends at kEndStrand. Errors unwind the strand's `try`
// handlers (kTry pushes one, kEndTry pops one); an error no handler of a child strand catches
// fails its join and is raised again in the parent, at the fork.

// The frame key of the candidate event inside a `wait` condition ('#' is not in names).
inline constexpr const char* kEventKey = "#event";
// The trigger of a workflow's expression matcher.
std::string WorkflowMatcherTrigger(std::string_view workflow);

struct Variable {
  std::string key;   // in the frame: the name, or `name#N` when the name is reused
  std::string name;  // as written; `#N` for the temporary of a nested step
  const types::Type* type = nullptr;
  source::SourceRange range;  // where it is bound
};

enum class StateKind : uint8_t {
  kEval,       // frame[target] = value; -> next
  kBranch,     // value true -> next, otherwise -> alt
  kJump,       // -> next
  kCall,       // suspend: run calls[call]; frame[target] = its step value; -> next
  kSleep,      // suspend for `value` (a duration); -> next
  kWait,       // suspend until an event of `trigger` for which `value` holds (invalid: any
               //   event) or `timeout` passes (raises timed_out); frame[target] = the payload
  kAsk,        // suspend until a person answers `value` (the prompt) with an `answer`
  kFork,       // parallel: a child strand per `bodies` entry; join when all (or `count`) end
  kForEach,    // for: a child strand per element of `value`, starting at bodies[0] with
               //   frame[loop_var] = element, at most `count` at once (invalid: 1);
               //   frame[target] = the yields, in element order
  kYield,      // add `value` to the iteration's yields; -> next
  kEndStrand,  // a branch or iteration ends (`is_break`: `break` out of a `for` body)
  kTry,        // push a handler (on an error: frame[target] = the error, -> alt); -> next
  kEndTry,     // pop the innermost handler; -> next
  kFail,       // raise {message: value, details: details}
  kReturn,     // end the workflow with `value` (invalid: null)
};

const char* StateKindName(StateKind kind);

inline constexpr uint32_t kNoState = UINT32_MAX;

// An action or workflow call of a kCall state, lowered like a rule's action.
struct StepCall {
  std::string callee;  // `core.local` or a workflow name
  bool is_workflow = false;
  std::vector<Argument> arguments;
  Policies policies;
};

struct WorkflowState {
  StateKind kind = StateKind::kJump;
  uint32_t next = kNoState;
  uint32_t alt = kNoState;  // kBranch: when false; kTry: the handler's entry
  NodeRef value;
  NodeRef details;               // kFail
  NodeRef timeout;               // kWait, kAsk
  NodeRef count;                 // kFork: `first N`; kForEach: `concurrency N`
  int32_t target = -1;           // a variable index: where the value goes
  int32_t loop_var = -1;         // kForEach
  bool is_break = false;         // kEndStrand
  std::vector<uint32_t> bodies;  // kFork: the branch entries; kForEach: the body entry
  uint32_t call = UINT32_MAX;    // kCall: into Workflow::calls
  // kWait: the trigger ref and its instance parameters (compact JSON, "" when none).
  std::string trigger;
  std::string trigger_parameters_json;
  const types::Type* answer = nullptr;  // kAsk
  // The variables a suspended strand holds here (kCall, kSleep, kWait, kAsk, kFork,
  // kForEach): assigned on some path to this state and read on some path from it.
  std::vector<uint32_t> live;
  source::SourceRange range;  // the statement or expression it comes from
};

struct WorkflowParam {
  uint32_t variable = 0;
  std::string default_json;  // empty when required
};

struct Workflow {
  std::string name;
  source::SourceRange range;  // the name
  std::vector<WorkflowParam> params;
  const types::Type* result = nullptr;  // null: returns nothing
  uint32_t matcher = 0;                 // its expressions: Program::matchers[matcher]
  std::vector<Variable> variables;
  std::vector<StepCall> calls;
  std::vector<WorkflowState> states;  // states[0] is the entry
};

struct Program {
  // Sorted by (trigger, parameters_json); a workflow's expressions are a matcher too.
  std::vector<Matcher> matchers;
  std::vector<SkippedRule> skipped;
  std::vector<Correlation> correlations;  // in program order
  std::vector<ActionSpec> actions;  // every action a rule, follow-up or workflow calls, by ref
  std::vector<Workflow> workflows;  // sorted by name
};

// The spec of `ref` in `program`; null when the program calls no such action.
const ActionSpec* FindAction(const Program& program, std::string_view ref);
// The workflow `name` of `program`; null when there is none.
const Workflow* FindWorkflow(const Program& program, std::string_view name);
// The boolean expressions of `workflow` the machine decides with (kBranch conditions, kWait
// `where` conditions): nodes of its matcher, ascending, each once. The native code generator
// compiles each into a function of its own.
std::vector<uint32_t> ConditionNodes(const Workflow& workflow);
// A fingerprint of `workflow`'s compiled shape (16 hex digits of a 64-bit FNV-1a hash of its
// printed IR: states, calls, slots; not source positions or comments). A running workflow's
// document records it, so a runtime whose rules changed the workflow's shape knows that the
// document's state numbers no longer mean what they meant.
std::string WorkflowFingerprint(const Program& program, const Workflow& workflow);

}  // namespace squall::ir
