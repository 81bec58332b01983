#pragma once

// DiagnosticEngine: collects the diagnostics of a compilation and hands them back sorted,
// de-duplicated and capped by an error limit. It never prints; rendering is a separate
// step (text_renderer.h, json_renderer.h).
//
// Thread safety: none. Use one engine per thread, or serialize access.

#include <cstdint>
#include <deque>
#include <initializer_list>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "compiler/diag/diagnostic.h"
#include "compiler/diag/kind.h"
#include "compiler/diag/message.h"
#include "compiler/source/source_manager.h"
#include "compiler/source/source_range.h"

namespace squall::diag {

struct EngineOptions {
  // Finish() keeps at most this many errors, then adds one TooManyErrors. 0 = unlimited.
  uint32_t error_limit = 20;
  // Report every Warning-severity kind as an error (and count it as one).
  bool warnings_as_errors = false;
};

class DiagnosticEngine {
 public:
  // `sources` must outlive the engine; it is used to check ranges against file sizes.
  explicit DiagnosticEngine(const source::SourceManager& sources, EngineOptions options = {});
  DiagnosticEngine(const DiagnosticEngine&) = delete;
  DiagnosticEngine& operator=(const DiagnosticEngine&) = delete;

  // Records a diagnostic of `kind` (whose severity must not be Note) at `range` with its
  // message formatted from `args`. `range` is either invalid (no location) or valid and
  // within its file. Broken preconditions and arity errors abort.
  //
  // Returns the recorded diagnostic so the caller can add notes:
  //   engine.Emit(Kind::Redefinition, range, {name})
  //       .AddNote(Kind::PreviousDefinition, previous, {name});
  // The reference stays valid until Finish(). An exact duplicate of an earlier diagnostic
  // (same kind, range and message) is returned too, but is not counted and Finish() drops
  // it, notes included.
  Diagnostic& Emit(Kind kind, source::SourceRange range, std::initializer_list<Arg> args = {});
  // Same, with arguments built at runtime (e.g. a std::vector<Arg>).
  Diagnostic& Emit(Kind kind, source::SourceRange range, std::span<const Arg> args);

  bool HasErrors() const { return error_count_ > 0; }
  // Distinct errors and warnings emitted since construction or the last Finish(), before
  // the error limit applies.
  uint32_t ErrorCount() const { return error_count_; }
  uint32_t WarningCount() const { return warning_count_; }

  // Returns every distinct diagnostic, sorted by location (location-less ones first, then
  // file order, begin, end), then kind (registry order), then message; ties keep emission
  // order, so the result is deterministic. When more errors than `error_limit` were
  // emitted, only the first `error_limit` errors in that order are kept (warnings are all
  // kept) and one location-less TooManyErrors, whose argument is the number of distinct
  // errors, is appended last. Aborts if a note's range lies outside its file.
  // Afterwards the engine is empty (counts are zero) and may be reused.
  std::vector<Diagnostic> Finish();

 private:
  // Identity used for de-duplication: (file, begin, end, kind, message).
  using Key = std::tuple<uint32_t, uint32_t, uint32_t, Kind, std::string>;

  // Aborts unless `range` is invalid or lies within its file; `role` and `kind` name the
  // culprit ("diagnostic TestError").
  void CheckRange(source::SourceRange range, std::string_view role, Kind kind) const;

  const source::SourceManager& sources_;
  EngineOptions options_;
  // A deque keeps references returned by Emit valid while more diagnostics are added.
  std::deque<Diagnostic> diagnostics_;
  std::vector<bool> is_duplicate_;  // parallel to diagnostics_
  std::set<Key> seen_;
  uint32_t error_count_ = 0;
  uint32_t warning_count_ = 0;
};

}  // namespace squall::diag
