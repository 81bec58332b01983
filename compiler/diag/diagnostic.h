#pragma once

// A diagnostic: one user-facing problem at one location, with optional notes pointing at
// related locations (e.g. where the misused thing was declared).

#include <initializer_list>
#include <span>
#include <string>
#include <vector>

#include "compiler/diag/kind.h"
#include "compiler/diag/message.h"
#include "compiler/source/source_range.h"

namespace squall::diag {

// A secondary location. `range` may be in another file than its diagnostic's, or invalid
// (a note without a location).
struct Note {
  Kind kind{};
  source::SourceRange range;
  std::string message;  // already formatted

  friend bool operator==(const Note&, const Note&) = default;
};

struct Diagnostic {
  Kind kind{};
  // Info(kind).severity, or Error for a warning promoted by warnings_as_errors. Never Note.
  Severity severity = Severity::Error;
  source::SourceRange range;  // invalid = no location (e.g. a file that cannot be read)
  std::string message;        // already formatted
  std::vector<Note> notes;    // in the order added

  // Appends a note of `note_kind`, whose severity must be Note, with its message formatted
  // from `args` (arity errors abort, see FormatMessage). Returns *this for chaining. Range
  // bounds are checked when the owning DiagnosticEngine finishes.
  Diagnostic& AddNote(Kind note_kind, source::SourceRange note_range,
                      std::initializer_list<Arg> args = {});
  // Same, with arguments built at runtime.
  Diagnostic& AddNote(Kind note_kind, source::SourceRange note_range, std::span<const Arg> args);

  friend bool operator==(const Diagnostic&, const Diagnostic&) = default;
};

}  // namespace squall::diag
