#include "compiler/codegen/codegen.h"

#include <xxhash.h>

#include <bit>
#include <map>
#include <optional>

#include "compiler/codegen/abi.h"
#include "compiler/source/check.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/Intrinsics.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/Verifier.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"

namespace squall::codegen {
namespace {

using ir::Op;
using types::TypeKind;

// The kind of a value native code computes. Every native value may also be absent (its
// `present` flag); kNull is "always absent" (a `null` constant, arithmetic on mismatched kinds).
enum class VK : uint8_t { kNull, kBool, kInt, kFloat, kString, kDuration, kTime };

bool Numeric(VK k) { return k == VK::kInt || k == VK::kFloat; }

struct Val {
  VK kind = VK::kNull;
  llvm::Value* present = nullptr;  // i1
  llvm::Value* value = nullptr;    // i1, i64, double, or the string's data pointer
  llvm::Value* size = nullptr;     // strings: i64 byte count
};

// Dispatch on string keys with at most this many keys compares them in turn; more keys use a
// hash table (XXH3 at compile time and in generated code).
constexpr size_t kLinearStringKeys = 8;

class MatcherEmitter {
 public:
  MatcherEmitter(llvm::Module& module, const ir::Matcher& matcher, uint32_t matcher_index,
                 const index::MatcherIndex& index, const std::vector<uint32_t>& plan_slot)
      : c_(module.getContext()),
        module_(module),
        b_(c_),
        m_(matcher),
        matcher_index_(matcher_index),
        index_(index),
        plan_slot_(plan_slot),
        native_(matcher.nodes.size()) {
    uint32_t total = 0;
    scratch_offsets_ = ScratchOffsets(index, &total);
    i1_ = b_.getInt1Ty();
    i32_ = b_.getInt32Ty();
    i64_ = b_.getInt64Ty();
    f64_ = b_.getDoubleTy();
    ptr_ = llvm::PointerType::getUnqual(c_);
  }

  void EmitFunction(bool backstop) {
    uint32_t root = backstop ? index_.backstop : index_.standard;
    if (root == index::MatcherIndex::kNoTree) return;
    auto* type = llvm::FunctionType::get(b_.getVoidTy(), {ptr_}, false);
    fn_ = llvm::Function::Create(type, llvm::Function::ExternalLinkage,
                                 EntryName(matcher_index_, backstop), module_);
    fn_->addFnAttr(llvm::Attribute::NoUnwind);
    ctx_ = fn_->getArg(0);
    ctx_->setName("ctx");
    b_.SetInsertPoint(llvm::BasicBlock::Create(c_, "entry", fn_));
    slots_ = LoadField(kContextSlots, ptr_, "slots");
    EmitTree(root);
    b_.CreateRetVoid();
  }

  // `int32_t squall_m<N>_c<K>(ptr ctx)`: whether condition `node` holds for the frame.
  void EmitCondition(uint32_t node) {
    auto* type = llvm::FunctionType::get(i32_, {ptr_}, false);
    fn_ = llvm::Function::Create(type, llvm::Function::ExternalLinkage,
                                 ConditionName(matcher_index_, node), module_);
    fn_->addFnAttr(llvm::Attribute::NoUnwind);
    ctx_ = fn_->getArg(0);
    ctx_->setName("ctx");
    b_.SetInsertPoint(llvm::BasicBlock::Create(c_, "entry", fn_));
    slots_ = LoadField(kContextSlots, ptr_, "slots");
    b_.CreateRet(b_.CreateZExt(Condition(node), i32_));
  }

 private:
  // ---- Context and slots ----

  llvm::Value* FieldAddress(unsigned offset) {
    return b_.CreateConstInBoundsGEP1_64(b_.getInt8Ty(), ctx_, offset);
  }
  llvm::Value* LoadField(unsigned offset, llvm::Type* type, const char* name) {
    return b_.CreateLoad(type, FieldAddress(offset), name);
  }

  static std::optional<VK> SlotVK(const ir::Slot& slot) {
    if (slot.type == nullptr || !slot.default_json.empty()) return std::nullopt;
    switch (slot.type->NonOptional()->kind()) {
      case TypeKind::kBool:
        return VK::kBool;
      case TypeKind::kInt:
        return VK::kInt;
      case TypeKind::kFloat:
        return VK::kFloat;
      case TypeKind::kString:
        return VK::kString;
      case TypeKind::kDuration:
        return VK::kDuration;
      case TypeKind::kTime:
        return VK::kTime;
      default:
        return std::nullopt;
    }
  }

  // The slot's value; reading the union and text of an absent slot is harmless (the decoder
  // always writes whole slots), so no branch is needed.
  Val LoadSlot(uint32_t slot) {
    VK kind = *SlotVK(m_.slots[slot]);
    llvm::Value* base = b_.CreateConstInBoundsGEP1_64(
        b_.getInt8Ty(), slots_, static_cast<uint64_t>(plan_slot_[slot]) * kSlotSize);
    auto at = [&](unsigned offset) {
      return b_.CreateConstInBoundsGEP1_64(b_.getInt8Ty(), base, offset);
    };
    Val v{.kind = kind};
    v.present = b_.CreateICmpEQ(b_.CreateLoad(b_.getInt8Ty(), at(kSlotState)),
                                b_.getInt8(kSlotStatePresent), "present");
    switch (kind) {
      case VK::kBool:
        v.value = b_.CreateICmpNE(b_.CreateLoad(b_.getInt8Ty(), at(kSlotValue)), b_.getInt8(0));
        break;
      case VK::kFloat:
        v.value = b_.CreateLoad(f64_, at(kSlotValue));
        break;
      case VK::kString:
        v.size = b_.CreateLoad(i64_, at(kSlotTextSize), "size");
        v.value = b_.CreateLoad(ptr_, at(kSlotTextData), "data");
        break;
      default:
        v.value = b_.CreateLoad(i64_, at(kSlotValue));
        break;
    }
    return v;
  }

  // ---- Which nodes are native ----

  // The kind a node computes natively, or nullopt when it (or an operand) is not native.
  std::optional<VK> Kind(uint32_t n) {
    std::optional<std::optional<VK>>& memo = native_[n];
    if (!memo) memo = ComputeKind(n);
    return *memo;
  }

  std::span<const uint32_t> Operands(uint32_t n) const {
    const ir::Node& node = m_.nodes[n];
    return {m_.operands.data() + node.first_operand, node.operand_count};
  }

  static std::optional<VK> ConstKind(const ir::Constant& c) {
    switch (c.kind) {
      case ir::Constant::Kind::kNull:
        return VK::kNull;
      case ir::Constant::Kind::kBool:
        return VK::kBool;
      case ir::Constant::Kind::kInt:
        return VK::kInt;
      case ir::Constant::Kind::kFloat:
        return VK::kFloat;
      case ir::Constant::Kind::kString:
        return VK::kString;
      case ir::Constant::Kind::kDuration:
        return VK::kDuration;
      default:
        return std::nullopt;
    }
  }

  // A constant list or map whose elements (or keys) `in` can test natively.
  bool NativeCollection(uint32_t n) const {
    const ir::Node& node = m_.nodes[n];
    if (node.op != Op::kConst) return false;
    const ir::Constant& c = m_.constants[node.index];
    if (c.kind == ir::Constant::Kind::kMap) return true;
    if (c.kind != ir::Constant::Kind::kList) return false;
    for (const ir::Constant& e : c.elements) {
      if (!ConstKind(e)) return false;
    }
    return true;
  }

  std::optional<VK> ComputeKind(uint32_t n) {
    const ir::Node& node = m_.nodes[n];
    std::span<const uint32_t> ops = Operands(n);
    auto all_native = [&]() {
      for (uint32_t o : ops) {
        if (!Kind(o)) return false;
      }
      return true;
    };
    switch (node.op) {
      case Op::kConst:
        return ConstKind(m_.constants[node.index]);
      case Op::kSlot:
        return SlotVK(m_.slots[node.index]);
      case Op::kPresent:
      case Op::kNot:
      case Op::kAnd:
      case Op::kOr:
      case Op::kEq:
      case Op::kNe:
      case Op::kLt:
      case Op::kLe:
      case Op::kGt:
      case Op::kGe:
      case Op::kLike:
      case Op::kStartsWith:
      case Op::kEndsWith:
        return all_native() ? std::optional(VK::kBool) : std::nullopt;
      case Op::kIn:
        if (!Kind(ops[0])) return std::nullopt;
        if (NativeCollection(ops[1]) || Kind(ops[1]) == VK::kString) return VK::kBool;
        return std::nullopt;
      case Op::kMatches:
        if (node.operand_count != 1 || !Kind(ops[0])) return std::nullopt;
        return VK::kBool;
      case Op::kCoalesce: {
        std::optional<VK> a = Kind(ops[0]), b = Kind(ops[1]);
        if (!a || !b) return std::nullopt;
        if (*a == VK::kNull) return *b;
        if (*b == VK::kNull || *a == *b) return *a;
        return std::nullopt;  // the result's kind depends on presence
      }
      case Op::kNeg: {
        std::optional<VK> a = Kind(ops[0]);
        if (!a) return std::nullopt;
        return *a == VK::kInt || *a == VK::kFloat || *a == VK::kDuration ? *a : VK::kNull;
      }
      case Op::kAdd:
      case Op::kSub:
      case Op::kMul:
      case Op::kDiv:
      case Op::kMod: {
        std::optional<VK> a = Kind(ops[0]), b = Kind(ops[1]);
        if (!a || !b) return std::nullopt;
        return ArithmeticKind(node.op, *a, *b);
      }
      default:
        return std::nullopt;
    }
  }

  // The interpreter's Arithmetic() restricted to what native code computes.
  static std::optional<VK> ArithmeticKind(Op op, VK a, VK b) {
    if (a == VK::kNull || b == VK::kNull) return VK::kNull;
    bool ints = a == VK::kInt && b == VK::kInt;
    bool numbers = Numeric(a) && Numeric(b);
    switch (op) {
      case Op::kAdd:
        if (ints) return VK::kInt;
        if (numbers) return VK::kFloat;
        if (a == VK::kDuration && b == VK::kDuration) return VK::kDuration;
        if ((a == VK::kTime && b == VK::kDuration) || (a == VK::kDuration && b == VK::kTime)) {
          return VK::kTime;
        }
        return std::nullopt;  // strings (allocation): interpreter
      case Op::kSub:
        if (ints) return VK::kInt;
        if (numbers) return VK::kFloat;
        if (b == VK::kDuration && (a == VK::kDuration || a == VK::kTime)) return a;
        if (a == VK::kTime && b == VK::kTime) return VK::kDuration;
        return std::nullopt;
      case Op::kMul:
        if (ints) return VK::kInt;
        if (numbers) return VK::kFloat;
        return std::nullopt;
      case Op::kDiv:
        if (numbers) return VK::kFloat;
        return std::nullopt;
      case Op::kMod:
        if (ints || (a == VK::kDuration && b == VK::kDuration)) return a;
        if (numbers) return VK::kFloat;
        return std::nullopt;
      default:
        return std::nullopt;
    }
  }

  // ---- Native expressions ----

  llvm::Value* False() { return b_.getFalse(); }
  llvm::Value* True() { return b_.getTrue(); }

  Val Absent() { return Val{.kind = VK::kNull, .present = False(), .value = False()}; }

  Val Constant(const ir::Constant& c) {
    switch (c.kind) {
      case ir::Constant::Kind::kBool:
        return Val{VK::kBool, True(), b_.getInt1(c.boolean)};
      case ir::Constant::Kind::kInt:
        return Val{VK::kInt, True(), b_.getInt64(static_cast<uint64_t>(c.integer))};
      case ir::Constant::Kind::kFloat:
        return Val{VK::kFloat, True(), llvm::ConstantFP::get(f64_, c.number)};
      case ir::Constant::Kind::kDuration:
        return Val{VK::kDuration, True(), b_.getInt64(static_cast<uint64_t>(c.integer))};
      case ir::Constant::Kind::kString:
        return Val{VK::kString, True(), StringData(c.text), b_.getInt64(c.text.size())};
      default:
        return Absent();
    }
  }

  llvm::Value* StringData(const std::string& text) {
    llvm::GlobalVariable*& global = strings_[text];
    if (global == nullptr) global = b_.CreateGlobalString(text, "str", 0, &module_);
    return global;
  }

  llvm::Value* AsDouble(const Val& v) {
    return v.kind == VK::kInt ? b_.CreateSIToFP(v.value, f64_) : v.value;
  }

  // Truthiness: a present bool that is true.
  llvm::Value* Truthy(const Val& v) {
    if (v.kind != VK::kBool) return False();
    return b_.CreateAnd(v.present, v.value);
  }

  llvm::Value* Call(const char* name, llvm::Type* result, std::vector<llvm::Type*> params,
                    std::vector<llvm::Value*> args) {
    llvm::FunctionCallee callee =
        module_.getOrInsertFunction(name, llvm::FunctionType::get(result, params, false));
    return b_.CreateCall(callee, args);
  }

  llvm::Value* Memcmp(llvm::Value* a, llvm::Value* b, llvm::Value* size) {
    return Call("memcmp", i32_, {ptr_, ptr_, i64_}, {a, b, size});
  }

  // Two present strings' bytes equal. When one size is a constant, memcmp gets that constant
  // so that LLVM expands it into a few loads and compares instead of a call.
  llvm::Value* StringEqual(const Val& a, const Val& b) {
    llvm::Value* same_size = b_.CreateICmpEQ(a.size, b.size);
    llvm::Value* size = llvm::isa<llvm::Constant>(b.size) ? b.size : a.size;
    return ShortCircuit(same_size, /*and=*/true, [&] {
      return b_.CreateICmpEQ(Memcmp(a.value, b.value, size), b_.getInt32(0));
    });
  }

  // `first && rest()` or `first || rest()` with `rest` evaluated only when needed.
  template <typename F>
  llvm::Value* ShortCircuit(llvm::Value* first, bool and_, F rest) {
    llvm::BasicBlock* from = b_.GetInsertBlock();
    auto* more = llvm::BasicBlock::Create(c_, and_ ? "and.rhs" : "or.rhs", fn_);
    auto* done = llvm::BasicBlock::Create(c_, and_ ? "and.end" : "or.end", fn_);
    if (and_) {
      b_.CreateCondBr(first, more, done);
    } else {
      b_.CreateCondBr(first, done, more);
    }
    b_.SetInsertPoint(more);
    llvm::Value* second = rest();
    llvm::BasicBlock* more_end = b_.GetInsertBlock();
    b_.CreateBr(done);
    b_.SetInsertPoint(done);
    llvm::PHINode* phi = b_.CreatePHI(i1_, 2);
    phi->addIncoming(and_ ? False() : True(), from);
    phi->addIncoming(second, more_end);
    return phi;
  }

  // Equal(a, b) of the interpreter for two native values (false when either is absent).
  llvm::Value* Equal(const Val& a, const Val& b) {
    if (a.kind == VK::kNull || b.kind == VK::kNull) return False();
    llvm::Value* both = b_.CreateAnd(a.present, b.present);
    if (Numeric(a.kind) && Numeric(b.kind)) {
      return b_.CreateAnd(both, b_.CreateFCmpOEQ(AsDouble(a), AsDouble(b)));
    }
    if (a.kind != b.kind) return False();
    switch (a.kind) {
      case VK::kBool:
        return b_.CreateAnd(both, b_.CreateICmpEQ(a.value, b.value));
      case VK::kString:
        return ShortCircuit(both, true, [&] { return StringEqual(a, b); });
      default:
        return b_.CreateAnd(both, b_.CreateICmpEQ(a.value, b.value));
    }
  }

  // Compare(a, b) op 0, false when unordered (absent, different kinds, NaN).
  llvm::Value* Order(Op op, const Val& a, const Val& b) {
    if (a.kind == VK::kNull || b.kind == VK::kNull) return False();
    llvm::Value* both = b_.CreateAnd(a.present, b.present);
    if (Numeric(a.kind) && Numeric(b.kind)) {
      llvm::Value* x = AsDouble(a);
      llvm::Value* y = AsDouble(b);
      llvm::Value* r = op == Op::kLt   ? b_.CreateFCmpOLT(x, y)
                       : op == Op::kLe ? b_.CreateFCmpOLE(x, y)
                       : op == Op::kGt ? b_.CreateFCmpOGT(x, y)
                                       : b_.CreateFCmpOGE(x, y);
      return b_.CreateAnd(both, r);
    }
    if (a.kind != b.kind) return False();
    if (a.kind == VK::kDuration || a.kind == VK::kTime) {
      llvm::Value* r = op == Op::kLt   ? b_.CreateICmpSLT(a.value, b.value)
                       : op == Op::kLe ? b_.CreateICmpSLE(a.value, b.value)
                       : op == Op::kGt ? b_.CreateICmpSGT(a.value, b.value)
                                       : b_.CreateICmpSGE(a.value, b.value);
      return b_.CreateAnd(both, r);
    }
    if (a.kind != VK::kString) return False();
    // std::string::compare: the common prefix bytewise, then the shorter first.
    return ShortCircuit(both, true, [&] {
      llvm::Value* shorter = b_.CreateSelect(b_.CreateICmpULT(a.size, b.size), a.size, b.size);
      llvm::Value* prefix = Memcmp(a.value, b.value, shorter);
      llvm::Value* size_order = b_.CreateSelect(
          b_.CreateICmpULT(a.size, b.size), b_.getInt32(-1),
          b_.CreateSelect(b_.CreateICmpUGT(a.size, b.size), b_.getInt32(1), b_.getInt32(0)));
      llvm::Value* order =
          b_.CreateSelect(b_.CreateICmpNE(prefix, b_.getInt32(0)), prefix, size_order);
      llvm::Value* zero = b_.getInt32(0);
      return op == Op::kLt   ? b_.CreateICmpSLT(order, zero)
             : op == Op::kLe ? b_.CreateICmpSLE(order, zero)
             : op == Op::kGt ? b_.CreateICmpSGT(order, zero)
                             : b_.CreateICmpSGE(order, zero);
    });
  }

  llvm::Value* StringPredicate(Op op, const Val& text, const Val& pattern) {
    if (text.kind != VK::kString || pattern.kind != VK::kString) return False();
    llvm::Value* both = b_.CreateAnd(text.present, pattern.present);
    return ShortCircuit(both, true, [&]() -> llvm::Value* {
      switch (op) {
        case Op::kLike:
          return b_.CreateICmpNE(Call("squall_rt_glob", i32_, {ptr_, i64_, ptr_, i64_},
                                      {pattern.value, pattern.size, text.value, text.size}),
                                 b_.getInt32(0));
        case Op::kIn:  // pattern in text: substring
          return b_.CreateICmpNE(Call("squall_rt_contains", i32_, {ptr_, i64_, ptr_, i64_},
                                      {text.value, text.size, pattern.value, pattern.size}),
                                 b_.getInt32(0));
        default: {
          llvm::Value* fits = b_.CreateICmpUGE(text.size, pattern.size);
          return ShortCircuit(fits, true, [&] {
            llvm::Value* start = text.value;
            if (op == Op::kEndsWith) {
              start = b_.CreateInBoundsGEP(b_.getInt8Ty(), text.value,
                                           b_.CreateSub(text.size, pattern.size));
            }
            return b_.CreateICmpEQ(Memcmp(start, pattern.value, pattern.size), b_.getInt32(0));
          });
        }
      }
    });
  }

  Val Arithmetic(Op op, VK kind, const Val& a, const Val& b) {
    if (kind == VK::kNull) return Absent();
    llvm::Value* present = b_.CreateAnd(a.present, b.present);
    if (kind == VK::kFloat) {
      llvm::Value* x = AsDouble(a);
      llvm::Value* y = AsDouble(b);
      switch (op) {
        case Op::kAdd:
          return Val{kind, present, b_.CreateFAdd(x, y)};
        case Op::kSub:
          return Val{kind, present, b_.CreateFSub(x, y)};
        case Op::kMul:
          return Val{kind, present, b_.CreateFMul(x, y)};
        case Op::kDiv:
        case Op::kMod: {
          llvm::Value* nonzero = b_.CreateFCmpUNE(y, llvm::ConstantFP::get(f64_, 0.0));
          llvm::Value* value =
              op == Op::kDiv ? b_.CreateFDiv(x, y) : Call("fmod", f64_, {f64_, f64_}, {x, y});
          return Val{kind, b_.CreateAnd(present, nonzero), value};
        }
        default:
          return Absent();
      }
    }
    // Integers, durations and times: int64 with overflow making the result absent.
    if (op == Op::kMod) {
      llvm::Value* zero = b_.CreateICmpEQ(b.value, b_.getInt64(0));
      llvm::Value* overflow =
          b_.CreateAnd(b_.CreateICmpEQ(a.value, b_.getInt64(static_cast<uint64_t>(INT64_MIN))),
                       b_.CreateICmpEQ(b.value, b_.getInt64(static_cast<uint64_t>(-1))));
      llvm::Value* ok = b_.CreateNot(b_.CreateOr(zero, overflow));
      // Divide by 1 when the result is absent anyway, so the instruction never traps.
      llvm::Value* divisor = b_.CreateSelect(ok, b.value, b_.getInt64(1));
      return Val{kind, b_.CreateAnd(present, ok), b_.CreateSRem(a.value, divisor)};
    }
    llvm::Intrinsic::ID id = op == Op::kAdd   ? llvm::Intrinsic::sadd_with_overflow
                             : op == Op::kSub ? llvm::Intrinsic::ssub_with_overflow
                                              : llvm::Intrinsic::smul_with_overflow;
    llvm::Value* result = b_.CreateBinaryIntrinsic(id, a.value, b.value);
    llvm::Value* overflow = b_.CreateExtractValue(result, 1);
    return Val{kind, b_.CreateAnd(present, b_.CreateNot(overflow)),
               b_.CreateExtractValue(result, 0)};
  }

  Val Emit(uint32_t n) {
    const ir::Node& node = m_.nodes[n];
    std::span<const uint32_t> ops = Operands(n);
    auto boolean = [&](llvm::Value* v) { return Val{VK::kBool, True(), v}; };
    switch (node.op) {
      case Op::kConst:
        return Constant(m_.constants[node.index]);
      case Op::kSlot:
        return LoadSlot(node.index);
      case Op::kPresent: {
        Val v = Emit(ops[0]);
        return boolean(v.kind == VK::kNull ? False() : v.present);
      }
      case Op::kNot:
        return boolean(b_.CreateNot(Truthy(Emit(ops[0]))));
      case Op::kAnd:
      case Op::kOr: {
        bool and_ = node.op == Op::kAnd;
        llvm::Value* result = Truthy(Emit(ops[0]));
        for (size_t i = 1; i < ops.size(); ++i) {
          uint32_t operand = ops[i];
          result = ShortCircuit(result, and_, [&] { return Truthy(Emit(operand)); });
        }
        return boolean(result);
      }
      case Op::kEq:
        return boolean(Equal(Emit(ops[0]), Emit(ops[1])));
      case Op::kNe: {
        Val a = Emit(ops[0]);
        Val b = Emit(ops[1]);
        // Not (both present and equal): Equal is false when either is absent.
        return boolean(b_.CreateNot(Equal(a, b)));
      }
      case Op::kLt:
      case Op::kLe:
      case Op::kGt:
      case Op::kGe: {
        Val a = Emit(ops[0]);
        Val b = Emit(ops[1]);
        return boolean(Order(node.op, a, b));
      }
      case Op::kIn:
        return boolean(In(ops[0], ops[1]));
      case Op::kLike:
      case Op::kStartsWith:
      case Op::kEndsWith: {
        Val text = Emit(ops[0]);
        Val pattern = Emit(ops[1]);
        return boolean(StringPredicate(node.op, text, pattern));
      }
      case Op::kMatches: {
        Val text = Emit(ops[0]);
        if (text.kind != VK::kString) return boolean(False());
        return boolean(ShortCircuit(text.present, true, [&] {
          llvm::Value* host = LoadField(kContextHost, ptr_, "host");
          return b_.CreateICmpNE(Call("squall_rt_regex", i32_, {ptr_, i32_, i32_, ptr_, i64_},
                                      {host, b_.getInt32(matcher_index_), b_.getInt32(node.index),
                                       text.value, text.size}),
                                 b_.getInt32(0));
        }));
      }
      case Op::kCoalesce: {
        Val a = Emit(ops[0]);
        Val b = Emit(ops[1]);
        if (a.kind == VK::kNull) return b;
        if (b.kind == VK::kNull) return a;
        Val out{.kind = a.kind};
        out.present = b_.CreateOr(a.present, b.present);
        out.value = b_.CreateSelect(a.present, a.value, b.value);
        if (a.kind == VK::kString) out.size = b_.CreateSelect(a.present, a.size, b.size);
        return out;
      }
      case Op::kNeg: {
        Val a = Emit(ops[0]);
        if (a.kind == VK::kFloat) return Val{a.kind, a.present, b_.CreateFNeg(a.value)};
        if (a.kind == VK::kInt || a.kind == VK::kDuration) {
          llvm::Value* min =
              b_.CreateICmpEQ(a.value, b_.getInt64(static_cast<uint64_t>(INT64_MIN)));
          return Val{a.kind, b_.CreateAnd(a.present, b_.CreateNot(min)), b_.CreateNeg(a.value)};
        }
        return Absent();
      }
      case Op::kAdd:
      case Op::kSub:
      case Op::kMul:
      case Op::kDiv:
      case Op::kMod: {
        Val a = Emit(ops[0]);
        Val b = Emit(ops[1]);
        return Arithmetic(node.op, *Kind(n), a, b);
      }
      default:
        SQUALL_CHECK(false, "emitting a node that is not native");
        return Absent();
    }
  }

  // `item in collection`: a constant list or map, or a string (substring).
  llvm::Value* In(uint32_t item_node, uint32_t collection_node) {
    Val item = Emit(item_node);
    if (item.kind == VK::kNull) return False();
    const ir::Node& coll = m_.nodes[collection_node];
    if (coll.op == Op::kConst && (m_.constants[coll.index].kind == ir::Constant::Kind::kList ||
                                  m_.constants[coll.index].kind == ir::Constant::Kind::kMap)) {
      const ir::Constant& c = m_.constants[coll.index];
      llvm::Value* result = False();
      if (c.kind == ir::Constant::Kind::kList) {
        for (const ir::Constant& e : c.elements) {
          result = ShortCircuit(result, false, [&] { return Equal(Constant(e), item); });
        }
      } else if (item.kind == VK::kString) {
        for (const std::string& key : c.keys) {
          result = ShortCircuit(result, false, [&] {
            return Equal(Constant(ir::Constant{.kind = ir::Constant::Kind::kString, .text = key}),
                         item);
          });
        }
      }
      return result;
    }
    Val text = Emit(collection_node);
    return StringPredicate(Op::kIn, text, item);
  }

  // A conjunct's truth: native code, or the interpreter through the host.
  llvm::Value* Condition(uint32_t node) {
    if (Kind(node)) return Truthy(Emit(node));
    llvm::Value* host = LoadField(kContextHost, ptr_, "host");
    llvm::Value* result = Call("squall_rt_eval", i32_, {ptr_, i32_, i32_},
                               {host, b_.getInt32(matcher_index_), b_.getInt32(node)});
    return b_.CreateICmpNE(result, b_.getInt32(0));
  }

  // ---- The decision tree ----

  llvm::BasicBlock* Block(const char* name) { return llvm::BasicBlock::Create(c_, name, fn_); }

  void Fire(uint32_t rule) {
    llvm::Value* fired = LoadField(kContextFired, ptr_, "fired");
    llvm::Value* count_address = FieldAddress(kContextFiredCount);
    llvm::Value* count = b_.CreateLoad(i32_, count_address, "count");
    b_.CreateStore(b_.getInt32(rule),
                   b_.CreateInBoundsGEP(i32_, fired, b_.CreateZExt(count, i64_)));
    b_.CreateStore(b_.CreateAdd(count, b_.getInt32(1)), count_address);
  }

  // The size of a subtree: its nodes, rules and residual conjuncts.
  size_t Weight(uint32_t n) {
    if (weights_.empty()) weights_.assign(index_.nodes.size(), 0);
    if (weights_[n] != 0) return weights_[n];
    const index::TreeNode& node = index_.nodes[n];
    size_t w = 1;
    for (uint32_t child : node.children) w += Weight(child);
    for (const index::LeafRule& r : node.rules) w += 1 + r.residuals.size();
    return weights_[n] = w;
  }

  // LLVM's CFG simplification and code generation are superlinear in a function's blocks, so
  // one function holding 10,000 rules takes seconds to compile. Large subtrees become functions
  // of their own, and the cases of a node with many of them are spread over functions of
  // kChunkCases cases each (a function per case would pay LLVM's per-function overhead
  // thousands of times). Costs a call per event on the path taken.
  static constexpr size_t kOutlineWeight = 256;
  static constexpr size_t kChunkCases = 32;

  void EmitChild(uint32_t child) {
    if (Weight(child) > kOutlineWeight) {
      llvm::Function* callee = NewFunction("_node" + std::to_string(child), {});
      EmitTree(child);
      b_.CreateRetVoid();
      FinishFunction(callee, {});
    } else {
      EmitTree(child);
    }
  }

  struct SavedFunction {
    llvm::IRBuilderBase::InsertPoint ip;
    llvm::Function* fn;
    llvm::Value* ctx;
    llvm::Value* slots;
  };
  std::vector<SavedFunction> saved_;

  // Starts an internal function `void (ptr ctx, extra...)` and makes it the current one.
  llvm::Function* NewFunction(const std::string& suffix, std::vector<llvm::Type*> extra) {
    saved_.push_back(SavedFunction{b_.saveIP(), fn_, ctx_, slots_});
    std::vector<llvm::Type*> params = {ptr_};
    params.insert(params.end(), extra.begin(), extra.end());
    auto* type = llvm::FunctionType::get(b_.getVoidTy(), params, false);
    llvm::Function* callee =
        llvm::Function::Create(type, llvm::Function::InternalLinkage,
                               "squall_m" + std::to_string(matcher_index_) + suffix, module_);
    callee->addFnAttr(llvm::Attribute::NoUnwind);
    callee->addFnAttr(llvm::Attribute::NoInline);
    callee->setCallingConv(llvm::CallingConv::Fast);
    fn_ = callee;
    ctx_ = callee->getArg(0);
    b_.SetInsertPoint(llvm::BasicBlock::Create(c_, "entry", callee));
    slots_ = LoadField(kContextSlots, ptr_, "slots");
    return callee;
  }

  // Returns to the caller's function and emits the call there.
  llvm::CallInst* FinishFunction(llvm::Function* callee, std::vector<llvm::Value*> extra) {
    SavedFunction s = saved_.back();
    saved_.pop_back();
    fn_ = s.fn;
    ctx_ = s.ctx;
    slots_ = s.slots;
    b_.restoreIP(s.ip);
    std::vector<llvm::Value*> args = {ctx_};
    args.insert(args.end(), extra.begin(), extra.end());
    llvm::CallInst* call = b_.CreateCall(callee, args);
    call->setCallingConv(llvm::CallingConv::Fast);
    return call;
  }

  // Emits a subtree at the insertion point; control continues at the new insertion point.
  void EmitTree(uint32_t n) {
    const index::TreeNode& node = index_.nodes[n];
    switch (node.kind) {
      case index::TreeNode::Kind::kSeq:
        for (uint32_t child : node.children) EmitTree(child);
        return;
      case index::TreeNode::Kind::kLeaf:
        EmitLeaf(node);
        return;
      case index::TreeNode::Kind::kDispatch:
        EmitDispatch(node);
        return;
      case index::TreeNode::Kind::kPatterns:
        EmitPatterns(node);
        return;
      case index::TreeNode::Kind::kThreshold:
        EmitThresholds(node);
        return;
    }
  }

  // Rules without residual conjuncts fire together: their indices are one constant array
  // appended with a memcpy (a few vector stores), not a store per rule.
  void EmitLeaf(const index::TreeNode& node) {
    std::vector<uint32_t> unconditional;
    for (const index::LeafRule& r : node.rules) {
      if (r.residuals.empty()) unconditional.push_back(r.rule);
    }
    if (unconditional.size() == 1) Fire(unconditional[0]);
    if (unconditional.size() > 1) FireAll(unconditional);
    for (const index::LeafRule& r : node.rules) {
      if (!r.residuals.empty()) EmitRule(r);
    }
  }

  void FireAll(const std::vector<uint32_t>& rules) {
    auto* type = llvm::ArrayType::get(i32_, rules.size());
    auto* data = llvm::ConstantDataArray::get(c_, llvm::ArrayRef<uint32_t>(rules));
    auto* global = new llvm::GlobalVariable(module_, type, true, llvm::GlobalValue::PrivateLinkage,
                                            data, "rules");
    global->setUnnamedAddr(llvm::GlobalValue::UnnamedAddr::Global);
    llvm::Value* fired = LoadField(kContextFired, ptr_, "fired");
    llvm::Value* count_address = FieldAddress(kContextFiredCount);
    llvm::Value* count = b_.CreateLoad(i32_, count_address, "count");
    b_.CreateMemCpy(b_.CreateInBoundsGEP(i32_, fired, b_.CreateZExt(count, i64_)),
                    llvm::MaybeAlign(4), global, llvm::MaybeAlign(4),
                    rules.size() * sizeof(uint32_t));
    b_.CreateStore(b_.CreateAdd(count, b_.getInt32(static_cast<uint32_t>(rules.size()))),
                   count_address);
  }

  void EmitRule(const index::LeafRule& r) {
    const ir::RuleMatch& rule = m_.rules[r.rule];
    llvm::BasicBlock* next = Block("rule.next");
    for (uint32_t c : r.residuals) {
      llvm::BasicBlock* holds = Block("holds");
      b_.CreateCondBr(Condition(rule.conjuncts[c].node.index), holds, next);
      b_.SetInsertPoint(holds);
    }
    Fire(r.rule);
    b_.CreateBr(next);
    b_.SetInsertPoint(next);
  }

  // Runs child `i` of `node` in its own block, then continues at `after`.
  std::vector<llvm::BasicBlock*> CaseBlocks(const index::TreeNode& node, llvm::BasicBlock* after) {
    std::vector<llvm::BasicBlock*> blocks;
    llvm::BasicBlock* saved = b_.GetInsertBlock();
    bool chunked = node.children.size() > kChunkCases;
    std::vector<llvm::Function*> chunks;
    if (chunked) {
      for (size_t first = 0; first < node.children.size(); first += kChunkCases) {
        chunks.push_back(ChunkFunction(node, first));
      }
    }
    for (size_t i = 0; i < node.children.size(); ++i) {
      llvm::BasicBlock* block = Block("case");
      blocks.push_back(block);
      b_.SetInsertPoint(block);
      if (chunked) {
        llvm::CallInst* call =
            b_.CreateCall(chunks[i / kChunkCases], {ctx_, b_.getInt32(static_cast<uint32_t>(i))});
        call->setCallingConv(llvm::CallingConv::Fast);
      } else {
        EmitChild(node.children[i]);
      }
      b_.CreateBr(after);
    }
    b_.SetInsertPoint(saved);
    return blocks;
  }

  // `void chunk(ptr ctx, i32 case)`: the children [first, first + kChunkCases) of `node`.
  llvm::Function* ChunkFunction(const index::TreeNode& node, size_t first) {
    size_t last = std::min(node.children.size(), first + kChunkCases);
    llvm::Function* fn =
        NewFunction("_chunk" + std::to_string(chunk_count_++), {static_cast<llvm::Type*>(i32_)});
    llvm::BasicBlock* done = Block("chunk.end");
    llvm::SwitchInst* sw =
        b_.CreateSwitch(fn->getArg(1), done, static_cast<unsigned>(last - first));
    for (size_t i = first; i < last; ++i) {
      llvm::BasicBlock* block = Block("case");
      sw->addCase(b_.getInt32(static_cast<uint32_t>(i)), block);
      b_.SetInsertPoint(block);
      EmitChild(node.children[i]);
      b_.CreateBr(done);
    }
    b_.SetInsertPoint(done);
    b_.CreateRetVoid();
    // Back in the caller, without a call: CaseBlocks calls the chunk per case.
    SavedFunction s = saved_.back();
    saved_.pop_back();
    fn_ = s.fn;
    ctx_ = s.ctx;
    slots_ = s.slots;
    b_.restoreIP(s.ip);
    return fn;
  }

  void EmitDispatch(const index::TreeNode& node) {
    Val v = LoadSlot(node.slot);
    llvm::BasicBlock* after = Block("dispatch.end");
    std::vector<llvm::BasicBlock*> cases = CaseBlocks(node, after);
    llvm::BasicBlock* test = Block("dispatch");
    b_.CreateCondBr(v.present, test, after);
    b_.SetInsertPoint(test);
    if (v.kind == VK::kString) {
      if (node.keys.size() <= kLinearStringKeys) {
        // Size first, then the bytes (memcmp of a constant size: a few loads).
        for (size_t i = 0; i < node.keys.size(); ++i) {
          const std::string& key = node.keys[i].text;
          llvm::BasicBlock* bytes = Block("dispatch.bytes");
          llvm::BasicBlock* next = Block("dispatch.next");
          b_.CreateCondBr(b_.CreateICmpEQ(v.size, b_.getInt64(key.size())), bytes, next);
          b_.SetInsertPoint(bytes);
          llvm::Value* same = b_.CreateICmpEQ(
              Memcmp(v.value, StringData(key), b_.getInt64(key.size())), b_.getInt32(0));
          b_.CreateCondBr(same, cases[i], next);
          b_.SetInsertPoint(next);
        }
        b_.CreateBr(after);
      } else {
        EmitStringTable(node, v, cases, after);
      }
    } else {
      llvm::Value* key = v.value;
      if (v.kind == VK::kBool) {
        key = b_.CreateZExt(v.value, i64_);
      } else if (Numeric(v.kind)) {
        // Keys are the bits of the double (index::NumberKeyBits): -0.0 reads as 0.0.
        llvm::Value* d = AsDouble(v);
        llvm::Value* zero = llvm::ConstantFP::get(f64_, 0.0);
        d = b_.CreateSelect(b_.CreateFCmpOEQ(d, zero), zero, d);
        key = b_.CreateBitCast(d, i64_);
      }
      llvm::SwitchInst* sw = b_.CreateSwitch(key, after, static_cast<unsigned>(cases.size()));
      for (size_t i = 0; i < node.keys.size(); ++i) {
        sw->addCase(b_.getInt64(static_cast<uint64_t>(node.keys[i].integer)), cases[i]);
      }
    }
    b_.SetInsertPoint(after);
  }

  // Open addressing over XXH3 hashes computed now; generated code hashes the slot's text with
  // the same function and probes until an empty entry.
  void EmitStringTable(const index::TreeNode& node, const Val& v,
                       const std::vector<llvm::BasicBlock*>& cases, llvm::BasicBlock* after) {
    size_t capacity = 1;
    while (capacity < node.keys.size() * 2) capacity <<= 1;
    struct Entry {
      uint64_t hash = 0;
      uint64_t offset = 0;
      uint32_t size = 0;
      uint32_t case_index = UINT32_MAX;
    };
    std::vector<Entry> entries(capacity);
    std::string blob;
    for (size_t i = 0; i < node.keys.size(); ++i) {
      const std::string& text = node.keys[i].text;
      uint64_t hash = XXH3_64bits(text.data(), text.size());
      size_t slot = hash & (capacity - 1);
      while (entries[slot].case_index != UINT32_MAX) slot = (slot + 1) & (capacity - 1);
      entries[slot] =
          Entry{hash, blob.size(), static_cast<uint32_t>(text.size()), static_cast<uint32_t>(i)};
      blob += text;
    }
    auto* entry_type = llvm::StructType::get(c_, {i64_, i64_, i32_, i32_});
    std::vector<llvm::Constant*> rows;
    for (const Entry& e : entries) {
      rows.push_back(
          llvm::ConstantStruct::get(entry_type, {b_.getInt64(e.hash), b_.getInt64(e.offset),
                                                 b_.getInt32(e.size), b_.getInt32(e.case_index)}));
    }
    auto* table_type = llvm::ArrayType::get(entry_type, capacity);
    auto* table =
        new llvm::GlobalVariable(module_, table_type, true, llvm::GlobalValue::PrivateLinkage,
                                 llvm::ConstantArray::get(table_type, rows), "keys");
    llvm::Value* keys = StringData(blob);
    llvm::Value* hash = Call("XXH3_64bits", i64_, {ptr_, i64_}, {v.value, v.size});
    llvm::Value* mask = b_.getInt64(capacity - 1);
    llvm::Value* start = b_.CreateAnd(hash, mask);
    llvm::BasicBlock* entry_block = b_.GetInsertBlock();
    llvm::BasicBlock* probe = Block("probe");
    llvm::BasicBlock* check = Block("probe.check");
    llvm::BasicBlock* compare = Block("probe.compare");
    llvm::BasicBlock* next = Block("probe.next");
    llvm::BasicBlock* found = Block("probe.found");
    b_.CreateBr(probe);
    b_.SetInsertPoint(probe);
    llvm::PHINode* slot = b_.CreatePHI(i64_, 2, "slot");
    slot->addIncoming(start, entry_block);
    auto field = [&](unsigned i) {
      return b_.CreateLoad(
          entry_type->getElementType(i),
          b_.CreateInBoundsGEP(table_type, table, {b_.getInt64(0), slot, b_.getInt32(i)}));
    };
    llvm::Value* case_index = field(3);
    b_.CreateCondBr(b_.CreateICmpEQ(case_index, b_.getInt32(UINT32_MAX)), after, check);
    b_.SetInsertPoint(check);
    llvm::Value* same = b_.CreateAnd(b_.CreateICmpEQ(field(0), hash),
                                     b_.CreateICmpEQ(b_.CreateZExt(field(2), i64_), v.size));
    b_.CreateCondBr(same, compare, next);
    b_.SetInsertPoint(compare);
    llvm::Value* key = b_.CreateInBoundsGEP(b_.getInt8Ty(), keys, field(1));
    b_.CreateCondBr(b_.CreateICmpEQ(Memcmp(key, v.value, v.size), b_.getInt32(0)), found, next);
    b_.SetInsertPoint(next);
    slot->addIncoming(b_.CreateAnd(b_.CreateAdd(slot, b_.getInt64(1)), mask), next);
    b_.CreateBr(probe);
    b_.SetInsertPoint(found);
    llvm::SwitchInst* sw = b_.CreateSwitch(case_index, after, static_cast<unsigned>(cases.size()));
    for (size_t i = 0; i < cases.size(); ++i) {
      sw->addCase(b_.getInt32(static_cast<uint32_t>(i)), cases[i]);
    }
  }

  void EmitPatterns(const index::TreeNode& node) {
    Val v = LoadSlot(node.slot);
    llvm::BasicBlock* after = Block("patterns.end");
    llvm::BasicBlock* scan = Block("patterns");
    b_.CreateCondBr(v.present, scan, after);
    b_.SetInsertPoint(scan);
    llvm::Value* sets = LoadField(kContextPatternSets, ptr_, "sets");
    llvm::Value* set =
        b_.CreateLoad(ptr_, b_.CreateConstInBoundsGEP1_64(ptr_, sets, node.pattern_set), "set");
    llvm::Value* scratch = b_.CreateConstInBoundsGEP1_64(
        i32_, LoadField(kContextScratch, ptr_, "scratch"), scratch_offsets_[node.pattern_set]);
    llvm::Value* count = Call("squall_rt_pattern_scan", i32_, {ptr_, ptr_, i64_, ptr_},
                              {set, v.value, v.size, scratch});
    llvm::BasicBlock* loop = Block("patterns.loop");
    llvm::BasicBlock* body = Block("patterns.body");
    llvm::BasicBlock* latch = Block("patterns.latch");
    llvm::BasicBlock* from = b_.GetInsertBlock();
    b_.CreateBr(loop);
    b_.SetInsertPoint(loop);
    llvm::PHINode* i = b_.CreatePHI(i32_, 2, "i");
    i->addIncoming(b_.getInt32(0), from);
    b_.CreateCondBr(b_.CreateICmpULT(i, count), body, after);
    b_.SetInsertPoint(body);
    llvm::Value* id =
        b_.CreateLoad(i32_, b_.CreateInBoundsGEP(i32_, scratch, b_.CreateZExt(i, i64_)), "id");
    std::vector<llvm::BasicBlock*> cases = CaseBlocks(node, latch);
    llvm::SwitchInst* sw = b_.CreateSwitch(id, latch, static_cast<unsigned>(cases.size()));
    for (size_t k = 0; k < cases.size(); ++k) {
      sw->addCase(b_.getInt32(static_cast<uint32_t>(k)), cases[k]);
    }
    b_.SetInsertPoint(latch);
    i->addIncoming(b_.CreateAdd(i, b_.getInt32(1)), latch);
    b_.CreateBr(loop);
    b_.SetInsertPoint(after);
  }

  void EmitThresholds(const index::TreeNode& node) {
    Val v = LoadSlot(node.slot);
    llvm::BasicBlock* after = Block("thresholds.end");
    llvm::Value* value = node.integer_domain ? v.value : AsDouble(v);
    llvm::BasicBlock* first = Block("threshold");
    b_.CreateCondBr(v.present, first, after);
    b_.SetInsertPoint(first);
    // Walk the tests in order until one fails: the ones that hold are a prefix (index.h).
    for (size_t i = 0; i < node.thresholds.size(); ++i) {
      const index::Threshold& t = node.thresholds[i];
      llvm::Value* holds;
      if (node.integer_domain) {
        llvm::Value* bound = b_.getInt64(static_cast<uint64_t>(t.integer));
        holds =
            node.lower_bounds
                ? (t.inclusive ? b_.CreateICmpSGE(value, bound) : b_.CreateICmpSGT(value, bound))
                : (t.inclusive ? b_.CreateICmpSLE(value, bound) : b_.CreateICmpSLT(value, bound));
      } else {
        llvm::Value* bound = llvm::ConstantFP::get(f64_, t.number);
        holds =
            node.lower_bounds
                ? (t.inclusive ? b_.CreateFCmpOGE(value, bound) : b_.CreateFCmpOGT(value, bound))
                : (t.inclusive ? b_.CreateFCmpOLE(value, bound) : b_.CreateFCmpOLT(value, bound));
      }
      llvm::BasicBlock* body = Block("threshold.holds");
      b_.CreateCondBr(holds, body, after);
      b_.SetInsertPoint(body);
      EmitChild(node.children[i]);
    }
    b_.CreateBr(after);
    b_.SetInsertPoint(after);
  }

  llvm::LLVMContext& c_;
  llvm::Module& module_;
  llvm::IRBuilder<> b_;
  const ir::Matcher& m_;
  uint32_t matcher_index_;
  const index::MatcherIndex& index_;
  const std::vector<uint32_t>& plan_slot_;
  std::vector<std::optional<std::optional<VK>>> native_;  // memo of Kind()
  std::vector<uint32_t> scratch_offsets_;
  std::vector<size_t> weights_;  // memo of Weight()
  uint32_t chunk_count_ = 0;
  std::map<std::string, llvm::GlobalVariable*> strings_;  // one global per distinct text
  llvm::Type* i1_ = nullptr;
  llvm::IntegerType* i32_ = nullptr;
  llvm::IntegerType* i64_ = nullptr;
  llvm::Type* f64_ = nullptr;
  llvm::PointerType* ptr_ = nullptr;
  llvm::Function* fn_ = nullptr;
  llvm::Value* ctx_ = nullptr;
  llvm::Value* slots_ = nullptr;
};

}  // namespace

std::string EntryName(uint32_t matcher, bool backstop) {
  return "squall_m" + std::to_string(matcher) + (backstop ? "_backstop" : "_std");
}

std::string ConditionName(uint32_t matcher, uint32_t node) {
  return "squall_m" + std::to_string(matcher) + "_c" + std::to_string(node);
}

std::vector<uint32_t> ScratchOffsets(const index::MatcherIndex& index, uint32_t* total_words) {
  std::vector<uint32_t> offsets;
  uint32_t total = 0;
  for (uint32_t node : index.pattern_sets) {
    offsets.push_back(total);
    total += static_cast<uint32_t>(index.nodes[node].patterns.size());
  }
  *total_words = total;
  return offsets;
}

std::unique_ptr<llvm::Module> Generate(const Input& input, llvm::LLVMContext& context) {
  auto module = std::make_unique<llvm::Module>("squall", context);
  for (uint32_t m = 0; m < input.program->matchers.size(); ++m) {
    MatcherEmitter emitter(*module, input.program->matchers[m], m, input.indexes[m],
                           input.plan_slots[m]);
    emitter.EmitFunction(/*backstop=*/false);
    emitter.EmitFunction(/*backstop=*/true);
  }
  for (const ir::Workflow& workflow : input.program->workflows) {
    uint32_t m = workflow.matcher;
    MatcherEmitter emitter(*module, input.program->matchers[m], m, input.indexes[m],
                           input.plan_slots[m]);
    for (uint32_t node : ir::ConditionNodes(workflow)) emitter.EmitCondition(node);
  }
  std::string problems;
  llvm::raw_string_ostream stream(problems);
  if (llvm::verifyModule(*module, &stream)) {
    llvm::errs() << problems << "\n";
    SQUALL_CHECK(false, "generated module is invalid");
  }
  return module;
}

void Optimize(llvm::Module& module, llvm::TargetMachine& target) {
  llvm::LoopAnalysisManager loops;
  llvm::FunctionAnalysisManager functions;
  llvm::CGSCCAnalysisManager cgscc;
  llvm::ModuleAnalysisManager modules;
  llvm::PassBuilder builder(&target);
  builder.registerModuleAnalyses(modules);
  builder.registerCGSCCAnalyses(cgscc);
  builder.registerFunctionAnalyses(functions);
  builder.registerLoopAnalyses(loops);
  builder.crossRegisterProxies(loops, functions, cgscc, modules);
  llvm::ModulePassManager pipeline =
      builder.buildPerModuleDefaultPipeline(llvm::OptimizationLevel::O2);
  pipeline.run(module, modules);
}

}  // namespace squall::codegen
