// JSON-RPC 2.0 over a byte stream with LSP's base protocol framing: each message is a header
// block (`Content-Length: N\r\n`, optionally `Content-Type: ...\r\n`, then `\r\n`) followed
// by exactly N bytes of UTF-8 JSON.
//
// Thread safety: a MessageReader or MessageWriter is used by one thread at a time.
#pragma once

#include <cstddef>
#include <iosfwd>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace squall::lsp {

// JSON-RPC and LSP error codes.
enum ErrorCode : int {
  kParseError = -32700,
  kInvalidRequest = -32600,
  kMethodNotFound = -32601,
  kInvalidParams = -32602,
  kInternalError = -32603,
  kServerNotInitialized = -32002,
  kRequestFailed = -32803,
};

// What one read produced.
struct ReadResult {
  enum class Status {
    kMessage,    // `body` holds one message body (not yet parsed as JSON)
    kBadHeader,  // a header block without a usable Content-Length; `error` says why. The
                 // block was consumed; reading can continue with the next message.
    kEof,        // the stream ended (cleanly, or in the middle of a message: `error` is set)
  };
  Status status = Status::kEof;
  std::string body;
  std::string error;
};

// Reads framed messages from `in`. Blocks until a whole message has arrived (reads of any
// size, down to one byte at a time, are assembled). Header names are case-insensitive;
// unknown headers are ignored; lines may end in "\r\n" or "\n".
class MessageReader {
 public:
  // `in` must outlive the reader. `max_body` bounds Content-Length (a larger value is a
  // kBadHeader and its body is skipped).
  explicit MessageReader(std::istream& in, size_t max_body = size_t{64} << 20);

  ReadResult Read();

 private:
  std::istream& in_;
  size_t max_body_;
};

// Writes framed messages to `out`, flushing after each. Thread-safe: concurrent Write calls
// never interleave their bytes.
class MessageWriter {
 public:
  explicit MessageWriter(std::ostream& out) : out_(out) {}
  void Write(const nlohmann::json& message);

 private:
  std::mutex mutex_;
  std::ostream& out_;
};

// The frame for `body`: "Content-Length: <bytes>\r\n\r\n<body>".
std::string Frame(const std::string& body);

// A JSON-RPC error response to `id` (null when the request's id is unknown).
nlohmann::json ErrorResponse(const nlohmann::json& id, int code, const std::string& message);

}  // namespace squall::lsp
