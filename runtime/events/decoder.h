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
  // The 1-based number of the line among those given to the decoder (blank lines count; an
  // event's DecodedEvent::line too), for every outcome: in a batch, where a rejected line is.
  uint64_t line = 0;
  // When kRejected: what is wrong, e.g. "`payload` is a string, expected an object". Owned by
  // the decoder; valid until its next Decode call.
  std::string_view message;

  bool ok() const { return outcome == Outcome::kEvent; }
};

// Counts since the decoder was created.
struct DecoderStats {
  uint64_t lines = 0;     // every Decode/DecodePadded call, every line of a batch
  uint64_t blank = 0;     // Outcome::kBlank
  uint64_t events = 0;    // Outcome::kEvent
  uint64_t rejected = 0;  // Outcome::kRejected, all reasons
  std::array<uint64_t, kRejectReasonCount> by_reason{};  // indexed by RejectReason
  // Lines of batches (DecodeNext) that were parsed on their own rather than from the batch's
  // stage 1: rejected lines, some good lines near them, the last line of each range (see
  // Decoder::StartBatch). Not counted again in `lines`.
  uint64_t batch_lines_alone = 0;

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

  // Batch decoding: the lines of a whole buffer (e.g. LineReader::NextChunk's), faster than one
  // DecodePadded call per line: simdjson's stage 1 (the SIMD scan for structure, UTF-8 and
  // control characters) runs once per range of lines (up to 64 KiB) instead of once per line.
  //
  // The results are exactly those of DecodePadded on each line in turn, in place in `text`:
  // the same outcomes, reasons, messages, slots, ids, line numbers and stats, one result per
  // line, blank lines included. A line the batch cannot vouch for (a rejected line, a document
  // that is not exactly its line, a stage 1 error in its range, the last line of a range) is
  // decoded again on its own, so a malformed line never affects another line's result; it
  // only slows the lines around it down (DecoderStats::batch_lines_alone counts such lines).
  //
  // `text` is split as LineReader splits a stream: each `\n` ends a line and a `\r` right before
  // it is dropped; text after the last `\n` is a last line (a trailing `\r` dropped too); an
  // empty text has no lines. Preconditions: kInputPadding bytes after `text` are readable, and
  // `text` stays unchanged until the batch is done. An event's slots are valid until the next
  // decode, as after DecodePadded (they may point into `text`). StartBatch abandons an
  // unfinished batch; Decode/DecodePadded calls may come between DecodeNext calls (every call
  // counts its line).
  void StartBatch(std::string_view text);
  // Decodes the next line of the current batch into `out` and sets `result` (its message is
  // valid until the next decode). False, with `out` and `result` untouched, when every line of
  // the batch has been decoded (or no batch was started).
  bool DecodeNext(DecodedEvent& out, DecodeResult& result);

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
