#include "compiler/diag/json_renderer.h"

#include <string_view>

#include "compiler/diag/json_escape.h"

namespace squall::diag {
namespace {

void AppendPosition(std::string& out, const source::SourceManager& sources, source::FileId file_id,
                    uint32_t offset) {
  const source::LineCol position = sources.GetLineCol(file_id, offset);
  out += "{\"line\":" + std::to_string(position.line) +
         ",\"column\":" + std::to_string(position.column) +
         ",\"offset\":" + std::to_string(offset) + '}';
}

// The members shared by diagnostics and notes, without the enclosing braces.
void AppendCommon(std::string& out, const source::SourceManager& sources, Kind kind,
                  Severity severity, const source::SourceRange& range, std::string_view message) {
  out += "\"kind\":";
  AppendJsonString(out, Info(kind).name);
  out += ",\"severity\":";
  AppendJsonString(out, SeverityName(severity));
  out += ",\"message\":";
  AppendJsonString(out, message);
  if (!range.IsValid()) {
    out += ",\"file\":null,\"range\":null";
    return;
  }
  out += ",\"file\":";
  AppendJsonString(out, sources.Path(range.file));
  out += ",\"range\":{\"start\":";
  AppendPosition(out, sources, range.file, range.begin);
  out += ",\"end\":";
  AppendPosition(out, sources, range.file, range.end);
  out += '}';
}

}  // namespace

std::string RenderJson(std::span<const Diagnostic> diagnostics,
                       const source::SourceManager& sources) {
  std::string out = "{\"diagnostics\":[";
  uint32_t errors = 0;
  uint32_t warnings = 0;
  for (size_t i = 0; i < diagnostics.size(); ++i) {
    const Diagnostic& diagnostic = diagnostics[i];
    if (diagnostic.severity == Severity::Error) ++errors;
    if (diagnostic.severity == Severity::Warning) ++warnings;
    if (i > 0) out += ',';
    out += '{';
    AppendCommon(out, sources, diagnostic.kind, diagnostic.severity, diagnostic.range,
                 diagnostic.message);
    out += ",\"notes\":[";
    for (size_t j = 0; j < diagnostic.notes.size(); ++j) {
      const Note& note = diagnostic.notes[j];
      if (j > 0) out += ',';
      out += '{';
      AppendCommon(out, sources, note.kind, Severity::Note, note.range, note.message);
      out += '}';
    }
    out += "]}";
  }
  out +=
      "],\"errors\":" + std::to_string(errors) + ",\"warnings\":" + std::to_string(warnings) + '}';
  return out;
}

}  // namespace squall::diag
