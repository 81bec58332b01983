#include "compiler/schema/diag_buffer.h"

#include <utility>

namespace squall::schema {

DiagBuffer::Pending& DiagBuffer::Pending::AddNote(diag::Kind note_kind,
                                                  source::SourceRange note_range,
                                                  std::initializer_list<diag::Arg> note_args) {
  notes.push_back(Note{.kind = note_kind, .range = note_range, .args = note_args});
  return *this;
}

DiagBuffer::Pending& DiagBuffer::Report(diag::Kind kind, source::SourceRange range,
                                        std::initializer_list<diag::Arg> args) {
  pending_.push_back(Pending{.kind = kind, .range = range, .args = args, .notes = {}});
  return pending_.back();
}

void DiagBuffer::FlushTo(diag::DiagnosticEngine& engine, bool warnings) {
  for (const Pending& pending : pending_) {
    if (!warnings && diag::Info(pending.kind).severity == diag::Severity::Warning) continue;
    diag::Diagnostic& emitted = engine.Emit(pending.kind, pending.range, pending.args);
    for (const Note& note : pending.notes) {
      emitted.AddNote(note.kind, note.range, note.args);
    }
  }
  pending_.clear();
}

}  // namespace squall::schema
