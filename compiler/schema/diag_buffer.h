// DiagBuffer: diagnostics of the pack loader held back until they are wanted.
//
// Packs load lazily and report nothing until loaded, yet the loader must read every
// pack.yaml up front to learn the pack names. Problems found then are kept here and
// emitted into the DiagnosticEngine only when that pack is loaded. The same buffer is used
// for every file so one code path reads YAML whether its problems are reported at once
// (FlushTo right after) or later.
//
// Thread safety: none.
#pragma once

#include <initializer_list>
#include <span>
#include <vector>

#include "compiler/diag/diagnostic_engine.h"
#include "compiler/diag/kind.h"
#include "compiler/diag/message.h"
#include "compiler/source/source_range.h"

namespace squall::schema {

class DiagBuffer {
 public:
  struct Note {
    diag::Kind kind;
    source::SourceRange range;
    std::vector<diag::Arg> args;
  };
  struct Pending {
    diag::Kind kind;
    source::SourceRange range;
    std::vector<diag::Arg> args;
    std::vector<Note> notes;

    // Appends a note (a kind of severity Note); returns *this for chaining.
    Pending& AddNote(diag::Kind note_kind, source::SourceRange note_range,
                     std::initializer_list<diag::Arg> note_args = {});
  };

  // Records a diagnostic; arity and severity are checked when it is flushed. The reference
  // stays valid until the next Report or FlushTo.
  Pending& Report(diag::Kind kind, source::SourceRange range,
                  std::initializer_list<diag::Arg> args = {});

  // Emits every recorded diagnostic into `engine` in recording order and empties the buffer.
  // With `warnings` false, diagnostics of Warning severity are dropped instead.
  void FlushTo(diag::DiagnosticEngine& engine, bool warnings = true);

  std::span<const Pending> pending() const { return pending_; }
  bool empty() const { return pending_.empty(); }

 private:
  std::vector<Pending> pending_;
};

}  // namespace squall::schema
