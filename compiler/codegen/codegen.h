// Code generation: the matcher IR (compiler/ir) and its index plans (compiler/index) become one
// LLVM module holding a native function per matcher and rule class, and one per workflow
// condition:
//
//   void squall_m<N>_std(codegen::MatchContext*)       the standard rules of matcher N
//   void squall_m<N>_backstop(codegen::MatchContext*)  its `@backstop` rules (when it has any)
//   int32_t squall_m<N>_c<K>(codegen::MatchContext*)   condition node K of workflow matcher N
//
// Each function walks the matcher's decision tree — hash dispatch, pattern scans, threshold
// walks — and evaluates only the residual conjuncts of the candidate rules it reaches, in
// native code. A conjunct that uses what native code does not handle (lists, maps, json,
// built-in functions, string building) is evaluated by the reference interpreter through the
// host function `squall_rt_eval`; codegen/README.md lists what is native. Fired rules are
// appended to MatchContext::fired (rule indices; the runtime orders them).
//
// All LLVM-specific code of the compiler lives here and in runtime/jit.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "compiler/index/index.h"
#include "compiler/ir/ir.h"

namespace llvm {
class LLVMContext;
class Module;
class TargetMachine;
}  // namespace llvm

namespace squall::codegen {

struct Input {
  const ir::Program* program = nullptr;
  std::span<const index::MatcherIndex> indexes;  // per matcher
  // Per matcher, the event slot (decoder plan slot) of each matcher slot.
  std::span<const std::vector<uint32_t>> plan_slots;
};

// The name of a matcher's entry point.
std::string EntryName(uint32_t matcher, bool backstop);

// The name of the function deciding a workflow condition (ir::ConditionNodes): node `node` of
// matcher `matcher`, the workflow's. `int32_t fn(codegen::MatchContext*)` returns 1 when the
// condition holds for the frame in MatchContext::slots (fired, pattern_sets and scratch are
// unused), with the interpreter's meaning: true only for a present `true`.
std::string ConditionName(uint32_t matcher, uint32_t node);

// Where each pattern node of a matcher writes its scan results in MatchContext::scratch (in
// uint32 words, by pattern set number), and how many words the matcher needs in all.
std::vector<uint32_t> ScratchOffsets(const index::MatcherIndex& index, uint32_t* total_words);

// Builds the module. The data layout and triple are left for the caller to set (the JIT sets
// its target's before optimizing).
std::unique_ptr<llvm::Module> Generate(const Input& input, llvm::LLVMContext& context);

// LLVM's optimization pipeline (O2) for `target`.
void Optimize(llvm::Module& module, llvm::TargetMachine& target);

}  // namespace squall::codegen
