#include "runtime/interp/interpreter.h"

#include <re2/re2.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <ctime>
#include <random>

#include "compiler/check/checked_program.h"
#include "compiler/check/glob.h"
#include "compiler/shell/shell_quote.h"
#include "runtime/events/time_text.h"

namespace squall::interp {

using ir::Op;
using K = Value::Kind;

namespace {

Value FromConstant(const ir::Constant& c) {
  switch (c.kind) {
    case ir::Constant::Kind::kNull:
      return Value::Absent();
    case ir::Constant::Kind::kBool:
      return Value::Bool(c.boolean);
    case ir::Constant::Kind::kInt:
      return Value::Int(c.integer);
    case ir::Constant::Kind::kFloat:
      return Value::Float(c.number);
    case ir::Constant::Kind::kString:
      return Value::String(c.text);
    case ir::Constant::Kind::kDuration:
      return Value::Duration(c.integer);
    case ir::Constant::Kind::kList:
    case ir::Constant::Kind::kMap: {
      Value out;
      out.kind = c.kind == ir::Constant::Kind::kList ? K::kList : K::kMap;
      for (const ir::Constant& e : c.elements) out.elements.push_back(FromConstant(e));
      out.keys = c.keys;
      return out;
    }
  }
  return Value::Absent();
}

// -1, 0, 1, or nullopt when the two values are not ordered (different kinds, absent).
std::optional<int> Compare(const Value& a, const Value& b) {
  if (!a.present() || !b.present()) return std::nullopt;
  if (a.numeric() && b.numeric()) {
    double x = a.AsDouble(), y = b.AsDouble();
    if (std::isnan(x) || std::isnan(y)) return std::nullopt;
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (a.kind != b.kind) return std::nullopt;
  switch (a.kind) {
    case K::kString: {
      int c = a.text.compare(b.text);
      return c < 0 ? -1 : c > 0 ? 1 : 0;
    }
    case K::kDuration:
    case K::kTime:
      return a.integer < b.integer ? -1 : a.integer > b.integer ? 1 : 0;
    default:
      return std::nullopt;
  }
}

Value Arithmetic(Op op, const Value& a, const Value& b) {
  if (!a.present() || !b.present()) return Value::Absent();
  int64_t out = 0;
  bool ints = a.kind == K::kInt && b.kind == K::kInt;
  switch (op) {
    case Op::kAdd:
      if (ints)
        return __builtin_add_overflow(a.integer, b.integer, &out) ? Value() : Value::Int(out);
      if (a.numeric() && b.numeric()) return Value::Float(a.AsDouble() + b.AsDouble());
      if (a.kind == K::kString && b.kind == K::kString) return Value::String(a.text + b.text);
      if (a.kind == K::kDuration && b.kind == K::kDuration) {
        return __builtin_add_overflow(a.integer, b.integer, &out) ? Value() : Value::Duration(out);
      }
      if ((a.kind == K::kTime && b.kind == K::kDuration) ||
          (a.kind == K::kDuration && b.kind == K::kTime)) {
        return __builtin_add_overflow(a.integer, b.integer, &out) ? Value() : Value::Time(out);
      }
      if (a.kind == K::kList && b.kind == K::kList) {
        Value list = a;
        list.elements.insert(list.elements.end(), b.elements.begin(), b.elements.end());
        return list;
      }
      return Value::Absent();
    case Op::kSub:
      if (ints)
        return __builtin_sub_overflow(a.integer, b.integer, &out) ? Value() : Value::Int(out);
      if (a.numeric() && b.numeric()) return Value::Float(a.AsDouble() - b.AsDouble());
      if (b.kind == K::kDuration && (a.kind == K::kDuration || a.kind == K::kTime)) {
        if (__builtin_sub_overflow(a.integer, b.integer, &out)) return Value::Absent();
        return a.kind == K::kTime ? Value::Time(out) : Value::Duration(out);
      }
      if (a.kind == K::kTime && b.kind == K::kTime) {
        return __builtin_sub_overflow(a.integer, b.integer, &out) ? Value() : Value::Duration(out);
      }
      return Value::Absent();
    case Op::kMul: {
      if (ints)
        return __builtin_mul_overflow(a.integer, b.integer, &out) ? Value() : Value::Int(out);
      if (a.numeric() && b.numeric()) return Value::Float(a.AsDouble() * b.AsDouble());
      const Value* d = a.kind == K::kDuration ? &a : b.kind == K::kDuration ? &b : nullptr;
      const Value* n = d == &a ? &b : &a;
      if (d != nullptr && n->numeric()) {
        double ms = static_cast<double>(d->integer) * n->AsDouble();
        if (!std::isfinite(ms) || std::fabs(ms) > 9e18) return Value::Absent();
        return Value::Duration(static_cast<int64_t>(ms));
      }
      return Value::Absent();
    }
    case Op::kDiv:
      if (a.numeric() && b.numeric()) {
        if (b.AsDouble() == 0) return Value::Absent();
        return Value::Float(a.AsDouble() / b.AsDouble());
      }
      if (a.kind == K::kDuration && b.numeric()) {
        if (b.AsDouble() == 0) return Value::Absent();
        double ms = static_cast<double>(a.integer) / b.AsDouble();
        if (!std::isfinite(ms) || std::fabs(ms) > 9e18) return Value::Absent();
        return Value::Duration(static_cast<int64_t>(ms));
      }
      if (a.kind == K::kDuration && b.kind == K::kDuration) {
        if (b.integer == 0) return Value::Absent();
        return Value::Float(static_cast<double>(a.integer) / static_cast<double>(b.integer));
      }
      return Value::Absent();
    case Op::kMod:
      if ((ints || (a.kind == K::kDuration && b.kind == K::kDuration))) {
        if (b.integer == 0 || (a.integer == INT64_MIN && b.integer == -1)) return Value::Absent();
        return ints ? Value::Int(a.integer % b.integer) : Value::Duration(a.integer % b.integer);
      }
      if (a.numeric() && b.numeric()) {
        if (b.AsDouble() == 0) return Value::Absent();
        return Value::Float(std::fmod(a.AsDouble(), b.AsDouble()));
      }
      return Value::Absent();
    default:
      return Value::Absent();
  }
}

// A declared default (JSON as the checker renders constants: durations in seconds, times as
// RFC 3339 text) as a value of the slot's kind.
Value DefaultValue(const std::string& json, types::TypeKind kind) {
  Value v = FromJson(json);
  switch (kind) {
    case types::TypeKind::kFloat:
      return v.kind == K::kInt ? Value::Float(static_cast<double>(v.integer)) : v;
    case types::TypeKind::kDuration:
      if (v.numeric())
        return Value::Duration(static_cast<int64_t>(std::llround(v.AsDouble() * 1000)));
      if (v.kind == K::kString) {
        std::optional<int64_t> ms = events::ParseDurationText(v.text);
        return ms ? Value::Duration(*ms) : Value::Absent();
      }
      return v;
    case types::TypeKind::kTime:
      if (v.kind == K::kString) {
        std::optional<int64_t> ms = events::ParseTimestamp(v.text);
        return ms ? Value::Time(*ms) : Value::Absent();
      }
      return v;
    default:
      return v;
  }
}

std::string Trim(const std::string& s) {
  size_t begin = s.find_first_not_of(" \t\r\n\f\v");
  if (begin == std::string::npos) return {};
  size_t end = s.find_last_not_of(" \t\r\n\f\v");
  return s.substr(begin, end - begin + 1);
}

std::string Ascii(std::string s, bool upper) {
  for (char& c : s) {
    c = static_cast<char>(upper ? std::toupper(static_cast<unsigned char>(c))
                                : std::tolower(static_cast<unsigned char>(c)));
  }
  return s;
}

// The st2_* functions are declared in the order of st2::Op (Interpreter::Call maps one onto
// the other by offset).
constexpr uint32_t St2Offset(check::Builtin b) {
  return static_cast<uint32_t>(b) - static_cast<uint32_t>(check::Builtin::kSt2Equals);
}
static_assert(St2Offset(check::Builtin::kSt2Nequals) == static_cast<uint32_t>(st2::Op::kNequals));
static_assert(St2Offset(check::Builtin::kSt2Lessthan) == static_cast<uint32_t>(st2::Op::kLessthan));
static_assert(St2Offset(check::Builtin::kSt2TimediffGt) ==
              static_cast<uint32_t>(st2::Op::kTimediffGt));
static_assert(St2Offset(check::Builtin::kSt2Ninside) == static_cast<uint32_t>(st2::Op::kNinside));
static_assert(St2Offset(check::Builtin::kSt2Search) == static_cast<uint32_t>(st2::Op::kSearch));

}  // namespace

Interpreter::Interpreter(const ir::Program& program)
    : program_(program), layout_(match::BuildSlotLayout(program)) {
  states_.resize(program.matchers.size());
  for (uint32_t m = 0; m < program.matchers.size(); ++m) {
    states_[m].plan_slot = &layout_.plan_slot[m];
    for (const std::string& pattern : program.matchers[m].regexes) {
      RE2::Options options;
      options.set_log_errors(false);
      states_[m].regexes.push_back(std::make_unique<RE2>(pattern, options));
    }
  }
}

Interpreter::~Interpreter() = default;

void Interpreter::Match(const events::DecodedEvent& event, std::vector<match::RuleRef>& out) {
  if (event.plan_index >= layout_.matchers_of_plan.size()) return;
  const std::vector<uint32_t>& matchers = layout_.matchers_of_plan[event.plan_index];
  event_ = &event;
  bool any_standard = false;
  for (bool backstop : {false, true}) {
    if (backstop && any_standard) break;
    for (uint32_t m : matchers) {
      matcher_ = &program_.matchers[m];
      state_ = &states_[m];
      for (uint32_t r = 0; r < matcher_->rules.size(); ++r) {
        const ir::RuleMatch& rule = matcher_->rules[r];
        if (rule.disabled || rule.backstop != backstop) continue;
        if (rule.condition.IsValid() && !Truthy(rule.condition.index)) continue;
        any_standard = any_standard || !backstop;
        out.push_back(match::RuleRef{.matcher = m, .rule = r});
      }
    }
  }
}

std::vector<Value> Interpreter::Arguments(match::RuleRef ref, const events::DecodedEvent& event) {
  return Arguments(ref.matcher, program_.matchers[ref.matcher].rules[ref.rule].arguments, event);
}

std::vector<Value> Interpreter::Arguments(uint32_t matcher,
                                          const std::vector<ir::Argument>& arguments,
                                          const events::DecodedEvent& event) {
  matcher_ = &program_.matchers[matcher];
  state_ = &states_[matcher];
  event_ = &event;
  std::vector<Value> values;
  for (const ir::Argument& arg : arguments) {
    Value value = Eval(arg.value.index);
    if (arg.duration_as_seconds && value.kind == K::kDuration) {
      value = value.integer % 1000 == 0 ? Value::Int(value.integer / 1000)
                                        : Value::Float(static_cast<double>(value.integer) / 1000);
    }
    values.push_back(std::move(value));
  }
  return values;
}

Value Interpreter::Evaluate(uint32_t matcher, ir::NodeRef node, const events::DecodedEvent& event) {
  matcher_ = &program_.matchers[matcher];
  state_ = &states_[matcher];
  event_ = &event;
  return Eval(node.index);
}

Value Interpreter::SlotValue(uint32_t slot) {
  uint32_t plan_slot = (*state_->plan_slot)[slot];
  if (plan_slot >= event_->slots.size()) return Value::Absent();
  const events::Slot& s = event_->slots[plan_slot];
  if (s.state != events::SlotState::kPresent) {
    // A declared default stands in for a missing or null field (not for a wrong type).
    const std::string& default_json = matcher_->slots[slot].default_json;
    if (s.state != events::SlotState::kWrongType && !default_json.empty()) {
      return DefaultValue(default_json, match::SlotKind(matcher_->slots[slot].type));
    }
    return Value::Absent();
  }
  switch (match::SlotKind(matcher_->slots[slot].type)) {
    case types::TypeKind::kBool:
      return Value::Bool(s.boolean);
    case types::TypeKind::kInt:
      return Value::Int(s.integer);
    case types::TypeKind::kFloat:
      return Value::Float(s.number);
    case types::TypeKind::kString:
      return Value::String(std::string(s.text));
    case types::TypeKind::kTime:
      return Value::Time(s.integer);
    case types::TypeKind::kDuration:
      return Value::Duration(s.integer);
    default:
      return FromJson(s.text);
  }
}

bool Interpreter::RegexSearch(const std::string& text, uint32_t regex, const std::string* pattern) {
  const RE2* re = nullptr;
  if (pattern == nullptr) {
    re = state_->regexes[regex].get();
  } else {
    auto& cached = dynamic_regexes_[*pattern];
    if (!cached) {
      RE2::Options options;
      options.set_log_errors(false);
      cached = std::make_unique<RE2>(*pattern, options);
    }
    re = cached.get();
  }
  return re->ok() && RE2::PartialMatch(text, *re);
}

Value Interpreter::Eval(uint32_t index) {
  const ir::Node& node = matcher_->nodes[index];
  const uint32_t* ops = matcher_->operands.data() + node.first_operand;
  switch (node.op) {
    case Op::kConst:
      return FromConstant(matcher_->constants[node.index]);
    case Op::kSlot:
      return SlotValue(node.index);
    case Op::kPresent:
      return Value::Bool(Eval(ops[0]).present());
    case Op::kNot:
      return Value::Bool(!Truthy(ops[0]));
    case Op::kAnd:
      for (uint32_t i = 0; i < node.operand_count; ++i) {
        if (!Truthy(ops[i])) return Value::Bool(false);
      }
      return Value::Bool(true);
    case Op::kOr:
      for (uint32_t i = 0; i < node.operand_count; ++i) {
        if (Truthy(ops[i])) return Value::Bool(true);
      }
      return Value::Bool(false);
    case Op::kEq:
      return Value::Bool(Equal(Eval(ops[0]), Eval(ops[1])));
    case Op::kNe: {
      Value a = Eval(ops[0]);
      Value b = Eval(ops[1]);
      return Value::Bool(!a.present() || !b.present() || !Equal(a, b));
    }
    case Op::kLt:
    case Op::kLe:
    case Op::kGt:
    case Op::kGe: {
      std::optional<int> order = Compare(Eval(ops[0]), Eval(ops[1]));
      if (!order) return Value::Bool(false);
      bool result = node.op == Op::kLt   ? *order < 0
                    : node.op == Op::kLe ? *order <= 0
                    : node.op == Op::kGt ? *order > 0
                                         : *order >= 0;
      return Value::Bool(result);
    }
    case Op::kIn: {
      Value item = Eval(ops[0]);
      Value collection = Eval(ops[1]);
      if (!item.present()) return Value::Bool(false);
      switch (collection.kind) {
        case K::kList:
          return Value::Bool(std::any_of(collection.elements.begin(), collection.elements.end(),
                                         [&](const Value& e) { return Equal(e, item); }));
        case K::kMap:
          return Value::Bool(item.kind == K::kString &&
                             std::find(collection.keys.begin(), collection.keys.end(), item.text) !=
                                 collection.keys.end());
        case K::kString:
          return Value::Bool(item.kind == K::kString &&
                             collection.text.find(item.text) != std::string::npos);
        default:
          return Value::Bool(false);
      }
    }
    case Op::kLike:
    case Op::kStartsWith:
    case Op::kEndsWith: {
      Value text = Eval(ops[0]);
      Value pattern = Eval(ops[1]);
      if (text.kind != K::kString || pattern.kind != K::kString) return Value::Bool(false);
      if (node.op == Op::kLike) return Value::Bool(check::GlobMatch(pattern.text, text.text));
      if (node.op == Op::kStartsWith) return Value::Bool(text.text.starts_with(pattern.text));
      return Value::Bool(text.text.ends_with(pattern.text));
    }
    case Op::kMatches: {
      Value text = Eval(ops[0]);
      if (text.kind != K::kString) return Value::Bool(false);
      if (node.operand_count == 1) return Value::Bool(RegexSearch(text.text, node.index, nullptr));
      Value pattern = Eval(ops[1]);
      if (pattern.kind != K::kString) return Value::Bool(false);
      return Value::Bool(RegexSearch(text.text, 0, &pattern.text));
    }
    case Op::kCoalesce: {
      Value a = Eval(ops[0]);
      return a.present() ? a : Eval(ops[1]);
    }
    case Op::kNeg: {
      Value a = Eval(ops[0]);
      if (a.kind == K::kInt) return a.integer == INT64_MIN ? Value() : Value::Int(-a.integer);
      if (a.kind == K::kFloat) return Value::Float(-a.number);
      if (a.kind == K::kDuration) {
        return a.integer == INT64_MIN ? Value() : Value::Duration(-a.integer);
      }
      return Value::Absent();
    }
    case Op::kAdd:
    case Op::kSub:
    case Op::kMul:
    case Op::kDiv:
    case Op::kMod:
      return Arithmetic(node.op, Eval(ops[0]), Eval(ops[1]));
    case Op::kConcat: {
      std::string text;
      for (uint32_t i = 0; i < node.operand_count; ++i) text += ToText(Eval(ops[i]));
      return Value::String(std::move(text));
    }
    case Op::kList:
    case Op::kMap: {
      Value out;
      out.kind = node.op == Op::kList ? K::kList : K::kMap;
      for (uint32_t i = 0; i < node.operand_count; ++i) out.elements.push_back(Eval(ops[i]));
      if (node.op == Op::kMap) {
        out.keys.assign(matcher_->keys.begin() + node.first_key,
                        matcher_->keys.begin() + node.first_key + node.operand_count);
      }
      return out;
    }
    case Op::kMember:
    case Op::kIndex: {
      Value object = Eval(ops[0]);
      Value key =
          node.op == Op::kMember ? Value::String(matcher_->keys[node.first_key]) : Eval(ops[1]);
      if (object.kind == K::kMap && key.kind == K::kString) {
        for (size_t i = 0; i < object.keys.size(); ++i) {
          if (object.keys[i] == key.text) return object.elements[i];
        }
      }
      if (object.kind == K::kList && key.kind == K::kInt && key.integer >= 0 &&
          static_cast<uint64_t>(key.integer) < object.elements.size()) {
        return object.elements[static_cast<size_t>(key.integer)];
      }
      return Value::Absent();
    }
    case Op::kCall: {
      std::vector<Value> args;
      for (uint32_t i = 0; i < node.operand_count; ++i) args.push_back(Eval(ops[i]));
      return Call(node.index, std::move(args));
    }
    case Op::kContext:
      return node.index == static_cast<uint32_t>(ir::ContextValue::kResult) ? result_ : error_;
    case Op::kShellQuote:
      return Value::String(
          shell::Quote(ToText(Eval(ops[0])), static_cast<shell::QuoteContext>(node.index)));
  }
  return Value::Absent();
}

Value Interpreter::Call(uint32_t builtin, std::vector<Value> args) {
  using check::Builtin;
  auto arg = [&](size_t i) -> const Value& {
    static const Value kAbsent;
    return i < args.size() ? args[i] : kAbsent;
  };
  switch (static_cast<Builtin>(builtin)) {
    case Builtin::kKv: {
      // The key-value store belongs to the runtime (Host); the interpreter alone has none.
      if (host_ == nullptr || arg(0).kind != K::kString) return Value::Absent();
      std::optional<std::string> json = host_->Kv(arg(0).text);
      return json ? FromJson(*json) : Value::Absent();
    }
    case Builtin::kSecret: {
      if (host_ == nullptr || arg(0).kind != K::kString) return Value::Absent();
      std::optional<std::string> secret = host_->Secret(arg(0).text);
      if (!secret) return Value::Absent();
      revealed_secrets_.push_back(*secret);
      return Value::String(std::move(*secret));
    }
    case Builtin::kRaw:
      return Value::String(ToText(arg(0)));
    case Builtin::kExists:
      return Value::Bool(arg(0).present());
    case Builtin::kNow:
      return Value::Time(std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count());
    case Builtin::kUuid: {
      std::random_device device;
      std::uniform_int_distribution<int> nibble(0, 15);
      static constexpr char kHex[] = "0123456789abcdef";
      std::string out;
      for (int i = 0; i < 36; ++i) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
          out += '-';
        } else if (i == 14) {
          out += '4';
        } else if (i == 19) {
          out += kHex[8 + nibble(device) % 4];
        } else {
          out += kHex[nibble(device)];
        }
      }
      return Value::String(out);
    }
    case Builtin::kLen: {
      const Value& v = arg(0);
      if (v.kind == K::kString) {
        // Code points, not bytes.
        int64_t n = 0;
        for (unsigned char c : v.text) n += (c & 0xC0) != 0x80;
        return Value::Int(n);
      }
      if (v.kind == K::kList || v.kind == K::kMap) {
        return Value::Int(static_cast<int64_t>(v.elements.size()));
      }
      return Value::Absent();
    }
    case Builtin::kLower:
    case Builtin::kUpper:
      if (arg(0).kind != K::kString) return Value::Absent();
      return Value::String(Ascii(arg(0).text, static_cast<Builtin>(builtin) == Builtin::kUpper));
    case Builtin::kTrim:
      if (arg(0).kind != K::kString) return Value::Absent();
      return Value::String(Trim(arg(0).text));
    case Builtin::kSplit: {
      if (arg(0).kind != K::kString || arg(1).kind != K::kString) return Value::Absent();
      Value list;
      list.kind = K::kList;
      const std::string& s = arg(0).text;
      const std::string& sep = arg(1).text;
      if (sep.empty()) {
        list.elements.push_back(Value::String(s));
        return list;
      }
      size_t start = 0;
      while (true) {
        size_t at = s.find(sep, start);
        list.elements.push_back(Value::String(s.substr(start, at - start)));
        if (at == std::string::npos) break;
        start = at + sep.size();
      }
      return list;
    }
    case Builtin::kJoin: {
      if (arg(0).kind != K::kList || arg(1).kind != K::kString) return Value::Absent();
      std::string out;
      for (size_t i = 0; i < arg(0).elements.size(); ++i) {
        if (i > 0) out += arg(1).text;
        out += ToText(arg(0).elements[i]);
      }
      return Value::String(out);
    }
    case Builtin::kReplace: {
      if (arg(0).kind != K::kString || arg(1).kind != K::kString || arg(2).kind != K::kString ||
          arg(1).text.empty()) {
        return arg(0).kind == K::kString ? arg(0) : Value::Absent();
      }
      std::string out;
      const std::string& s = arg(0).text;
      size_t start = 0;
      while (true) {
        size_t at = s.find(arg(1).text, start);
        out += s.substr(start, at - start);
        if (at == std::string::npos) break;
        out += arg(2).text;
        start = at + arg(1).text.size();
      }
      return Value::String(out);
    }
    case Builtin::kInt: {
      const Value& v = arg(0);
      if (v.kind == K::kInt) return v;
      if (v.kind == K::kFloat) {
        if (!std::isfinite(v.number) || std::fabs(v.number) >= 9.2e18) return Value::Absent();
        return Value::Int(static_cast<int64_t>(v.number));
      }
      if (v.kind == K::kString) {
        int64_t out = 0;
        std::string t = Trim(v.text);
        auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), out);
        if (ec == std::errc() && end == t.data() + t.size() && !t.empty()) return Value::Int(out);
      }
      return Value::Absent();
    }
    case Builtin::kFloat: {
      const Value& v = arg(0);
      if (v.numeric()) return Value::Float(v.AsDouble());
      if (v.kind == K::kString) {
        std::string t = Trim(v.text);
        char* end = nullptr;
        double out = std::strtod(t.c_str(), &end);
        if (!t.empty() && end == t.c_str() + t.size()) return Value::Float(out);
      }
      return Value::Absent();
    }
    case Builtin::kString:
      return Value::String(ToText(arg(0)));
    case Builtin::kToJson:
      return Value::String(ToJson(arg(0)));
    case Builtin::kFromJson:
      return arg(0).kind == K::kString ? FromJson(arg(0).text) : Value::Absent();
    case Builtin::kParseTime: {
      if (arg(0).kind != K::kString) return Value::Absent();
      std::optional<int64_t> ms = events::ParseTimestamp(arg(0).text);
      return ms ? Value::Time(*ms) : Value::Absent();
    }
    case Builtin::kFormatTime: {
      if (arg(0).kind != K::kTime || arg(1).kind != K::kString) return Value::Absent();
      std::time_t seconds = static_cast<std::time_t>(arg(0).integer / 1000);
      std::tm tm{};
      gmtime_r(&seconds, &tm);
      char buffer[512];
      size_t n = std::strftime(buffer, sizeof buffer, arg(1).text.c_str(), &tm);
      return Value::String(std::string(buffer, n));
    }
    case Builtin::kSeconds:
      if (arg(0).kind != K::kDuration) return Value::Absent();
      return Value::Float(static_cast<double>(arg(0).integer) / 1000);
    case Builtin::kAbs: {
      const Value& v = arg(0);
      if (v.kind == K::kInt)
        return v.integer == INT64_MIN ? Value() : Value::Int(std::llabs(v.integer));
      if (v.kind == K::kFloat) return Value::Float(std::fabs(v.number));
      if (v.kind == K::kDuration) {
        return v.integer == INT64_MIN ? Value() : Value::Duration(std::llabs(v.integer));
      }
      return Value::Absent();
    }
    case Builtin::kMin:
    case Builtin::kMax: {
      std::optional<int> order = Compare(arg(0), arg(1));
      if (!order) return Value::Absent();
      bool first = static_cast<Builtin>(builtin) == Builtin::kMin ? *order <= 0 : *order >= 0;
      const Value& chosen = first ? arg(0) : arg(1);
      // int and float mixed give a float, as the checker types them.
      if (arg(0).numeric() && arg(1).numeric() && arg(0).kind != arg(1).kind) {
        return Value::Float(chosen.AsDouble());
      }
      return chosen;
    }
    case Builtin::kKeys: {
      if (arg(0).kind != K::kMap) return Value::Absent();
      std::vector<std::string> keys = arg(0).keys;
      std::sort(keys.begin(), keys.end());
      Value list;
      list.kind = K::kList;
      for (std::string& key : keys) list.elements.push_back(Value::String(std::move(key)));
      return list;
    }
    case Builtin::kSt2Equals:
    case Builtin::kSt2Nequals:
    case Builtin::kSt2Iequals:
    case Builtin::kSt2Contains:
    case Builtin::kSt2Icontains:
    case Builtin::kSt2Ncontains:
    case Builtin::kSt2Incontains:
    case Builtin::kSt2Startswith:
    case Builtin::kSt2Istartswith:
    case Builtin::kSt2Endswith:
    case Builtin::kSt2Iendswith:
    case Builtin::kSt2Lessthan:
    case Builtin::kSt2Greaterthan:
    case Builtin::kSt2Matchwildcard:
    case Builtin::kSt2Matchregex:
    case Builtin::kSt2Regex:
    case Builtin::kSt2Iregex:
    case Builtin::kSt2TimediffLt:
    case Builtin::kSt2TimediffGt:
    case Builtin::kSt2Exists:
    case Builtin::kSt2Nexists:
    case Builtin::kSt2Inside:
    case Builtin::kSt2Ninside:
    case Builtin::kSt2Search: {
      if (!st2_) st2_ = std::make_unique<st2::Operators>();
      // StackStorm compares with its own clock at matching time (microseconds).
      double now = static_cast<double>(std::chrono::duration_cast<std::chrono::microseconds>(
                                           std::chrono::system_clock::now().time_since_epoch())
                                           .count()) /
                   1e6;
      auto b = static_cast<Builtin>(builtin);
      if (b == Builtin::kSt2Search) return Value::Bool(st2_->Search(arg(0), arg(1), arg(2), now));
      // The functions are declared in the order of st2::Op.
      auto op = static_cast<st2::Op>(builtin - static_cast<uint32_t>(Builtin::kSt2Equals));
      return Value::Bool(st2_->Apply(op, arg(0), arg(1), now));
    }
    case Builtin::kValues: {
      if (arg(0).kind != K::kMap) return Value::Absent();
      std::vector<size_t> order(arg(0).keys.size());
      for (size_t i = 0; i < order.size(); ++i) order[i] = i;
      std::sort(order.begin(), order.end(),
                [&](size_t a, size_t b) { return arg(0).keys[a] < arg(0).keys[b]; });
      Value list;
      list.kind = K::kList;
      for (size_t i : order) list.elements.push_back(arg(0).elements[i]);
      return list;
    }
  }
  return Value::Absent();
}

}  // namespace squall::interp
