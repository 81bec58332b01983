#include "runtime/jit/jit_engine.h"

#include <elf.h>
#include <link.h>
#include <re2/re2.h>
#include <sodium.h>
#include <strings.h>
#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>

#include "compiler/check/glob.h"
#include "compiler/codegen/abi.h"
#include "compiler/codegen/codegen.h"
#include "compiler/index/index.h"
#include "compiler/ir/printer.h"
#include "compiler/source/check.h"
#include "llvm/ExecutionEngine/Orc/ExecutionUtils.h"
#include "llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h"
#include "llvm/ExecutionEngine/Orc/LLJIT.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/TargetParser/Host.h"
#include "runtime/events/decoded_event.h"
#include "runtime/interp/interpreter.h"
#include "runtime/jit/cache_files.h"
#include "runtime/match/slot_layout.h"
#include "runtime/patterns/pattern_set.h"

namespace squall::jit {
namespace {

using Clock = std::chrono::steady_clock;

// Part of every cache key, with the executable's build id (BuildId): objects compiled by
// another build of Squall never load, whatever changed in it.
constexpr const char* kCodegenVersion = "squall-codegen-2";  // 2: workflow conditions

// Above this many LLVM instructions after optimization, code generation uses the fast
// instruction selector (see CreateJitEngine).
constexpr size_t kFastCodegenInstructions = 50'000;

double Ms(Clock::time_point since) {
  return std::chrono::duration<double, std::milli>(Clock::now() - since).count();
}

// The layout codegen/abi.h promises, checked against the real events::Slot.
static_assert(sizeof(events::Slot) == codegen::kSlotSize);
static_assert(offsetof(events::Slot, state) == codegen::kSlotState);
static_assert(offsetof(events::Slot, integer) == codegen::kSlotValue);
static_assert(offsetof(events::Slot, text) == codegen::kSlotTextSize);
static_assert(static_cast<uint8_t>(events::SlotState::kPresent) == codegen::kSlotStatePresent);

// std::string_view's member order is the library's business: check it once at run time.
bool StringViewLayoutMatches() {
  static const char kText[] = "layout";
  std::string_view view(kText, 3);
  size_t size = 0;
  const char* data = nullptr;
  std::memcpy(&size, reinterpret_cast<const char*>(&view), sizeof size);
  std::memcpy(&data, reinterpret_cast<const char*>(&view) + sizeof size, sizeof data);
  return size == 3 && data == kText;
}

void InitializeLlvm() {
  static std::once_flag once;
  std::call_once(once, [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
  });
}

std::string ToString(llvm::Error error) { return llvm::toString(std::move(error)); }

patterns::PatternKind ToPatternKind(index::PatternKind kind) {
  switch (kind) {
    case index::PatternKind::kContains:
      return patterns::PatternKind::kContains;
    case index::PatternKind::kStartsWith:
      return patterns::PatternKind::kStartsWith;
    case index::PatternKind::kEndsWith:
      return patterns::PatternKind::kEndsWith;
    case index::PatternKind::kGlob:
      return patterns::PatternKind::kGlob;
    case index::PatternKind::kRegex:
      return patterns::PatternKind::kRegex;
  }
  return patterns::PatternKind::kContains;
}

// What the host functions need while a matcher runs.
struct HostState {
  interp::Interpreter* interpreter = nullptr;
  const events::DecodedEvent* event = nullptr;
  std::vector<std::vector<std::unique_ptr<RE2>>> regexes;  // per matcher, Matcher::regexes
};

extern "C" int32_t squall_rt_eval(void* host, uint32_t matcher, uint32_t node) {
  auto* state = static_cast<HostState*>(host);
  interp::Value v = state->interpreter->Evaluate(matcher, ir::NodeRef{node}, *state->event);
  return v.kind == interp::Value::Kind::kBool && v.boolean ? 1 : 0;
}

extern "C" int32_t squall_rt_regex(void* host, uint32_t matcher, uint32_t regex, const char* data,
                                   size_t size) {
  const RE2& re = *static_cast<HostState*>(host)->regexes[matcher][regex];
  return re.ok() && RE2::PartialMatch(std::string_view(data, size), re) ? 1 : 0;
}

extern "C" int32_t squall_rt_glob(const char* pattern, size_t pattern_size, const char* text,
                                  size_t text_size) {
  return check::GlobMatch(std::string_view(pattern, pattern_size),
                          std::string_view(text, text_size))
             ? 1
             : 0;
}

extern "C" int32_t squall_rt_contains(const char* text, size_t text_size, const char* needle,
                                      size_t needle_size) {
  return std::string_view(text, text_size).find(std::string_view(needle, needle_size)) !=
                 std::string_view::npos
             ? 1
             : 0;
}

// The allow-list: codegen::kHostFunctions by name, with their addresses.
std::vector<std::pair<const char*, void*>> HostFunctions() {
  using FmodFn = double (*)(double, double);
  std::vector<std::pair<const char*, void*>> table = {
      {"squall_rt_eval", reinterpret_cast<void*>(&squall_rt_eval)},
      {"squall_rt_regex", reinterpret_cast<void*>(&squall_rt_regex)},
      {"squall_rt_glob", reinterpret_cast<void*>(&squall_rt_glob)},
      {"squall_rt_contains", reinterpret_cast<void*>(&squall_rt_contains)},
      {"squall_rt_pattern_scan", reinterpret_cast<void*>(&squall_rt_pattern_scan)},
      {"XXH3_64bits", reinterpret_cast<void*>(&XXH3_64bits)},
      {"memcmp", reinterpret_cast<void*>(&std::memcmp)},
      {"fmod", reinterpret_cast<void*>(static_cast<FmodFn>(&std::fmod))},
      {"bcmp", reinterpret_cast<void*>(&::bcmp)},
      {"memcpy", reinterpret_cast<void*>(&std::memcpy)},
      {"memmove", reinterpret_cast<void*>(&std::memmove)},
      {"memset", reinterpret_cast<void*>(&std::memset)},
  };
  SQUALL_CHECK(table.size() == std::size(codegen::kHostFunctions), "host function table");
  return table;
}

struct Compiled {
  match::SlotLayout layout;
  std::vector<index::MatcherIndex> indexes;
};

Compiled Plan(const ir::Program& program) {
  Compiled c{.layout = match::BuildSlotLayout(program)};
  for (const ir::Matcher& m : program.matchers) c.indexes.push_back(index::BuildIndex(m));
  return c;
}

std::unique_ptr<llvm::Module> GenerateModule(const ir::Program& program, const Compiled& c,
                                             llvm::LLVMContext& context) {
  codegen::Input input{.program = &program, .indexes = c.indexes, .plan_slots = c.layout.plan_slot};
  return codegen::Generate(input, context);
}

// The target of the host, or nullptr and *error.
std::unique_ptr<llvm::TargetMachine> HostTarget(std::string* error) {
  InitializeLlvm();
  llvm::Expected<llvm::orc::JITTargetMachineBuilder> builder =
      llvm::orc::JITTargetMachineBuilder::detectHost();
  if (!builder) {
    *error = ToString(builder.takeError());
    return nullptr;
  }
  builder->setCodeGenOptLevel(llvm::CodeGenOptLevel::Default);
  llvm::Expected<std::unique_ptr<llvm::TargetMachine>> target = builder->createTargetMachine();
  if (!target) {
    *error = ToString(target.takeError());
    return nullptr;
  }
  return std::move(*target);
}

std::string CacheKey(const ir::Program& program, const Compiled& c,
                     const llvm::TargetMachine& target) {
  std::string text = kCodegenVersion;
  text += "\n" + BuildId() + "\n" + target.getTargetTriple().str() + "\n" +
          target.getTargetCPU().str() + "\n" + target.getTargetFeatureString().str() + "\n";
  text += ir::PrintIr(program);
  for (size_t m = 0; m < program.matchers.size(); ++m) {
    text += index::PrintIndex(program.matchers[m], c.indexes[m]);
    for (uint32_t s : c.layout.plan_slot[m]) text += " " + std::to_string(s);
    text += "\n";
  }
  return HashHex(text);
}

bool CompileObject(llvm::Module& module, llvm::TargetMachine& target,
                   llvm::SmallVectorImpl<char>& object, std::string* error) {
  llvm::raw_svector_ostream out(object);
  llvm::legacy::PassManager passes;
  if (target.addPassesToEmitFile(passes, out, nullptr, llvm::CodeGenFileType::ObjectFile)) {
    *error = "LLVM cannot emit object files for " + target.getTargetTriple().str();
    return false;
  }
  passes.run(module);
  return true;
}

using MatchFn = void (*)(codegen::MatchContext*);
using ConditionFn = int32_t (*)(codegen::MatchContext*);

class JitEngine final : public match::Engine {
 public:
  JitEngine(const ir::Program& program, const Compiled& compiled)
      : program_(program),
        compiled_(compiled),
        interpreter_(program),
        matchers_(program.matchers.size()) {
    host_.interpreter = &interpreter_;
  }

  // Builds what generated code reads besides the event: pattern sets, regexes, buffers.
  bool Prepare(std::string* error) {
    host_.regexes.resize(program_.matchers.size());
    for (uint32_t m = 0; m < program_.matchers.size(); ++m) {
      const ir::Matcher& matcher = program_.matchers[m];
      MatcherRuntime& rt = matchers_[m];
      for (const std::string& pattern : matcher.regexes) {
        RE2::Options options;
        options.set_log_errors(false);
        host_.regexes[m].push_back(std::make_unique<RE2>(pattern, options));
      }
      const index::MatcherIndex& index = compiled_.indexes[m];
      for (uint32_t node : index.pattern_sets) {
        std::vector<patterns::Pattern> list;
        for (const index::Pattern& p : index.nodes[node].patterns) {
          list.push_back(patterns::Pattern{.kind = ToPatternKind(p.kind), .text = p.text});
        }
        std::unique_ptr<patterns::PatternSet> set =
            patterns::PatternSet::Compile(std::move(list), error);
        if (!set) return false;
        rt.set_pointers.push_back(set.get());
        rt.sets.push_back(std::move(set));
      }
      uint32_t words = 0;
      codegen::ScratchOffsets(index, &words);
      rt.scratch.resize(words);
      rt.fired.resize(matcher.rules.size());
    }
    return true;
  }

  bool Link(std::unique_ptr<llvm::MemoryBuffer> object, std::string* error) {
    InitializeLlvm();
    llvm::Expected<std::unique_ptr<llvm::orc::LLJIT>> jit =
        llvm::orc::LLJITBuilder()
            .setLinkProcessSymbolsByDefault(false)
            .setPlatformSetUp(llvm::orc::setUpInactivePlatform)
            .create();
    if (!jit) {
      *error = ToString(jit.takeError());
      return false;
    }
    jit_ = std::move(*jit);
    // Failures surface as lookup errors; keep ORC from also printing them to stderr.
    jit_->getExecutionSession().setErrorReporter([this](llvm::Error e) {
      session_errors_ += (session_errors_.empty() ? "" : "; ") + ToString(std::move(e));
    });
    llvm::orc::SymbolMap symbols;
    for (auto [name, address] : HostFunctions()) {
      symbols[jit_->mangleAndIntern(name)] = llvm::orc::ExecutorSymbolDef(
          llvm::orc::ExecutorAddr::fromPtr(address),
          llvm::JITSymbolFlags::Exported | llvm::JITSymbolFlags::Callable);
    }
    if (llvm::Error e =
            jit_->getMainJITDylib().define(llvm::orc::absoluteSymbols(std::move(symbols)))) {
      *error = ToString(std::move(e));
      return false;
    }
    if (llvm::Error e = jit_->addObjectFile(std::move(object))) {
      *error = ToString(std::move(e));
      return false;
    }
    for (uint32_t m = 0; m < program_.matchers.size(); ++m) {
      for (bool backstop : {false, true}) {
        uint32_t root = backstop ? compiled_.indexes[m].backstop : compiled_.indexes[m].standard;
        if (root == index::MatcherIndex::kNoTree) continue;
        llvm::Expected<llvm::orc::ExecutorAddr> address =
            jit_->lookup(codegen::EntryName(m, backstop));
        if (!address) {
          *error = ToString(address.takeError());
          if (!session_errors_.empty()) *error += " (" + session_errors_ + ")";
          return false;
        }
        (backstop ? matchers_[m].backstop : matchers_[m].standard) = address->toPtr<MatchFn>();
      }
    }
    for (const ir::Workflow& workflow : program_.workflows) {
      for (uint32_t node : ir::ConditionNodes(workflow)) {
        llvm::Expected<llvm::orc::ExecutorAddr> address =
            jit_->lookup(codegen::ConditionName(workflow.matcher, node));
        if (!address) {
          *error = ToString(address.takeError());
          if (!session_errors_.empty()) *error += " (" + session_errors_ + ")";
          return false;
        }
        conditions_[{workflow.matcher, node}] = address->toPtr<ConditionFn>();
      }
    }
    return true;
  }

  const std::vector<events::DecoderPlan>& DecoderPlans() const override {
    return compiled_.layout.plans;
  }

  void Match(const events::DecodedEvent& event, std::vector<match::RuleRef>& out) override {
    if (event.plan_index >= compiled_.layout.matchers_of_plan.size()) return;
    host_.event = &event;
    codegen::MatchContext ctx;
    ctx.slots = event.slots.data();
    ctx.slot_count = event.slots.size();
    ctx.host = &host_;
    const std::vector<uint32_t>& matchers = compiled_.layout.matchers_of_plan[event.plan_index];
    size_t before = out.size();
    for (bool backstop : {false, true}) {
      if (backstop && out.size() != before) break;
      for (uint32_t m : matchers) {
        MatcherRuntime& rt = matchers_[m];
        MatchFn fn = backstop ? rt.backstop : rt.standard;
        if (fn == nullptr) continue;
        ctx.fired = rt.fired.data();
        ctx.fired_count = 0;
        ctx.pattern_sets = rt.set_pointers.data();
        ctx.scratch = rt.scratch.data();
        fn(&ctx);
        // In the tree's order: see Engine::Match.
        size_t at = out.size();
        out.resize(at + ctx.fired_count);
        for (uint32_t i = 0; i < ctx.fired_count; ++i) {
          out[at + i] = match::RuleRef{.matcher = m, .rule = rt.fired[i]};
        }
      }
    }
  }

  std::optional<bool> Holds(uint32_t matcher, uint32_t node,
                            const events::DecodedEvent& frame) override {
    auto it = conditions_.find({matcher, node});
    if (it == conditions_.end()) return std::nullopt;
    host_.event = &frame;
    codegen::MatchContext ctx;
    ctx.slots = frame.slots.data();
    ctx.slot_count = frame.slots.size();
    ctx.host = &host_;
    return it->second(&ctx) != 0;
  }

 private:
  struct MatcherRuntime {
    MatchFn standard = nullptr;
    MatchFn backstop = nullptr;
    std::vector<std::unique_ptr<patterns::PatternSet>> sets;
    std::vector<const void*> set_pointers;
    std::vector<uint32_t> scratch;
    std::vector<uint32_t> fired;  // one entry per rule: a rule fires at most once per event
  };

  const ir::Program& program_;
  Compiled compiled_;
  interp::Interpreter interpreter_;  // conditions that are not native, via squall_rt_eval
  HostState host_;
  std::vector<MatcherRuntime> matchers_;
  std::map<std::pair<uint32_t, uint32_t>, ConditionFn> conditions_;  // (matcher, node)
  std::unique_ptr<llvm::orc::LLJIT> jit_;
  std::string session_errors_;
};

}  // namespace

namespace {

// Compiles the module to an object: generate, optimize, select instructions.
bool CompileProgram(const ir::Program& program, const Compiled& compiled,
                    llvm::TargetMachine& target, llvm::SmallVectorImpl<char>& object, JitStats& s,
                    std::string* error) {
  Clock::time_point t = Clock::now();
  llvm::LLVMContext context;
  std::unique_ptr<llvm::Module> module = GenerateModule(program, compiled, context);
  module->setDataLayout(target.createDataLayout());
  module->setTargetTriple(target.getTargetTriple().str());
  s.codegen_ms = Ms(t);
  t = Clock::now();
  codegen::Optimize(*module, target);
  // Instruction selection dominates for large rule sets; LLVM's fast selector halves it for
  // code that is mostly compares, branches and stores (the structure is the index's).
  size_t instructions = 0;
  for (const llvm::Function& f : *module) instructions += f.getInstructionCount();
  target.setOptLevel(instructions > kFastCodegenInstructions ? llvm::CodeGenOptLevel::None
                                                             : llvm::CodeGenOptLevel::Default);
  bool ok = CompileObject(*module, target, object, error);
  s.optimize_ms = Ms(t);
  return ok;
}

}  // namespace

std::unique_ptr<match::Engine> CreateJitEngine(const ir::Program& program,
                                               const JitOptions& options, std::string* error,
                                               JitStats* stats) {
  JitStats local;
  JitStats& s = stats != nullptr ? *stats : local;
  if (!StringViewLayoutMatches()) {
    *error =
        "this C++ library lays out std::string_view differently from what the native matchers "
        "expect; use --no-jit";
    return nullptr;
  }
  if (sodium_init() < 0) {
    *error = "libsodium failed to initialize";
    return nullptr;
  }
  Clock::time_point start = Clock::now();
  Compiled compiled = Plan(program);
  std::unique_ptr<llvm::TargetMachine> target = HostTarget(error);
  if (!target) return nullptr;
  s.cache_key = CacheKey(program, compiled, *target);
  std::filesystem::path cache_path;
  if (!options.cache_dir.empty()) {
    cache_path = std::filesystem::path(options.cache_dir) / (s.cache_key + ".o");
  }
  std::optional<std::string> cached;
  if (!cache_path.empty()) cached = ReadCacheFile(cache_path);
  s.index_ms = Ms(start);
  llvm::SmallVector<char, 0> object;
  if (cached) {
    s.from_cache = true;
    object.assign(cached->begin(), cached->end());
  } else {
    if (!CompileProgram(program, compiled, *target, object, s, error)) return nullptr;
    if (!cache_path.empty())
      WriteCacheFile(cache_path, std::string_view(object.data(), object.size()));
  }
  // Links `object` into a new engine (the engine keeps a copy of the plan).
  auto link = [&](std::string* link_error) -> std::unique_ptr<JitEngine> {
    Clock::time_point t = Clock::now();
    auto engine = std::make_unique<JitEngine>(program, compiled);
    if (!engine->Prepare(link_error)) return nullptr;
    s.index_ms += Ms(t);
    t = Clock::now();
    auto buffer = llvm::MemoryBuffer::getMemBufferCopy(
        llvm::StringRef(object.data(), object.size()), "squall-matchers");
    if (!engine->Link(std::move(buffer), link_error)) return nullptr;
    s.link_ms = Ms(t);
    s.object_bytes = object.size();
    return engine;
  };
  std::unique_ptr<JitEngine> engine = link(error);
  if (!engine && s.from_cache) {
    // A damaged or foreign cache entry must not stick: drop it and compile afresh.
    std::error_code ec;
    std::filesystem::remove(cache_path, ec);
    s.from_cache = false;
    object.clear();
    if (!CompileProgram(program, compiled, *target, object, s, error)) return nullptr;
    WriteCacheFile(cache_path, std::string_view(object.data(), object.size()));
    engine = link(error);
  }
  return engine;
}

std::string DumpLlvm(const ir::Program& program, bool optimized) {
  Compiled compiled = Plan(program);
  llvm::LLVMContext context;
  std::unique_ptr<llvm::Module> module = GenerateModule(program, compiled, context);
  if (optimized) {
    std::string error;
    std::unique_ptr<llvm::TargetMachine> target = HostTarget(&error);
    if (target) {
      module->setDataLayout(target->createDataLayout());
      module->setTargetTriple(target->getTargetTriple().str());
      codegen::Optimize(*module, *target);
    }
  }
  std::string text;
  llvm::raw_string_ostream out(text);
  module->print(out, nullptr);
  return text;
}

std::string DumpIndex(const ir::Program& program) {
  std::string text;
  for (const ir::Matcher& m : program.matchers) {
    text += index::PrintIndex(m, index::BuildIndex(m));
  }
  return text;
}

// The GNU build id of the running executable (a hash of its contents that the linker
// records), as hex; the compile time of this file when the executable has none.
const std::string& BuildId() {
  static const std::string id = [] {
    std::string hex;
    dl_iterate_phdr(
        [](dl_phdr_info* info, size_t, void* data) -> int {
          auto* out = static_cast<std::string*>(data);
          for (int i = 0; i < info->dlpi_phnum; ++i) {
            const ElfW(Phdr)& ph = info->dlpi_phdr[i];
            if (ph.p_type != PT_NOTE) continue;
            const char* p = reinterpret_cast<const char*>(info->dlpi_addr + ph.p_vaddr);
            const char* end = p + ph.p_memsz;
            while (p + sizeof(ElfW(Nhdr)) <= end) {
              const auto* note = reinterpret_cast<const ElfW(Nhdr)*>(p);
              const char* name = p + sizeof(ElfW(Nhdr));
              const char* desc = name + ((note->n_namesz + 3) & ~3u);
              if (note->n_type == NT_GNU_BUILD_ID && note->n_namesz == 4 &&
                  std::memcmp(name, "GNU", 4) == 0 && desc + note->n_descsz <= end) {
                static constexpr char kHex[] = "0123456789abcdef";
                for (uint32_t b = 0; b < note->n_descsz; ++b) {
                  auto byte = static_cast<unsigned char>(desc[b]);
                  *out += kHex[byte >> 4];
                  *out += kHex[byte & 15];
                }
                return 1;
              }
              p = desc + ((note->n_descsz + 3) & ~3u);
            }
          }
          return 1;  // the first object is the executable: stop there
        },
        &hex);
    return hex.empty() ? std::string(__DATE__ " " __TIME__) : hex;
  }();
  return id;
}

std::string DefaultCacheDir() {
  if (const char* dir = std::getenv("SQUALL_JIT_CACHE"); dir != nullptr && *dir != 0) return dir;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg != nullptr && *xdg != 0) {
    return std::string(xdg) + "/squall/jit";
  }
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != 0) {
    return std::string(home) + "/.cache/squall/jit";
  }
  return {};
}

}  // namespace squall::jit
