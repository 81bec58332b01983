#include "compiler/diag/diagnostic.h"

#include <span>

#include "compiler/source/check.h"

namespace squall::diag {

Diagnostic& Diagnostic::AddNote(Kind note_kind, source::SourceRange note_range,
                                std::initializer_list<Arg> args) {
  return AddNote(note_kind, note_range, std::span(args.begin(), args.size()));
}

Diagnostic& Diagnostic::AddNote(Kind note_kind, source::SourceRange note_range,
                                std::span<const Arg> args) {
  SQUALL_CHECK(Info(note_kind).severity == Severity::Note,
               "AddNote with " + std::string(Info(note_kind).name) + ", which is not a Note kind");
  notes.push_back(Note{.kind = note_kind,
                       .range = note_range.file.IsValid() ? note_range : source::SourceRange{},
                       .message = FormatMessage(note_kind, args)});
  return *this;
}

}  // namespace squall::diag
