// Internal to compiler/parse: turns ANTLR's syntax errors into diagnostics a person would
// write, and recovers so that one run reports every independent mistake once.
//
// Messages are computed from the rule being parsed, the expected token set and the tokens
// around the error: "expected `then` after the rule condition, found `else`", "expected an
// expression after `==`, found `)`", "expected `}` to close the rule body opened here" (with a
// note at the `{`). ANTLR's own messages and listeners are never used.
//
// Recovery is ANTLR's (single-token insertion and deletion, resynchronization on follow
// sets), plus synchronization points: a declaration keyword that starts a line ends whatever
// was broken before it, and a loop over declarations, statements, fields or test steps skips
// a bad stretch up to the next line that can start an item, instead of giving up on the rest
// of the enclosing block. An argument list missing a `,` (`f(a: 1 b: 2)`) is reported once and
// skipped to its `)`. At most one error is reported per token.
#pragma once

#include <cstddef>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "antlr4-runtime.h"
#include "compiler/diag/kind.h"

namespace squall::parse::internal {

// A diagnostic located in code points [begin, end) of the file.
struct PendingNote {
  diag::Kind kind;
  size_t begin = 0;
  size_t end = 0;
  std::vector<std::string> args;
};
struct PendingDiagnostic {
  diag::Kind kind;
  size_t begin = 0;
  size_t end = 0;
  std::vector<std::string> args;
  std::optional<PendingNote> note;
};

// How a token is named in a message: "`then`", "identifier `foo`", "string", "end of file".
std::string DescribeToken(const antlr4::Token& token);

class ErrorStrategy : public antlr4::DefaultErrorStrategy {
 public:
  // `first_on_line[i]` tells whether default-channel token i is the first one on its line.
  explicit ErrorStrategy(const std::vector<bool>& first_on_line) : first_on_line_(first_on_line) {}

  const std::vector<PendingDiagnostic>& errors() const { return errors_; }

  void sync(antlr4::Parser* recognizer) override;
  void recover(antlr4::Parser* recognizer, std::exception_ptr e) override;
  antlr4::Token* recoverInline(antlr4::Parser* recognizer) override;

 protected:
  void reportNoViableAlternative(antlr4::Parser* recognizer,
                                 const antlr4::NoViableAltException& e) override;
  void reportInputMismatch(antlr4::Parser* recognizer,
                           const antlr4::InputMismatchException& e) override;
  void reportFailedPredicate(antlr4::Parser* recognizer,
                             const antlr4::FailedPredicateException& e) override;
  void reportUnwantedToken(antlr4::Parser* recognizer) override;
  void reportMissingToken(antlr4::Parser* recognizer) override;
  void consumeUntil(antlr4::Parser* recognizer, const antlr4::misc::IntervalSet& set) override;
  antlr4::Token* singleTokenDeletion(antlr4::Parser* recognizer) override;
  bool singleTokenInsertion(antlr4::Parser* recognizer) override;

 private:
  enum class Situation { kExpected, kUnwanted };
  void Report(antlr4::Parser* recognizer, antlr4::Token* offending,
              const antlr4::misc::IntervalSet& expected, antlr4::ParserRuleContext* context,
              Situation situation);
  bool FirstOnLine(const antlr4::Token* token) const;
  // A declaration keyword at the start of a line, inside a declaration: where recovery stops.
  bool IsDeclarationBoundary(antlr4::Parser* recognizer, const antlr4::Token* token) const;
  void Add(PendingDiagnostic diagnostic, const antlr4::Token* offending);
  // Recovery from a missing `,` in an argument list (see the .cpp); null when it does not apply.
  antlr4::Token* SkipToArgumentListEnd(antlr4::Parser* recognizer);
  // After prediction failed at `offending` having read from `start`: reports the error in terms
  // of a bracket opened in between and still open; false when there is none (or nothing better
  // than the generic message to say).
  bool ReportInsideBracket(antlr4::Parser* recognizer, const antlr4::Token* start,
                           antlr4::Token* offending);
  // Consumes tokens up to and including the bracket at token index `opener` and its contents,
  // stopping early at a declaration or statement that starts a line.
  void SkipBracket(antlr4::Parser* recognizer, size_t opener);

  const std::vector<bool>& first_on_line_;
  std::vector<PendingDiagnostic> errors_;
  std::set<size_t> reported_tokens_;
  // The outermost bracket still open at the last error reported by ReportInsideBracket (token
  // index): the recovery that follows skips past it before looking for a token to resume at.
  std::optional<size_t> bracket_to_skip_;
};

}  // namespace squall::parse::internal
