#include "compiler/ast/ast_printer.h"

#include <charconv>
#include <cstdio>
#include <string_view>
#include <utility>
#include <vector>

namespace squall::ast {
namespace {

// Past this depth indentation stops growing (see the header): a 100k-deep chain would
// otherwise print ~10^10 spaces.
constexpr uint32_t kMaxIndentDepth = 100;

std::string Quote(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          char buffer[8];
          std::snprintf(buffer, sizeof buffer, "\\u%04x", static_cast<unsigned char>(c));
          out += buffer;
        } else {
          out += c;
        }
    }
  }
  out += '"';
  return out;
}

bool IsPlainIdentifier(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    const bool digit = c >= '0' && c <= '9';
    if (!letter && !(digit && i > 0)) return false;
  }
  return true;
}

// Names that are not plain identifiers (written with backquotes) are shown with backquotes.
std::string ShowName(std::string_view name) {
  if (IsPlainIdentifier(name)) return std::string(name);
  return "`" + std::string(name) + "`";
}

std::string ShowQualified(const QualifiedName& name) {
  std::string out;
  for (const Identifier& part : name.parts) {
    if (!out.empty()) out += '.';
    out += ShowName(part.name);
  }
  return out;
}

template <typename Number>
std::string NumberText(Number value) {
  char buffer[64];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  (void)ec;  // 64 bytes always hold the shortest round-trip form
  return std::string(buffer, end);
}

// What a work item points at. Non-node pieces (string parts) are pre-rendered lines.
enum class ItemKind : uint8_t {
  kFile,
  kDecl,
  kAnnotation,
  kType,
  kField,
  kExpr,
  kTriggerAtom,
  kRuleTrigger,
  kPolicy,
  kActionClause,
  kOutcome,
  kStmt,
  kTestStep,
  kLine,
};

struct Item {
  ItemKind kind = ItemKind::kLine;
  const void* node = nullptr;
  std::string role = {};  // printed before the label, e.g. "where: "
  uint32_t depth = 0;
  std::string line = {};               // kLine only: the label
  const SourceRange* range = nullptr;  // kLine only; may be null
};

class Printer {
 public:
  Printer(const source::SourceManager& sources, const PrintOptions& options)
      : sources_(sources), options_(options) {}

  std::string Print(const File& file) {
    std::vector<Item> stack;
    stack.push_back(Item{.kind = ItemKind::kFile, .node = &file});
    std::vector<Item> children;
    while (!stack.empty()) {
      Item item = std::move(stack.back());
      stack.pop_back();
      children.clear();
      std::string label;
      const SourceRange* range = nullptr;
      Describe(item, label, range, children);
      if (options_.annotate) {
        if (const Node* node = NodeOf(item)) label += options_.annotate(*node);
      }
      EmitLine(item, label, range);
      for (auto it = children.rbegin(); it != children.rend(); ++it) {
        it->depth = item.depth + 1;
        stack.push_back(std::move(*it));
      }
    }
    return std::move(out_);
  }

 private:
  // The node an item prints, upcast from its concrete type; null for pre-rendered lines.
  static const Node* NodeOf(const Item& item) {
    switch (item.kind) {
      case ItemKind::kFile:
        return static_cast<const File*>(item.node);
      case ItemKind::kDecl:
        return static_cast<const Decl*>(item.node);
      case ItemKind::kAnnotation:
        return static_cast<const Annotation*>(item.node);
      case ItemKind::kType:
        return static_cast<const TypeExpr*>(item.node);
      case ItemKind::kField:
        return static_cast<const FieldDecl*>(item.node);
      case ItemKind::kExpr:
        return static_cast<const Expr*>(item.node);
      case ItemKind::kTriggerAtom:
        return static_cast<const TriggerAtom*>(item.node);
      case ItemKind::kRuleTrigger:
        return static_cast<const RuleTrigger*>(item.node);
      case ItemKind::kPolicy:
        return static_cast<const Policy*>(item.node);
      case ItemKind::kActionClause:
        return static_cast<const ActionClause*>(item.node);
      case ItemKind::kOutcome:
        return static_cast<const OutcomeClause*>(item.node);
      case ItemKind::kStmt:
        return static_cast<const Stmt*>(item.node);
      case ItemKind::kTestStep:
        return static_cast<const TestStep*>(item.node);
      case ItemKind::kLine:
        return nullptr;
    }
    return nullptr;
  }

  void EmitLine(const Item& item, const std::string& label, const SourceRange* range) {
    const uint32_t shown = item.depth <= kMaxIndentDepth ? item.depth : kMaxIndentDepth;
    out_.append(2 * static_cast<size_t>(shown), ' ');
    if (item.depth > kMaxIndentDepth) out_ += "[depth " + std::to_string(item.depth) + "] ";
    out_ += item.role;
    out_ += label;
    if (options_.locations && range != nullptr && range->IsValid()) {
      const auto begin = sources_.GetLineCol(range->file, range->begin);
      const auto end = sources_.GetLineCol(range->file, range->end);
      out_ += " @" + std::to_string(begin.line) + ":" + std::to_string(begin.column) + "-" +
              std::to_string(end.line) + ":" + std::to_string(end.column);
    }
    out_ += '\n';
  }

  // Adds a child item (skipped when `node` is null, i.e. an absent optional part).
  template <typename T>
  static void Add(std::vector<Item>& children, ItemKind kind, const T* node,
                  std::string role = {}) {
    if (node == nullptr) return;
    children.push_back(Item{.kind = kind, .node = node, .role = std::move(role)});
  }
  static void AddExpr(std::vector<Item>& children, const Ptr<Expr>& expr, std::string role = {}) {
    Add(children, ItemKind::kExpr, expr.get(), std::move(role));
  }
  // `arg name: value` (or `arg: value` without a name) for each argument.
  static void AddArgs(std::vector<Item>& children, const std::vector<Argument>& args) {
    for (const Argument& arg : args) {
      AddExpr(children, arg.value, arg.name ? "arg " + ShowName(arg.name->name) + ": " : "arg: ");
    }
  }
  static void AddPolicies(std::vector<Item>& children, const std::vector<Ptr<Policy>>& policies) {
    for (const auto& policy : policies) Add(children, ItemKind::kPolicy, policy.get());
  }

  void Describe(const Item& item, std::string& label, const SourceRange*& range,
                std::vector<Item>& children) {
    switch (item.kind) {
      case ItemKind::kLine:
        label = item.line;
        range = item.range;
        return;
      case ItemKind::kFile: {
        const auto& file = *static_cast<const File*>(item.node);
        label = "File";
        range = &file.range;
        for (const auto& decl : file.decls) Add(children, ItemKind::kDecl, decl.get());
        for (const Comment& comment : file.comments) {
          const std::string_view text = sources_.Text(file.file);
          const std::string_view spelled =
              comment.range.end <= text.size() && comment.range.begin <= comment.range.end
                  ? text.substr(comment.range.begin, comment.range.end - comment.range.begin)
                  : std::string_view();
          children.push_back(Item{.kind = ItemKind::kLine,
                                  .line = "Comment " + Quote(spelled),
                                  .range = &comment.range});
        }
        return;
      }
      case ItemKind::kDecl:
        DescribeDecl(*static_cast<const Decl*>(item.node), label, children);
        range = &static_cast<const Decl*>(item.node)->range;
        return;
      case ItemKind::kAnnotation: {
        const auto& annotation = *static_cast<const Annotation*>(item.node);
        label = "Annotation " + ShowName(annotation.name.name);
        if (annotation.has_parens) label += " ()";
        range = &annotation.range;
        for (const auto& arg : annotation.args) AddExpr(children, arg);
        return;
      }
      case ItemKind::kType: {
        const auto& type = *static_cast<const TypeExpr*>(item.node);
        range = &type.range;
        if (const auto* named = As<NamedType>(&type)) {
          label = "NamedType " + ShowQualified(named->name);
          for (const auto& arg : named->args) Add(children, ItemKind::kType, arg.get());
        } else {
          label = "RecordType";
          for (const auto& field : Cast<RecordType>(type).fields) {
            Add(children, ItemKind::kField, field.get());
          }
        }
        if (type.optional) label += " optional";
        return;
      }
      case ItemKind::kField: {
        const auto& field = *static_cast<const FieldDecl*>(item.node);
        label = "Field " + ShowName(field.name.name);
        range = &field.range;
        Add(children, ItemKind::kType, field.type.get(), "type: ");
        AddExpr(children, field.default_value, "default: ");
        return;
      }
      case ItemKind::kExpr:
        DescribeExpr(*static_cast<const Expr*>(item.node), label, children);
        range = &static_cast<const Expr*>(item.node)->range;
        return;
      case ItemKind::kTriggerAtom: {
        const auto& atom = *static_cast<const TriggerAtom*>(item.node);
        range = &atom.range;
        switch (atom.kind) {
          case TriggerAtomKind::kNamed:
            label = "TriggerAtom named " + ShowQualified(atom.name);
            if (atom.has_args) label += " ()";
            AddArgs(children, atom.args);
            break;
          case TriggerAtomKind::kWebhook:
            label = "TriggerAtom webhook";
            AddExpr(children, atom.argument, "hook: ");
            break;
          case TriggerAtomKind::kTimer:
            label = "TriggerAtom timer";
            AddExpr(children, atom.argument, "every: ");
            break;
          case TriggerAtomKind::kCron:
            label = "TriggerAtom cron";
            AddExpr(children, atom.argument, "schedule: ");
            AddExpr(children, atom.time_zone, "tz: ");
            break;
        }
        if (atom.alias) label += " as " + ShowName(atom.alias->name);
        AddExpr(children, atom.filter, "where: ");
        return;
      }
      case ItemKind::kRuleTrigger: {
        const auto& trigger = *static_cast<const RuleTrigger*>(item.node);
        range = &trigger.range;
        static constexpr const char* kNames[] = {"simple", "absence", "sequence", "count"};
        label = std::string("RuleTrigger ") + kNames[static_cast<int>(trigger.kind)];
        AddExpr(children, trigger.count, "count: ");
        for (const auto& atom : trigger.atoms) Add(children, ItemKind::kTriggerAtom, atom.get());
        AddExpr(children, trigger.where, "where: ");
        AddExpr(children, trigger.within, "within: ");
        AddExpr(children, trigger.by, "by: ");
        return;
      }
      case ItemKind::kPolicy:
        DescribePolicy(*static_cast<const Policy*>(item.node), label, children);
        range = &static_cast<const Policy*>(item.node)->range;
        return;
      case ItemKind::kActionClause: {
        const auto& clause = *static_cast<const ActionClause*>(item.node);
        label = "ActionClause";
        range = &clause.range;
        Add(children, ItemKind::kExpr, static_cast<const Expr*>(clause.call.get()));
        AddPolicies(children, clause.policies);
        return;
      }
      case ItemKind::kOutcome: {
        const auto& outcome = *static_cast<const OutcomeClause*>(item.node);
        label = outcome.outcome == Outcome::kSuccess ? "OutcomeClause success"
                                                     : "OutcomeClause failure";
        range = &outcome.range;
        Add(children, ItemKind::kActionClause, outcome.action.get());
        return;
      }
      case ItemKind::kStmt:
        DescribeStmt(*static_cast<const Stmt*>(item.node), label, children);
        range = &static_cast<const Stmt*>(item.node)->range;
        return;
      case ItemKind::kTestStep:
        DescribeTestStep(*static_cast<const TestStep*>(item.node), label, children);
        range = &static_cast<const TestStep*>(item.node)->range;
        return;
    }
  }

  void DescribeDecl(const Decl& decl, std::string& label, std::vector<Item>& children) {
    for (const auto& annotation : decl.annotations) {
      Add(children, ItemKind::kAnnotation, annotation.get());
    }
    switch (decl.kind) {
      case DeclKind::kImport: {
        const auto& import = Cast<ImportDecl>(decl);
        label = "ImportDecl " + ShowQualified(import.pack);
        if (import.alias) label += " as " + ShowName(import.alias->name);
        return;
      }
      case DeclKind::kConst: {
        const auto& constant = Cast<ConstDecl>(decl);
        label = "ConstDecl " + ShowName(constant.name.name);
        Add(children, ItemKind::kType, constant.type.get(), "type: ");
        AddExpr(children, constant.value, "value: ");
        return;
      }
      case DeclKind::kTrigger: {
        const auto& trigger = Cast<TriggerDecl>(decl);
        label = "TriggerDecl " + ShowQualified(trigger.name);
        for (const auto& field : trigger.fields) Add(children, ItemKind::kField, field.get());
        return;
      }
      case DeclKind::kRule: {
        const auto& rule = Cast<RuleDecl>(decl);
        label = "RuleDecl " + ShowName(rule.name.name);
        Add(children, ItemKind::kRuleTrigger, rule.trigger.get());
        Add(children, ItemKind::kActionClause, rule.action.get());
        for (const auto& outcome : rule.outcomes) Add(children, ItemKind::kOutcome, outcome.get());
        return;
      }
      case DeclKind::kWorkflow: {
        const auto& workflow = Cast<WorkflowDecl>(decl);
        label = "WorkflowDecl " + ShowName(workflow.name.name);
        for (const auto& param : workflow.params) {
          Add(children, ItemKind::kField, param.get(), "param: ");
        }
        Add(children, ItemKind::kType, workflow.return_type.get(), "returns: ");
        Add(children, ItemKind::kStmt, static_cast<const Stmt*>(workflow.body.get()), "body: ");
        return;
      }
      case DeclKind::kTest: {
        const auto& test = Cast<TestDecl>(decl);
        label = "TestDecl";
        Add(children, ItemKind::kExpr, static_cast<const Expr*>(test.name.get()), "name: ");
        for (const auto& step : test.steps) Add(children, ItemKind::kTestStep, step.get());
        return;
      }
    }
  }

  void DescribeString(const StringLiteral& string, std::string& label,
                      std::vector<Item>& children) {
    label = "String";
    if (string.style == StringStyle::kTriple) label += " triple";
    if (string.style == StringStyle::kRaw) label += " raw";
    // The common case (one plain part spelled as it reads) stays on the String line.
    if (string.parts.size() == 1 && string.parts[0].expr == nullptr &&
        string.parts[0].spelling == string.parts[0].text) {
      label += " " + Quote(string.parts[0].text);
      return;
    }
    if (string.parts.empty()) {
      label += " \"\"";
      return;
    }
    for (const StringPart& part : string.parts) {
      if (part.expr != nullptr) {
        AddExpr(children, part.expr, "interp: ");
        continue;
      }
      std::string line = "text " + Quote(part.text);
      if (part.spelling != part.text) line += " spelled " + Quote(part.spelling);
      children.push_back(
          Item{.kind = ItemKind::kLine, .line = std::move(line), .range = &part.range});
    }
  }

  void DescribeExpr(const Expr& expr, std::string& label, std::vector<Item>& children) {
    switch (expr.kind) {
      case ExprKind::kInt: {
        const auto& literal = Cast<IntLiteral>(expr);
        label = "Int " + literal.spelling;
        if (const std::string value = NumberText(literal.value); value != literal.spelling) {
          label += " = " + value;
        }
        return;
      }
      case ExprKind::kFloat: {
        const auto& literal = Cast<FloatLiteral>(expr);
        label = "Float " + literal.spelling;
        if (const std::string value = NumberText(literal.value); value != literal.spelling) {
          label += " = " + value;
        }
        return;
      }
      case ExprKind::kDuration: {
        const auto& literal = Cast<DurationLiteral>(expr);
        label = "Duration " + literal.spelling + " = " + NumberText(literal.milliseconds) + "ms";
        return;
      }
      case ExprKind::kFactor: {
        const auto& literal = Cast<FactorLiteral>(expr);
        label = "Factor " + literal.spelling + " = " + NumberText(literal.value);
        return;
      }
      case ExprKind::kBool:
        label = Cast<BoolLiteral>(expr).value ? "Bool true" : "Bool false";
        return;
      case ExprKind::kNull:
        label = "Null";
        return;
      case ExprKind::kString:
        DescribeString(Cast<StringLiteral>(expr), label, children);
        return;
      case ExprKind::kName:
        label = "Name " + ShowName(Cast<NameExpr>(expr).name.name);
        return;
      case ExprKind::kMember: {
        const auto& member = Cast<MemberExpr>(expr);
        label = "Member " + ShowName(member.member.name);
        if (member.safe) label += " safe";
        AddExpr(children, member.object);
        return;
      }
      case ExprKind::kIndex: {
        const auto& index = Cast<IndexExpr>(expr);
        label = "Index";
        AddExpr(children, index.object);
        AddExpr(children, index.index, "index: ");
        return;
      }
      case ExprKind::kCall: {
        const auto& call = Cast<CallExpr>(expr);
        label = "Call";
        AddExpr(children, call.callee, "callee: ");
        AddArgs(children, call.args);
        return;
      }
      case ExprKind::kUnary: {
        const auto& unary = Cast<UnaryExpr>(expr);
        label = "Unary " + std::string(Spelling(unary.op));
        AddExpr(children, unary.operand);
        return;
      }
      case ExprKind::kBinary: {
        const auto& binary = Cast<BinaryExpr>(expr);
        label = "Binary " + std::string(Spelling(binary.op));
        AddExpr(children, binary.lhs);
        AddExpr(children, binary.rhs);
        return;
      }
      case ExprKind::kList:
        label = "List";
        for (const auto& element : Cast<ListExpr>(expr).elements) AddExpr(children, element);
        return;
      case ExprKind::kMap:
        label = "Map";
        for (const MapEntry& entry : Cast<MapExpr>(expr).entries) {
          const std::string key = entry.quoted_key ? Quote(entry.key) : ShowName(entry.key);
          AddExpr(children, entry.value, "entry " + key + ": ");
        }
        return;
      case ExprKind::kFor: {
        const auto& loop = Cast<ForExpr>(expr);
        label = "For " + ShowName(loop.variable.name);
        AddExpr(children, loop.iterable, "in: ");
        AddExpr(children, loop.concurrency, "concurrency: ");
        Add(children, ItemKind::kStmt, static_cast<const Stmt*>(loop.body.get()), "body: ");
        return;
      }
      case ExprKind::kWait: {
        const auto& wait = Cast<WaitExpr>(expr);
        label = "Wait";
        Add(children, ItemKind::kTriggerAtom, wait.trigger.get());
        AddExpr(children, wait.where, "where: ");
        AddExpr(children, wait.timeout, "timeout: ");
        return;
      }
      case ExprKind::kAsk: {
        const auto& ask = Cast<AskExpr>(expr);
        label = "Ask";
        AddExpr(children, ask.prompt, "prompt: ");
        Add(children, ItemKind::kType, ask.answer_type.get(), "answer: ");
        AddExpr(children, ask.timeout, "timeout: ");
        return;
      }
      case ExprKind::kError:
        label = "Error";
        return;
    }
  }

  void DescribePolicy(const Policy& policy, std::string& label, std::vector<Item>& children) {
    switch (policy.kind) {
      case PolicyKind::kRetry: {
        const auto& retry = Cast<RetryPolicy>(policy);
        label = "RetryPolicy";
        AddExpr(children, retry.count, "count: ");
        AddExpr(children, retry.every, "every: ");
        AddExpr(children, retry.backoff, "backoff: ");
        AddExpr(children, retry.up_to, "up to: ");
        AddExpr(children, retry.when, "when: ");
        return;
      }
      case PolicyKind::kTimeout:
        label = "TimeoutPolicy";
        AddExpr(children, Cast<TimeoutPolicy>(policy).duration, "duration: ");
        return;
      case PolicyKind::kConcurrency: {
        const auto& concurrency = Cast<ConcurrencyPolicy>(policy);
        label = "ConcurrencyPolicy";
        AddExpr(children, concurrency.limit, "limit: ");
        AddExpr(children, concurrency.by, "by: ");
        return;
      }
      case PolicyKind::kThrottle: {
        const auto& throttle = Cast<ThrottlePolicy>(policy);
        label = "ThrottlePolicy";
        AddExpr(children, throttle.count, "count: ");
        AddExpr(children, throttle.period, "per: ");
        AddExpr(children, throttle.by, "by: ");
        return;
      }
    }
  }

  void DescribeStmt(const Stmt& stmt, std::string& label, std::vector<Item>& children) {
    const auto add_block = [&children](const Ptr<BlockStmt>& block, std::string role) {
      Add(children, ItemKind::kStmt, static_cast<const Stmt*>(block.get()), std::move(role));
    };
    switch (stmt.kind) {
      case StmtKind::kLet: {
        const auto& let = Cast<LetStmt>(stmt);
        label = "Let " + ShowName(let.name.name);
        Add(children, ItemKind::kType, let.type.get(), "type: ");
        AddExpr(children, let.value, "value: ");
        AddPolicies(children, let.policies);
        return;
      }
      case StmtKind::kAssign: {
        const auto& assign = Cast<AssignStmt>(stmt);
        label = "Assign " + ShowName(assign.target.name);
        AddExpr(children, assign.value, "value: ");
        return;
      }
      case StmtKind::kIf: {
        const auto& if_stmt = Cast<IfStmt>(stmt);
        label = "If";
        AddExpr(children, if_stmt.condition, "cond: ");
        add_block(if_stmt.then_block, "then: ");
        Add(children, ItemKind::kStmt, if_stmt.else_branch.get(), "else: ");
        return;
      }
      case StmtKind::kParallel: {
        const auto& parallel = Cast<ParallelStmt>(stmt);
        label = "Parallel";
        AddExpr(children, parallel.first, "first: ");
        for (const auto& branch : parallel.branches) {
          Add(children, ItemKind::kStmt, branch.get(), "branch: ");
        }
        return;
      }
      case StmtKind::kWhile: {
        const auto& loop = Cast<WhileStmt>(stmt);
        label = "While";
        AddExpr(children, loop.condition, "cond: ");
        add_block(loop.body, "body: ");
        return;
      }
      case StmtKind::kBreak:
        label = "Break";
        return;
      case StmtKind::kContinue:
        label = "Continue";
        return;
      case StmtKind::kTry: {
        const auto& try_stmt = Cast<TryStmt>(stmt);
        label = "Try";
        if (try_stmt.error_name) label += " catch " + ShowName(try_stmt.error_name->name);
        add_block(try_stmt.body, "body: ");
        add_block(try_stmt.handler, "catch: ");
        return;
      }
      case StmtKind::kFail: {
        const auto& fail = Cast<FailStmt>(stmt);
        label = "Fail";
        AddExpr(children, fail.message, "message: ");
        AddExpr(children, fail.details, "with: ");
        return;
      }
      case StmtKind::kReturn:
        label = "Return";
        AddExpr(children, Cast<ReturnStmt>(stmt).value);
        return;
      case StmtKind::kSleep:
        label = "Sleep";
        AddExpr(children, Cast<SleepStmt>(stmt).duration);
        return;
      case StmtKind::kYield:
        label = "Yield";
        AddExpr(children, Cast<YieldStmt>(stmt).value);
        return;
      case StmtKind::kBlock:
        label = "Block";
        for (const auto& child : Cast<BlockStmt>(stmt).statements) {
          Add(children, ItemKind::kStmt, child.get());
        }
        return;
      case StmtKind::kExpr: {
        const auto& expr_stmt = Cast<ExprStmt>(stmt);
        label = "ExprStmt";
        AddExpr(children, expr_stmt.expr);
        AddPolicies(children, expr_stmt.policies);
        return;
      }
    }
  }

  void DescribeTestStep(const TestStep& step, std::string& label, std::vector<Item>& children) {
    switch (step.kind) {
      case TestStepKind::kGiven: {
        const auto& given = Cast<GivenStep>(step);
        label = "Given";
        Add(children, ItemKind::kTriggerAtom, given.trigger.get());
        AddExpr(children, given.payload, "payload: ");
        AddExpr(children, given.after, "after: ");
        return;
      }
      case TestStepKind::kExpectNothing:
        label = "ExpectNothing";
        AddExpr(children, Cast<ExpectNothingStep>(step).after, "after: ");
        return;
      case TestStepKind::kExpectCall: {
        const auto& expect = Cast<ExpectCallStep>(step);
        label = "ExpectCall";
        Add(children, ItemKind::kExpr, static_cast<const Expr*>(expect.call.get()));
        AddExpr(children, expect.after, "after: ");
        return;
      }
      case TestStepKind::kWhenReturns: {
        const auto& when = Cast<WhenReturnsStep>(step);
        label = "WhenReturns " + ShowQualified(when.action);
        AddExpr(children, when.value, "value: ");
        AddExpr(children, when.after, "after: ");
        return;
      }
      case TestStepKind::kWhenFails: {
        const auto& when = Cast<WhenFailsStep>(step);
        label = "WhenFails " + ShowQualified(when.action);
        AddExpr(children, when.message, "message: ");
        AddExpr(children, when.after, "after: ");
        return;
      }
    }
  }

  const source::SourceManager& sources_;
  const PrintOptions& options_;
  std::string out_;
};

}  // namespace

std::string PrintAst(const File& file, const source::SourceManager& sources,
                     const PrintOptions& options) {
  return Printer(sources, options).Print(file);
}

}  // namespace squall::ast
