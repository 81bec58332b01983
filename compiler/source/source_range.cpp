#include "compiler/source/source_range.h"

#include <algorithm>

#include "compiler/source/check.h"

namespace squall::source {

SourceRange Join(const SourceRange& a, const SourceRange& b) {
  if (!a.IsValid()) return b.IsValid() ? b : SourceRange::Invalid();
  if (!b.IsValid()) return a;
  SQUALL_CHECK(a.file == b.file, "Join of source ranges in different files");
  return SourceRange{
      .file = a.file, .begin = std::min(a.begin, b.begin), .end = std::max(a.end, b.end)};
}

}  // namespace squall::source
