#include "compiler/ir/serialize.h"

#include <bit>
#include <cstring>
#include <unordered_map>

namespace squall::ir {
namespace {

// "SQI" and the format version: a reader refuses bytes of another version.
constexpr uint32_t kMagic = 0x53514903;

class Writer {
 public:
  void U8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void U32(uint32_t v) {
    for (int i = 0; i < 4; ++i) U8(static_cast<uint8_t>(v >> (8 * i)));
  }
  void U64(uint64_t v) {
    for (int i = 0; i < 8; ++i) U8(static_cast<uint8_t>(v >> (8 * i)));
  }
  void I64(int64_t v) { U64(static_cast<uint64_t>(v)); }
  void F64(double v) { U64(std::bit_cast<uint64_t>(v)); }
  void Bool(bool v) { U8(v ? 1 : 0); }
  void Str(std::string_view s) {
    U32(static_cast<uint32_t>(s.size()));
    out_.append(s);
  }
  void Strs(const std::vector<std::string>& v) {
    U32(static_cast<uint32_t>(v.size()));
    for (const std::string& s : v) Str(s);
  }
  void U32s(const std::vector<uint32_t>& v) {
    U32(static_cast<uint32_t>(v.size()));
    for (uint32_t x : v) U32(x);
  }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

// Reads what Writer wrote; every read checks the bounds and a failure sticks.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool ok() const { return ok_; }
  bool AtEnd() const { return pos_ == in_.size(); }

  uint8_t U8() {
    if (!Need(1)) return 0;
    return static_cast<uint8_t>(in_[pos_++]);
  }
  uint32_t U32() {
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(U8()) << (8 * i);
    return v;
  }
  uint64_t U64() {
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(U8()) << (8 * i);
    return v;
  }
  int64_t I64() { return static_cast<int64_t>(U64()); }
  double F64() { return std::bit_cast<double>(U64()); }
  bool Bool() { return U8() != 0; }
  std::string Str() {
    uint32_t n = U32();
    if (!Need(n)) return {};
    std::string s(in_.substr(pos_, n));
    pos_ += n;
    return s;
  }
  // A count of items that take at least `min_bytes` each: bounded by what is left, so a
  // damaged count cannot make a reader allocate gigabytes.
  uint32_t Count(size_t min_bytes = 1) {
    uint32_t n = U32();
    if (static_cast<uint64_t>(n) * min_bytes > in_.size() - pos_) Fail();
    return ok_ ? n : 0;
  }
  std::vector<std::string> Strs() {
    std::vector<std::string> v(Count(4));
    for (std::string& s : v) s = Str();
    return v;
  }
  std::vector<uint32_t> U32s() {
    std::vector<uint32_t> v(Count(4));
    for (uint32_t& x : v) x = U32();
    return v;
  }
  void Fail() { ok_ = false; }

 private:
  bool Need(size_t n) {
    if (!ok_ || in_.size() - pos_ < n) {
      ok_ = false;
      return false;
    }
    return true;
  }
  std::string_view in_;
  size_t pos_ = 0;
  bool ok_ = true;
};

// Types are written once each, children before parents, and referred to by number (0: none).
class TypeWriter {
 public:
  explicit TypeWriter(Writer& w) : w_(w) {}

  uint32_t Ref(const types::Type* t) {
    if (t == nullptr) return 0;
    auto it = numbers_.find(t);
    if (it != numbers_.end()) return it->second;
    uint32_t element = Ref(t->element());
    uint32_t extra = Ref(t->extra_fields());
    std::vector<uint32_t> field_types;
    for (const types::Field& f : t->fields()) field_types.push_back(Ref(f.type));
    // Written into its own buffer: a type's children are complete before it.
    table_.U8(static_cast<uint8_t>(t->kind()));
    table_.U32(element);
    table_.U32(extra);
    table_.Str(t->name());
    table_.U32(static_cast<uint32_t>(t->fields().size()));
    for (size_t i = 0; i < t->fields().size(); ++i) {
      const types::Field& f = t->fields()[i];
      table_.Str(f.name);
      table_.U32(field_types[i]);
      table_.Bool(f.required);
      table_.Str(f.default_json);
    }
    uint32_t number = ++count_;
    numbers_.emplace(t, number);
    return number;
  }

  void Flush() {
    w_.U32(count_);
    std::string table = table_.Take();
    w_.Str(table);
  }

 private:
  Writer& w_;
  Writer table_;
  uint32_t count_ = 0;
  std::unordered_map<const types::Type*, uint32_t> numbers_;
};

void WriteConstant(Writer& w, const Constant& c) {
  w.U8(static_cast<uint8_t>(c.kind));
  w.Bool(c.boolean);
  w.I64(c.integer);
  w.F64(c.number);
  w.Str(c.text);
  w.U32(static_cast<uint32_t>(c.elements.size()));
  for (const Constant& e : c.elements) WriteConstant(w, e);
  w.Strs(c.keys);
}

bool ReadConstant(Reader& r, Constant& c, int depth) {
  if (depth > 1000) {
    r.Fail();
    return false;
  }
  uint8_t kind = r.U8();
  if (kind > static_cast<uint8_t>(Constant::Kind::kMap)) r.Fail();
  c.kind = static_cast<Constant::Kind>(kind);
  c.boolean = r.Bool();
  c.integer = r.I64();
  c.number = r.F64();
  c.text = r.Str();
  c.elements.resize(r.Count(30));
  for (Constant& e : c.elements) {
    if (!ReadConstant(r, e, depth + 1)) return false;
  }
  c.keys = r.Strs();
  return r.ok();
}

void WriteArguments(Writer& w, const std::vector<Argument>& arguments) {
  w.U32(static_cast<uint32_t>(arguments.size()));
  for (const Argument& a : arguments) {
    w.Str(a.name);
    w.U32(a.value.index);
    w.Bool(a.duration_as_seconds);
  }
}

void ReadArguments(Reader& r, std::vector<Argument>& arguments) {
  arguments.resize(r.Count(9));
  for (Argument& a : arguments) {
    a.name = r.Str();
    a.value.index = r.U32();
    a.duration_as_seconds = r.Bool();
  }
}

// The policy refs in a fixed order (serialisation and validation walk the same list).
std::vector<NodeRef*> PolicyRefs(Policies& p) {
  return {&p.retry_count, &p.retry_every,     &p.retry_backoff, &p.retry_up_to,
          &p.retry_when,  &p.timeout,         &p.concurrency,   &p.concurrency_by,
          &p.throttle,    &p.throttle_period, &p.throttle_by};
}

void WritePolicies(Writer& w, const Policies& policies) {
  Policies copy = policies;
  w.Bool(copy.retry);
  for (NodeRef* ref : PolicyRefs(copy)) w.U32(ref->index);
}

void ReadPolicies(Reader& r, Policies& policies) {
  policies.retry = r.Bool();
  for (NodeRef* ref : PolicyRefs(policies)) ref->index = r.U32();
}

void WriteFollowUps(Writer& w, const std::vector<FollowUp>& follow_ups) {
  w.U32(static_cast<uint32_t>(follow_ups.size()));
  for (const FollowUp& f : follow_ups) {
    w.Bool(f.on_success);
    w.Str(f.action);
    w.Bool(f.action_is_workflow);
    WriteArguments(w, f.arguments);
    WritePolicies(w, f.policies);
  }
}

void ReadFollowUps(Reader& r, std::vector<FollowUp>& follow_ups) {
  follow_ups.resize(r.Count(12));
  for (FollowUp& f : follow_ups) {
    f.on_success = r.Bool();
    f.action = r.Str();
    f.action_is_workflow = r.Bool();
    ReadArguments(r, f.arguments);
    ReadPolicies(r, f.policies);
  }
}

void WriteActions(Writer& w, const std::vector<ActionSpec>& actions) {
  w.U32(static_cast<uint32_t>(actions.size()));
  for (const ActionSpec& a : actions) {
    w.Str(a.ref);
    w.Str(a.runner);
    w.Str(a.entry_point);
    w.U32(static_cast<uint32_t>(a.parameters.size()));
    for (const ActionParameter& p : a.parameters) {
      w.Str(p.name);
      w.Str(p.default_json);
      w.Bool(p.required);
      w.Bool(p.secret);
      w.Bool(p.immutable);
      w.I64(p.position);
      w.Bool(p.from_runner);
      w.Bool(p.shell_command);
    }
  }
}

void ReadActions(Reader& r, std::vector<ActionSpec>& actions) {
  actions.resize(r.Count(12));
  for (ActionSpec& a : actions) {
    a.ref = r.Str();
    a.runner = r.Str();
    a.entry_point = r.Str();
    a.parameters.resize(r.Count(14));
    for (ActionParameter& p : a.parameters) {
      p.name = r.Str();
      p.default_json = r.Str();
      p.required = r.Bool();
      p.secret = r.Bool();
      p.immutable = r.Bool();
      int64_t position = r.I64();
      if (position < -1 || position > INT32_MAX) r.Fail();
      p.position = static_cast<int>(position);
      p.from_runner = r.Bool();
      p.shell_command = r.Bool();
    }
  }
}

}  // namespace

void WriteWorkflows(Writer& w, TypeWriter& types, const std::vector<Workflow>& workflows) {
  w.U32(static_cast<uint32_t>(workflows.size()));
  for (const Workflow& wf : workflows) {
    w.Str(wf.name);
    w.U32(types.Ref(wf.result));
    w.U32(wf.matcher);
    w.U32(static_cast<uint32_t>(wf.params.size()));
    for (const WorkflowParam& p : wf.params) {
      w.U32(p.variable);
      w.Str(p.default_json);
    }
    w.U32(static_cast<uint32_t>(wf.variables.size()));
    for (const Variable& v : wf.variables) {
      w.Str(v.key);
      w.Str(v.name);
      w.U32(types.Ref(v.type));
    }
    w.U32(static_cast<uint32_t>(wf.calls.size()));
    for (const StepCall& c : wf.calls) {
      w.Str(c.callee);
      w.Bool(c.is_workflow);
      WriteArguments(w, c.arguments);
      WritePolicies(w, c.policies);
    }
    w.U32(static_cast<uint32_t>(wf.states.size()));
    for (const WorkflowState& st : wf.states) {
      w.U8(static_cast<uint8_t>(st.kind));
      w.U32(st.next);
      w.U32(st.alt);
      for (NodeRef ref : {st.value, st.details, st.timeout, st.count}) w.U32(ref.index);
      w.U32(static_cast<uint32_t>(st.target));
      w.U32(static_cast<uint32_t>(st.loop_var));
      w.Bool(st.is_break);
      w.U32s(st.bodies);
      w.U32(st.call);
      w.Str(st.trigger);
      w.Str(st.trigger_parameters_json);
      w.U32(types.Ref(st.answer));
      w.U32s(st.live);
    }
  }
}

// Reads what WriteWorkflows wrote; indices are checked by WorkflowsValid.
template <typename TypeRef>
void ReadWorkflows(Reader& r, const TypeRef& ref, std::vector<Workflow>& workflows) {
  workflows.resize(r.Count(16));
  for (Workflow& wf : workflows) {
    wf.name = r.Str();
    wf.result = ref(r.U32());
    wf.matcher = r.U32();
    wf.params.resize(r.Count(8));
    for (WorkflowParam& p : wf.params) {
      p.variable = r.U32();
      p.default_json = r.Str();
    }
    wf.variables.resize(r.Count(12));
    for (Variable& v : wf.variables) {
      v.key = r.Str();
      v.name = r.Str();
      v.type = ref(r.U32());
    }
    wf.calls.resize(r.Count(9));
    for (StepCall& c : wf.calls) {
      c.callee = r.Str();
      c.is_workflow = r.Bool();
      ReadArguments(r, c.arguments);
      ReadPolicies(r, c.policies);
    }
    wf.states.resize(r.Count(40));
    for (WorkflowState& st : wf.states) {
      uint8_t kind = r.U8();
      if (kind > static_cast<uint8_t>(StateKind::kReturn)) r.Fail();
      st.kind = static_cast<StateKind>(kind);
      st.next = r.U32();
      st.alt = r.U32();
      for (NodeRef* node : {&st.value, &st.details, &st.timeout, &st.count}) {
        node->index = r.U32();
      }
      st.target = static_cast<int32_t>(r.U32());
      st.loop_var = static_cast<int32_t>(r.U32());
      st.is_break = r.Bool();
      st.bodies = r.U32s();
      st.call = r.U32();
      st.trigger = r.Str();
      st.trigger_parameters_json = r.Str();
      st.answer = ref(r.U32());
      st.live = r.U32s();
    }
    if (!r.ok()) return;
  }
}

// Whether every index of the workflows stays within its table.
bool WorkflowsValid(const Program& program) {
  for (const Workflow& wf : program.workflows) {
    if (wf.matcher >= program.matchers.size()) return false;
    const Matcher& m = program.matchers[wf.matcher];
    auto node_ok = [&](NodeRef ref) { return !ref.IsValid() || ref.index < m.nodes.size(); };
    auto state_ok = [&](uint32_t s) { return s == kNoState || s < wf.states.size(); };
    auto variable_ok = [&](int32_t v) {
      return v == -1 || (v >= 0 && static_cast<size_t>(v) < wf.variables.size());
    };
    for (const WorkflowParam& p : wf.params) {
      if (p.variable >= wf.variables.size()) return false;
    }
    for (const StepCall& c : wf.calls) {
      for (const Argument& a : c.arguments) {
        if (!node_ok(a.value)) return false;
      }
      Policies copy = c.policies;
      for (NodeRef* policy : PolicyRefs(copy)) {
        if (!node_ok(*policy)) return false;
      }
    }
    for (const WorkflowState& st : wf.states) {
      if (!state_ok(st.next) || !state_ok(st.alt) || !node_ok(st.value) || !node_ok(st.details) ||
          !node_ok(st.timeout) || !node_ok(st.count) || !variable_ok(st.target) ||
          !variable_ok(st.loop_var)) {
        return false;
      }
      if (st.kind == StateKind::kCall && st.call >= wf.calls.size()) return false;
      for (uint32_t body : st.bodies) {
        if (body >= wf.states.size()) return false;
      }
      for (uint32_t v : st.live) {
        if (v >= wf.variables.size()) return false;
      }
    }
  }
  for (size_t i = 1; i < program.workflows.size(); ++i) {
    if (!(program.workflows[i - 1].name < program.workflows[i].name)) return false;
  }
  return true;
}

std::string Serialize(const Program& program) {
  // Types first (they are referred to throughout), so the body goes into its own buffer.
  Writer body;
  Writer head;
  TypeWriter types(head);
  body.U32(static_cast<uint32_t>(program.matchers.size()));
  for (const Matcher& m : program.matchers) {
    body.Str(m.trigger);
    body.Str(m.parameters_json);
    body.U32(types.Ref(m.payload));
    body.U32(static_cast<uint32_t>(m.slots.size()));
    for (const Slot& s : m.slots) {
      body.Strs(s.path);
      body.U32(types.Ref(s.type));
      body.Str(s.default_json);
    }
    body.U32(static_cast<uint32_t>(m.constants.size()));
    for (const Constant& c : m.constants) WriteConstant(body, c);
    body.Strs(m.regexes);
    body.Strs(m.keys);
    body.U32(static_cast<uint32_t>(m.nodes.size()));
    for (const Node& n : m.nodes) {
      body.U8(static_cast<uint8_t>(n.op));
      body.U32(types.Ref(n.type));
      body.U32(n.index);
      body.U32(n.first_operand);
      body.U32(n.operand_count);
      body.U32(n.first_key);
    }
    body.U32s(m.operands);
    body.U32(static_cast<uint32_t>(m.rules.size()));
    for (const RuleMatch& rule : m.rules) {
      body.Str(rule.name);
      body.Bool(rule.disabled);
      body.Bool(rule.backstop);
      body.U32(rule.condition.index);
      body.U32(static_cast<uint32_t>(rule.conjuncts.size()));
      for (const Conjunct& c : rule.conjuncts) {
        body.U8(static_cast<uint8_t>(c.kind));
        body.U32(c.node.index);
        body.U32(c.slot);
        body.U8(static_cast<uint8_t>(c.compare));
        body.U32s(c.consts);
      }
      body.Str(rule.action);
      body.Bool(rule.action_is_workflow);
      WriteArguments(body, rule.arguments);
      WritePolicies(body, rule.policies);
      WriteFollowUps(body, rule.follow_ups);
      body.U32(static_cast<uint32_t>(rule.feeds));
      body.U32(rule.step);
      body.U32(static_cast<uint32_t>(rule.key.size()));
      for (NodeRef k : rule.key) body.U32(k.index);
    }
  }
  WriteActions(body, program.actions);
  WriteWorkflows(body, types, program.workflows);
  body.U32(static_cast<uint32_t>(program.skipped.size()));
  for (const SkippedRule& s : program.skipped) {
    body.Str(s.name);
    body.Str(s.reason);
  }
  body.U32(static_cast<uint32_t>(program.correlations.size()));
  for (const Correlation& c : program.correlations) {
    body.Str(c.name);
    body.U8(static_cast<uint8_t>(c.kind));
    body.U32(c.steps);
    body.I64(c.within_ms);
    body.I64(c.count);
    body.Bool(c.disabled);
    body.Str(c.trigger);
    body.Strs(c.fields);
    body.U32(static_cast<uint32_t>(c.tests.size()));
    for (const CorrelationTest& test : c.tests) {
      body.U32(test.node.index);
      body.U32(test.steps);
    }
  }
  head.U32(kMagic);
  types.Flush();
  std::string out = head.Take();
  out += body.Take();
  return out;
}

std::optional<Program> Deserialize(std::string_view bytes, types::TypeContext& types) {
  Reader r(bytes);
  if (r.U32() != kMagic) return std::nullopt;
  // The type table.
  uint32_t type_count = r.U32();
  std::string table_bytes = r.Str();
  if (!r.ok()) return std::nullopt;
  std::vector<const types::Type*> table = {nullptr};  // number 0: none
  Reader t(table_bytes);
  auto ref = [&](uint32_t number) -> const types::Type* {
    if (number >= table.size()) {
      t.Fail();
      return nullptr;
    }
    return table[number];
  };
  for (uint32_t i = 0; i < type_count && t.ok(); ++i) {
    uint8_t kind_byte = t.U8();
    if (kind_byte > static_cast<uint8_t>(types::TypeKind::kRecord)) t.Fail();
    auto kind = static_cast<types::TypeKind>(kind_byte);
    const types::Type* element = ref(t.U32());
    const types::Type* extra = ref(t.U32());
    std::string name = t.Str();
    std::vector<types::Field> fields(t.Count(13));
    for (types::Field& f : fields) {
      f.name = t.Str();
      f.type = ref(t.U32());
      f.required = t.Bool();
      f.default_json = t.Str();
    }
    if (!t.ok()) break;
    const types::Type* type = nullptr;
    switch (kind) {
      case types::TypeKind::kError:
        type = types.Error();
        break;
      case types::TypeKind::kNothing:
        type = types.Nothing();
        break;
      case types::TypeKind::kNull:
        type = types.Null();
        break;
      case types::TypeKind::kBool:
        type = types.Bool();
        break;
      case types::TypeKind::kInt:
        type = types.Int();
        break;
      case types::TypeKind::kFloat:
        type = types.Float();
        break;
      case types::TypeKind::kString:
        type = types.String();
        break;
      case types::TypeKind::kDuration:
        type = types.Duration();
        break;
      case types::TypeKind::kTime:
        type = types.Time();
        break;
      case types::TypeKind::kJson:
        type = types.Json();
        break;
      case types::TypeKind::kList:
      case types::TypeKind::kMap:
      case types::TypeKind::kOptional:
        if (element == nullptr) {
          t.Fail();
          break;
        }
        type = kind == types::TypeKind::kList  ? types.List(element)
               : kind == types::TypeKind::kMap ? types.Map(element)
                                               : types.Optional(element);
        break;
      case types::TypeKind::kRecord: {
        // TypeContext::Record checks that names are unique: check first, fail cleanly.
        for (size_t a = 0; a < fields.size(); ++a) {
          for (size_t b = a + 1; b < fields.size(); ++b) {
            if (fields[a].name == fields[b].name) t.Fail();
          }
          if (fields[a].type == nullptr) t.Fail();
        }
        if (t.ok()) type = types.Record(std::move(fields), extra, std::move(name));
        break;
      }
    }
    table.push_back(type);
  }
  if (!t.ok() || !t.AtEnd() || table.size() != type_count + 1) return std::nullopt;

  Program program;
  program.matchers.resize(r.Count(16));
  for (Matcher& m : program.matchers) {
    m.trigger = r.Str();
    m.parameters_json = r.Str();
    m.payload = ref(r.U32());
    m.slots.resize(r.Count(12));
    for (Slot& s : m.slots) {
      s.path = r.Strs();
      s.type = ref(r.U32());
      s.default_json = r.Str();
    }
    m.constants.resize(r.Count(30));
    for (Constant& c : m.constants) ReadConstant(r, c, 0);
    m.regexes = r.Strs();
    m.keys = r.Strs();
    m.nodes.resize(r.Count(21));
    for (Node& n : m.nodes) {
      uint8_t op = r.U8();
      if (op > static_cast<uint8_t>(kLastOp)) r.Fail();
      n.op = static_cast<Op>(op);
      n.type = ref(r.U32());
      n.index = r.U32();
      n.first_operand = r.U32();
      n.operand_count = r.U32();
      n.first_key = r.U32();
    }
    m.operands = r.U32s();
    m.rules.resize(r.Count(20));
    for (RuleMatch& rule : m.rules) {
      rule.name = r.Str();
      rule.disabled = r.Bool();
      rule.backstop = r.Bool();
      rule.condition.index = r.U32();
      rule.conjuncts.resize(r.Count(14));
      for (Conjunct& c : rule.conjuncts) {
        uint8_t kind = r.U8();
        if (kind > static_cast<uint8_t>(Conjunct::Kind::kOther)) r.Fail();
        c.kind = static_cast<Conjunct::Kind>(kind);
        c.node.index = r.U32();
        c.slot = r.U32();
        uint8_t compare = r.U8();
        if (compare > static_cast<uint8_t>(kLastOp)) r.Fail();
        c.compare = static_cast<Op>(compare);
        c.consts = r.U32s();
      }
      rule.action = r.Str();
      rule.action_is_workflow = r.Bool();
      ReadArguments(r, rule.arguments);
      ReadPolicies(r, rule.policies);
      ReadFollowUps(r, rule.follow_ups);
      rule.feeds = static_cast<int32_t>(r.U32());
      rule.step = r.U32();
      rule.key.resize(r.Count(4));
      for (NodeRef& k : rule.key) k.index = r.U32();
    }
    if (!r.ok()) return std::nullopt;
  }
  ReadActions(r, program.actions);
  ReadWorkflows(r, ref, program.workflows);
  program.skipped.resize(r.Count(8));
  for (SkippedRule& s : program.skipped) {
    s.name = r.Str();
    s.reason = r.Str();
  }
  program.correlations.resize(r.Count(30));
  for (Correlation& c : program.correlations) {
    c.name = r.Str();
    uint8_t kind = r.U8();
    if (kind > static_cast<uint8_t>(CorrelationKind::kCount)) r.Fail();
    c.kind = static_cast<CorrelationKind>(kind);
    c.steps = r.U32();
    c.within_ms = r.I64();
    c.count = r.I64();
    c.disabled = r.Bool();
    c.trigger = r.Str();
    c.fields = r.Strs();
    c.tests.resize(r.Count(8));
    for (CorrelationTest& test : c.tests) {
      test.node.index = r.U32();
      test.steps = r.U32();
    }
  }
  if (!r.ok() || !t.ok() || !r.AtEnd()) return std::nullopt;
  // Indices must stay within their tables, or an engine would read out of bounds.
  for (const Matcher& m : program.matchers) {
    auto node_ok = [&](uint32_t i) { return i < m.nodes.size(); };
    for (const Node& n : m.nodes) {
      if (static_cast<uint64_t>(n.first_operand) + n.operand_count > m.operands.size()) {
        return std::nullopt;
      }
      if ((n.op == Op::kConst && n.index >= m.constants.size()) ||
          (n.op == Op::kSlot && n.index >= m.slots.size()) ||
          (n.op == Op::kContext && n.index > static_cast<uint32_t>(ContextValue::kError)) ||
          (n.op == Op::kShellQuote && (n.index > 2 || n.operand_count != 1)) ||
          (n.op == Op::kMatches && n.operand_count == 1 && n.index >= m.regexes.size()) ||
          ((n.op == Op::kMap || n.op == Op::kMember) &&
           static_cast<uint64_t>(n.first_key) + (n.op == Op::kMap ? n.operand_count : 1) >
               m.keys.size())) {
        return std::nullopt;
      }
    }
    for (uint32_t o : m.operands) {
      if (!node_ok(o)) return std::nullopt;
    }
    for (const RuleMatch& rule : m.rules) {
      if (rule.condition.IsValid() && !node_ok(rule.condition.index)) return std::nullopt;
      for (const Conjunct& c : rule.conjuncts) {
        if (!node_ok(c.node.index)) return std::nullopt;
        if (c.kind != Conjunct::Kind::kOther && c.slot >= m.slots.size()) return std::nullopt;
        for (uint32_t k : c.consts) {
          if (k >= m.constants.size()) return std::nullopt;
        }
      }
      auto call_ok = [&](const std::vector<Argument>& arguments, const Policies& policies) {
        for (const Argument& a : arguments) {
          if (!node_ok(a.value.index)) return false;
        }
        Policies copy = policies;
        for (NodeRef* policy : PolicyRefs(copy)) {
          if (policy->IsValid() && !node_ok(policy->index)) return false;
        }
        return true;
      };
      if (!call_ok(rule.arguments, rule.policies)) return std::nullopt;
      for (const FollowUp& f : rule.follow_ups) {
        if (!call_ok(f.arguments, f.policies)) return std::nullopt;
      }
      if (rule.feeds >= 0 && (static_cast<size_t>(rule.feeds) >= program.correlations.size() ||
                              rule.step >= program.correlations[rule.feeds].steps)) {
        return std::nullopt;
      }
      if (rule.feeds < -1) return std::nullopt;
      for (NodeRef k : rule.key) {
        if (!node_ok(k.index)) return std::nullopt;
      }
    }
  }
  for (const Correlation& c : program.correlations) {
    if (c.fields.size() != c.steps) return std::nullopt;
    const Matcher* matcher = nullptr;
    for (const Matcher& m : program.matchers) {
      if (m.trigger == c.trigger) matcher = &m;
    }
    for (const CorrelationTest& test : c.tests) {
      if (matcher == nullptr || test.node.index >= matcher->nodes.size() || test.steps == 0 ||
          test.steps > c.steps) {
        return std::nullopt;
      }
    }
  }
  if (!WorkflowsValid(program)) return std::nullopt;
  // Sorted and unique, as FindAction's binary search needs.
  for (size_t i = 1; i < program.actions.size(); ++i) {
    if (!(program.actions[i - 1].ref < program.actions[i].ref)) return std::nullopt;
  }
  return program;
}

}  // namespace squall::ir
