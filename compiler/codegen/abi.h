// The contract between generated matcher code and the runtime that calls it: the entry point
// signature, the memory layouts generated code reads, and the only host functions it may call.
// compiler/codegen emits code against it; runtime/jit provides it and checks the layouts.
#pragma once

#include <cstddef>
#include <cstdint>

namespace squall::codegen {

// What a generated matcher function receives (`void squall_mN_std(MatchContext*)`).
struct MatchContext {
  const void* slots = nullptr;  // events::Slot[slot_count] of the decoded event
  uint64_t slot_count = 0;      // a plan slot at or past this reads as absent
  uint32_t* fired = nullptr;    // out: rule indices of the matcher that fire
  uint32_t fired_count = 0;     // in/out: entries used in `fired`
  uint32_t reserved = 0;
  void* host = nullptr;                       // passed back to host functions that need state
  const void* const* pattern_sets = nullptr;  // this matcher's pattern sets, by index
  uint32_t* scratch = nullptr;                // room for every pattern node's scan results
};

// Field offsets generated code uses (checked against the structs by static_assert here and
// against events::Slot in runtime/jit).
inline constexpr unsigned kContextSlots = 0;
inline constexpr unsigned kContextSlotCount = 8;
inline constexpr unsigned kContextFired = 16;
inline constexpr unsigned kContextFiredCount = 24;
inline constexpr unsigned kContextHost = 32;
inline constexpr unsigned kContextPatternSets = 40;
inline constexpr unsigned kContextScratch = 48;
static_assert(offsetof(MatchContext, slots) == kContextSlots);
static_assert(offsetof(MatchContext, slot_count) == kContextSlotCount);
static_assert(offsetof(MatchContext, fired) == kContextFired);
static_assert(offsetof(MatchContext, fired_count) == kContextFiredCount);
static_assert(offsetof(MatchContext, host) == kContextHost);
static_assert(offsetof(MatchContext, pattern_sets) == kContextPatternSets);
static_assert(offsetof(MatchContext, scratch) == kContextScratch);

// events::Slot as generated code reads it: the state byte, the 8-byte value (int64, double or
// bool), and the text as libstdc++ lays out std::string_view (size, then pointer).
inline constexpr unsigned kSlotSize = 32;
inline constexpr unsigned kSlotState = 0;
inline constexpr unsigned kSlotValue = 8;
inline constexpr unsigned kSlotTextSize = 16;
inline constexpr unsigned kSlotTextData = 24;
inline constexpr uint8_t kSlotStatePresent = 2;  // events::SlotState::kPresent

// The host functions generated code may call, and nothing else: the JIT resolves exactly these
// names (runtime/jit), so generated code cannot reach any other symbol of the process.
//   int32_t squall_rt_eval(void* host, uint32_t matcher, uint32_t node)
//       a condition not compiled natively, evaluated by the reference interpreter
//   int32_t squall_rt_regex(void* host, uint32_t matcher, uint32_t regex, const char*, size_t)
//       RE2 partial match with Matcher::regexes[regex]
//   int32_t squall_rt_glob(const char* pattern, size_t, const char* text, size_t)
//   int32_t squall_rt_contains(const char* text, size_t, const char* needle, size_t)
//       substring search (std::string_view::find: faster than memmem for short needles)
//   uint32_t squall_rt_pattern_scan(const void* set, const char*, size_t, uint32_t* out)
//   uint64_t XXH3_64bits(const void*, size_t)       (libxxhash: dispatch on strings)
//   memcmp, fmod                                     (libc, called by generated code)
//   bcmp, memcpy, memmove, memset                    (libc, emitted by LLVM's optimizer)
inline constexpr const char* kHostFunctions[] = {
    "squall_rt_eval",
    "squall_rt_regex",
    "squall_rt_glob",
    "squall_rt_contains",
    "squall_rt_pattern_scan",
    "XXH3_64bits",
    "memcmp",
    "fmod",
    "bcmp",
    "memcpy",
    "memmove",
    "memset",
};

}  // namespace squall::codegen
