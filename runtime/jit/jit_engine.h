// The native matchers: compiles a program's matchers (compiler/codegen) with LLVM's ORC LLJIT
// and runs them as a match::Engine with the same results as the reference interpreter.
//
// Start-up: plans the index of each matcher, then looks for a compiled object keyed by a
// BLAKE2b hash of the program, the index plans, the code generator's version and the host CPU
// in the object cache. A hit links the cached object and skips code generation and LLVM's
// optimizer and code generator entirely; a miss generates, optimizes (O2) and compiles the
// module, stores the object (atomically: temporary file, then rename) and links it.
//
// Generated code can reach only the host functions listed in codegen::kHostFunctions: the JIT
// defines exactly those symbols and does not search the process or any library.
//
// Thread safety: an engine serves one thread at a time (scratch buffers, pattern-set scratch).
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "compiler/ir/ir.h"
#include "runtime/match/engine.h"

namespace squall::jit {

struct JitOptions {
  // Directory of the object cache (created when missing); empty: no cache.
  std::string cache_dir;
};

// Where start-up time went, in milliseconds.
struct JitStats {
  double index_ms = 0;     // planning the decision trees, building pattern sets
  double codegen_ms = 0;   // generating LLVM IR (0 on a cache hit)
  double optimize_ms = 0;  // LLVM's optimizer and code generator (0 on a cache hit)
  double link_ms = 0;      // ORC linking the object and looking up entry points
  bool from_cache = false;
  size_t object_bytes = 0;
  std::string cache_key;  // hex
};

// Compiles `program` (which must outlive the engine). Returns nullptr and sets *error on
// failure (LLVM cannot target this machine, a pattern that does not compile, ...).
std::unique_ptr<match::Engine> CreateJitEngine(const ir::Program& program,
                                               const JitOptions& options, std::string* error,
                                               JitStats* stats = nullptr);

// The generated LLVM module as text (`squall check --dump=llvm`): as generated, or after
// LLVM's O2 pipeline for this machine.
std::string DumpLlvm(const ir::Program& program, bool optimized);

// The index plan of every matcher as text (`squall check --dump=index`).
std::string DumpIndex(const ir::Program& program);

// The GNU build id of the running executable (hex): part of every cache key, so that nothing a
// different build of Squall compiled is ever loaded.
const std::string& BuildId();

// The default object cache directory: $SQUALL_JIT_CACHE, else $XDG_CACHE_HOME/squall/jit,
// else $HOME/.cache/squall/jit; empty when none of them is set.
std::string DefaultCacheDir();

}  // namespace squall::jit
