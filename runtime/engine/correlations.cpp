// Correlations (correlations.h).
#include "runtime/engine/correlations.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>

#include "compiler/diag/json_escape.h"
#include "runtime/events/padding.h"

namespace squall::engine {

struct Correlations::Rule {
  const ir::Correlation* ir = nullptr;
  uint32_t record_matcher = 0;  // the matcher of `correlation.<rule>` (tests)
  std::unique_ptr<correlate::Correlator> correlator;
  // The feeder that matched each step of the event being fed (its key nodes).
  std::vector<match::RuleRef> feeder;
  correlate::StepMask mask = 0;
};

namespace {

// A join key part as text: equal under `==` (interp::Equal) exactly when the texts are equal,
// numbers by value whatever their kind. Nullopt for an absent value, which equals nothing.
std::optional<std::string> KeyPart(const interp::Value& v) {
  using K = interp::Value::Kind;
  switch (v.kind) {
    case K::kAbsent:
      return std::nullopt;
    case K::kInt:
      return "n" + std::to_string(v.integer);
    case K::kFloat: {
      double integral = 0;
      if (std::modf(v.number, &integral) == 0 && std::fabs(v.number) < 9.0e15) {
        return "n" + std::to_string(static_cast<int64_t>(v.number));
      }
      char buffer[64];
      auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, v.number);
      (void)ec;  // 64 bytes hold any double's shortest form
      return "n" + std::string(buffer, end);
    }
    case K::kString:
      return "s" + v.text;
    default:
      // Kinds compare equal only to their own kind; the JSON text is exact for the rest.
      return std::to_string(static_cast<int>(v.kind)) + interp::ToJson(v);
  }
}

}  // namespace

Correlations::Correlations(LoadedProgram& program) : program_(program) {}
Correlations::~Correlations() = default;

std::unique_ptr<Correlations> Correlations::Create(LoadedProgram& program, size_t max_instances,
                                                   std::string* error) {
  std::unique_ptr<Correlations> set(new Correlations(program));
  const ir::Program& p = program.program();
  for (const ir::Correlation& c : p.correlations) {
    auto rule = std::make_unique<Rule>();
    rule->ir = &c;
    rule->feeder.resize(c.steps);
    for (uint32_t m = 0; m < p.matchers.size(); ++m) {
      if (p.matchers[m].trigger == c.trigger) rule->record_matcher = m;
    }
    correlate::Definition definition;
    definition.kind = c.kind == ir::CorrelationKind::kAbsence    ? correlate::Kind::kAbsence
                      : c.kind == ir::CorrelationKind::kSequence ? correlate::Kind::kSequence
                                                                 : correlate::Kind::kCount;
    definition.steps = static_cast<int>(c.steps);
    definition.within_ms = c.within_ms;
    definition.count = static_cast<int>(std::min<int64_t>(c.count, INT32_MAX));
    definition.max_instances = max_instances;
    Rule* r = rule.get();
    Correlations* self = set.get();
    correlate::Hooks hooks;
    hooks.key = [self, r](int step, const correlate::Event& e) { return self->Key(*r, step, e); };
    if (!c.tests.empty()) {
      hooks.holds = [self, r](std::span<const correlate::Event* const> bound) {
        return self->Holds(*r, bound);
      };
    }
    std::string message;
    rule->correlator = correlate::Correlator::Create(definition, std::move(hooks), &message);
    if (!rule->correlator) {
      *error = "correlation rule " + c.name + ": " + message;
      return nullptr;
    }
    set->rules_.push_back(std::move(rule));
  }
  if (!set->rules_.empty()) {
    set->decoder_ = std::make_unique<events::Decoder>(events::DecoderOptions{},
                                                      program.interpreter().DecoderPlans());
  }
  return set;
}

std::string Correlations::Key(Rule& rule, int step, const correlate::Event& e) {
  match::RuleRef feeder = rule.feeder[step];
  const ir::RuleMatch& match = program_.Rule(feeder);
  if (match.key.empty() || current_ == nullptr) return {};
  std::pair<uint32_t, uint32_t> slot{UINT32_MAX, 0};
  if (match.key.size() == 1) {
    const ir::Node& node = program_.program().matchers[feeder.matcher].nodes[match.key[0].index];
    if (node.op == ir::Op::kSlot) {
      slot = {feeder.matcher, node.index};
      for (const auto& [at, key] : slot_keys_) {
        if (at == slot) return key;
      }
    }
  }
  std::string key = KeyOf(feeder, match, e);
  if (slot.first != UINT32_MAX) slot_keys_.emplace_back(slot, key);
  return key;
}

std::string Correlations::KeyOf(match::RuleRef feeder, const ir::RuleMatch& match,
                                const correlate::Event& e) {
  std::string key;
  for (ir::NodeRef node : match.key) {
    std::optional<std::string> part =
        KeyPart(program_.interpreter().Evaluate(feeder.matcher, node, *current_));
    // An absent part equals nothing: a key no other event has.
    if (!part) return "\x01" + std::to_string(e.id);
    diag::AppendJsonString(key, *part);
  }
  return key;
}

bool Correlations::Holds(Rule& rule, std::span<const correlate::Event* const> bound) {
  const ir::Correlation& c = *rule.ir;
  buffer_ = "{\"trigger\":";
  diag::AppendJsonString(buffer_, c.trigger);
  buffer_ += ",\"payload\":{";
  for (size_t i = 0; i < bound.size(); ++i) {
    if (i > 0) buffer_ += ",";
    diag::AppendJsonString(buffer_, c.fields[i]);
    buffer_ += ":";
    buffer_ += bound[i]->payload_json;
  }
  buffer_ += "}}";
  size_t size = buffer_.size();
  buffer_.append(events::kInputPadding, ' ');
  if (!decoder_->DecodePadded(std::string_view(buffer_.data(), size), record_).ok()) return false;
  for (const ir::CorrelationTest& test : c.tests) {
    if (test.steps > bound.size()) continue;
    interp::Value v = program_.interpreter().Evaluate(rule.record_matcher, test.node, record_);
    if (v.kind != interp::Value::Kind::kBool || !v.boolean) return false;
  }
  return true;
}

void Correlations::Emit(Rule& rule, std::vector<correlate::Firing>& fired,
                        std::vector<CorrelationFiring>& out) {
  const ir::Correlation& c = *rule.ir;
  for (correlate::Firing& f : fired) {
    CorrelationFiring firing;
    firing.rule = c.name;
    firing.trigger = c.trigger;
    firing.instance = f.instance;
    firing.at_ms = f.at_ms;
    firing.payload_json = "{";
    for (size_t i = 0; i < f.bound.size(); ++i) {
      if (i > 0) firing.payload_json += ",";
      // A count binds its completing event, an absence its first: the first field either way.
      diag::AppendJsonString(firing.payload_json, c.fields[i]);
      firing.payload_json += ":";
      firing.payload_json += f.bound[i].payload_json;
    }
    firing.payload_json += "}";
    out.push_back(std::move(firing));
  }
  fired.clear();
}

void Correlations::OnEvent(int64_t id, int64_t at_ms, std::string_view payload_json,
                           const events::DecodedEvent& decoded,
                           std::span<const match::RuleRef> fired,
                           std::vector<CorrelationFiring>& out) {
  if (rules_.empty()) return;
  std::vector<Rule*> touched;
  for (match::RuleRef ref : fired) {
    const ir::RuleMatch& match = program_.Rule(ref);
    if (match.feeds < 0) continue;
    Rule& rule = *rules_[match.feeds];
    if (rule.mask == 0) touched.push_back(&rule);
    rule.mask |= correlate::StepBit(static_cast<int>(match.step));
    rule.feeder[match.step] = ref;
  }
  if (touched.empty()) return;
  correlate::Event event{.id = id, .at_ms = at_ms, .payload_json = std::string(payload_json)};
  current_ = &decoded;
  slot_keys_.clear();
  for (Rule* rule : touched) {
    rule->correlator->OnEvent(event, rule->mask, fired_);
    rule->mask = 0;
    Emit(*rule, fired_, out);
  }
  current_ = nullptr;
}

void Correlations::Advance(int64_t now_ms, std::vector<CorrelationFiring>& out) {
  for (auto& rule : rules_) {
    if (rule->correlator->now() >= now_ms) continue;
    rule->correlator->Advance(now_ms, fired_);
    Emit(*rule, fired_, out);
  }
}

std::optional<int64_t> Correlations::NextDeadline() const {
  std::optional<int64_t> next;
  for (const auto& rule : rules_) {
    std::optional<int64_t> d = rule->correlator->NextDeadline();
    if (d && (!next || *d < *next)) next = d;
  }
  return next;
}

std::vector<store::CorrelationState> Correlations::TakeChanges() {
  std::vector<store::CorrelationState> out;
  for (auto& rule : rules_) {
    for (correlate::Change& change : rule->correlator->TakeChanges()) {
      out.push_back(
          store::CorrelationState{rule->ir->name, change.instance, std::move(change.state)});
    }
  }
  return out;
}

void Correlations::Restore(const std::vector<store::CorrelationState>& stored,
                           std::vector<store::CorrelationState>& deletions,
                           std::vector<std::string>& warnings) {
  std::map<std::string, std::vector<correlate::Stored>> by_rule;
  for (const store::CorrelationState& s : stored) {
    if (s.state) by_rule[s.rule].push_back(correlate::Stored{s.instance, *s.state});
  }
  auto drop = [&](const std::string& name, const std::vector<correlate::Stored>& instances,
                  const std::string& why) {
    for (const correlate::Stored& s : instances) {
      deletions.push_back(store::CorrelationState{name, s.instance, std::nullopt});
    }
    warnings.push_back("correlation rule " + name + ": " + std::to_string(instances.size()) +
                       " stored instance(s) dropped: " + why);
  };
  for (auto& rule : rules_) {
    auto it = by_rule.find(rule->ir->name);
    if (it == by_rule.end()) continue;
    std::string error;
    if (!rule->correlator->Restore(it->second, &error)) drop(it->first, it->second, error);
    by_rule.erase(it);
  }
  for (const auto& [name, instances] : by_rule) {
    drop(name, instances, "the loaded program has no such correlation rule");
  }
}

uint64_t Correlations::dropped() const {
  uint64_t total = 0;
  for (const auto& rule : rules_) total += rule->correlator->dropped();
  return total;
}

std::vector<std::pair<std::string, uint64_t>> Correlations::DroppedByRule() const {
  std::vector<std::pair<std::string, uint64_t>> out;
  for (const auto& rule : rules_) out.emplace_back(rule->ir->name, rule->correlator->dropped());
  return out;
}

size_t Correlations::instances() const {
  size_t total = 0;
  for (const auto& rule : rules_) total += rule->correlator->instances();
  return total;
}

}  // namespace squall::engine
