#include "compiler/format/formatter.h"

#include <algorithm>
#include <functional>
#include <iterator>
#include <limits>
#include <string_view>
#include <utility>
#include <vector>

#include "compiler/format/doc.h"

namespace squall::format {
namespace {

using namespace squall::ast;  // NOLINT: the formatter touches every AST type

// Keywords that cannot be a bare `name` (grammar rule `keyword`); soft keywords can.
constexpr std::string_view kReservedWords[] = {
    "and",      "as",       "ask",     "break",   "catch",    "concurrency", "const",
    "contains", "continue", "cron",    "else",    "endswith", "every",       "expect",
    "fail",     "false",    "for",     "given",   "if",       "import",      "in",
    "let",      "like",     "matches", "not",     "null",     "on",          "or",
    "parallel", "retry",    "return",  "rule",    "sleep",    "startswith",  "test",
    "then",     "throttle", "timeout", "trigger", "true",     "try",         "wait",
    "webhook",  "when",     "where",   "while",   "with",     "workflow",    "yield"};

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

// A word in a position where any keyword is allowed (after `.`, argument names, field and map
// keys): backquoted only when it is not identifier-shaped.
std::string AnyName(std::string_view name) {
  if (IsPlainIdentifier(name)) return std::string(name);
  return "`" + std::string(name) + "`";
}

// A word in a `name` position: reserved keywords need backquotes too.
std::string Name(std::string_view name) {
  if (IsPlainIdentifier(name) && std::find(std::begin(kReservedWords), std::end(kReservedWords),
                                           name) == std::end(kReservedWords)) {
    return std::string(name);
  }
  return "`" + std::string(name) + "`";
}

std::string Qualified(const QualifiedName& name) {
  std::string out;
  for (size_t i = 0; i < name.parts.size(); ++i) {
    if (i > 0) out += '.';
    out += i == 0 ? Name(name.parts[i].name) : AnyName(name.parts[i].name);
  }
  return out;
}

// Binding strength, loosest first (docs/language.md). Postfix operators and primaries bind
// tightest; `for`/`wait`/`ask` only appear where no operator can surround them.
enum Precedence : int {
  kOr = 1,
  kAnd = 2,
  kNot = 3,
  kCompare = 4,
  kCoalesce = 5,
  kAdditive = 6,
  kMultiplicative = 7,
  kNegate = 8,
  kPostfix = 9,
  kPrimary = 10,
};

int PrecedenceOf(BinaryOp op) {
  if (IsComparison(op)) return kCompare;
  switch (op) {
    case BinaryOp::kOr:
      return kOr;
    case BinaryOp::kAnd:
      return kAnd;
    case BinaryOp::kCoalesce:
      return kCoalesce;
    case BinaryOp::kAdd:
    case BinaryOp::kSub:
      return kAdditive;
    default:
      return kMultiplicative;
  }
}

int PrecedenceOf(const Expr& expr) {
  switch (expr.kind) {
    case ExprKind::kBinary:
      return PrecedenceOf(Cast<BinaryExpr>(expr).op);
    case ExprKind::kUnary: {
      // A prefix chain reaches as far right as its loosest operator: `-not a * b` is
      // `-(not (a * b))`.
      int loosest = kNegate;
      for (const auto* unary = &Cast<UnaryExpr>(expr); unary != nullptr;
           unary = As<UnaryExpr>(unary->operand.get())) {
        if (unary->op == UnaryOp::kNot) loosest = kNot;
      }
      return loosest;
    }
    case ExprKind::kMember:
    case ExprKind::kIndex:
    case ExprKind::kCall:
      return kPostfix;
    default:
      return kPrimary;
  }
}

Doc Cat(std::vector<Doc> parts) { return Concat(std::move(parts)); }
Doc Empty() { return Concat({}); }

struct Anchored {
  // A comment that sat after other code on the line before the item (`f( # c`): it stays at
  // the end of that line, so callers put it before the line break that precedes the item.
  Doc before = Empty();
  Doc leading = Empty();  // own-line comments, each followed by a hard line
  Doc body = Empty();
  Doc trailing = Empty();  // a same-line comment as a line suffix
  bool has_before = false;
  bool has_trailing = false;
  uint32_t start = 0;  // where the first own-line comment (or the item) starts in the source
  Doc After(const Doc& line_break) const {
    return Cat({before, line_break, leading, body, trailing});
  }
  Doc All() const { return Cat({before, leading, body, trailing}); }
};

// One element of a bracketed, comma-separated list (arguments, list and map literals, record
// fields, parameters).
struct Element {
  SourceRange range;
  std::function<Doc()> build;
};

class Formatter {
 public:
  Formatter(const File& file, const source::SourceManager& sources, const FormatOptions& options)
      : file_(file), text_(sources.Text(file.file)), options_(options) {}

  std::string Run() {
    std::string out = Render(FileDoc(), {.width = options_.line_width, .indent = options_.indent});
    while (!out.empty() && out.back() == '\n') out.pop_back();
    out += '\n';
    return out;
  }

 private:
  // ---- comments ------------------------------------------------------------------------------

  bool HasComment() const { return next_comment_ < file_.comments.size(); }
  const SourceRange& NextComment() const { return file_.comments[next_comment_].range; }

  std::string CommentText(const SourceRange& range) const {
    std::string_view text = text_.substr(range.begin, range.end - range.begin);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r' ||
                             text.back() == '\f')) {
      text.remove_suffix(1);
    }
    return std::string(text);
  }

  // True when the whitespace right before `offset` holds an empty line.
  bool BlankLineBefore(uint32_t offset) const {
    int newlines = 0;
    for (uint32_t i = offset; i > 0; --i) {
      const char c = text_[i - 1];
      if (c == '\n') {
        ++newlines;
      } else if (c != ' ' && c != '\t' && c != '\r' && c != '\f') {
        break;
      }
    }
    return newlines >= 2;
  }

  // True when code precedes `offset` on its line.
  bool AfterCode(uint32_t offset) const {
    for (uint32_t i = offset; i > 0; --i) {
      const char c = text_[i - 1];
      if (c == '\n') return false;
      if (c != ' ' && c != '\t' && c != '\r' && c != '\f') return true;
    }
    return false;
  }

  // Start of an item including the own-line comments that will be printed above it.
  uint32_t StartWithComments(uint32_t begin) const {
    return HasComment() && NextComment().begin < begin ? NextComment().begin : begin;
  }

  // Takes every comment that starts before `offset`, each as its own line (followed by a hard
  // line). With `keep_blank_lines`, an empty line before a comment other than the first is kept.
  Doc TakeComments(uint32_t offset, bool keep_blank_lines) {
    std::vector<Doc> parts;
    bool first = true;
    while (in_interpolation_ == 0 && HasComment() && NextComment().begin < offset) {
      const SourceRange range = NextComment();
      ++next_comment_;
      if (keep_blank_lines && !first && BlankLineBefore(range.begin)) parts.push_back(HardLine());
      parts.push_back(Text(CommentText(range)));
      parts.push_back(HardLine());
      first = false;
    }
    return Cat(std::move(parts));
  }

  // Comments before a bracket that closes a list, below its last element.
  Doc DanglingComments(uint32_t close_offset) {
    std::vector<Doc> parts;
    while (in_interpolation_ == 0 && HasComment() && NextComment().begin < close_offset) {
      parts.push_back(HardLine());
      parts.push_back(Text(CommentText(NextComment())));
      ++next_comment_;
    }
    return Cat(std::move(parts));
  }

  // Builds one line-level item with its comments: own-line comments before `range` go above
  // it; comments inside it that no nested item claimed are hoisted above it too (unless a
  // nested item printed comments already, in which case hoisting would reorder them: they are
  // left for whatever follows); a comment on the same line right after it (separated by
  // blanks and at most one comma) becomes a trailing comment.
  // With `claim_trailing` false (the last part of a chain or clause list) a same-line comment
  // after the item is left to the enclosing item, which ends at the same place.
  Anchored Anchor(SourceRange range, bool keep_blank_lines, const std::function<Doc()>& build,
                  bool claim_trailing = true) {
    Anchored result;
    result.start = range.begin;
    if (in_interpolation_ > 0) {
      result.body = build();
      return result;
    }
    if (HasComment() && NextComment().begin < range.begin && AfterCode(NextComment().begin)) {
      result.before = TrailingComment(CommentText(NextComment()));
      result.has_before = true;
      ++next_comment_;
    }
    result.start = StartWithComments(range.begin);
    std::vector<Doc> leading{TakeComments(range.begin, keep_blank_lines)};
    if (keep_blank_lines && !leading.front()->children.empty() && BlankLineBefore(range.begin)) {
      leading.push_back(HardLine());
    }
    const size_t before = next_comment_;
    result.body = build();
    const bool inside_left = HasComment() && NextComment().begin < range.end;
    if (inside_left && next_comment_ == before) {
      leading.push_back(TakeComments(range.end, /*keep_blank_lines=*/false));
    }
    if (claim_trailing && HasComment() && NextComment().begin >= range.end) {
      const SourceRange comment = NextComment();
      bool same_line = true;
      int commas = 0;
      for (uint32_t i = range.end; i < comment.begin; ++i) {
        const char c = text_[i];
        if (c == ',') {
          ++commas;
        } else if (c != ' ' && c != '\t') {
          same_line = false;
          break;
        }
      }
      if (same_line && commas <= 1) {
        ++next_comment_;
        result.trailing = TrailingComment(CommentText(comment));
        result.has_trailing = true;
      }
    }
    result.leading = Cat(std::move(leading));
    return result;
  }

  // ---- names, strings, types -----------------------------------------------------------------

  Doc StringDoc(const StringLiteral& string) {
    std::string out;
    switch (string.style) {
      case StringStyle::kQuoted:
        out = "\"";
        break;
      case StringStyle::kTriple:
        out = "\"\"\"";
        break;
      case StringStyle::kRaw:
        out = "r\"";
        break;
    }
    for (const StringPart& part : string.parts) {
      if (part.expr == nullptr) {
        out += part.spelling;
        continue;
      }
      // Interpolations stay on the string's line: render them flat.
      ++in_interpolation_;
      const Doc inner = ExprDoc(*part.expr);
      --in_interpolation_;
      out += "{{";
      out += Render(inner, {.width = std::numeric_limits<uint32_t>::max() / 2, .indent = 0});
      out += "}}";
    }
    out += string.style == StringStyle::kTriple ? "\"\"\"" : "\"";
    return Text(std::move(out));
  }

  Doc FieldDoc(const FieldDecl& field, bool is_param) {
    std::vector<Doc> parts{
        Text((is_param ? Name(field.name.name) : AnyName(field.name.name)) + ": "),
        TypeDoc(*field.type)};
    if (field.default_value != nullptr) {
      parts.push_back(Text(" = "));
      parts.push_back(ExprDoc(*field.default_value));
    }
    return Cat(std::move(parts));
  }

  Doc TypeDoc(const TypeExpr& type) {
    std::vector<Doc> parts;
    if (const auto* named = As<NamedType>(&type)) {
      parts.push_back(Text(Qualified(named->name)));
      if (!named->args.empty()) {
        std::vector<Doc> args;
        for (const auto& arg : named->args) args.push_back(TypeDoc(*arg));
        parts.push_back(Text("<"));
        parts.push_back(Join(Text(", "), args));
        parts.push_back(Text(">"));
      }
    } else {
      std::vector<Element> elements;
      for (const auto& field : Cast<RecordType>(type).fields) {
        elements.push_back({field->range, [this, &field] { return FieldDoc(*field, false); }});
      }
      parts.push_back(Bracketed("{", "}", elements, type.range.end));
    }
    if (type.optional) parts.push_back(Text("?"));
    return Cat(std::move(parts));
  }

  // `open e1, e2 close` on one line when it fits, else one element per line with a trailing
  // comma. `close_end` is the offset just past the closing bracket (for dangling comments).
  Doc Bracketed(std::string_view open, std::string_view close, const std::vector<Element>& items,
                uint32_t close_end) {
    std::vector<Doc> inner;
    for (size_t i = 0; i < items.size(); ++i) {
      const bool last = i + 1 == items.size();
      Anchored item = Anchor(items[i].range, false, items[i].build);
      inner.push_back(item.before);
      if (item.has_before) inner.push_back(BreakParent());
      inner.push_back(i == 0 ? SoftLine() : Line());
      inner.push_back(item.leading);
      inner.push_back(item.body);
      inner.push_back(last ? IfBreak(Text(","), Empty()) : Text(","));
      inner.push_back(item.trailing);
      // A trailing comment keeps its element's line: the list breaks.
      if (item.has_trailing) inner.push_back(BreakParent());
    }
    const Doc dangling = close_end > 0 ? DanglingComments(close_end - 1) : Empty();
    if (items.empty() && dangling->children.empty()) {
      return Text(std::string(open) + std::string(close));
    }
    inner.push_back(dangling);
    return Group(Cat({Text(std::string(open)), Indent(Cat(std::move(inner))), SoftLine(),
                      Text(std::string(close))}));
  }

  // ---- expressions ---------------------------------------------------------------------------

  Doc Operand(const Expr& expr, int min_precedence) {
    if (PrecedenceOf(expr) >= min_precedence) return ExprDoc(expr);
    return Cat({Text("("), ExprDoc(expr), Text(")")});
  }

  // `(name: value, ...)` of a call or a trigger; `close_end` is the offset just past the `)`.
  Doc ArgsDoc(const std::vector<Argument>& args, uint32_t close_end) {
    std::vector<Element> elements;
    for (const Argument& arg : args) {
      elements.push_back({arg.range, [this, &arg] {
                            Doc value = ExprDoc(*arg.value);
                            if (!arg.name) return value;
                            return Cat({Text(AnyName(arg.name->name) + ": "), value});
                          }});
    }
    return Bracketed("(", ")", elements, close_end);
  }

  // Postfix chains (`a.b[c](d).e`) are walked iteratively: they can be long.
  Doc PostfixDoc(const Expr& expr) {
    std::vector<const Expr*> chain;
    const Expr* root = &expr;
    while (PrecedenceOf(*root) == kPostfix) {
      chain.push_back(root);
      if (const auto* member = As<MemberExpr>(root)) {
        root = member->object.get();
      } else if (const auto* index = As<IndexExpr>(root)) {
        root = index->object.get();
      } else {
        root = Cast<CallExpr>(*root).callee.get();
      }
    }
    std::vector<Doc> parts{Operand(*root, kPostfix)};
    for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
      if (const auto* member = As<MemberExpr>(*it)) {
        parts.push_back(Text((member->safe ? "?." : ".") + AnyName(member->member.name)));
      } else if (const auto* index = As<IndexExpr>(*it)) {
        parts.push_back(Text("["));
        parts.push_back(ExprDoc(*index->index));
        parts.push_back(Text("]"));
      } else {
        const auto& call = Cast<CallExpr>(**it);
        parts.push_back(ArgsDoc(call.args, call.range.end));
      }
    }
    return Cat(std::move(parts));
  }

  // `a + b - c` is one left-deep chain of operators of one precedence: flatten it (iteratively)
  // into one group that breaks before every operator.
  Doc BinaryDoc(const BinaryExpr& expr) {
    const int precedence = PrecedenceOf(expr.op);
    const bool chains = precedence != kCompare;  // comparisons do not associate
    std::vector<const BinaryExpr*> links{&expr};
    while (chains) {
      const auto* lhs = As<BinaryExpr>(links.back()->lhs.get());
      if (lhs == nullptr || PrecedenceOf(lhs->op) != precedence) break;
      links.push_back(lhs);
    }
    const int rhs_min = precedence + 1;
    const int lhs_min = chains ? precedence : precedence + 1;
    const Doc first = Operand(*links.back()->lhs, lhs_min);
    std::vector<Doc> rest;
    for (auto it = links.rbegin(); it != links.rend(); ++it) {
      const BinaryExpr& link = **it;
      const bool last = it + 1 == links.rend();
      Anchored operand = Anchor(
          link.rhs->range, false, [&] { return Operand(*link.rhs, rhs_min); }, !last);
      rest.push_back(operand.before);
      if (operand.has_before) rest.push_back(BreakParent());
      rest.push_back(Line());
      rest.push_back(operand.leading);
      rest.push_back(Text(std::string(Spelling(link.op)) + " "));
      rest.push_back(operand.body);
      rest.push_back(operand.trailing);
      if (operand.has_trailing && !last) rest.push_back(BreakParent());
    }
    return Group(Cat({first, Indent(Cat(std::move(rest)))}));
  }

  Doc UnaryDoc(const UnaryExpr& expr) {
    // Prefix chains (`not not x`, `- -x`) iteratively as well.
    std::string prefix;
    const Expr* operand = &expr;
    while (const auto* unary = As<UnaryExpr>(operand)) {
      prefix += unary->op == UnaryOp::kNot ? "not " : "-";
      operand = unary->operand.get();
    }
    const auto* innermost = As<UnaryExpr>(&expr);
    while (As<UnaryExpr>(innermost->operand.get()) != nullptr) {
      innermost = As<UnaryExpr>(innermost->operand.get());
    }
    const int min = innermost->op == UnaryOp::kNot ? kNot : kNegate;
    return Cat({Text(std::move(prefix)), Operand(*operand, min)});
  }

  Doc ExprDoc(const Expr& expr) {
    switch (expr.kind) {
      case ExprKind::kInt:
        return Text(Cast<IntLiteral>(expr).spelling);
      case ExprKind::kFloat:
        return Text(Cast<FloatLiteral>(expr).spelling);
      case ExprKind::kDuration:
        return Text(Cast<DurationLiteral>(expr).spelling);
      case ExprKind::kFactor:
        return Text(Cast<FactorLiteral>(expr).spelling);
      case ExprKind::kBool:
        return Text(Cast<BoolLiteral>(expr).value ? "true" : "false");
      case ExprKind::kNull:
        return Text("null");
      case ExprKind::kString:
        return StringDoc(Cast<StringLiteral>(expr));
      case ExprKind::kName:
        return Text(Name(Cast<NameExpr>(expr).name.name));
      case ExprKind::kMember:
      case ExprKind::kIndex:
      case ExprKind::kCall:
        return PostfixDoc(expr);
      case ExprKind::kUnary:
        return UnaryDoc(Cast<UnaryExpr>(expr));
      case ExprKind::kBinary:
        return BinaryDoc(Cast<BinaryExpr>(expr));
      case ExprKind::kList: {
        std::vector<Element> elements;
        for (const auto& element : Cast<ListExpr>(expr).elements) {
          elements.push_back({element->range, [this, &element] { return ExprDoc(*element); }});
        }
        return Bracketed("[", "]", elements, expr.range.end);
      }
      case ExprKind::kMap: {
        std::vector<Element> elements;
        for (const MapEntry& entry : Cast<MapExpr>(expr).entries) {
          const SourceRange range{entry.key_range.file, entry.key_range.begin,
                                  entry.value->range.end};
          elements.push_back({range, [this, &entry] {
                                return Cat({Text(MapKey(entry) + ": "), ExprDoc(*entry.value)});
                              }});
        }
        return Bracketed("{", "}", elements, expr.range.end);
      }
      case ExprKind::kFor: {
        const auto& loop = Cast<ForExpr>(expr);
        std::vector<Doc> parts{Text("for " + Name(loop.variable.name) + " in "),
                               ExprDoc(*loop.iterable)};
        if (loop.concurrency != nullptr) {
          parts.push_back(Text(" concurrency "));
          parts.push_back(ExprDoc(*loop.concurrency));
        }
        parts.push_back(Text(" "));
        parts.push_back(BlockDoc(*loop.body));
        return Cat(std::move(parts));
      }
      case ExprKind::kWait: {
        const auto& wait = Cast<WaitExpr>(expr);
        return Group(Cat(
            {Text("wait "), AtomDoc(*wait.trigger),
             Indent(Clauses({{"where ", wait.where.get()}, {"timeout ", wait.timeout.get()}}))}));
      }
      case ExprKind::kAsk: {
        const auto& ask = Cast<AskExpr>(expr);
        std::vector<Doc> parts{Text("ask "), ExprDoc(*ask.prompt), Text(" "),
                               TypeDoc(*ask.answer_type)};
        if (ask.timeout != nullptr) {
          parts.push_back(Text(" timeout "));
          parts.push_back(ExprDoc(*ask.timeout));
        }
        return Cat(std::move(parts));
      }
      case ExprKind::kError:
        return Text("<error>");
    }
    return Empty();
  }

  std::string MapKey(const MapEntry& entry) const {
    if (!entry.quoted_key) return AnyName(entry.key);
    // Reproduce the key's spelling (escapes, raw) from the source.
    const SourceRange& range = entry.key_range;
    if (range.end <= text_.size() && range.begin < range.end) {
      return std::string(text_.substr(range.begin, range.end - range.begin));
    }
    return "\"" + entry.key + "\"";
  }

  // `keyword expr` parts of a clause list (`where c within d by k`); each moves to its own
  // line when the group breaks. Absent (null) parts are skipped.
  Doc Clauses(const std::vector<std::pair<std::string_view, const Expr*>>& clauses) {
    size_t last = clauses.size();
    while (last > 0 && clauses[last - 1].second == nullptr) --last;
    std::vector<Doc> parts;
    for (size_t i = 0; i < last; ++i) {
      const Expr* expr = clauses[i].second;
      if (expr == nullptr) continue;
      const bool is_last = i + 1 == last;
      Anchored clause = Anchor(
          expr->range, false, [&] { return ExprDoc(*expr); }, !is_last);
      // A comment moved to the end of the previous line must be followed by the break, and a
      // trailing comment by a break before the next clause.
      const bool must_break = clause.has_before || clause.has_trailing;
      parts.push_back(
          Cat({clause.before, must_break ? BreakParent() : Empty(), Line(), clause.leading,
               Text(std::string(clauses[i].first)), clause.body, clause.trailing}));
    }
    return Cat(std::move(parts));
  }

  // ---- triggers, policies, rules -------------------------------------------------------------

  Doc AtomDoc(const TriggerAtom& atom) {
    std::vector<Doc> parts;
    if (atom.filter != nullptr) parts.push_back(Text("("));
    switch (atom.kind) {
      case TriggerAtomKind::kNamed:
        parts.push_back(Text(Qualified(atom.name)));
        if (atom.has_args) parts.push_back(ArgsDoc(atom.args, atom.args_range.end));
        break;
      case TriggerAtomKind::kWebhook:
        parts.push_back(Text("webhook "));
        parts.push_back(ExprDoc(*atom.argument));
        break;
      case TriggerAtomKind::kTimer:
        parts.push_back(Text("every "));
        parts.push_back(ExprDoc(*atom.argument));
        break;
      case TriggerAtomKind::kCron:
        parts.push_back(Text("cron "));
        parts.push_back(ExprDoc(*atom.argument));
        if (atom.time_zone != nullptr) {
          parts.push_back(Text(" tz "));
          parts.push_back(ExprDoc(*atom.time_zone));
        }
        break;
    }
    if (atom.alias) parts.push_back(Text(" as " + Name(atom.alias->name)));
    if (atom.filter != nullptr) {
      parts.push_back(Text(" where "));
      parts.push_back(ExprDoc(*atom.filter));
      parts.push_back(Text(")"));
    }
    return Cat(std::move(parts));
  }

  Doc RuleTriggerDoc(const RuleTrigger& trigger) {
    std::vector<Doc> head{Text("if ")};
    switch (trigger.kind) {
      case RuleTriggerKind::kSimple:
        head.push_back(AtomDoc(*trigger.atoms[0]));
        break;
      case RuleTriggerKind::kAbsence:
        head.push_back(AtomDoc(*trigger.atoms[0]));
        head.push_back(Text(" and not "));
        head.push_back(AtomDoc(*trigger.atoms[1]));
        break;
      case RuleTriggerKind::kSequence:
        for (size_t i = 0; i < trigger.atoms.size(); ++i) {
          if (i > 0) head.push_back(Text(" followed by "));
          head.push_back(AtomDoc(*trigger.atoms[i]));
        }
        break;
      case RuleTriggerKind::kCount:
        head.push_back(ExprDoc(*trigger.count));
        head.push_back(Text(" of "));
        head.push_back(AtomDoc(*trigger.atoms[0]));
        break;
    }
    return Group(Cat({Cat(std::move(head)), Indent(Clauses({{"where ", trigger.where.get()},
                                                            {"within ", trigger.within.get()},
                                                            {"by ", trigger.by.get()}}))}));
  }

  Doc PolicyDoc(const Policy& policy) {
    switch (policy.kind) {
      case PolicyKind::kRetry: {
        const auto& retry = Cast<RetryPolicy>(policy);
        return Group(Cat({Text("retry "), ExprDoc(*retry.count), Text(" times"),
                          Indent(Clauses({{"every ", retry.every.get()},
                                          {"backoff ", retry.backoff.get()},
                                          {"up to ", retry.up_to.get()},
                                          {"when ", retry.when.get()}}))}));
      }
      case PolicyKind::kTimeout:
        return Cat({Text("timeout "), ExprDoc(*Cast<TimeoutPolicy>(policy).duration)});
      case PolicyKind::kConcurrency: {
        const auto& concurrency = Cast<ConcurrencyPolicy>(policy);
        std::vector<Doc> parts{Text("concurrency "), ExprDoc(*concurrency.limit)};
        parts.push_back(Indent(Clauses({{"by ", concurrency.by.get()}})));
        return Group(Cat(std::move(parts)));
      }
      case PolicyKind::kThrottle: {
        const auto& throttle = Cast<ThrottlePolicy>(policy);
        std::vector<Doc> parts{Text("throttle "), ExprDoc(*throttle.count), Text(" per "),
                               ExprDoc(*throttle.period)};
        parts.push_back(Indent(Clauses({{"by ", throttle.by.get()}})));
        return Group(Cat(std::move(parts)));
      }
    }
    return Empty();
  }

  // Policies go one per line, indented under the call they apply to.
  Doc PoliciesDoc(const std::vector<Ptr<Policy>>& policies) {
    std::vector<Doc> parts;
    for (const auto& policy : policies) {
      parts.push_back(
          Anchor(policy->range, false, [&] { return PolicyDoc(*policy); }).After(HardLine()));
    }
    return Indent(Cat(std::move(parts)));
  }

  Doc ActionClauseDoc(const ActionClause& clause) {
    return Cat({Text("then "), ExprDoc(*clause.call), PoliciesDoc(clause.policies)});
  }

  Doc RuleDoc(const RuleDecl& rule) {
    std::vector<Doc> body;
    body.push_back(Anchor(rule.trigger->range, false, [&] {
                     return RuleTriggerDoc(*rule.trigger);
                   }).After(HardLine()));
    body.push_back(Anchor(rule.action->range, false, [&] {
                     return ActionClauseDoc(*rule.action);
                   }).After(HardLine()));
    for (const auto& outcome : rule.outcomes) {
      body.push_back(
          Anchor(outcome->range, false, [&] {
            return Cat({Text(outcome->outcome == Outcome::kSuccess ? "on success " : "on failure "),
                        ActionClauseDoc(*outcome->action)});
          }).After(HardLine()));
    }
    body.push_back(EndOfBody(rule.range.end, false));
    return Cat({Text("rule " + Name(rule.name.name) + " {"), Indent(Cat(std::move(body))),
                HardLine(), Text("}")});
  }

  // Comments left before the `}` that ends at `end`, one per line, blank lines kept.
  Doc EndOfBody(uint32_t end, bool body_empty) {
    if (end == 0) return Empty();
    std::vector<Doc> parts;
    while (in_interpolation_ == 0 && HasComment() && NextComment().begin < end - 1) {
      const SourceRange range = NextComment();
      ++next_comment_;
      parts.push_back(HardLine());
      if (!(body_empty && parts.size() == 1) && BlankLineBefore(range.begin)) {
        parts.push_back(HardLine());
      }
      parts.push_back(Text(CommentText(range)));
    }
    return Cat(std::move(parts));
  }

  // ---- statements ----------------------------------------------------------------------------

  // Items of a `{ }` body, one per line, blank lines between them kept (at most one), with
  // comments before the closing brace at `end` (the offset just past it). Returns null for an
  // empty body without comments.
  template <typename T>
  Doc Body(const std::vector<Ptr<T>>& items, uint32_t end,
           const std::function<Doc(const T&)>& build) {
    std::vector<Doc> parts;
    for (size_t i = 0; i < items.size(); ++i) {
      const T& item = *items[i];
      const Anchored anchored = Anchor(item.range, true, [&] { return build(item); });
      const bool blank = i > 0 && BlankLineBefore(anchored.start);
      parts.push_back(anchored.After(blank ? Cat({HardLine(), HardLine()}) : HardLine()));
    }
    const Doc end_comments = EndOfBody(end, items.empty());
    if (parts.empty() && end_comments->children.empty()) return nullptr;
    parts.push_back(end_comments);
    return Cat(std::move(parts));
  }

  Doc Braced(const Doc& body) {
    if (body == nullptr) return Text("{}");
    return Cat({Text("{"), Indent(body), HardLine(), Text("}")});
  }

  Doc BlockDoc(const BlockStmt& block) {
    return Braced(Body<Stmt>(block.statements, block.range.end,
                             [this](const Stmt& stmt) { return StmtDoc(stmt); }));
  }

  Doc StmtDoc(const Stmt& stmt) {
    switch (stmt.kind) {
      case StmtKind::kLet: {
        const auto& let = Cast<LetStmt>(stmt);
        std::vector<Doc> parts{Text("let " + Name(let.name.name))};
        if (let.type != nullptr) {
          parts.push_back(Text(": "));
          parts.push_back(TypeDoc(*let.type));
        }
        parts.push_back(Text(" = "));
        parts.push_back(ExprDoc(*let.value));
        parts.push_back(PoliciesDoc(let.policies));
        return Cat(std::move(parts));
      }
      case StmtKind::kAssign: {
        const auto& assign = Cast<AssignStmt>(stmt);
        return Cat({Text(Name(assign.target.name) + " = "), ExprDoc(*assign.value)});
      }
      case StmtKind::kIf: {
        const auto& if_stmt = Cast<IfStmt>(stmt);
        std::vector<Doc> parts{Text("if "), ExprDoc(*if_stmt.condition), Text(" "),
                               BlockDoc(*if_stmt.then_block)};
        if (if_stmt.else_branch != nullptr) {
          parts.push_back(Text(" else "));
          if (const auto* block = As<BlockStmt>(if_stmt.else_branch.get())) {
            parts.push_back(BlockDoc(*block));
          } else {
            parts.push_back(StmtDoc(*if_stmt.else_branch));
          }
        }
        return Cat(std::move(parts));
      }
      case StmtKind::kParallel: {
        const auto& parallel = Cast<ParallelStmt>(stmt);
        std::vector<Doc> parts{Text("parallel ")};
        if (parallel.first != nullptr) {
          parts.push_back(Text("first "));
          parts.push_back(ExprDoc(*parallel.first));
          parts.push_back(Text(" "));
        }
        parts.push_back(Braced(Body<Stmt>(parallel.branches, parallel.range.end,
                                          [this](const Stmt& branch) { return StmtDoc(branch); })));
        return Cat(std::move(parts));
      }
      case StmtKind::kWhile: {
        const auto& loop = Cast<WhileStmt>(stmt);
        return Cat({Text("while "), ExprDoc(*loop.condition), Text(" "), BlockDoc(*loop.body)});
      }
      case StmtKind::kBreak:
        return Text("break");
      case StmtKind::kContinue:
        return Text("continue");
      case StmtKind::kTry: {
        const auto& try_stmt = Cast<TryStmt>(stmt);
        const std::string catch_word =
            try_stmt.error_name ? " catch " + Name(try_stmt.error_name->name) + " " : " catch ";
        return Cat({Text("try "), BlockDoc(*try_stmt.body), Text(catch_word),
                    BlockDoc(*try_stmt.handler)});
      }
      case StmtKind::kFail: {
        const auto& fail = Cast<FailStmt>(stmt);
        std::vector<Doc> parts{Text("fail "), ExprDoc(*fail.message)};
        if (fail.details != nullptr) {
          parts.push_back(Text(" with "));
          parts.push_back(ExprDoc(*fail.details));
        }
        return Cat(std::move(parts));
      }
      case StmtKind::kReturn: {
        const auto& ret = Cast<ReturnStmt>(stmt);
        if (ret.value == nullptr) return Text("return");
        return Cat({Text("return "), ExprDoc(*ret.value)});
      }
      case StmtKind::kSleep:
        return Cat({Text("sleep "), ExprDoc(*Cast<SleepStmt>(stmt).duration)});
      case StmtKind::kYield:
        return Cat({Text("yield "), ExprDoc(*Cast<YieldStmt>(stmt).value)});
      case StmtKind::kBlock:
        return BlockDoc(Cast<BlockStmt>(stmt));
      case StmtKind::kExpr: {
        const auto& expr_stmt = Cast<ExprStmt>(stmt);
        return Cat({ExprDoc(*expr_stmt.expr), PoliciesDoc(expr_stmt.policies)});
      }
    }
    return Empty();
  }

  // ---- tests and declarations ----------------------------------------------------------------

  Doc TestStepDoc(const TestStep& step) {
    switch (step.kind) {
      case TestStepKind::kGiven: {
        const auto& given = Cast<GivenStep>(step);
        std::vector<Doc> parts{Text("given "), AtomDoc(*given.trigger)};
        if (given.payload != nullptr) {
          parts.push_back(Text(" "));
          parts.push_back(ExprDoc(*given.payload));
        }
        if (given.after != nullptr) {
          parts.push_back(Text(" after "));
          parts.push_back(ExprDoc(*given.after));
        }
        return Cat(std::move(parts));
      }
      case TestStepKind::kExpectNothing: {
        const auto& expect = Cast<ExpectNothingStep>(step);
        if (expect.after == nullptr) return Text("expect nothing");
        return Cat({Text("expect nothing after "), ExprDoc(*expect.after)});
      }
      case TestStepKind::kExpectCall: {
        const auto& expect = Cast<ExpectCallStep>(step);
        std::vector<Doc> parts{Text("expect "), ExprDoc(*expect.call)};
        if (expect.after != nullptr) {
          parts.push_back(Text(" after "));
          parts.push_back(ExprDoc(*expect.after));
        }
        return Cat(std::move(parts));
      }
      case TestStepKind::kWhenReturns: {
        const auto& when = Cast<WhenReturnsStep>(step);
        std::vector<Doc> parts{Text("when " + Qualified(when.action) + " returns "),
                               ExprDoc(*when.value)};
        if (when.after != nullptr) {
          parts.push_back(Text(" after "));
          parts.push_back(ExprDoc(*when.after));
        }
        return Cat(std::move(parts));
      }
      case TestStepKind::kWhenFails: {
        const auto& when = Cast<WhenFailsStep>(step);
        std::vector<Doc> parts{Text("when " + Qualified(when.action) + " fails with "),
                               ExprDoc(*when.message)};
        if (when.after != nullptr) {
          parts.push_back(Text(" after "));
          parts.push_back(ExprDoc(*when.after));
        }
        return Cat(std::move(parts));
      }
    }
    return Empty();
  }

  Doc DeclBodyDoc(const Decl& decl) {
    switch (decl.kind) {
      case DeclKind::kImport: {
        const auto& import = Cast<ImportDecl>(decl);
        std::string text = "import " + Qualified(import.pack);
        if (import.alias) text += " as " + Name(import.alias->name);
        return Text(std::move(text));
      }
      case DeclKind::kConst: {
        const auto& constant = Cast<ConstDecl>(decl);
        std::vector<Doc> parts{Text("const " + Name(constant.name.name))};
        if (constant.type != nullptr) {
          parts.push_back(Text(": "));
          parts.push_back(TypeDoc(*constant.type));
        }
        parts.push_back(Text(" = "));
        parts.push_back(ExprDoc(*constant.value));
        return Cat(std::move(parts));
      }
      case DeclKind::kTrigger: {
        const auto& trigger = Cast<TriggerDecl>(decl);
        return Cat({Text("trigger " + Qualified(trigger.name) + " "),
                    Braced(Body<FieldDecl>(
                        trigger.fields, trigger.range.end,
                        [this](const FieldDecl& field) { return FieldDoc(field, false); }))});
      }
      case DeclKind::kRule:
        return RuleDoc(Cast<RuleDecl>(decl));
      case DeclKind::kWorkflow: {
        const auto& workflow = Cast<WorkflowDecl>(decl);
        std::vector<Element> params;
        for (const auto& param : workflow.params) {
          params.push_back({param->range, [this, &param] { return FieldDoc(*param, true); }});
        }
        std::vector<Doc> parts{Text("workflow " + Name(workflow.name.name)),
                               Bracketed("(", ")", params, 0)};
        if (workflow.return_type != nullptr) {
          parts.push_back(Text(" -> "));
          parts.push_back(TypeDoc(*workflow.return_type));
        }
        parts.push_back(Text(" "));
        parts.push_back(BlockDoc(*workflow.body));
        return Cat(std::move(parts));
      }
      case DeclKind::kTest: {
        const auto& test = Cast<TestDecl>(decl);
        return Cat({Text("test "), StringDoc(*test.name), Text(" "),
                    Braced(Body<TestStep>(test.steps, test.range.end, [this](const TestStep& step) {
                      return TestStepDoc(step);
                    }))});
      }
    }
    return Empty();
  }

  static SourceRange DeclRange(const Decl& decl) {
    SourceRange range = decl.range;
    for (const auto& annotation : decl.annotations) {
      range.begin = std::min(range.begin, annotation->range.begin);
    }
    return range;
  }

  Doc DeclDoc(const Decl& decl) {
    std::vector<Doc> parts;
    for (const auto& annotation : decl.annotations) {
      parts.push_back(Anchor(annotation->range, false, [&] {
                        std::vector<Doc> line{Text("@" + Name(annotation->name.name))};
                        if (annotation->has_parens || !annotation->args.empty()) {
                          std::vector<Element> args;
                          for (const auto& arg : annotation->args) {
                            args.push_back({arg->range, [this, &arg] { return ExprDoc(*arg); }});
                          }
                          line.push_back(Bracketed("(", ")", args, 0));
                        }
                        return Cat(std::move(line));
                      }).All());
      parts.push_back(HardLine());
    }
    if (!decl.annotations.empty()) parts.push_back(TakeComments(decl.range.begin, false));
    parts.push_back(DeclBodyDoc(decl));
    return Cat(std::move(parts));
  }

  Doc FileDoc() {
    std::vector<Doc> parts;
    const Decl* previous = nullptr;
    for (const auto& decl_ptr : file_.decls) {
      const Decl& decl = *decl_ptr;
      const Anchored anchored = Anchor(DeclRange(decl), true, [&] { return DeclDoc(decl); });
      Doc separator = Empty();
      if (previous != nullptr) {
        // Runs of imports or of consts keep their own spacing; everything else is separated
        // by exactly one empty line.
        const bool grouped = previous->kind == decl.kind &&
                             (decl.kind == DeclKind::kImport || decl.kind == DeclKind::kConst);
        const bool blank = !grouped || BlankLineBefore(anchored.start);
        separator = blank ? Cat({HardLine(), HardLine()}) : HardLine();
      }
      parts.push_back(anchored.After(separator));
      previous = &decl;
    }
    // Comments after the last declaration.
    std::vector<Doc> tail;
    bool first = previous == nullptr;
    while (HasComment()) {
      const SourceRange range = NextComment();
      ++next_comment_;
      if (!first) {
        tail.push_back(HardLine());
        if (BlankLineBefore(range.begin)) tail.push_back(HardLine());
      }
      tail.push_back(Text(CommentText(range)));
      first = false;
    }
    parts.push_back(Cat(std::move(tail)));
    return Cat(std::move(parts));
  }

  const File& file_;
  std::string_view text_;
  const FormatOptions& options_;
  size_t next_comment_ = 0;
  int in_interpolation_ = 0;  // > 0 while printing `{{expr}}`: no comments may go there
};

}  // namespace

std::string FormatFile(const ast::File& file, const source::SourceManager& sources,
                       const FormatOptions& options) {
  return Formatter(file, sources, options).Run();
}

}  // namespace squall::format
