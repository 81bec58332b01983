// libFuzzer target for the front end. For any input bytes:
//  - parsing never crashes, hangs, leaks or overflows the stack, and every diagnostic renders
//    (text and JSON);
//  - when the input parses without errors, the type checker (with the built-in packs) never
//    crashes and every diagnostic it reports renders;
//  - when the input parses without errors, `squall fmt` output parses without errors too, and
//    formatting is idempotent. A violation aborts, which libFuzzer reports as a crash.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "compiler/check/checker.h"
#include "compiler/diag/diagnostic_engine.h"
#include "compiler/diag/render.h"
#include "compiler/format/formatter.h"
#include "compiler/parse/parser.h"

namespace {

using namespace squall;

bool ParseClean(source::SourceManager& sources, source::FileId file_id,
                std::unique_ptr<const ast::File>* out) {
  diag::DiagnosticEngine diags(sources, diag::EngineOptions{});
  *out = parse::ParseFile(sources, file_id, diags);
  // Before Finish(), which empties the engine and resets its counts.
  const bool clean = !diags.HasErrors();
  std::vector<diag::Diagnostic> all = diags.Finish();
  for (const diag::Diagnostic& d : all) (void)diag::RenderText(d, sources, {});
  (void)diag::RenderJson(all, sources);
  return clean;
}

// Type-checks a clean tree against the built-in packs and renders what the checker reports.
void CheckAndRender(source::SourceManager& sources, const ast::File& file) {
  diag::DiagnosticEngine diags(sources, diag::EngineOptions{});
  types::TypeContext types;
  schema::PackLoader packs(schema::LoaderOptions{}, sources, diags, types);
  const ast::File* files[] = {&file};
  (void)check::Check(files, packs, types, sources, diags);
  std::vector<diag::Diagnostic> all = diags.Finish();
  for (const diag::Diagnostic& d : all) (void)diag::RenderText(d, sources, {});
  (void)diag::RenderJson(all, sources);
}

[[noreturn]] void Fail(const char* what, const std::string& text) {
  std::fprintf(stderr, "fuzz property violated: %s\n--- text ---\n%s\n", what, text.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  source::SourceManager sources;
  source::FileId input =
      sources.AddFile("fuzz.rule", std::string(reinterpret_cast<const char*>(data), size));
  std::unique_ptr<const ast::File> file;
  if (!ParseClean(sources, input, &file)) return 0;
  CheckAndRender(sources, *file);

  std::string once = format::FormatFile(*file, sources);
  source::FileId formatted = sources.AddFile("formatted.rule", once);
  std::unique_ptr<const ast::File> reparsed;
  if (!ParseClean(sources, formatted, &reparsed)) Fail("fmt output does not parse", once);
  std::string twice = format::FormatFile(*reparsed, sources);
  if (twice != once) Fail("fmt is not idempotent", once);
  return 0;
}
