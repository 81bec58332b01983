// The Python modules of the python-script runner (runtime/runners/python/: the wrapper and the
// st2common / st2actions compatibility packages), embedded into the binary at build time by
// cmake/EmbedFiles.cmake (through embed_python_shim.cmake), so that `squall` stays one file.
//
// Thread safety: immutable, readable from any thread.
#pragma once

#include <span>

#include "stdlib/builtin_files.h"

namespace squall::runners {

using stdlib::EmbeddedFile;

// Every file under runtime/runners/python/, paths relative to it ('/'-separated, e.g.
// "st2common/runners/base_action.py"), sorted by path, bytes exactly as in the source tree.
std::span<const EmbeddedFile> PythonShimFiles();

}  // namespace squall::runners
