#include "compiler/diag/diagnostic_engine.h"

#include <algorithm>
#include <span>
#include <string>
#include <tuple>
#include <utility>

#include "compiler/source/check.h"

namespace squall::diag {
namespace {

// Sort key of a range: location-less diagnostics (a file that cannot be read, ...) concern
// the whole run, so they come first.
std::tuple<bool, uint32_t, uint32_t, uint32_t> RangeOrder(const source::SourceRange& range) {
  if (!range.file.IsValid()) return {false, 0, 0, 0};
  return {true, range.file.value, range.begin, range.end};
}

bool Before(const Diagnostic& a, const Diagnostic& b) {
  const auto a_order = RangeOrder(a.range);
  const auto b_order = RangeOrder(b.range);
  if (a_order != b_order) return a_order < b_order;
  if (a.kind != b.kind) return a.kind < b.kind;
  return a.message < b.message;
}

}  // namespace

DiagnosticEngine::DiagnosticEngine(const source::SourceManager& sources, EngineOptions options)
    : sources_(sources), options_(options) {}

void DiagnosticEngine::CheckRange(source::SourceRange range, std::string_view role,
                                  Kind kind) const {
  if (!range.file.IsValid()) return;
  const auto culprit = [&] { return std::string(role) + " " + std::string(Info(kind).name); };
  SQUALL_CHECK(range.file.value < sources_.FileCount(),
               culprit() + " has an unknown FileId " + std::to_string(range.file.value));
  const size_t size = sources_.Text(range.file).size();
  SQUALL_CHECK(range.begin <= range.end && range.end <= size,
               culprit() + " has range [" + std::to_string(range.begin) + ", " +
                   std::to_string(range.end) + ") outside " +
                   std::string(sources_.Path(range.file)) + " (size " + std::to_string(size) + ")");
}

Diagnostic& DiagnosticEngine::Emit(Kind kind, source::SourceRange range,
                                   std::initializer_list<Arg> args) {
  return Emit(kind, range, std::span(args.begin(), args.size()));
}

Diagnostic& DiagnosticEngine::Emit(Kind kind, source::SourceRange range,
                                   std::span<const Arg> args) {
  const KindInfo& info = Info(kind);
  SQUALL_CHECK(info.severity != Severity::Note,
               "Emit of note kind " + std::string(info.name) + "; attach it with AddNote");
  CheckRange(range, "diagnostic", kind);
  if (!range.file.IsValid()) range = source::SourceRange::Invalid();

  Severity severity = info.severity;
  if (severity == Severity::Warning && options_.warnings_as_errors) severity = Severity::Error;
  Diagnostic& diagnostic =
      diagnostics_.emplace_back(Diagnostic{.kind = kind,
                                           .severity = severity,
                                           .range = range,
                                           .message = FormatMessage(kind, args),
                                           .notes = {}});
  const bool inserted =
      seen_.emplace(range.file.value, range.begin, range.end, kind, diagnostic.message).second;
  is_duplicate_.push_back(!inserted);
  if (inserted && severity == Severity::Error) ++error_count_;
  if (inserted && severity == Severity::Warning) ++warning_count_;
  return diagnostic;
}

std::vector<Diagnostic> DiagnosticEngine::Finish() {
  std::vector<Diagnostic> result;
  result.reserve(diagnostics_.size());
  for (size_t i = 0; i < diagnostics_.size(); ++i) {
    if (is_duplicate_[i]) continue;
    for (const Note& note : diagnostics_[i].notes) CheckRange(note.range, "note", note.kind);
    result.push_back(std::move(diagnostics_[i]));
  }
  std::stable_sort(result.begin(), result.end(), Before);

  const uint32_t total_errors = error_count_;
  if (options_.error_limit != 0 && total_errors > options_.error_limit) {
    uint32_t errors_kept = 0;
    std::vector<Diagnostic> capped;
    capped.reserve(options_.error_limit + warning_count_ + 1);
    for (Diagnostic& diagnostic : result) {
      if (diagnostic.severity == Severity::Error && errors_kept++ >= options_.error_limit) continue;
      capped.push_back(std::move(diagnostic));
    }
    const Arg args[] = {total_errors};
    capped.push_back(Diagnostic{.kind = Kind::TooManyErrors,
                                .severity = Info(Kind::TooManyErrors).severity,
                                .range = source::SourceRange::Invalid(),
                                .message = FormatMessage(Kind::TooManyErrors, args),
                                .notes = {}});
    result = std::move(capped);
  }

  diagnostics_.clear();
  is_duplicate_.clear();
  seen_.clear();
  error_count_ = 0;
  warning_count_ = 0;
  return result;
}

}  // namespace squall::diag
