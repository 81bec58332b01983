#include "compiler/parse/syntax_errors.h"

#include <initializer_list>
#include <utility>
#include <vector>

#include "SquallParser.h"

namespace squall::parse::internal {
namespace {

using antlr4::Token;
using antlr4::misc::IntervalSet;
using P = squall_antlr::SquallParser;

constexpr size_t kMaxTokenText = 32;
// How far recovery looks for the `)` of an argument list that is missing a `,` (tokens).
constexpr size_t kMaxArgumentListScan = 4096;

bool ContainsAll(const IntervalSet& set, std::initializer_list<size_t> types) {
  for (size_t type : types) {
    if (!set.contains(type)) return false;
  }
  return true;
}

bool IsKeyword(size_t type) { return type >= P::AFTER && type <= P::YIELD; }

bool IsSoftKeyword(size_t type) {
  switch (type) {
    case P::AFTER:
    case P::BACKOFF:
    case P::BY:
    case P::FAILS:
    case P::FAILURE:
    case P::FIRST:
    case P::FOLLOWED:
    case P::NOTHING:
    case P::OF:
    case P::PER:
    case P::RETURNS:
    case P::SUCCESS:
    case P::TIMES:
    case P::TO:
    case P::TZ:
    case P::UP:
    case P::WITHIN:
      return true;
    default:
      return false;
  }
}

bool IsDeclarationStart(size_t type) {
  switch (type) {
    case P::IMPORT:
    case P::CONST:
    case P::TRIGGER:
    case P::RULE:
    case P::WORKFLOW:
    case P::TEST:
    case P::AT:
      return true;
    default:
      return false;
  }
}

bool IsStatementKeyword(size_t type) {
  switch (type) {
    case P::LET:
    case P::IF:
    case P::PARALLEL:
    case P::FOR:
    case P::WHILE:
    case P::BREAK:
    case P::CONTINUE:
    case P::TRY:
    case P::FAIL:
    case P::RETURN:
    case P::SLEEP:
    case P::YIELD:
    case P::WAIT:
    case P::ASK:
    case P::GIVEN:
    case P::EXPECT:
    case P::ON:
      return true;
    default:
      return IsDeclarationStart(type);
  }
}

bool IsCloser(size_t type) { return type == P::RPAREN || type == P::RBRACK || type == P::RBRACE; }

// Tokens that could extend what came before (binary operators, member access, calls): listing
// them in "expected ..." says nothing useful, so they are dropped when anything else remains.
bool IsContinuation(size_t type) {
  switch (type) {
    case P::EQ:
    case P::NE:
    case P::LT:
    case P::LE:
    case P::GT:
    case P::GE:
    case P::AND:
    case P::OR:
    case P::NOT:
    case P::IN:
    case P::LIKE:
    case P::MATCHES:
    case P::CONTAINS:
    case P::STARTSWITH:
    case P::ENDSWITH:
    case P::COALESCE:
    case P::PLUS:
    case P::MINUS:
    case P::STAR:
    case P::SLASH:
    case P::PERCENT:
    case P::DOT:
    case P::QDOT:
    case P::LBRACK:
    case P::LPAREN:
    case P::QUESTION:
      return true;
    default:
      return false;
  }
}

// Builds strings with append: GCC 12 at -O3 reports a false -Wrestrict on `"..." + string`.
std::string Concat(std::initializer_list<std::string_view> pieces) {
  std::string out;
  for (std::string_view piece : pieces) out += piece;
  return out;
}

std::string Quote(std::string_view text) { return Concat({"`", text, "`"}); }

std::string Shorten(std::string text) {
  if (text.size() > kMaxTokenText) {
    size_t cut = kMaxTokenText;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
    text.resize(cut);
    text += "...";
  }
  return text;
}

// "`then`" for a token type; empty for types that are not spelled literally.
std::string Spelling(const antlr4::dfa::Vocabulary& vocabulary, size_t type) {
  // `}` is two tokens (RBRACE, and STR_INTERP_END inside strings), so ANTLR keeps no literal
  // name for either.
  if (type == P::RBRACE || type == P::STR_INTERP_END) return "`}`";
  const std::string literal = vocabulary.getLiteralName(type);
  if (literal.size() < 2) return {};
  return Quote(std::string_view(literal).substr(1, literal.size() - 2));
}

// How an expected token type is named in "expected ...".
std::string ExpectedTypeName(const antlr4::dfa::Vocabulary& vocabulary, size_t type) {
  switch (type) {
    case Token::EOF:
      return "end of file";
    case P::IDENT:
    case P::QUOTED_IDENT:
      return "a name";
    case P::INT:
      return "a whole number";
    case P::FLOAT:
      return "a number";
    case P::SUFFIXED_NUMBER:
      return "a duration";
    case P::QUOTE:
    case P::TRIPLE_QUOTE:
    case P::RAW_STRING:
      return "a string";
    case P::STR_END:
      return "`\"`";
    case P::STR_INTERP_BEGIN:
      return "`{{`";
    case P::STR_INTERP_END:
      return "`}`";
    default:
      return Spelling(vocabulary, type);
  }
}

std::string JoinAlternatives(const std::vector<std::string>& items) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += i + 1 == items.size() ? " or " : ", ";
    out += items[i];
  }
  return out;
}

// "`,` or `)`", "an expression or `]`": the expected set in a few words; empty when it is too
// large to be helpful.
std::string DescribeExpected(const antlr4::dfa::Vocabulary& vocabulary,
                             const IntervalSet& expected) {
  std::vector<std::string> items;
  IntervalSet rest = expected;
  rest.remove(Token::EPSILON);
  if (ContainsAll(rest, {P::INT, P::IDENT, P::LPAREN, P::MINUS, P::NOT, P::QUOTE})) {
    items.push_back("an expression");
    for (size_t type : rest.toList()) {
      if (type == P::IDENT || type == P::QUOTED_IDENT || type == P::INT || type == P::FLOAT ||
          type == P::SUFFIXED_NUMBER || type == P::QUOTE || type == P::TRIPLE_QUOTE ||
          type == P::RAW_STRING || type == P::LBRACE || type == P::TRUE || type == P::FALSE ||
          type == P::NULL_LIT || IsKeyword(type) || IsContinuation(type)) {
        rest.remove(type);
      }
    }
  } else if (ContainsAll(rest, {P::IDENT, P::QUOTED_IDENT})) {
    items.push_back("a name");
    for (size_t type : rest.toList()) {
      if (type == P::IDENT || type == P::QUOTED_IDENT || IsKeyword(type)) rest.remove(type);
    }
  }
  bool has_other = false;
  for (size_t type : rest.toList()) has_other = has_other || !IsContinuation(type);
  for (size_t type : rest.toList()) {
    if (has_other && IsContinuation(type)) continue;
    const std::string name = ExpectedTypeName(vocabulary, type);
    if (name.empty()) continue;
    bool duplicate = false;
    for (const std::string& item : items) duplicate = duplicate || item == name;
    if (!duplicate) items.push_back(name);
  }
  if (items.empty() || items.size() > 5) return {};
  return JoinAlternatives(items);
}

bool IsSynthetic(const Token& token) {
  return token.getType() != Token::EOF && token.getStopIndex() + 1 == token.getStartIndex();
}

template <typename T>
bool Is(const antlr4::RuleContext* context) {
  return dynamic_cast<const T*>(context) != nullptr;
}

struct OpenBracket {
  const Token* opener = nullptr;
  size_t closer = 0;
  std::string what;
  bool block_like = false;  // contains statements, fields or steps, not an expression
};

std::string DescribeBracketOwner(antlr4::ParserRuleContext* context, const Token& opener) {
  if (Is<P::RuleDeclContext>(context)) return "rule body";
  if (Is<P::TriggerDeclContext>(context)) return "trigger body";
  if (Is<P::TestDeclContext>(context)) return "test body";
  if (Is<P::WorkflowDeclContext>(context)) return "parameter list";
  if (Is<P::ParallelStmtContext>(context)) return "`parallel` block";
  if (Is<P::RecordTypeContext>(context)) return "record type";
  if (Is<P::MapLiteralContext>(context)) return "map";
  if (Is<P::ListLiteralContext>(context)) return "list";
  if (Is<P::ParenExprContext>(context)) return "parentheses";
  if (Is<P::FilteredTriggerContext>(context)) return "filtered trigger";
  if (Is<P::CallExprContext>(context) || Is<P::ActionCallContext>(context) ||
      Is<P::TriggerArgsContext>(context)) {
    return "argument list";
  }
  if (Is<P::AnnotationContext>(context)) return "annotation arguments";
  if (Is<P::IndexExprContext>(context)) return "index";
  if (Is<P::NamedTypeContext>(context)) return "type arguments";
  if (Is<P::InterpolationPartContext>(context)) return "interpolation";
  if (Is<P::BlockContext>(context)) {
    auto* parent = dynamic_cast<antlr4::RuleContext*>(context->parent);
    if (Is<P::WorkflowDeclContext>(parent)) return "workflow body";
    if (Is<P::WhileStmtContext>(parent)) return "`while` body";
    if (Is<P::ForLoopContext>(parent)) return "`for` body";
    if (auto* if_statement = dynamic_cast<P::IfStatementContext*>(parent)) {
      return if_statement->block(0) == context ? "`if` block" : "`else` block";
    }
    if (auto* try_statement = dynamic_cast<P::TryStmtContext*>(parent)) {
      return try_statement->block(0) == context ? "`try` block" : "`catch` block";
    }
    return "block";
  }
  return Quote(opener.getText());
}

// The innermost bracket opened by `context` or an enclosing rule and not closed yet.
std::optional<OpenBracket> InnermostOpenBracket(antlr4::ParserRuleContext* context) {
  for (antlr4::ParserRuleContext* current = context; current != nullptr;
       current = dynamic_cast<antlr4::ParserRuleContext*>(current->parent)) {
    for (size_t i = current->children.size(); i-- > 0;) {
      auto* terminal = dynamic_cast<antlr4::tree::TerminalNode*>(current->children[i]);
      // Error nodes are tokens skipped or conjured by recovery, not brackets the user wrote.
      if (terminal == nullptr || dynamic_cast<antlr4::tree::ErrorNode*>(terminal) != nullptr) {
        continue;
      }
      const Token* token = terminal->getSymbol();
      const size_t type = token->getType();
      if (IsCloser(type) || type == P::STR_INTERP_END ||
          (type == P::GT && Is<P::NamedTypeContext>(current))) {
        break;  // this rule's bracket is closed; look further out
      }
      size_t closer = 0;
      if (type == P::LPAREN) closer = P::RPAREN;
      if (type == P::LBRACK) closer = P::RBRACK;
      if (type == P::LBRACE || type == P::STR_INTERP_BEGIN) closer = P::RBRACE;
      if (type == P::LT && Is<P::NamedTypeContext>(current)) closer = P::GT;
      if (closer == 0) continue;
      const bool block_like = Is<P::RuleDeclContext>(current) ||
                              Is<P::TriggerDeclContext>(current) ||
                              Is<P::TestDeclContext>(current) || Is<P::BlockContext>(current) ||
                              Is<P::ParallelStmtContext>(current);
      return OpenBracket{token, closer, DescribeBracketOwner(current, *token), block_like};
    }
  }
  return std::nullopt;
}

// True when a `=` at this point was most likely meant as `==`: the parser is in a condition.
bool InCondition(antlr4::ParserRuleContext* context) {
  for (antlr4::RuleContext* current = context; current != nullptr;
       current = dynamic_cast<antlr4::RuleContext*>(current->parent)) {
    if (auto* block = dynamic_cast<P::BlockContext*>(current)) {
      if (!block->children.empty()) return false;  // inside the block, not at its condition
      continue;
    }
    if (Is<P::IfStatementContext>(current) || Is<P::WhileStmtContext>(current) ||
        Is<P::RuleBodyContext>(current) || Is<P::RuleTriggerContext>(current) ||
        Is<P::WaitExprContext>(current) || Is<P::RetryPolicyContext>(current) ||
        Is<P::FilteredTriggerContext>(current)) {
      return true;
    }
    if (Is<P::StatementContext>(current) || Is<P::DeclContext>(current) ||
        Is<P::ArgumentContext>(current) || Is<P::MapEntryContext>(current) ||
        Is<P::PrimaryContext>(current)) {
      return false;
    }
  }
  return false;
}

template <typename T>
T* Enclosing(antlr4::ParserRuleContext* context) {
  for (antlr4::RuleContext* current = context; current != nullptr;
       current = dynamic_cast<antlr4::RuleContext*>(current->parent)) {
    if (auto* found = dynamic_cast<T*>(current)) return found;
  }
  return nullptr;
}

// True when `previous` is the last token of an argument and `context` is the list (an action
// call, a call, trigger parameters, annotation arguments) that now waits for its `)`: a `,`
// is most likely missing, as in `f(a: 1 b: 2)`.
bool EndsArgument(antlr4::ParserRuleContext* context, const Token* previous) {
  if (context == nullptr || previous == nullptr || context->children.empty()) return false;
  antlr4::tree::ParseTree* last = context->children.back();
  if (Is<P::ActionCallContext>(context) || Is<P::CallExprContext>(context) ||
      Is<P::TriggerArgsContext>(context)) {
    auto* args = dynamic_cast<P::ArgListContext*>(last);
    if (args == nullptr || args->children.empty()) return false;
    last = args->children.back();
    if (dynamic_cast<P::ArgumentContext*>(last) == nullptr) return false;
  } else if (Is<P::AnnotationContext>(context)) {
    if (dynamic_cast<P::ExprContext*>(last) == nullptr) return false;
  } else {
    return false;
  }
  const Token* stop = dynamic_cast<antlr4::ParserRuleContext*>(last)->getStop();
  return stop != nullptr && stop->getTokenIndex() == previous->getTokenIndex();
}

// Whether an expression can end with this token (so a `,` or an operator may follow it).
bool EndsExpression(antlr4::TokenStream* tokens, const Token& token) {
  switch (token.getType()) {
    case P::IDENT:
    case P::QUOTED_IDENT:
    case P::INT:
    case P::FLOAT:
    case P::SUFFIXED_NUMBER:
    case P::STR_END:
    case P::RAW_STRING:
    case P::TRUE:
    case P::FALSE:
    case P::NULL_LIT:
    case P::RPAREN:
    case P::RBRACK:
    case P::RBRACE:
      return true;
    default:
      // Any word is a member name after `.` or `?.`.
      if (!IsKeyword(token.getType()) || token.getTokenIndex() == 0) return false;
      for (size_t i = token.getTokenIndex(); i-- > 0;) {
        const Token* before = tokens->get(i);
        if (before->getChannel() != Token::DEFAULT_CHANNEL) continue;
        return before->getType() == P::DOT || before->getType() == P::QDOT;
      }
      return false;
  }
}

// Binary and prefix operators, `:`, `where`, `every`: an expression must follow.
bool NeedsOperand(size_t type) {
  return type == P::COLON || type == P::NOT || type == P::WHERE || type == P::EVERY ||
         (IsContinuation(type) && type != P::DOT && type != P::QDOT && type != P::LPAREN &&
          type != P::LBRACK && type != P::QUESTION);
}

const Token* PreviousDefaultToken(antlr4::TokenStream* tokens, const Token* token) {
  for (size_t i = token->getTokenIndex(); i-- > 0;) {
    if (tokens->get(i)->getChannel() == Token::DEFAULT_CHANNEL) return tokens->get(i);
  }
  return nullptr;
}

bool RuleHasWhere(P::RuleBodyContext* body) {
  if (body == nullptr || body->ruleTrigger() == nullptr) return false;
  for (antlr4::tree::ParseTree* child : body->ruleTrigger()->children) {
    auto* terminal = dynamic_cast<antlr4::tree::TerminalNode*>(child);
    if (terminal != nullptr && terminal->getSymbol()->getType() == P::WHERE) return true;
  }
  return false;
}

// How the token before an error is named in "after ...": a closing quote stands for its string.
std::string DescribePrevious(const Token& token) {
  if (token.getType() == P::STR_END && !IsSynthetic(token)) return "string";
  return DescribeToken(token);
}

}  // namespace

std::string DescribeToken(const Token& token) {
  const size_t type = token.getType();
  if (type == Token::EOF) return "end of file";
  if (IsSynthetic(token)) return "end of line";
  switch (type) {
    case P::IDENT:
      return Concat({"identifier ", Quote(Shorten(token.getText()))});
    case P::QUOTED_IDENT:
      return Concat({"name ", Shorten(token.getText())});
    case P::INT:
    case P::FLOAT:
      return Concat({"number ", Quote(Shorten(token.getText()))});
    case P::QUOTE:
    case P::TRIPLE_QUOTE:
    case P::RAW_STRING:
      return "string";
    case P::STR_TEXT:
    case P::STR_ESCAPE:
      return "string text";
    case P::STR_END:
      return "end of string";
    case P::STR_UNTERMINATED:
      return "end of line";
    default:
      return Quote(Shorten(token.getText()));
  }
}

bool ErrorStrategy::FirstOnLine(const Token* token) const {
  const size_t index = token->getTokenIndex();
  return index < first_on_line_.size() && first_on_line_[index];
}

bool ErrorStrategy::IsDeclarationBoundary(antlr4::Parser* recognizer, const Token* token) const {
  if (!IsDeclarationStart(token->getType()) || !FirstOnLine(token)) return false;
  // At file level the declaration loop handles these itself.
  antlr4::ParserRuleContext* context = recognizer->getContext();
  return !Is<P::FileContext>(context) && !Is<P::AnnotatedDeclContext>(context);
}

void ErrorStrategy::Add(PendingDiagnostic diagnostic, const Token* offending) {
  if (!reported_tokens_.insert(offending->getTokenIndex()).second) return;
  errors_.push_back(std::move(diagnostic));
}

void ErrorStrategy::Report(antlr4::Parser* recognizer, Token* offending,
                           const IntervalSet& expected, antlr4::ParserRuleContext* context,
                           Situation situation) {
  if (offending == nullptr) return;
  // A zero-width token was made up by the lexer after it reported the problem itself.
  if (IsSynthetic(*offending)) {
    reported_tokens_.insert(offending->getTokenIndex());
    return;
  }
  const size_t type = offending->getType();
  const size_t begin = offending->getStartIndex();
  const size_t end = type == Token::EOF ? begin : offending->getStopIndex() + 1;
  const Token* previous = PreviousDefaultToken(recognizer->getTokenStream(), offending);
  // `f(a: 1 b: 2)`: say what is missing between the arguments.
  const bool after_argument =
      expected.contains(static_cast<size_t>(P::RPAREN)) && EndsArgument(context, previous);
  const std::string found = DescribeToken(*offending);
  const std::string after = after_argument        ? std::string("the argument")
                            : previous != nullptr ? DescribePrevious(*previous)
                                                  : std::string("the start of the file");
  const auto emit = [&](diag::Kind kind, std::vector<std::string> args,
                        std::optional<PendingNote> note = std::nullopt) {
    Add(PendingDiagnostic{kind, begin, end, std::move(args), std::move(note)}, offending);
  };

  if (type == P::ASSIGN && InCondition(context)) {
    emit(diag::Kind::AssignmentInCondition, {});
    return;
  }

  if (auto* interpolation = Enclosing<P::InterpolationPartContext>(context)) {
    const Token* open = interpolation->STR_INTERP_BEGIN()->getSymbol();
    if (previous == open && type == P::RBRACE) {
      Add(PendingDiagnostic{diag::Kind::EmptyInterpolation, open->getStartIndex(), end, {}, {}},
          offending);
      return;
    }
    const std::optional<OpenBracket> bracket = InnermostOpenBracket(context);
    if (expected.contains(static_cast<size_t>(P::STR_INTERP_END)) ||
        (bracket.has_value() && bracket->opener == open)) {
      Add(PendingDiagnostic{diag::Kind::UnterminatedInterpolation,
                            open->getStartIndex(),
                            open->getStopIndex() + 1,
                            {},
                            {}},
          offending);
      return;
    }
  }

  if (const std::optional<OpenBracket> bracket = InnermostOpenBracket(context)) {
    const bool boundary =
        type == Token::EOF || IsDeclarationBoundary(recognizer, offending) ||
        (!bracket->block_like && IsCloser(type) && type != bracket->closer) ||
        (!bracket->block_like && FirstOnLine(offending) && IsStatementKeyword(type));
    if (boundary) {
      emit(diag::Kind::UnclosedBracket,
           {Spelling(recognizer->getVocabulary(), bracket->closer).substr(1, 1), bracket->what,
            found},
           PendingNote{diag::Kind::OpenedHere,
                       bracket->opener->getStartIndex(),
                       bracket->opener->getStopIndex() + 1,
                       {bracket->opener->getText()}});
      return;
    }
  }

  if (expected.contains(static_cast<size_t>(P::THEN)) && Is<P::RuleBodyContext>(context)) {
    const bool where = RuleHasWhere(dynamic_cast<P::RuleBodyContext*>(context));
    emit(diag::Kind::MissingRuleThen, {where ? "condition" : "trigger", found});
    return;
  }

  const std::string summary = after_argument
                                  ? std::string("`,` or `)`")
                                  : DescribeExpected(recognizer->getVocabulary(), expected);
  if (type == P::COMMA && previous != nullptr && previous->getType() == P::COMMA) {
    emit(diag::Kind::UnexpectedToken, {found, "; remove the extra `,`"});
    return;
  }
  if (situation == Situation::kUnwanted) {
    std::string hint;
    if (type == P::RBRACE && !InnermostOpenBracket(context).has_value()) {
      hint = "; there is no open `{` to close";
    } else if (type == P::ASSIGN && Enclosing<P::BlockContext>(context) != nullptr) {
      hint = "; only a plain name can be assigned, as in `x = 1`";
    } else if (!summary.empty()) {
      hint = Concat({"; expected ", summary});
    }
    emit(diag::Kind::UnexpectedToken, {found, hint});
    return;
  }

  if ((Is<P::BlockContext>(context) || Is<P::ParallelStmtContext>(context)) &&
      ContainsAll(expected, {P::LET, P::WHILE, P::RETURN})) {
    emit(diag::Kind::ExpectedStatement, {found});
    return;
  }
  if (ContainsAll(expected, {P::INT, P::IDENT, P::LPAREN, P::MINUS, P::NOT, P::QUOTE})) {
    emit(diag::Kind::ExpectedExpression, {after, found});
    return;
  }
  if ((Is<P::FileContext>(context) || Is<P::AnnotatedDeclContext>(context)) &&
      expected.contains(static_cast<size_t>(P::RULE))) {
    emit(diag::Kind::ExpectedDeclaration, {found});
    return;
  }
  // (`rule` is there when any word is accepted, as after `.`: a name, not a trigger.)
  if (ContainsAll(expected, {P::WEBHOOK, P::EVERY, P::CRON}) &&
      !expected.contains(static_cast<size_t>(P::RULE))) {
    emit(diag::Kind::ExpectedTrigger, {after, found});
    return;
  }
  if (previous != nullptr && (previous->getType() == P::THEN ||
                              (previous->getType() == P::EXPECT && type != P::NOTHING))) {
    emit(diag::Kind::ExpectedActionCall, {after, found});
    return;
  }
  if (Enclosing<P::TypeExprContext>(context) != nullptr &&
      ContainsAll(expected, {P::IDENT, P::LBRACE})) {
    emit(diag::Kind::ExpectedType, {after, found});
    return;
  }
  if (ContainsAll(expected, {P::IDENT, P::QUOTED_IDENT}) &&
      !ContainsAll(expected, {P::INT, P::LPAREN})) {
    emit(diag::Kind::ExpectedName, {after, found});
    return;
  }
  std::string hint;
  if (expected.contains(static_cast<size_t>(P::IF)) && Is<P::RuleBodyContext>(context)) {
    hint = "; a rule reads `if <trigger> then <action>`";
  } else if (expected.contains(static_cast<size_t>(P::NOT)) && previous != nullptr &&
             previous->getType() == P::AND) {
    hint = "; `and not` waits for an event that does not come, a condition goes after `where`";
  }
  emit(diag::Kind::ExpectedToken,
       {summary.empty() ? std::string("something else") : summary, after, found, hint});
}

bool ErrorStrategy::ReportInsideBracket(antlr4::Parser* recognizer, const Token* start,
                                        Token* offending) {
  antlr4::TokenStream* tokens = recognizer->getTokenStream();
  std::vector<const Token*> open;
  for (size_t i = start->getTokenIndex(); i < offending->getTokenIndex(); ++i) {
    const Token* token = tokens->get(i);
    if (token->getChannel() != Token::DEFAULT_CHANNEL) continue;
    const size_t type = token->getType();
    if (type == P::LPAREN || type == P::LBRACK || type == P::LBRACE ||
        type == P::STR_INTERP_BEGIN) {
      open.push_back(token);
    } else if (IsCloser(type) && !open.empty()) {
      open.pop_back();
    }
  }
  // Interpolations have their own diagnostics (see Report).
  if (open.empty() || open.back()->getType() == P::STR_INTERP_BEGIN) return false;
  const Token* opener = open.back();
  const Token* before_opener = PreviousDefaultToken(tokens, opener);
  // `name(`: the arguments of a call or the parameters of a trigger.
  const bool arguments =
      opener->getType() == P::LPAREN && before_opener != nullptr &&
      (before_opener->getType() == P::IDENT || before_opener->getType() == P::QUOTED_IDENT ||
       (IsKeyword(before_opener->getType()) && EndsExpression(tokens, *before_opener)));
  size_t closer = P::RPAREN;
  std::string what = arguments ? "argument list" : "parentheses";
  if (opener->getType() == P::LBRACK) closer = P::RBRACK, what = "list";
  if (opener->getType() == P::LBRACE) closer = P::RBRACE, what = "map";
  const std::string close = Spelling(recognizer->getVocabulary(), closer);

  const size_t type = offending->getType();
  const size_t begin = offending->getStartIndex();
  const size_t end = type == Token::EOF ? begin : offending->getStopIndex() + 1;
  const std::string found = DescribeToken(*offending);
  const auto emit = [&](diag::Kind kind, std::vector<std::string> args,
                        std::optional<PendingNote> note = std::nullopt) {
    Add(PendingDiagnostic{kind, begin, end, std::move(args), std::move(note)}, offending);
  };
  if (type == Token::EOF || type == P::THEN || IsDeclarationBoundary(recognizer, offending) ||
      (FirstOnLine(offending) && IsStatementKeyword(type)) || (IsCloser(type) && type != closer)) {
    emit(diag::Kind::UnclosedBracket, {close.substr(1, 1), what, found},
         PendingNote{diag::Kind::OpenedHere,
                     opener->getStartIndex(),
                     opener->getStopIndex() + 1,
                     {opener->getText()}});
    return true;
  }
  const Token* previous = PreviousDefaultToken(tokens, offending);
  if (previous == nullptr) return false;
  // Recovery skips the outermost bracket still open here (see recover).
  const auto report = [&](diag::Kind kind, std::vector<std::string> args) {
    emit(kind, std::move(args));
    bracket_to_skip_ = open.front()->getTokenIndex();
  };
  if (type == P::COMMA && previous->getType() == P::COMMA) {
    report(diag::Kind::UnexpectedToken, {found, "; remove the extra `,`"});
    return true;
  }
  if (previous == opener || (previous->getType() == P::COMMA && opener->getType() != P::LPAREN) ||
      (previous->getType() == P::COMMA && arguments)) {
    // An element should start here.
    if (opener->getType() == P::LPAREN && !arguments) {
      report(diag::Kind::ExpectedExpression, {DescribePrevious(*previous), found});
    } else {
      const char* element = arguments                        ? "an argument"
                            : opener->getType() == P::LBRACK ? "an expression"
                                                             : "a key";
      report(diag::Kind::ExpectedToken,
             {Concat({element, " or ", close}), DescribePrevious(*previous), found, ""});
    }
    return true;
  }
  if (NeedsOperand(previous->getType())) {
    report(diag::Kind::ExpectedExpression, {DescribePrevious(*previous), found});
    return true;
  }
  if (!EndsExpression(tokens, *previous)) return false;
  if (opener->getType() == P::LPAREN && !arguments) {
    report(diag::Kind::ExpectedToken, {close, DescribePrevious(*previous), found, ""});
  } else {
    report(diag::Kind::ExpectedToken,
           {Concat({"`,` or ", close}), arguments ? "the argument" : DescribePrevious(*previous),
            found, ""});
  }
  return true;
}

void ErrorStrategy::reportNoViableAlternative(antlr4::Parser* recognizer,
                                              const antlr4::NoViableAltException& e) {
  Token* offending = e.getOffendingToken();
  antlr4::ParserRuleContext* context = recognizer->getContext();
  // Prediction looked past the first token: the set expected at the decision no longer
  // describes the offending token's position.
  if (e.getStartToken() != nullptr && offending != nullptr &&
      e.getStartToken()->getTokenIndex() != offending->getTokenIndex()) {
    // No parse tree covers the tokens prediction read; inside a bracket opened there (trigger
    // parameters, a filtered trigger), say what that bracket needs.
    if (IsSynthetic(*offending)) {
      reported_tokens_.insert(offending->getTokenIndex());
      return;
    }
    if (ReportInsideBracket(recognizer, e.getStartToken(), offending)) return;
    // `if a.b as then ...`, `if a. then ...`: a name is missing, not the `then`.
    const Token* previous = PreviousDefaultToken(recognizer->getTokenStream(), offending);
    if (previous != nullptr && (previous->getType() == P::AS || previous->getType() == P::DOT ||
                                previous->getType() == P::QDOT)) {
      Add(PendingDiagnostic{diag::Kind::ExpectedName,
                            offending->getStartIndex(),
                            offending->getType() == Token::EOF ? offending->getStartIndex()
                                                               : offending->getStopIndex() + 1,
                            {DescribePrevious(*previous), DescribeToken(*offending)},
                            {}},
          offending);
      return;
    }
    if (Is<P::RuleTriggerContext>(context)) {
      auto* body = dynamic_cast<P::RuleBodyContext*>(context->parent);
      IntervalSet then_only;
      then_only.add(P::THEN);
      Report(recognizer, offending, then_only, body != nullptr ? body : context,
             Situation::kExpected);
      return;
    }
    Report(recognizer, offending, IntervalSet(), context, Situation::kUnwanted);
    return;
  }
  Report(recognizer, offending, e.getExpectedTokens(), context, Situation::kExpected);
}

void ErrorStrategy::reportInputMismatch(antlr4::Parser* recognizer,
                                        const antlr4::InputMismatchException& e) {
  Report(recognizer, e.getOffendingToken(), e.getExpectedTokens(), recognizer->getContext(),
         Situation::kExpected);
}

void ErrorStrategy::reportFailedPredicate(antlr4::Parser* recognizer,
                                          const antlr4::FailedPredicateException& e) {
  // The grammar has no predicates; report it like any unexpected token if that ever changes.
  Report(recognizer, e.getOffendingToken(), IntervalSet(), recognizer->getContext(),
         Situation::kUnwanted);
}

void ErrorStrategy::reportUnwantedToken(antlr4::Parser* recognizer) {
  if (inErrorRecoveryMode(recognizer)) return;
  beginErrorCondition(recognizer);
  Report(recognizer, recognizer->getCurrentToken(), getExpectedTokens(recognizer),
         recognizer->getContext(), Situation::kUnwanted);
}

void ErrorStrategy::reportMissingToken(antlr4::Parser* recognizer) {
  if (inErrorRecoveryMode(recognizer)) return;
  beginErrorCondition(recognizer);
  Report(recognizer, recognizer->getCurrentToken(), getExpectedTokens(recognizer),
         recognizer->getContext(), Situation::kExpected);
}

antlr4::Token* ErrorStrategy::recoverInline(antlr4::Parser* recognizer) {
  if (Token* close = SkipToArgumentListEnd(recognizer)) return close;
  return DefaultErrorStrategy::recoverInline(recognizer);
}

// `f(a: 1 b: 2)`: report the missing `,` once and resume after the `)` that closes the list.
// ANTLR's own recovery would conjure a `)` and read `b: 2` as whatever may follow the call
// (`timeout: 5` as a policy), adding an error or two that are not the user's.
Token* ErrorStrategy::SkipToArgumentListEnd(antlr4::Parser* recognizer) {
  antlr4::ParserRuleContext* context = recognizer->getContext();
  Token* current = recognizer->getCurrentToken();
  antlr4::TokenStream* tokens = recognizer->getTokenStream();
  if (!EndsArgument(context, PreviousDefaultToken(tokens, current))) return nullptr;
  const IntervalSet expected = getExpectedTokens(recognizer);
  if (!expected.contains(static_cast<size_t>(P::RPAREN))) return nullptr;
  // Find the `)` at this nesting level, giving up at anything that more likely starts the
  // next item (a declaration or statement keyword starting a line, unless it is an argument
  // name followed by `:`) or closes an enclosing bracket.
  size_t depth = 0;
  size_t distance = 0;
  for (ssize_t i = 1; distance < kMaxArgumentListScan; ++i, ++distance) {
    const Token* token = tokens->LT(i);
    const size_t type = token->getType();
    if (type == Token::EOF) return nullptr;
    const bool names_argument = tokens->LT(i + 1)->getType() == P::COLON;
    if (FirstOnLine(token) && IsStatementKeyword(type) && !names_argument) return nullptr;
    if (type == P::LPAREN || type == P::LBRACK || type == P::LBRACE ||
        type == P::STR_INTERP_BEGIN) {
      ++depth;
    } else if (IsCloser(type)) {
      if (depth == 0) {
        if (type != P::RPAREN) return nullptr;
        if (!inErrorRecoveryMode(recognizer)) {
          Report(recognizer, current, expected, context, Situation::kExpected);
        }
        beginErrorCondition(recognizer);  // the skipped tokens become error nodes
        for (ssize_t skip = 1; skip < i; ++skip) recognizer->consume();
        Token* close = recognizer->getCurrentToken();
        reportMatch(recognizer);
        recognizer->consume();
        return close;
      }
      --depth;
    }
  }
  return nullptr;
}

bool ErrorStrategy::singleTokenInsertion(antlr4::Parser* recognizer) {
  // Conjuring a missing keyword (`then`, `not`, `times`) and parsing on makes the next token
  // play a part it was not meant for; resynchronizing on the follow set reads better.
  for (size_t type : getExpectedTokens(recognizer).toList()) {
    if (IsKeyword(type) && !IsSoftKeyword(type)) return false;
  }
  return DefaultErrorStrategy::singleTokenInsertion(recognizer);
}

antlr4::Token* ErrorStrategy::singleTokenDeletion(antlr4::Parser* recognizer) {
  // Deleting a keyword that an enclosing rule is waiting for (`then`, `let`, `else`, ...)
  // only moves the error: the rule that needed it fails next, with a worse message.
  const size_t type = recognizer->getInputStream()->LA(1);
  if (IsKeyword(type) && !IsSoftKeyword(type) && getErrorRecoverySet(recognizer).contains(type)) {
    return nullptr;
  }
  // Deleting the token before a declaration that starts a line would parse that declaration
  // as part of the broken one (`f(` then `}` then `rule s {`: `rule` read as an argument name).
  if (IsDeclarationBoundary(recognizer, recognizer->getTokenStream()->LT(2))) return nullptr;
  return DefaultErrorStrategy::singleTokenDeletion(recognizer);
}

void ErrorStrategy::SkipBracket(antlr4::Parser* recognizer, size_t opener) {
  antlr4::TokenStream* tokens = recognizer->getTokenStream();
  if (recognizer->getCurrentToken()->getTokenIndex() > opener) return;
  while (tokens->LA(1) != Token::EOF && recognizer->getCurrentToken()->getTokenIndex() < opener) {
    recognizer->consume();
  }
  size_t depth = 0;
  for (size_t type = tokens->LA(1); type != Token::EOF; type = tokens->LA(1)) {
    const Token* token = recognizer->getCurrentToken();
    if (depth > 0 &&
        (IsDeclarationBoundary(recognizer, token) ||
         (FirstOnLine(token) && IsStatementKeyword(type) && tokens->LA(2) != P::COLON))) {
      return;
    }
    recognizer->consume();
    if (type == P::LPAREN || type == P::LBRACK || type == P::LBRACE ||
        type == P::STR_INTERP_BEGIN) {
      ++depth;
    } else if (IsCloser(type) && depth > 0 && --depth == 0) {
      return;
    }
  }
}

void ErrorStrategy::consumeUntil(antlr4::Parser* recognizer, const IntervalSet& set) {
  for (size_t type = recognizer->getInputStream()->LA(1); type != Token::EOF && !set.contains(type);
       type = recognizer->getInputStream()->LA(1)) {
    if (IsDeclarationBoundary(recognizer, recognizer->getCurrentToken())) return;
    recognizer->consume();
  }
}

void ErrorStrategy::recover(antlr4::Parser* recognizer, std::exception_ptr e) {
  const std::optional<size_t> opener = std::exchange(bracket_to_skip_, std::nullopt);
  // Leave a declaration keyword that starts a line for the declaration loop: every enclosing
  // rule gives up without consuming it, and the next declaration parses cleanly. The loop
  // always consumes it, so this cannot spin.
  if (IsDeclarationBoundary(recognizer, recognizer->getCurrentToken())) return;
  // An error inside a bracket that prediction read past (ReportInsideBracket; the input is
  // back at the start of the prediction): skip that bracket first, so that a `)` or `}` inside
  // it is not taken for the end of the enclosing item.
  if (opener.has_value()) SkipBracket(recognizer, *opener);
  DefaultErrorStrategy::recover(recognizer, e);
}

void ErrorStrategy::sync(antlr4::Parser* recognizer) {
  if (inErrorRecoveryMode(recognizer)) return;
  const antlr4::atn::ATN& atn = recognizer->getATN();
  antlr4::atn::ATNState* state = atn.states[recognizer->getState()];
  const size_t lookahead = recognizer->getInputStream()->LA(1);
  const IntervalSet next = atn.nextTokens(state);
  if (next.contains(Token::EPSILON) || next.contains(lookahead)) return;

  const size_t state_type = state->getStateType();
  const bool loop = state_type == antlr4::atn::ATNState::STAR_LOOP_ENTRY ||
                    state_type == antlr4::atn::ATNState::STAR_LOOP_BACK ||
                    state_type == antlr4::atn::ATNState::PLUS_LOOP_BACK;
  antlr4::ParserRuleContext* context = recognizer->getContext();
  const bool item_loop =
      loop && (Is<P::FileContext>(context) || Is<P::BlockContext>(context) ||
               Is<P::ParallelStmtContext>(context) || Is<P::TriggerDeclContext>(context) ||
               Is<P::TestDeclContext>(context) || Is<P::RecordTypeContext>(context));
  if (!item_loop) {
    DefaultErrorStrategy::sync(recognizer);
    return;
  }
  // One stray token (a `)` too many): drop it and carry on.
  if (singleTokenDeletion(recognizer) != nullptr) return;
  Report(recognizer, recognizer->getCurrentToken(), next, context, Situation::kExpected);
  // Skip to the next line that can start an item, the closing brace, or a declaration. Skipped
  // tokens become error nodes, so nothing downstream mistakes them for the user's brackets.
  beginErrorCondition(recognizer);
  for (Token* token = recognizer->getCurrentToken(); token->getType() != Token::EOF;
       token = recognizer->getCurrentToken()) {
    const size_t type = token->getType();
    if (next.contains(type) && (FirstOnLine(token) || IsCloser(type))) break;
    if (IsDeclarationStart(type) && FirstOnLine(token)) break;
    recognizer->consume();
  }
  endErrorCondition(recognizer);
}

}  // namespace squall::parse::internal
