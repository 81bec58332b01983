#include "cli/lsp/json_rpc.h"

#include <algorithm>
#include <cctype>
#include <istream>
#include <ostream>

namespace squall::lsp {
namespace {

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

std::string Trim(const std::string& text) {
  size_t begin = text.find_first_not_of(" \t\r");
  if (begin == std::string::npos) return "";
  size_t end = text.find_last_not_of(" \t\r");
  return text.substr(begin, end - begin + 1);
}

}  // namespace

MessageReader::MessageReader(std::istream& in, size_t max_body) : in_(in), max_body_(max_body) {}

ReadResult MessageReader::Read() {
  ReadResult result;
  std::optional<size_t> length;
  std::string header_error;
  bool any_header = false;
  std::string line;
  while (true) {
    if (!std::getline(in_, line)) {
      if (any_header) result.error = "the stream ended inside a header block";
      return result;  // kEof
    }
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) {
      // Blank lines before any header (e.g. a stray "\r\n" after a body) are skipped.
      if (!any_header) continue;
      break;
    }
    any_header = true;
    size_t colon = line.find(':');
    if (colon == std::string::npos) {
      header_error = "malformed header line `" + line.substr(0, 80) + "`";
      continue;
    }
    std::string name = Lower(Trim(line.substr(0, colon)));
    std::string value = Trim(line.substr(colon + 1));
    if (name != "content-length") continue;
    size_t parsed = 0;
    bool digits = !value.empty() && value.size() <= 19 &&
                  std::all_of(value.begin(), value.end(),
                              [](unsigned char c) { return std::isdigit(c) != 0; });
    if (!digits) {
      header_error = "bad Content-Length `" + value.substr(0, 40) + "`";
      continue;
    }
    parsed = std::stoull(value);
    length = parsed;
  }
  if (!length) {
    result.status = ReadResult::Status::kBadHeader;
    result.error = header_error.empty() ? "missing Content-Length header" : header_error;
    return result;
  }
  if (*length > max_body_) {
    // Skip the body so the next message can still be read.
    in_.ignore(static_cast<std::streamsize>(*length));
    result.status = in_ ? ReadResult::Status::kBadHeader : ReadResult::Status::kEof;
    result.error = "Content-Length " + std::to_string(*length) + " exceeds the limit of " +
                   std::to_string(max_body_) + " bytes";
    return result;
  }
  result.body.resize(*length);
  in_.read(result.body.data(), static_cast<std::streamsize>(*length));
  if (static_cast<size_t>(in_.gcount()) != *length) {
    result.body.clear();
    result.error = "the stream ended inside a message body";
    return result;  // kEof
  }
  result.status = ReadResult::Status::kMessage;
  return result;
}

std::string Frame(const std::string& body) {
  return "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

void MessageWriter::Write(const nlohmann::json& message) {
  // Invalid UTF-8 in a string (from a file's bytes) must not throw: replace it.
  std::string body = message.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::lock_guard lock(mutex_);
  out_ << Frame(body);
  out_.flush();
}

nlohmann::json ErrorResponse(const nlohmann::json& id, int code, const std::string& message) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"error", {{"code", code}, {"message", message}}}};
}

}  // namespace squall::lsp
