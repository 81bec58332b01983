// The event decoder: one JSON-lines event in, its trigger, id and typed slots out, reading
// only the values its trigger's DecoderPlan asks for (simdjson On-Demand). The event format
// and the type rules are specified in docs/events.md.
//
// Errors: a line that is not a valid event is rejected with a RejectReason and a message, and
// counted in DecoderStats; nothing here throws, and no input makes it crash.
// Thread safety: a Decoder is single-threaded (it reuses one parser and buffer); use one per
// thread. Plans are immutable and may be shared.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/events/decoded_event.h"
#include "runtime/events/decoder_plan.h"
#include "runtime/events/padding.h"

namespace squall::events {

enum class DecodeMode : uint8_t {
  // `{"trigger": "disk.low", "payload": {...}, "id": "..."}` per line (the default).
  kEnvelope,
  // Every line is the payload object of one fixed trigger (DecoderOptions::bare_trigger).
  kBare,
};

struct DecoderOptions {
  DecodeMode mode = DecodeMode::kEnvelope;
  // kBare: the trigger ref of every line. Must not be empty in bare mode.
  std::string bare_trigger;
  // kBare: the payload's top-level key whose value (a string or an integer) is the event id;
  // empty to always assign `event-<line>`.
  std::string bare_id_field = "id";
  // kEnvelope: reject events whose trigger has no plan (RejectReason::kUnknownTrigger). By
  // default they are decoded with no slots (no rule reads them, so they match nothing).
  bool known_triggers_only = false;
  // Longer lines (terminator excluded) are rejected with kLineTooLong.
  size_t max_line_bytes = size_t{1} << 20;
  // Parse every value of the line. By default (simdjson On-Demand) the values no slot reads are
  // only skipped: their brackets must balance, strings must be closed, valid UTF-8 without raw
  // control characters, but a malformed scalar or a missing comma inside them (`tru`, `01`,
  // `[1 2]`) goes unnoticed. Values a slot reads, and everything below a json slot, are always
  // fully checked.
  bool full_validation = false;
};

// Why a line was rejected. Stable names for summaries: RejectReasonName.
enum class RejectReason : uint8_t {
  kMalformedJson,   // not valid JSON (or trailing text after the object, or nesting too deep)
  kNotAnObject,     // valid JSON but not an object
  kMissingTrigger,  // envelope without `trigger`
  kInvalidTrigger,  // `trigger` is not a non-empty string
  kMissingPayload,  // envelope without `payload`
  kInvalidPayload,  // `payload` is not an object
  kInvalidId,       // envelope `id` is neither a string, an integer nor null
  kUnknownTrigger,  // known_triggers_only and no plan for the trigger
  kLineTooLong,     // longer than max_line_bytes
};
inline constexpr size_t kRejectReasonCount = 9;

// "malformed_json", "not_an_object", "missing_trigger", "invalid_trigger", "missing_payload",
// "invalid_payload", "invalid_id", "unknown_trigger", "line_too_long".
std::string_view RejectReasonName(RejectReason reason);

struct DecodeResult {
  enum class Outcome : uint8_t {
    kEvent,     // `out` holds the decoded event
    kBlank,     // an empty or whitespace-only line: skipped, not an error; `out` is unchanged
    kRejected,  // see `reason` and `message`; `out` is unspecified
  };
  Outcome outcome = Outcome::kEvent;
  RejectReason reason = RejectReason::kMalformedJson;  // meaningful when kRejected
  // When kRejected: what is wrong, e.g. "`payload` is a string, expected an object". Owned by
  // the decoder; valid until its next Decode call.
  std::string_view message;

  bool ok() const { return outcome == Outcome::kEvent; }
};

// Counts since the decoder was created.
struct DecoderStats {
  uint64_t lines = 0;                                    // every Decode/DecodePadded call
  uint64_t blank = 0;                                    // Outcome::kBlank
  uint64_t events = 0;                                   // Outcome::kEvent
  uint64_t rejected = 0;                                 // Outcome::kRejected, all reasons
  std::array<uint64_t, kRejectReasonCount> by_reason{};  // indexed by RejectReason

  uint64_t rejected_for(RejectReason reason) const {
    return by_reason[static_cast<size_t>(reason)];
  }
};

class Decoder {
 public:
  // `plans`: at most one per trigger ref (aborts on a duplicate). In bare mode, the plan whose
  // trigger_ref() is options.bare_trigger is used for every line (none: events have no slots).
  Decoder(DecoderOptions options, std::vector<DecoderPlan> plans);
  ~Decoder();
  Decoder(const Decoder&) = delete;
  Decoder& operator=(const Decoder&) = delete;

  // Decodes one line (without its terminator; a trailing `\r` is accepted). Copies the line
  // into the decoder's padded buffer; string slots may point into that buffer or into the
  // parser's, until the next call.
  DecodeResult Decode(std::string_view line, DecodedEvent& out);

  // Like Decode without the copy. Precondition: kInputPadding bytes after `line` are readable
  // (LineReader's lines satisfy this). Slots may point into `line`: keep it unchanged until the
  // next call or until the event is detached.
  DecodeResult DecodePadded(std::string_view line, DecodedEvent& out);

  const DecoderOptions& options() const;
  const std::vector<DecoderPlan>& plans() const;
  // The plan of `trigger_ref`, or null.
  const DecoderPlan* FindPlan(std::string_view trigger_ref) const;
  const DecoderStats& stats() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace squall::events
