#include "compiler/parse/parser.h"

#include <algorithm>
#include <exception>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "SquallLexer.h"
#include "SquallParser.h"
#include "antlr4-runtime.h"
#include "compiler/parse/ast_builder.h"
#include "compiler/parse/lexer.h"
#include "compiler/parse/syntax_errors.h"
#include "compiler/source/check.h"
#include "compiler/source/large_stack.h"

namespace squall::parse {
namespace {

using antlr4::Token;
using internal::AstBuilder;
using internal::BuildDiagnostic;
using internal::DecodedText;
using internal::LexicalError;
using internal::PendingDiagnostic;
using P = squall_antlr::SquallParser;

bool EndsOperand(size_t type) {
  switch (type) {
    case P::IDENT:
    case P::QUOTED_IDENT:
    case P::INT:
    case P::FLOAT:
    case P::SUFFIXED_NUMBER:
    case P::TRUE:
    case P::FALSE:
    case P::NULL_LIT:
    case P::RPAREN:
    case P::RBRACK:
    case P::RBRACE:
    case P::STR_END:
    case P::STR_UNTERMINATED:
    case P::RAW_STRING:
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

// Keywords that occur inside expressions; any other keyword ends the expression before it.
bool IsExpressionKeyword(size_t type) {
  switch (type) {
    case P::NOT:
    case P::AND:
    case P::OR:
    case P::IN:
    case P::LIKE:
    case P::MATCHES:
    case P::CONTAINS:
    case P::STARTSWITH:
    case P::ENDSWITH:
    case P::TRUE:
    case P::FALSE:
    case P::NULL_LIT:
      return true;
    default:
      return false;
  }
}

bool IsBinaryOperator(size_t type) {
  switch (type) {
    case P::EQ:
    case P::NE:
    case P::LT:
    case P::LE:
    case P::GT:
    case P::GE:
    case P::AND:
    case P::OR:
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
    case P::NOT:
      return true;
    default:
      return false;
  }
}

// The nesting the parser would recurse through: open brackets plus pending prefix operators.
// `not` binds looser than comparisons, so `a == not b == not c ...` nests without brackets; a
// `not` stays pending until something ends its operand (`and`, `or`, `,`, `:`, a keyword that
// cannot occur in an expression, or the start of a new statement line). `squall fmt` prints
// such an operand in parentheses (`a == (not b == (not c ...))`), so a bracket and a prefix
// run right after it (`(not`, `(-not`) count as one level while that `not` is pending:
// formatting never makes a file too deep, and the count stays at least half the real depth.
// Returns the first default-channel token where the nesting exceeds `limit`, or nullptr.
const Token* FindTooDeep(const std::vector<Token*>& tokens, const std::vector<bool>& first_on_line,
                         uint32_t limit) {
  struct Level {
    uint64_t nots = 0;    // pending `not`s opened at this level
    bool shared = false;  // its bracket and its first pending `not` count as one level
  };
  std::vector<Level> levels(1);
  uint64_t brackets = 0;
  uint64_t pending_nots = 0;
  uint64_t shared_levels = 0;
  uint64_t minus_run = 0;
  bool run_after_bracket = false;  // in a prefix run that directly follows an opening bracket
  size_t previous = Token::INVALID_TYPE;
  const auto end_level_nots = [&] {
    pending_nots -= levels.back().nots;
    levels.back().nots = 0;
    if (levels.back().shared) {
      levels.back().shared = false;
      --shared_levels;
    }
  };
  for (const Token* token : tokens) {
    if (token->getChannel() != Token::DEFAULT_CHANNEL) continue;
    const size_t type = token->getType();
    const bool prefix = previous == Token::INVALID_TYPE || !EndsOperand(previous);
    if (first_on_line[token->getTokenIndex()] && !prefix && !IsBinaryOperator(type)) {
      end_level_nots();
    }
    const bool follows_bracket_run = run_after_bracket;
    run_after_bracket = false;
    switch (type) {
      case P::LPAREN:
      case P::LBRACK:
      case P::LBRACE:
      case P::STR_INTERP_BEGIN:
        ++brackets;
        levels.emplace_back();
        minus_run = 0;
        run_after_bracket = true;
        break;
      case P::RPAREN:
      case P::RBRACK:
      case P::RBRACE:
        if (levels.size() > 1) {
          end_level_nots();
          levels.pop_back();
          --brackets;
        }
        minus_run = 0;
        break;
      case P::NOT:
        if (prefix) {
          ++levels.back().nots;
          ++pending_nots;
          if (follows_bracket_run && !levels.back().shared) {
            levels.back().shared = true;
            ++shared_levels;
          }
        }
        minus_run = 0;
        break;
      case P::MINUS:
        minus_run = prefix ? minus_run + 1 : 0;
        run_after_bracket = follows_bracket_run && prefix;
        break;
      case P::AND:
      case P::OR:
      case P::COMMA:
      case P::COLON:
        end_level_nots();
        minus_run = 0;
        break;
      default:
        if (type >= P::AFTER && type <= P::YIELD && !IsExpressionKeyword(type)) end_level_nots();
        minus_run = 0;
        break;
    }
    // A `-` run right after a bracket shares the bracket's level until a `not` takes it over.
    const uint64_t shared = shared_levels + (run_after_bracket && minus_run > 0 ? 1 : 0);
    if (brackets + pending_nots + minus_run - shared > limit) return token;
    previous = type;
  }
  return nullptr;
}

// Everything one parse produces, handed from the parser thread back to the caller.
struct ParseRun {
  std::unique_ptr<ast::File> file;
  std::unique_ptr<const ast::Expr> expression;
  std::vector<LexicalError> lexical;
  std::vector<PendingDiagnostic> syntax;
  std::vector<BuildDiagnostic> build;
  std::optional<std::pair<size_t, size_t>> too_deep;  // code points
  std::string internal_error;
};

diag::Diagnostic& EmitArgs(diag::DiagnosticEngine& diags, diag::Kind kind,
                           source::SourceRange range, const std::vector<std::string>& args) {
  switch (args.size()) {
    case 0:
      return diags.Emit(kind, range);
    case 1:
      return diags.Emit(kind, range, {args[0]});
    case 2:
      return diags.Emit(kind, range, {args[0], args[1]});
    case 3:
      return diags.Emit(kind, range, {args[0], args[1], args[2]});
    default:
      return diags.Emit(kind, range, {args[0], args[1], args[2], args[3]});
  }
}

enum class Goal { kFile, kExpression };

ParseRun Run(std::string_view bytes, const DecodedText& text, internal::CodePointStream& input,
             source::FileId file_id, const ParseOptions& options, Goal goal) {
  ParseRun run;
  internal::Lexer lexer(&input, text);
  antlr4::CommonTokenStream tokens(&lexer);
  tokens.fill();
  run.lexical = lexer.errors();

  std::vector<Token*> all = tokens.getTokens();
  std::vector<bool> first_on_line(all.size(), false);
  std::vector<Token*> comments;
  size_t last_line = 0;
  for (Token* token : all) {
    if (token->getChannel() == squall_antlr::SquallLexer::COMMENTS) comments.push_back(token);
    if (token->getChannel() != Token::DEFAULT_CHANNEL) continue;
    first_on_line[token->getTokenIndex()] = token->getLine() != last_line;
    last_line = token->getLine();
  }

  AstBuilder builder(file_id, bytes, text, options);
  if (const Token* deep = FindTooDeep(all, first_on_line, options.max_nesting_depth)) {
    // Not handed to ANTLR at all: its recursion is what this bound protects.
    run.too_deep = std::make_pair(deep->getStartIndex(), deep->getStopIndex() + 1);
    if (goal == Goal::kFile) {
      run.file = builder.BuildFile(nullptr, comments);
    } else {
      run.expression = builder.BuildExpression(nullptr);
    }
    return run;
  }

  P parser(&tokens);
  parser.removeErrorListeners();
  const auto parse = [&]() -> antlr4::ParserRuleContext* {
    if (goal == Goal::kFile) return parser.file();
    return parser.expressionInput();
  };
  // Stage 1: fast SLL prediction, giving up at the first error. Almost every file is valid
  // and SLL decides it; only a failure pays for full LL prediction with error recovery.
  antlr4::ParserRuleContext* tree = nullptr;
  parser.setErrorHandler(std::make_shared<antlr4::BailErrorStrategy>());
  parser.getInterpreter<antlr4::atn::ParserATNSimulator>()->setPredictionMode(
      antlr4::atn::PredictionMode::SLL);
  try {
    tree = parse();
    if (goal == Goal::kExpression && tokens.LA(1) != Token::EOF) tree = nullptr;
  } catch (const antlr4::ParseCancellationException&) {
    tree = nullptr;
  }
  std::shared_ptr<internal::ErrorStrategy> strategy;
  if (tree == nullptr) {
    strategy = std::make_shared<internal::ErrorStrategy>(first_on_line);
    parser.reset();
    parser.setErrorHandler(strategy);
    parser.getInterpreter<antlr4::atn::ParserATNSimulator>()->setPredictionMode(
        antlr4::atn::PredictionMode::LL);
    tree = parse();
    run.syntax = strategy->errors();
    if (goal == Goal::kExpression && tokens.LA(1) != Token::EOF) {
      Token* extra = tokens.LT(1);
      run.syntax.push_back(PendingDiagnostic{
          diag::Kind::UnexpectedToken,
          extra->getStartIndex(),
          extra->getStopIndex() + 1,
          {internal::DescribeToken(*extra), "; expected the end of the expression"},
          std::nullopt});
    }
  }
  if (goal == Goal::kFile) {
    run.file = builder.BuildFile(dynamic_cast<P::FileContext*>(tree), comments);
  } else {
    auto* lone = dynamic_cast<P::ExpressionInputContext*>(tree);
    run.expression = builder.BuildExpression(lone != nullptr ? lone->expr() : nullptr);
  }
  run.build = builder.diagnostics();
  return run;
}

// Decodes, parses on the large-stack thread, and emits every diagnostic into `diags`.
ParseRun RunGuarded(const source::SourceManager& sources, source::FileId file_id,
                    diag::DiagnosticEngine& diags, const ParseOptions& options, Goal goal) {
  const std::string_view bytes = sources.Text(file_id);
  std::u32string code_points;
  DecodedText text = internal::DecodeText(bytes, code_points);
  internal::CodePointStream input(std::move(code_points));
  text.code_points = &input.data();
  if (text.first_invalid_byte >= 0) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    const auto byte =
        static_cast<unsigned char>(bytes[static_cast<size_t>(text.first_invalid_byte)]);
    const auto offset = static_cast<uint32_t>(text.first_invalid_byte);
    diags.Emit(diag::Kind::InvalidUtf8, source::SourceRange{file_id, offset, offset + 1},
               {std::string("0x") + kHex[byte >> 4] + kHex[byte & 0xF]});
  }

  ParseRun run;
  source::RunWithLargeStack([&] {
    try {
      run = Run(bytes, text, input, file_id, options, goal);
    } catch (const std::exception& e) {
      run = ParseRun{};
      run.internal_error = e.what();
    } catch (...) {
      run = ParseRun{};
      run.internal_error = "unknown exception";
    }
  });
  // Not a user mistake: ANTLR broke an invariant (every syntax problem is a diagnostic).
  // Returning a partial tree would let `check` pass or `fmt` drop code, so stop loudly.
  SQUALL_CHECK(run.internal_error.empty(), "the ANTLR parser threw: " + run.internal_error);

  const auto range = [&](size_t begin, size_t end) {
    return source::SourceRange{file_id, text.ByteOffset(begin), text.ByteOffset(end)};
  };
  for (const LexicalError& error : run.lexical) {
    EmitArgs(diags, error.kind, range(error.begin, error.end), error.args);
  }
  if (run.too_deep.has_value()) {
    diags.Emit(diag::Kind::NestingTooDeep, range(run.too_deep->first, run.too_deep->second),
               {options.max_nesting_depth});
  }
  for (const PendingDiagnostic& error : run.syntax) {
    diag::Diagnostic& diagnostic =
        EmitArgs(diags, error.kind, range(error.begin, error.end), error.args);
    if (error.note.has_value()) {
      diagnostic.AddNote(error.note->kind, range(error.note->begin, error.note->end),
                         {error.note->args.empty() ? std::string() : error.note->args[0]});
    }
  }
  for (const BuildDiagnostic& error : run.build) {
    diag::Diagnostic& diagnostic = EmitArgs(diags, error.kind, error.range, error.args);
    if (error.note.has_value()) {
      diagnostic.AddNote(error.note->first, error.note->second, {error.note_arg});
    }
  }
  return run;
}

}  // namespace

std::unique_ptr<const ast::File> ParseFile(const source::SourceManager& sources,
                                           source::FileId file_id, diag::DiagnosticEngine& diags,
                                           const ParseOptions& options) {
  ParseRun run = RunGuarded(sources, file_id, diags, options, Goal::kFile);
  if (run.file == nullptr) {
    run.file = std::make_unique<ast::File>();
    run.file->file = file_id;
    run.file->range =
        source::SourceRange{file_id, 0, static_cast<uint32_t>(sources.Text(file_id).size())};
    run.file->node_count = 1;
  }
  return std::move(run.file);
}

const std::vector<std::string>& Keywords() {
  static const std::vector<std::string> keywords = [] {
    antlr4::ANTLRInputStream empty("");
    squall_antlr::SquallLexer lexer(&empty);
    const antlr4::dfa::Vocabulary& vocabulary = lexer.getVocabulary();
    std::vector<std::string> words;
    for (size_t type = 1; type <= vocabulary.getMaxTokenType(); ++type) {
      std::string literal = vocabulary.getLiteralName(type);  // `'rule'`, or "" for none
      if (literal.size() < 3) continue;
      std::string word = literal.substr(1, literal.size() - 2);
      bool lower_word = std::all_of(word.begin(), word.end(),
                                    [](char c) { return (c >= 'a' && c <= 'z') || c == '_'; });
      if (lower_word) words.push_back(word);
    }
    std::sort(words.begin(), words.end());
    return words;
  }();
  return keywords;
}

std::unique_ptr<const ast::Expr> ParseExpression(const source::SourceManager& sources,
                                                 source::FileId file_id,
                                                 diag::DiagnosticEngine& diags,
                                                 const ParseOptions& options) {
  ParseRun run = RunGuarded(sources, file_id, diags, options, Goal::kExpression);
  if (run.expression == nullptr) {
    auto error = std::make_unique<ast::ErrorExpr>();
    error->range =
        source::SourceRange{file_id, 0, static_cast<uint32_t>(sources.Text(file_id).size())};
    run.expression = std::move(error);
  }
  return std::move(run.expression);
}

}  // namespace squall::parse
