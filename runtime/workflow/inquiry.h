// Inquiries: the questions of `ask` steps that wait for an answer, as read from the stored
// workflow documents (no program needed), and the durable response channel shared by
// `squall inquiries respond` and the service's `POST /inquiries/<id>`.
//
// Identity: an inquiry is `<workflow execution id>.<strand id>` (`42.1`: the workflow run 42,
// its root strand; a `parallel` branch or `for` iteration asking has its own strand id). The
// same strand asking again later (an `ask` in a loop) is told apart by when it asked
// (`asked_at`): a response recorded before that is stale.
//
// Responding appends a `core.inquiry_response` event {inquiry, execution_id, strand, response,
// responder} to the store's event log; the engine matches it like any event (rules may react
// to it) and answers the strand (Machine::Answer). Once the event is committed the answer is
// durable: a crash before the engine took it only delays it. A response is checked here
// against the schema the document holds (CheckAnswer) and again by the engine. The batch that
// records a response claims the ask (ResponseClaim): when two responses race, the second is
// refused at its commit, so no responder is told that an answer was taken when it was not.
//
// Thread safety: the functions are stateless; the store is thread-safe.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/store/store.h"

namespace squall::workflow {

inline constexpr std::string_view kInquiryTrigger = "core.inquiry";
inline constexpr std::string_view kInquiryResponseTrigger = "core.inquiry_response";

struct InquiryId {
  int64_t execution_id = 0;
  int64_t strand = 0;
};
// `42.1` -> {42, 1}; nullopt unless two positive decimal numbers joined by one dot.
std::optional<InquiryId> ParseInquiryId(std::string_view text);
std::string FormatInquiryId(int64_t execution_id, int64_t strand);

// A waiting `ask`.
struct Inquiry {
  std::string id;  // FormatInquiryId
  int64_t execution_id = 0;
  int64_t strand = 0;
  std::string workflow;
  std::string prompt;     // the rendered question
  nlohmann::json schema;  // AnswerSchema of the declared type ({} for any JSON)
  store::Millis asked_at = 0;
  store::Millis timeout_at = 0;  // 0: no timeout

  // {id, execution_id, strand, workflow, prompt, schema, asked_at, timeout_at} (times as UTC
  // RFC 3339 text; timeout_at null when none).
  nlohmann::ordered_json ToJson() const;
};

// The waiting asks of one stored workflow document (none when it is not running or does not
// parse).
std::vector<Inquiry> InquiriesOf(const store::WorkflowRecord& record);
// Every waiting ask of the store, by id (oldest workflow first). Only workflow runs whose
// execution is still unfinished count.
std::vector<Inquiry> ListInquiries(store::Store& store);

// Why an inquiry cannot take a response.
struct InquiryError {
  enum class Kind : uint8_t {
    kBadId,       // not `<execution>.<strand>`
    kUnknown,     // no such workflow run or strand, or that strand is not asking
    kNotWaiting,  // the workflow run has ended
    kInvalid,     // the response does not fit the schema
  };
  Kind kind = Kind::kUnknown;
  std::string message;  // one sentence, for people
};

// The waiting inquiry `id` of the store, or why it is not one.
std::optional<Inquiry> FindInquiry(store::Store& store, std::string_view id, InquiryError* error);

// The `core.inquiry_response` event answering `inquiry` with `response` (the caller commits
// it), or kInvalid (and `*error`) when the response does not fit the inquiry's schema.
std::optional<store::NewEvent> ResponseEvent(const Inquiry& inquiry, const nlohmann::json& response,
                                             const std::string& responder, std::string source,
                                             store::Millis now, InquiryError* error);

// The claim (store::WriteBatch::claims) the batch recording a response to `inquiry` takes:
// one per ask (`inquiry:<id>@<asked_at>`, so an `ask` in a loop asks anew), so that of two
// responses racing from two processes exactly one is recorded and the other is refused.
std::string ResponseClaim(const Inquiry& inquiry);

// A `core.inquiry_response` payload read back: nullopt when it is not one.
struct InquiryResponse {
  InquiryId id;
  nlohmann::json response;
  std::string responder;
};
std::optional<InquiryResponse> ParseInquiryResponse(std::string_view payload_json);

}  // namespace squall::workflow
