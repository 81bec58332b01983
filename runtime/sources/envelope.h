// Splits one JSON line (docs/events.md) into the parts a SourceEvent carries, validating the
// whole line as JSON. Used by the line sources; the service's matcher decodes payloads later.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace squall::sources {

// The rejection reasons of docs/events.md ("Rejected lines"), plus invalid_parameters.
enum class LineReject : uint8_t {
  kNone,
  kMalformedJson,
  kNotAnObject,
  kMissingTrigger,
  kInvalidTrigger,
  kMissingPayload,
  kInvalidPayload,
  kInvalidId,
  kInvalidParameters,
  kLineTooLong,
};
inline constexpr size_t kLineRejectCount = 10;

// `malformed_json`, `not_an_object`, ... (stable codes, for metrics and reports).
std::string_view LineRejectName(LineReject reason);

struct EnvelopeOptions {
  // Bare mode: every line is the payload object of this trigger ("" = envelope mode).
  std::string bare_trigger;
  // Bare mode: the payload field holding the event id ("" = none). A string or integer value
  // is the id (it stays a payload field); other values are ignored.
  std::string bare_id_field = "id";
};

struct Envelope {
  std::string trigger;
  std::string parameters_json;  // the `parameters` object's text; "" when absent or null
  std::string payload_json;     // the payload object's text exactly as written
  std::string id;               // a string id unescaped, an integer id's digits; "" when none
};

struct EnvelopeResult {
  LineReject reason = LineReject::kNone;
  std::string message;  // why, for a report ("" when ok)
  bool ok() const { return reason == LineReject::kNone; }
};

// Parses lines (one parser per thread: not thread-safe; reuses its buffers).
// Envelope mode: an object with `trigger` (non-empty string), `payload` (object), optional
// `id` (string, integer or null; `""` and null count as none) and optional `parameters`
// (object or null); other keys are ignored; the first occurrence of a key counts. Every value
// of the line is validated (full JSON validation, nesting up to 512 levels).
class EnvelopeParser {
 public:
  explicit EnvelopeParser(EnvelopeOptions options = {});
  ~EnvelopeParser();
  EnvelopeParser(const EnvelopeParser&) = delete;
  EnvelopeParser& operator=(const EnvelopeParser&) = delete;

  // `line` without its newline; must not be blank (callers skip those). Fills `out` (cleared
  // first) when ok.
  EnvelopeResult Parse(std::string_view line, Envelope& out);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace squall::sources
