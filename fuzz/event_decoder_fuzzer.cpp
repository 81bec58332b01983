// libFuzzer target for the event decoder. The input is split into lines by LineReader (small
// chunks and a small line limit, so lines straddle reads and some are too long); every line
// goes through four decoders: envelope and bare mode, each with and without full validation,
// over one plan with a slot of every kind. For any input:
//  - nothing crashes, hangs, leaks or overflows the stack;
//  - decoded events are consistent: one slot per plan slot; a present string slot is valid
//    UTF-8; a present json/list/map/record slot is complete, valid JSON of the right shape (a
//    second parser, simdjson's DOM, agrees); floats are finite; ids and triggers are non-empty
//    valid UTF-8; every line is counted exactly once in the stats;
//  - full validation only adds checks: what the default decoder rejects, full validation
//    rejects too, and when full validation accepts, the default decoder decodes the same slots;
//  - full validation agrees with the DOM parser: an accepted line is valid JSON, and in bare
//    mode a line the DOM parser accepts as a shallow object is accepted;
//  - batches agree with lines: the same input through LineReader::NextChunk and
//    Decoder::StartBatch/DecodeNext (four more decoders, one per kind above) gives every line
//    the outcome, reason, message, line number, trigger, id and slots that DecodePadded gave it
//    (but for the length a too-long line's message gives: the readers cut such lines
//    differently).
// A violation aborts, which libFuzzer reports as a crash.
#include <simdjson.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "compiler/source/utf8.h"
#include "runtime/events/decoder.h"
#include "runtime/events/line_reader.h"

namespace {

using namespace squall;
using events::DecodedEvent;
using events::Decoder;
using events::DecodeResult;
using events::DecoderOptions;
using events::DecoderPlan;
using events::FieldPath;
using events::Slot;
using events::SlotState;
using types::TypeKind;

constexpr size_t kMaxLine = 4096;
// The DOM parser's depth limit, below the decoder's (512) so that "DOM accepts" implies "not too
// deep for the decoder".
constexpr size_t kDomDepth = 256;

[[noreturn]] void Fail(const char* what, std::string_view line) {
  std::fprintf(stderr, "fuzz property violated: %s\n--- line ---\n%.*s\n", what,
               static_cast<int>(line.size()), line.data());
  std::abort();
}

const std::vector<FieldPath>& Paths() {
  static const std::vector<FieldPath> paths = {
      {.segments = {"a"}, .kind = TypeKind::kString},
      {.segments = {"a"}, .kind = TypeKind::kJson},
      {.segments = {"b"}, .kind = TypeKind::kInt},
      {.segments = {"c"}, .kind = TypeKind::kFloat},
      {.segments = {"d"}, .kind = TypeKind::kBool},
      {.segments = {"e"}, .kind = TypeKind::kTime},
      {.segments = {"f"}, .kind = TypeKind::kDuration},
      {.segments = {"g"}, .kind = TypeKind::kList},
      {.segments = {"h"}, .kind = TypeKind::kMap},
      {.segments = {"i"}, .kind = TypeKind::kRecord},
      {.segments = {"j", "k"}, .kind = TypeKind::kString},
      {.segments = {"j"}, .kind = TypeKind::kJson},
      {.segments = {"j", "l", "m"}, .kind = TypeKind::kInt},
      {.segments = {}, .kind = TypeKind::kRecord},
      {.segments = {"id"}, .kind = TypeKind::kString},
      {.segments = {""}, .kind = TypeKind::kString},
      {.segments = {"\xc3\xa9"}, .kind = TypeKind::kFloat},
      {.segments = {"a.b"}, .kind = TypeKind::kTime},
      {.segments = {"q\"\\"}, .kind = TypeKind::kString},
  };
  return paths;
}

Decoder MakeDecoder(events::DecodeMode mode, bool full_validation) {
  DecoderOptions options;
  options.mode = mode;
  options.bare_trigger = "t";
  options.full_validation = full_validation;
  options.max_line_bytes = kMaxLine;
  std::vector<DecoderPlan> plans;
  plans.emplace_back("t", Paths());
  plans.emplace_back("u", std::span<const FieldPath>(Paths()).subspan(10, 3));
  return Decoder(std::move(options), std::move(plans));
}

bool IsValidUtf8(std::string_view text) {
  for (size_t pos = 0; pos < text.size();) {
    const source::Utf8Char c = source::DecodeUtf8(text, pos);
    if (!c.valid) return false;
    pos += c.length;
  }
  return true;
}

enum class Dom : uint8_t { kValid, kInvalid, kUnknown };

// Full JSON validation of `text` by simdjson's DOM parser, and the element's type when valid.
// kUnknown when the DOM parser refuses a number out of its range (1e400, 30-digit integers):
// valid JSON that the decoder accepts by grammar.
Dom DomParse(simdjson::dom::parser& dom, std::string_view text, simdjson::dom::element_type* type) {
  const simdjson::padded_string padded(text);
  simdjson::dom::element element;
  const simdjson::error_code error = dom.parse(padded).get(element);
  if (error == simdjson::NUMBER_ERROR || error == simdjson::NUMBER_OUT_OF_RANGE) {
    return Dom::kUnknown;
  }
  if (error != simdjson::SUCCESS) return Dom::kInvalid;
  if (type != nullptr) *type = element.type();
  return Dom::kValid;
}

void CheckEvent(const Decoder& decoder, const DecodedEvent& event, simdjson::dom::parser& dom,
                std::string_view line) {
  if (event.trigger.empty() || !IsValidUtf8(event.trigger)) Fail("bad trigger", line);
  if (event.id.empty() || !IsValidUtf8(event.id)) Fail("bad id", line);
  if (event.plan != decoder.FindPlan(event.trigger)) Fail("wrong plan", line);
  const size_t slot_count = event.plan != nullptr ? event.plan->slot_count() : 0;
  if (event.slots.size() != slot_count) Fail("slot count differs from the plan's", line);
  for (size_t i = 0; i < event.slots.size(); ++i) {
    const Slot& slot = event.slots[i];
    if (slot.state != SlotState::kPresent) continue;
    const TypeKind kind = event.plan->slot_kind(static_cast<events::SlotIndex>(i));
    simdjson::dom::element_type type{};
    switch (kind) {
      case TypeKind::kString:
        if (!IsValidUtf8(slot.text)) Fail("string slot is not valid UTF-8", line);
        break;
      case TypeKind::kFloat:
        if (!std::isfinite(slot.number)) Fail("float slot is not finite", line);
        break;
      case TypeKind::kJson:
      case TypeKind::kList:
      case TypeKind::kMap:
      case TypeKind::kRecord: {
        const Dom valid = DomParse(dom, slot.text, &type);
        if (slot.text.empty() || valid == Dom::kInvalid) Fail("json slot is not valid JSON", line);
        if (valid == Dom::kUnknown) break;
        if (kind == TypeKind::kList && type != simdjson::dom::element_type::ARRAY) {
          Fail("list slot is not an array", line);
        }
        if ((kind == TypeKind::kMap || kind == TypeKind::kRecord) &&
            type != simdjson::dom::element_type::OBJECT) {
          Fail("map/record slot is not an object", line);
        }
        break;
      }
      default:
        break;
    }
  }
}

bool SameSlot(TypeKind kind, const Slot& a, const Slot& b) {
  if (a.state != b.state) return false;
  if (a.state != SlotState::kPresent) return true;
  switch (kind) {
    case TypeKind::kInt:
    case TypeKind::kTime:
    case TypeKind::kDuration:
      return a.integer == b.integer;
    case TypeKind::kFloat:
      return a.number == b.number;
    case TypeKind::kBool:
      return a.boolean == b.boolean;
    default:
      return a.text == b.text;
  }
}

// One line's result, with its event (meaningful when the result is kEvent).
struct Decoded {
  DecodeResult result;
  DecodedEvent event;
};

// One line through a decoder without and with full validation.
void CheckPair(Decoder& lax, Decoder& strict, simdjson::dom::parser& dom, std::string_view line,
               Decoded& lax_out, Decoded& strict_out) {
  DecodedEvent& lax_event = lax_out.event;
  DecodedEvent& strict_event = strict_out.event;
  lax_out.result = lax.DecodePadded(line, lax_event);
  const DecodeResult& lax_result = lax_out.result;
  if (lax_result.ok()) CheckEvent(lax, lax_event, dom, line);
  lax_event.Detach();  // the strict decoder's call must not disturb it
  strict_out.result = strict.DecodePadded(line, strict_event);
  const DecodeResult& strict_result = strict_out.result;
  if (strict_result.outcome == DecodeResult::Outcome::kBlank ||
      lax_result.outcome == DecodeResult::Outcome::kBlank) {
    if (strict_result.outcome != lax_result.outcome) Fail("blank lines differ", line);
    return;
  }
  if (!lax_result.ok() && lax_result.message.empty()) Fail("a rejection without a message", line);
  if (!lax_result.ok() && strict_result.ok()) Fail("full validation accepts more", line);
  if (!strict_result.ok()) return;
  CheckEvent(strict, strict_event, dom, line);
  if (DomParse(dom, line, nullptr) == Dom::kInvalid) {
    Fail("full validation accepts invalid JSON", line);
  }
  if (lax_event.trigger != strict_event.trigger || lax_event.id != strict_event.id ||
      lax_event.slots.size() != strict_event.slots.size()) {
    Fail("full validation decodes another event", line);
  }
  for (size_t i = 0; i < lax_event.slots.size(); ++i) {
    const TypeKind kind = lax_event.plan->slot_kind(static_cast<events::SlotIndex>(i));
    if (!SameSlot(kind, lax_event.slots[i], strict_event.slots[i])) {
      Fail("full validation decodes another slot", line);
    }
  }
}

// Bare mode with full validation accepts every JSON object the DOM parser accepts (within the
// DOM parser's depth limit, which is below the decoder's).
void CheckBareCompleteness(Decoder& strict, simdjson::dom::parser& dom, std::string_view line) {
  simdjson::dom::element_type type{};
  if (line.size() > kMaxLine || DomParse(dom, line, &type) != Dom::kValid) return;
  if (type != simdjson::dom::element_type::OBJECT) return;
  DecodedEvent event;
  const DecodeResult result = strict.DecodePadded(line, event);
  if (!result.ok()) Fail("full validation rejects a valid object", line);
  CheckEvent(strict, event, dom, line);
}

// A batch decoder's result for `line` equals its line-by-line twin's.
void CheckBatchLine(const Decoded& by_line, const DecodeResult& result, const DecodedEvent& event,
                    std::string_view line) {
  if (result.line != by_line.result.line) Fail("batch: another line number", line);
  if (result.outcome != by_line.result.outcome) {
    std::fprintf(stderr, "line by line: %d %.*s\nbatch: %d %.*s\n",
                 static_cast<int>(by_line.result.outcome),
                 static_cast<int>(by_line.result.message.size()), by_line.result.message.data(),
                 static_cast<int>(result.outcome), static_cast<int>(result.message.size()),
                 result.message.data());
    Fail("batch: another outcome", line);
  }
  if (result.outcome == DecodeResult::Outcome::kRejected) {
    if (result.reason != by_line.result.reason) Fail("batch: another reason", line);
    // A too-long line is cut differently by the two readers (its message gives its length).
    if (result.reason != events::RejectReason::kLineTooLong &&
        result.message != by_line.result.message) {
      Fail("batch: another message", line);
    }
    return;
  }
  if (result.outcome != DecodeResult::Outcome::kEvent) return;
  const DecodedEvent& expected = by_line.event;
  if (event.line != expected.line || event.trigger != expected.trigger || event.id != expected.id ||
      event.id_assigned != expected.id_assigned ||
      (event.plan == nullptr) != (expected.plan == nullptr) ||  // each decoder owns its plans
      event.plan_index != expected.plan_index || event.slots.size() != expected.slots.size()) {
    Fail("batch: another event", line);
  }
  for (size_t i = 0; i < event.slots.size(); ++i) {
    const TypeKind kind = event.plan->slot_kind(static_cast<events::SlotIndex>(i));
    if (!SameSlot(kind, event.slots[i], expected.slots[i])) Fail("batch: another slot", line);
  }
}

struct Decoders {
  Decoder envelope = MakeDecoder(events::DecodeMode::kEnvelope, false);
  Decoder envelope_strict = MakeDecoder(events::DecodeMode::kEnvelope, true);
  Decoder bare = MakeDecoder(events::DecodeMode::kBare, false);
  Decoder bare_strict = MakeDecoder(events::DecodeMode::kBare, true);
  // The same four for batches: they see the same lines, so their line numbers match.
  Decoder envelope_batch = MakeDecoder(events::DecodeMode::kEnvelope, false);
  Decoder envelope_strict_batch = MakeDecoder(events::DecodeMode::kEnvelope, true);
  Decoder bare_batch = MakeDecoder(events::DecodeMode::kBare, false);
  Decoder bare_strict_batch = MakeDecoder(events::DecodeMode::kBare, true);
  // Its own decoder: the pairs above must see the same lines (ids count them).
  Decoder bare_complete = MakeDecoder(events::DecodeMode::kBare, true);
  simdjson::dom::parser dom;
  Decoders() {
    if (dom.allocate(2 * kMaxLine, kDomDepth) != simdjson::SUCCESS) std::abort();
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Reused across inputs (allocating parsers per input would dominate the run): the stats
  // checks below work on differences.
  static Decoders* const decoders = new Decoders;
  Decoder* all[] = {&decoders->envelope,       &decoders->envelope_strict,
                    &decoders->bare,           &decoders->bare_strict,
                    &decoders->envelope_batch, &decoders->envelope_strict_batch,
                    &decoders->bare_batch,     &decoders->bare_strict_batch};
  Decoder* const* batch = all + 4;  // batch[i] is the batch twin of all[i]
  events::DecoderStats before[8];
  for (int i = 0; i < 8; ++i) before[i] = all[i]->stats();

  const std::string input(reinterpret_cast<const char*>(data), size);
  std::istringstream in(input);
  const size_t chunk = size == 0 ? 1 : 1 + data[0] % 64;
  events::LineReader reader(in, {.max_line_bytes = kMaxLine, .chunk_bytes = chunk});
  // Chunks of a few lines, or of the whole input (batches of several ranges).
  std::istringstream chunk_in(input);
  const size_t batch_chunk = size > 1 && data[1] % 2 == 1 ? 65536 : chunk;
  events::LineReader chunk_reader(chunk_in,
                                  {.max_line_bytes = kMaxLine, .chunk_bytes = batch_chunk});
  bool in_batch = false;
  events::Line line;
  uint64_t lines = 0;
  Decoded by_line[4];
  DecodedEvent batch_events[4];
  DecodeResult batch_results[4];
  while (reader.Next(line)) {
    ++lines;
    if (line.number != lines) Fail("line numbers skip", line.text);
    if (line.text.size() > kMaxLine + 1) Fail("line longer than the limit + 1", line.text);
    if (line.truncated != (line.text.size() > kMaxLine)) Fail("truncation flag", line.text);
    CheckPair(decoders->envelope, decoders->envelope_strict, decoders->dom, line.text, by_line[0],
              by_line[1]);
    CheckPair(decoders->bare, decoders->bare_strict, decoders->dom, line.text, by_line[2],
              by_line[3]);
    CheckBareCompleteness(decoders->bare_complete, decoders->dom, line.text);
    // The batch decoders move in step: all have a next line in the current chunk, or none.
    bool next = in_batch && batch[0]->DecodeNext(batch_events[0], batch_results[0]);
    if (!next) {
      std::string_view text;
      if (!chunk_reader.NextChunk(text)) Fail("chunks end before lines", line.text);
      for (int i = 0; i < 4; ++i) batch[i]->StartBatch(text);
      in_batch = true;
      if (!batch[0]->DecodeNext(batch_events[0], batch_results[0])) Fail("empty chunk", text);
    }
    for (int i = 1; i < 4; ++i) {
      if (!batch[i]->DecodeNext(batch_events[i], batch_results[i])) {
        Fail("batch decoders out of step", line.text);
      }
    }
    for (int i = 0; i < 4; ++i) {
      CheckBatchLine(by_line[i], batch_results[i], batch_events[i], line.text);
    }
  }
  for (int i = 0; i < 4; ++i) {
    if (in_batch && batch[i]->DecodeNext(batch_events[i], batch_results[i])) {
      Fail("batches hold more lines", "");
    }
  }
  std::string_view rest;
  if (chunk_reader.NextChunk(rest)) Fail("chunks hold more lines", rest);
  if (!reader.error().empty()) Fail("a string stream cannot fail", "");
  for (int i = 0; i < 8; ++i) {
    const events::DecoderStats& after = all[i]->stats();
    const uint64_t calls = after.lines - before[i].lines;
    if (calls != lines || (after.blank - before[i].blank) + (after.events - before[i].events) +
                                  (after.rejected - before[i].rejected) !=
                              calls) {
      Fail("stats do not add up", "");
    }
    uint64_t by_reason = 0;
    for (size_t r = 0; r < events::kRejectReasonCount; ++r) {
      by_reason += after.by_reason[r] - before[i].by_reason[r];
    }
    if (by_reason != after.rejected - before[i].rejected) {
      Fail("rejections by reason do not add up", "");
    }
  }
  return 0;
}
