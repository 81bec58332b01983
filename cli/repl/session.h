// squall::repl::Session: the state and commands of `squall repl`, without a terminal. The
// command (repl_command.cpp) reads lines (through libedit on a terminal), asks NeedsMore
// whether an entry is finished, hands finished entries to Submit and asks Complete for tab
// completion; tests drive a Session directly with text in and text out.
//
// The session's program is one file, `<repl>`, made of the declarations accepted so far. Each
// entry gets the next session line numbers (a command with an expression takes two: one for
// the wrapper the REPL compiles it in, one for the expression at its typed column), so a
// diagnostic says `<repl>:LINE:COL` with a caret under what the user typed. An entry is
// checked together with everything accepted before it, exactly as `squall check` checks a
// file; it is added only when that has no error. A declaration with the name of an accepted
// one (rule, workflow, trigger, const, import alias, test) replaces it.
//
// Thread safety: none; one Session per REPL. Never throws on any input.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cli/pack_flags.h"
#include "runtime/engine/loaded_program.h"
#include "runtime/runners/runner.h"

namespace squall::repl {

struct SessionOptions {
  cli::PackFlags packs;  // --packs; SQUALL_PACKS and ./packs are searched too
  bool pack_warnings = false;
  bool color = false;                     // ANSI colors in diagnostics
  runners::RunnerOptions runner_options;  // for actions run with `:live on`
};

// What Complete offers: replace line[start, cursor) with one of `candidates`.
struct Completion {
  size_t start = 0;
  std::vector<std::string> candidates;  // sorted, unique
};

// The characters that end a word for completion (dots and colons are part of words, so that
// `core.lo` and `:se` complete as a whole).
inline constexpr std::string_view kWordBreaks = " \t\n\"'(){}[],=<>+-*/%?@";

class Session {
 public:
  explicit Session(SessionOptions options);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Whether `entry` (the lines typed so far, joined with '\n') is unfinished: a bracket or a
  // triple-quoted string is still open, or it ends where the grammar needs more (after an
  // operator, `then`, `where`, a `,`). Decided by the real parser: the entry is unfinished
  // when its only complaints are at its end. A blank line submits an entry regardless.
  bool NeedsMore(std::string_view entry) const;

  // Runs one finished entry: declarations, or one `:command` (`:help` lists them). Results go
  // to `out`; diagnostics (rendered as `squall check` renders them) and errors to `err`.
  void Submit(std::string_view entry, std::ostream& out, std::ostream& err);

  // Completion of the word that ends at `cursor` in `line`; `pending` holds the earlier lines
  // of an unfinished entry (for the action whose parameters are being written). Offers
  // commands (`:`), keywords (the lexer's), trigger refs, action and workflow names, and the
  // parameters of the action whose `(` is open.
  Completion Complete(std::string_view pending, std::string_view line, size_t cursor) const;

  bool quit_requested() const { return quit_; }
  bool live() const { return live_; }
  // The accepted declarations as one source text (what `<repl>` holds).
  std::string Source() const;

 private:
  struct Chunk;
  struct Compiled;
  struct Names;
  struct LastEvent;

  void Declare(std::string_view entry, std::ostream& out, std::ostream& err);
  void Command(std::string_view entry, std::ostream& out, std::ostream& err);
  void Load(std::string_view path, std::ostream& out, std::ostream& err);
  void Send(std::string_view args, size_t args_column, std::ostream& out, std::ostream& err);
  // Reports that a rule fires on `event` and, with `:live on`, runs its action.
  void Fire(engine::LoadedProgram& loaded, match::RuleRef firing, const events::DecodedEvent& event,
            std::ostream& out);
  void Type(std::string_view expr, size_t expr_column, std::ostream& out, std::ostream& err);
  void Explain(std::ostream& out, std::ostream& err);
  void ListRules(std::ostream& out) const;
  void ListPacks(std::ostream& out) const;

  // Accepts `chunks` (from one entry or file) when the session with them checks without
  // errors, replacing declarations of the same names; reports what happened.
  bool Accept(std::vector<Chunk> chunks, std::ostream& out, std::ostream& err);
  // Compiles `chunks` (in line order) as the file `<repl>`: parsed, and checked unless
  // `check` is false or there are syntax errors.
  std::unique_ptr<Compiled> Compile(std::vector<const Chunk*> chunks, bool check) const;
  // The accepted chunks plus `extra`.
  std::vector<const Chunk*> With(const std::vector<Chunk>& extra) const;
  // Prints the errors of `compiled` and its warnings on lines [first_line, end_line).
  void Report(Compiled& compiled, uint32_t first_line, uint32_t end_line, std::ostream& err) const;
  void Remember(std::unique_ptr<Compiled> compiled);
  // Where `:live` writes built-in scripts: RunnerOptions::scratch_dir, else a directory of
  // this session's own (removed with it). "" when none can be made.
  std::string ScratchDir();

  SessionOptions options_;
  std::vector<Chunk> chunks_;
  std::vector<std::string> pack_bases_;  // "<repl>" and every :load'ed file
  uint32_t next_line_ = 1;
  bool live_ = false;
  bool quit_ = false;
  std::unique_ptr<Names> names_;  // for completion: from the last program that checked
  std::unique_ptr<LastEvent> last_event_;
  // The correlation rules' instances, (rule, instance) -> state, between :sends, and the id
  // of the next event (correlators need increasing ids).
  std::map<std::pair<std::string, int64_t>, std::string> correlation_states_;
  int64_t next_event_id_ = 1;
  std::string own_scratch_;  // made by ScratchDir(); removed by the destructor
};

}  // namespace squall::repl
