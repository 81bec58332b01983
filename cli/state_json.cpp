#include "cli/state_json.h"

#include <algorithm>
#include <charconv>
#include <iomanip>
#include <sstream>

#include "cli/state_flags.h"

namespace squall::cli {

using json = nlohmann::ordered_json;

json ParseStored(const std::string& text) {
  if (text.empty()) return nullptr;
  json value = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) return text;
  return value;
}

json TimeJson(store::Millis at) { return at == 0 ? json(nullptr) : json(FormatTime(at, true)); }

namespace {

json NullIfEmpty(const std::string& text) { return text.empty() ? json(nullptr) : json(text); }
json NullIfZero(int64_t id) { return id == 0 ? json(nullptr) : json(id); }

}  // namespace

json ExecutionJson(const store::Execution& e) {
  return json{
      {"id", e.id},
      {"status", store::StatusName(e.status)},
      {"action", e.action},
      {"runner", e.runner},
      {"rule", NullIfEmpty(e.rule)},
      {"event_id", NullIfZero(e.event_id)},
      {"parent_id", NullIfZero(e.parent_id)},
      {"attempts", e.attempts},
      {"created_at", TimeJson(e.created_at)},
      {"run_at", TimeJson(e.run_at)},
      {"started_at", TimeJson(e.started_at)},
      {"finished_at", TimeJson(e.finished_at)},
      {"parameters", ParseStored(e.parameters_json)},
      {"policy", ParseStored(e.policy_json)},
      {"concurrency_key", NullIfEmpty(e.concurrency_key)},
      {"result", ParseStored(e.result_json)},
      {"error", ParseStored(e.error_json)},
  };
}

json AttemptJson(const store::Attempt& a) {
  return json{{"attempt", a.attempt},
              {"status", store::StatusName(a.status)},
              {"started_at", TimeJson(a.started_at)},
              {"finished_at", TimeJson(a.finished_at)},
              {"result", ParseStored(a.result_json)},
              {"error", ParseStored(a.error_json)}};
}

json EnforcementJson(const store::Enforcement& en) {
  return json{{"id", en.id},
              {"event_id", en.event_id},
              {"rule", en.rule},
              {"status", en.status},
              {"execution_id", NullIfZero(en.execution_id)},
              {"message", NullIfEmpty(en.message)},
              {"throttle_key", NullIfEmpty(en.throttle_key)},
              {"created_at", TimeJson(en.created_at)}};
}

json EventJson(const store::Event& ev) {
  return json{{"id", ev.id},
              {"trigger", ev.trigger},
              {"source", ev.source},
              {"external_id", NullIfEmpty(ev.external_id)},
              {"received_at", TimeJson(ev.received_at)},
              {"parameters", ParseStored(ev.parameters_json)},
              {"payload", ParseStored(ev.payload_json)}};
}

void PrintJsonBlock(std::ostream& out, std::string_view heading, const std::string& text) {
  if (text.empty()) return;
  out << '\n' << heading << ":\n";
  std::istringstream lines(ParseStored(text).dump(2));
  for (std::string line; std::getline(lines, line);) out << "  " << line << '\n';
}

std::string ExecutionElapsed(const store::Execution& e, store::Millis now) {
  if (e.started_at == 0) return "-";
  if (e.finished_at == 0 && store::IsTerminal(e.status)) return "-";
  store::Millis end = e.finished_at != 0 ? e.finished_at : now;
  return FormatDuration(end - e.started_at);
}

void PrintTable(std::ostream& out, const std::vector<std::vector<std::string>>& rows,
                std::span<const size_t> right) {
  std::vector<size_t> width;
  for (const auto& row : rows) {
    width.resize(std::max(width.size(), row.size()));
    for (size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  }
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) {
      if (i + 1 == row.size()) {
        out << row[i];
        break;
      }
      bool align_right = std::find(right.begin(), right.end(), i) != right.end();
      out << (align_right ? std::right : std::left) << std::setw(static_cast<int>(width[i]))
          << row[i] << "  ";
    }
    out << std::left << '\n';
  }
}

std::optional<json> ParseJsonText(std::string_view command, const std::string& text,
                                  const std::string& from, std::ostream& err) {
  try {
    return json::parse(text);
  } catch (const json::parse_error& e) {
    // e.what() is `[json.exception.parse_error.101] parse error at line 1, column 2: ...`.
    std::string what = e.what();
    size_t at = what.find("] ");
    err << "squall " << command << ": error: " << from
        << " is not valid JSON: " << (at == std::string::npos ? what : what.substr(at + 2)) << "\n";
    return std::nullopt;
  }
}

std::optional<int64_t> ParseId(std::string_view text) {
  if (!text.empty() && text[0] == '#') text.remove_prefix(1);
  int64_t id = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || end != text.data() + text.size() || id <= 0) return std::nullopt;
  return id;
}

}  // namespace squall::cli
