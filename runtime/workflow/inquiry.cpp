#include "runtime/workflow/inquiry.h"

#include <charconv>

#include "runtime/interp/value.h"
#include "runtime/workflow/answer.h"

namespace squall::workflow {

using nlohmann::json;

namespace {

// Workflow documents are read in pages of this many (bounded memory on a large store).
constexpr size_t kPage = 1000;

std::optional<int64_t> PositiveNumber(std::string_view text) {
  int64_t value = 0;
  if (text.empty() || text.front() == '+' || text.front() == '-') return std::nullopt;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value <= 0) return std::nullopt;
  return value;
}

json ParseOrNull(std::string_view text) { return json::parse(text, nullptr, false); }

// The ask strands of a running instance document; `next_strand` (when not null) gets the
// document's next strand id (ids below it were used).
std::vector<Inquiry> Asks(const store::WorkflowRecord& record, int64_t* next_strand) {
  std::vector<Inquiry> out;
  json doc = ParseOrNull(record.state_json);
  if (!doc.is_object() || doc.value("status", "") != "running") return out;
  if (next_strand != nullptr) *next_strand = doc.value("next_strand", int64_t{0});
  auto strands = doc.find("strands");
  if (strands == doc.end() || !strands->is_array()) return out;
  for (const json& s : *strands) {
    if (!s.is_object() || s.value("waiting", "") != "ask") continue;
    Inquiry inquiry;
    inquiry.execution_id = record.execution_id;
    inquiry.strand = s.value("id", int64_t{0});
    inquiry.id = FormatInquiryId(inquiry.execution_id, inquiry.strand);
    inquiry.workflow = record.workflow;
    inquiry.prompt = s.value("prompt", "");
    inquiry.schema = s.value("schema", json::object());
    inquiry.asked_at = s.value("asked_at", int64_t{0});
    inquiry.timeout_at = s.value("until", int64_t{0});
    out.push_back(std::move(inquiry));
  }
  return out;
}

bool Unfinished(store::Store& store, int64_t execution_id) {
  std::optional<store::Execution> x = store.GetExecution(execution_id);
  return x && !store::IsTerminal(x->status);
}

}  // namespace

std::optional<InquiryId> ParseInquiryId(std::string_view text) {
  size_t dot = text.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  std::optional<int64_t> execution = PositiveNumber(text.substr(0, dot));
  std::optional<int64_t> strand = PositiveNumber(text.substr(dot + 1));
  if (!execution || !strand) return std::nullopt;
  return InquiryId{*execution, *strand};
}

std::string FormatInquiryId(int64_t execution_id, int64_t strand) {
  return std::to_string(execution_id) + "." + std::to_string(strand);
}

nlohmann::ordered_json Inquiry::ToJson() const {
  auto time = [](store::Millis at) {
    return at == 0 ? nlohmann::ordered_json() : nlohmann::ordered_json(interp::FormatTime(at));
  };
  return {{"id", id},
          {"execution_id", execution_id},
          {"strand", strand},
          {"workflow", workflow},
          {"prompt", prompt},
          {"schema", schema},
          {"asked_at", time(asked_at)},
          {"timeout_at", time(timeout_at)}};
}

std::vector<Inquiry> InquiriesOf(const store::WorkflowRecord& record) {
  return Asks(record, nullptr);
}

std::vector<Inquiry> ListInquiries(store::Store& store) {
  std::vector<Inquiry> out;
  int64_t after = 0;
  while (true) {
    std::vector<store::WorkflowRecord> page = store.ListWorkflows(after, kPage);
    for (const store::WorkflowRecord& record : page) {
      after = record.execution_id;
      std::vector<Inquiry> asks = InquiriesOf(record);
      if (asks.empty() || !Unfinished(store, record.execution_id)) continue;
      for (Inquiry& inquiry : asks) out.push_back(std::move(inquiry));
    }
    if (page.size() < kPage) return out;
  }
}

std::optional<Inquiry> FindInquiry(store::Store& store, std::string_view text,
                                   InquiryError* error) {
  auto fail = [error](InquiryError::Kind kind, std::string message) {
    if (error != nullptr) *error = InquiryError{kind, std::move(message)};
    return std::nullopt;
  };
  std::optional<InquiryId> id = ParseInquiryId(text);
  if (!id) {
    return fail(InquiryError::Kind::kBadId,
                "`" + std::string(text) +
                    "` is not an inquiry id (`<workflow run>.<strand>`, e.g. `42.1`, as "
                    "`squall inquiries list` prints)");
  }
  std::string name = "inquiry " + std::string(text);
  std::optional<store::WorkflowRecord> record = store.GetWorkflow(id->execution_id);
  if (!record) {
    return fail(InquiryError::Kind::kUnknown,
                "no " + name + ": there is no workflow run " + std::to_string(id->execution_id));
  }
  std::optional<store::Execution> x = store.GetExecution(id->execution_id);
  if (x && store::IsTerminal(x->status)) {
    return fail(InquiryError::Kind::kNotWaiting, name + " is no longer waiting: workflow run " +
                                                     std::to_string(id->execution_id) + " " +
                                                     store::StatusName(x->status));
  }
  int64_t next_strand = 0;
  std::vector<Inquiry> asks = Asks(*record, &next_strand);
  for (Inquiry& inquiry : asks) {
    if (inquiry.strand == id->strand) return std::move(inquiry);
  }
  json doc = ParseOrNull(record->state_json);
  if (doc.is_object() && doc.value("status", "running") != "running") {
    return fail(InquiryError::Kind::kNotWaiting, name + " is no longer waiting: workflow run " +
                                                     std::to_string(id->execution_id) + " " +
                                                     doc.value("status", ""));
  }
  if (id->strand < next_strand) {
    return fail(InquiryError::Kind::kNotWaiting,
                name + " is not waiting for an answer (answered, timed out, or not asking)");
  }
  return fail(InquiryError::Kind::kUnknown, "no " + name + ": workflow run " +
                                                std::to_string(id->execution_id) +
                                                " has no strand " + std::to_string(id->strand));
}

std::optional<store::NewEvent> ResponseEvent(const Inquiry& inquiry, const json& response,
                                             const std::string& responder, std::string source,
                                             store::Millis now, InquiryError* error) {
  if (std::optional<std::string> wrong = CheckAnswer(inquiry.schema, response)) {
    if (error != nullptr) *error = InquiryError{InquiryError::Kind::kInvalid, *wrong};
    return std::nullopt;
  }
  store::NewEvent event;
  event.trigger = std::string(kInquiryResponseTrigger);
  event.payload_json = json{
      {"inquiry", inquiry.id},
      {"execution_id", inquiry.execution_id},
      {"strand", inquiry.strand},
      {"response", response},
      {"responder",
       responder}}.dump(-1, ' ', false, json::error_handler_t::replace);
  event.source = std::move(source);
  event.received_at = now;
  return event;
}

std::string ResponseClaim(const Inquiry& inquiry) {
  return "inquiry:" + inquiry.id + "@" + std::to_string(inquiry.asked_at);
}

std::optional<InquiryResponse> ParseInquiryResponse(std::string_view payload_json) {
  json payload = ParseOrNull(payload_json);
  if (!payload.is_object()) return std::nullopt;
  auto inquiry = payload.find("inquiry");
  if (inquiry == payload.end() || !inquiry->is_string() || !payload.contains("response")) {
    return std::nullopt;
  }
  std::optional<InquiryId> id = ParseInquiryId(inquiry->get<std::string>());
  if (!id) return std::nullopt;
  InquiryResponse out;
  out.id = *id;
  out.response = payload["response"];
  auto responder = payload.find("responder");
  if (responder != payload.end() && responder->is_string()) {
    out.responder = responder->get<std::string>();
  }
  return out;
}

}  // namespace squall::workflow
