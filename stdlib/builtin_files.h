// The built-in packs and runners of stdlib/ (packs/core/..., runners/...), embedded into the
// binary at build time by cmake/EmbedFiles.cmake, so that `import core` and the built-in
// runners need no file on disk.
//
// The bytes are exactly those of the files in the source tree (no newline conversion, no
// encoding check). File modes are not kept: a runtime that runs an embedded script (for
// example packs/core/actions/send_mail.sh) writes it out and marks it executable itself.
//
// Thread safety: everything here is immutable and may be read from any thread.
#pragma once

#include <span>
#include <string_view>

namespace squall::stdlib {

struct EmbeddedFile {
  // Relative to stdlib/, '/'-separated: "packs/core/actions/local.yaml", "runners/local.yaml".
  std::string_view path;
  // The file's bytes. Views into static storage, valid for the life of the program (and
  // followed by a NUL byte that is not part of the view).
  std::string_view text;
};

// Every file under stdlib/packs and stdlib/runners, sorted by path (byte order), without
// duplicates.
std::span<const EmbeddedFile> BuiltinFiles();

}  // namespace squall::stdlib
