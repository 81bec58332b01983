// A compiled rule set ready to run: the lowered program, the engine that matches events
// against it (native matchers, or the reference interpreter), the interpreter that renders
// action arguments and evaluates policies, and an index of rules by name.
//
// The runtime holds the current LoadedProgram in a shared_ptr and replaces it as a whole on
// hot reload; an execution created under one program keeps its rendered parameters and
// evaluated policies, and only looks its rule up by name (follow-ups, `retry ... when`) in
// whichever program is loaded when it finishes.
//
// Thread safety: none. The engine's control thread is the only user of a LoadedProgram (the
// interpreter and the decoder keep per-call state).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "compiler/ir/ir.h"
#include "runtime/events/decoder.h"
#include "runtime/interp/interpreter.h"
#include "runtime/match/engine.h"

namespace squall::engine {

class LoadedProgram {
 public:
  // `native`: the JIT engine built for `*program` (null: the interpreter matches). The program
  // must outlive both engines, so it is owned here and never moved.
  using NativeFactory =
      std::function<std::unique_ptr<match::Engine>(const ir::Program&, std::string* error)>;
  // `keep_alive`: whatever the program points into (the type context of its payload types).
  static std::shared_ptr<LoadedProgram> Create(ir::Program program, const NativeFactory& native,
                                               std::string* error,
                                               std::shared_ptr<void> keep_alive = nullptr);

  LoadedProgram(const LoadedProgram&) = delete;
  LoadedProgram& operator=(const LoadedProgram&) = delete;

  const ir::Program& program() const { return *program_; }
  interp::Interpreter& interpreter() { return *interpreter_; }
  match::Engine& matcher() { return native_ ? *native_ : *interpreter_; }
  bool native() const { return native_ != nullptr; }

  // The rule called `name`, or nullopt.
  std::optional<match::RuleRef> FindRule(std::string_view name) const;
  const ir::RuleMatch& Rule(match::RuleRef ref) const {
    return program_->matchers[ref.matcher].rules[ref.rule];
  }

  // Decodes one stored event (trigger, payload JSON) into `out`; false with `*error` when the
  // payload is not a JSON object. The slots point into this program's decoder until the next
  // decode.
  bool Decode(std::string_view trigger, std::string_view payload_json, int64_t id,
              events::DecodedEvent& out, std::string* error);

  // Decodes a whole batch of stored events; `fn(index, event)` is called for each event that
  // decodes (others are reported through `reject(index, message)`), in order.
  template <typename Event, typename Fn, typename Reject>
  void DecodeBatch(const std::vector<Event>& stored, Fn&& fn, Reject&& reject);

  // The webhook names (`webhook "x"`) and timer/cron instances the rules listen on: every
  // matcher of `trigger`, as (parameters_json) in program order.
  std::vector<std::string> InstancesOf(std::string_view trigger) const;
  // Whether any rule, correlation step or workflow `wait` of the program reads events of
  // `trigger` (the engine records `core.execution` events only when one does).
  bool ListensTo(std::string_view trigger) const {
    return heard_triggers_.find(trigger) != heard_triggers_.end();
  }

 private:
  LoadedProgram() = default;
  void AppendEnvelope(std::string_view trigger, std::string_view payload_json, int64_t id);

  std::shared_ptr<void> keep_alive_;  // destroyed last
  std::unique_ptr<ir::Program> program_;
  std::unique_ptr<interp::Interpreter> interpreter_;
  std::unique_ptr<match::Engine> native_;
  std::unique_ptr<events::Decoder> decoder_;
  std::unordered_map<std::string, match::RuleRef> rules_;
  std::set<std::string, std::less<>> heard_triggers_;
  std::string buffer_;  // envelopes being decoded, padded for simdjson
};

template <typename Event, typename Fn, typename Reject>
void LoadedProgram::DecodeBatch(const std::vector<Event>& stored, Fn&& fn, Reject&& reject) {
  buffer_.clear();
  for (const Event& e : stored) AppendEnvelope(e.trigger, e.payload_json, e.id);
  size_t text_size = buffer_.size();
  buffer_.append(events::kInputPadding, ' ');
  decoder_->StartBatch(std::string_view(buffer_.data(), text_size));
  events::DecodedEvent event;
  events::DecodeResult result;
  size_t index = 0;
  while (decoder_->DecodeNext(event, result)) {
    if (result.outcome == events::DecodeResult::Outcome::kBlank) continue;
    if (index >= stored.size()) break;
    if (result.ok()) {
      fn(index, event);
    } else {
      reject(index, std::string(result.message));
    }
    ++index;
  }
}

}  // namespace squall::engine
