// LoadedProgram (loaded_program.h).
#include "runtime/engine/loaded_program.h"

#include <algorithm>

#include "compiler/diag/json_escape.h"
#include "runtime/events/padding.h"

namespace squall::engine {

std::shared_ptr<LoadedProgram> LoadedProgram::Create(ir::Program program,
                                                     const NativeFactory& native,
                                                     std::string* error,
                                                     std::shared_ptr<void> keep_alive) {
  std::shared_ptr<LoadedProgram> loaded(new LoadedProgram());
  loaded->keep_alive_ = std::move(keep_alive);
  loaded->program_ = std::make_unique<ir::Program>(std::move(program));
  loaded->interpreter_ = std::make_unique<interp::Interpreter>(*loaded->program_);
  if (native) {
    loaded->native_ = native(*loaded->program_, error);
    if (!loaded->native_) return nullptr;
  }
  // Stored events always come in envelopes; triggers no rule reads decode with no slots.
  loaded->decoder_ = std::make_unique<events::Decoder>(events::DecoderOptions{},
                                                       loaded->interpreter_->DecoderPlans());
  const ir::Program& p = *loaded->program_;
  for (uint32_t m = 0; m < p.matchers.size(); ++m) {
    for (uint32_t r = 0; r < p.matchers[m].rules.size(); ++r) {
      // A correlation's feeders share its name; the rule is the one with the action.
      if (p.matchers[m].rules[r].feeds >= 0) continue;
      loaded->rules_.emplace(p.matchers[m].rules[r].name, match::RuleRef{m, r});
    }
    if (!p.matchers[m].rules.empty()) loaded->heard_triggers_.insert(p.matchers[m].trigger);
  }
  for (const ir::Workflow& w : p.workflows) {
    for (const ir::WorkflowState& state : w.states) {
      if (state.kind == ir::StateKind::kWait) loaded->heard_triggers_.insert(state.trigger);
    }
  }
  return loaded;
}

std::optional<match::RuleRef> LoadedProgram::FindRule(std::string_view name) const {
  auto it = rules_.find(std::string(name));
  if (it == rules_.end()) return std::nullopt;
  return it->second;
}

void LoadedProgram::AppendEnvelope(std::string_view trigger, std::string_view payload_json,
                                   int64_t id) {
  buffer_ += "{\"trigger\":";
  diag::AppendJsonString(buffer_, trigger);
  buffer_ += ",\"id\":";
  buffer_ += std::to_string(id);
  buffer_ += ",\"payload\":";
  // The store holds payloads as compact JSON objects (the sources validated them); a newline
  // inside one would split the envelope, so it is replaced (JSON allows no raw newline inside
  // strings, so only insignificant whitespace can hold one).
  for (char c : payload_json) buffer_ += (c == '\n' || c == '\r') ? ' ' : c;
  buffer_ += "}\n";
}

bool LoadedProgram::Decode(std::string_view trigger, std::string_view payload_json, int64_t id,
                           events::DecodedEvent& out, std::string* error) {
  buffer_.clear();
  AppendEnvelope(trigger, payload_json, id);
  buffer_.pop_back();  // the newline
  size_t size = buffer_.size();
  buffer_.append(events::kInputPadding, ' ');
  events::DecodeResult result = decoder_->DecodePadded(std::string_view(buffer_.data(), size), out);
  if (!result.ok()) {
    *error = std::string(result.message);
    return false;
  }
  return true;
}

std::vector<std::string> LoadedProgram::InstancesOf(std::string_view trigger) const {
  std::vector<std::string> out;
  for (const ir::Matcher& m : program_->matchers) {
    if (m.trigger == trigger) out.push_back(m.parameters_json);
  }
  // A workflow's `wait webhook "x"` listens too.
  for (const ir::Workflow& w : program_->workflows) {
    for (const ir::WorkflowState& state : w.states) {
      if (state.kind == ir::StateKind::kWait && state.trigger == trigger &&
          std::find(out.begin(), out.end(), state.trigger_parameters_json) == out.end()) {
        out.push_back(state.trigger_parameters_json);
      }
    }
  }
  return out;
}

}  // namespace squall::engine
