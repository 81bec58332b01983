// An embeddable HTTP/1.1 server on Boost.Beast, the base of the webhook source.
//
// Usage:
//   http::Server server({.listen = "127.0.0.1:0"});
//   server.Handle("GET", "/healthz", [](http::Request, http::Responder r) { r.Json(200, {}); });
//   server.HandlePrefix("POST", "/webhooks/", [&](http::Request req, http::Responder r) {
//     queue.Push(std::move(req.body), [r](bool ok) mutable { r.Json(ok ? 202 : 503, ...); });
//   });
//   if (std::string err = server.Start(); !err.empty()) ...;
//   ... server.port() ...
//   server.Stop(std::chrono::seconds(5));
//
// Connections: keep-alive, one request at a time per connection (pipelined requests wait in
// the read buffer until the previous response is written), a read deadline per request that
// also closes idle keep-alive connections (slowloris), a cap on open connections (excess ones
// get 503 and are closed), header and body limits (431 / 413 with the connection closed, the
// oversized body is never read). Malformed requests get 400 and the connection is closed.
// Every answer the server gives itself has a JSON body {"error": "..."}.
//
// Threading: `io_threads` threads each run their own event loop; a connection lives on one of
// them. Handlers are called on that I/O thread and must not block: a handler that needs slow
// work (a disk commit, ...) keeps the Responder (it is copyable) and calls it later from any
// thread. A response sent from the connection's own thread is written at once, without a
// thread hop.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "runtime/http/message.h"

namespace squall::metrics {
class Registry;
}

namespace squall::http {

struct Request {
  std::string method;  // as sent ("POST"); methods are case-sensitive in HTTP
  std::string path;    // the target up to '?', not percent-decoded ("/webhooks/gh")
  std::string query;   // the raw text after '?' (without it), empty when none
  // For routes registered with HandlePrefix: the part of `path` after the prefix ("gh").
  std::string path_tail;
  Headers headers;
  std::string body;
  std::string remote_address;  // "127.0.0.1:54321" or "[::1]:54321"
  int version = 11;            // 10 or 11

  // Convenience lookups (case-insensitive header name; decoded query value).
  std::optional<std::string_view> Header(std::string_view name) const { return headers.Get(name); }
  std::optional<std::string> Query(std::string_view name) const { return QueryParam(query, name); }
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";  // empty: no Content-Type header
  // Extra headers. Content-Length, Connection and Date are managed by the server and ignored
  // when given here.
  Headers headers;
  std::string body;
};

class Connection;

// The one-shot reply channel of a request.
//
// Copyable: all copies share one exchange. The first Send() (from any copy, on any thread)
// answers the request; later ones are ignored and return false. When the last copy is
// destroyed without a Send(), the client gets 500 {"error": "handler did not respond"}, so a
// bug never leaves a client hanging. Sending after the client went away, or after the server
// stopped, does nothing. Thread-safe; Send() never blocks on the network.
class Responder {
 public:
  Responder() = default;  // an inert responder: Send() returns false
  bool Send(Response response);
  bool Send(int status, std::string body, std::string content_type = "application/json");
  // `body` serialized as JSON (content type application/json).
  bool Json(int status, const nlohmann::json& body);
  // {"error": message} with `status`.
  bool Error(int status, std::string_view message);
  // True once some copy has sent.
  bool sent() const;

  struct Exchange;  // implementation detail

 private:
  friend class Connection;
  explicit Responder(std::shared_ptr<Exchange> exchange) : exchange_(std::move(exchange)) {}
  std::shared_ptr<Exchange> exchange_;
};

using Handler = std::function<void(Request, Responder)>;

struct ServerOptions {
  // "host:port": "127.0.0.1:8080", "[::1]:0", "0.0.0.0:9000", "localhost:0". Port 0 picks an
  // ephemeral port (see Server::port()).
  std::string listen = "127.0.0.1:0";
  int io_threads = 2;
  size_t max_body_bytes = 1 << 20;
  size_t max_header_bytes = 16 << 10;  // request line + header fields
  // Time allowed to receive one whole request, counted from the end of the previous response
  // (so it is also the keep-alive idle timeout). A connection that misses it is closed.
  std::chrono::milliseconds read_timeout{30000};
  std::chrono::milliseconds write_timeout{30000};
  size_t max_connections = 1024;
  // Optional: when set, the server registers and updates
  //   squall_http_requests_total, squall_http_responses_total{class="2xx"},
  //   squall_http_open_connections, squall_http_request_duration_seconds
  // The registry must outlive the server.
  metrics::Registry* metrics = nullptr;
};

// Counters since construction; each field is read atomically, not the set as one snapshot.
struct ServerStats {
  uint64_t connections_accepted = 0;
  uint64_t connections_rejected = 0;  // over max_connections
  uint64_t open_connections = 0;
  uint64_t requests = 0;                // complete requests handed to a handler
  uint64_t responses_by_class[6] = {};  // [1] = 1xx ... [5] = 5xx; [0] unused
  uint64_t bad_requests = 0;            // answered by the server itself with 4xx
};

class Server {
 public:
  explicit Server(ServerOptions options);
  // Stops (Stop(0)) if still running.
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Routing; call before Start() (not thread-safe afterwards). `method` "" matches any method.
  // Exact routes win over prefix routes; among prefix routes the longest prefix wins. A path
  // with routes for other methods only gets 405 with an Allow header; no route at all gets the
  // fallback (default: 404 {"error": "no route for /x"}).
  void Handle(std::string method, std::string path, Handler handler);
  void HandlePrefix(std::string method, std::string prefix, Handler handler);
  void SetFallback(Handler handler);

  // Binds, listens and starts the I/O threads. Returns "" on success, else the reason
  // ("cannot listen on 127.0.0.1:80: Permission denied"). Call at most once.
  std::string Start();
  // The bound port (useful with port 0); 0 before Start().
  uint16_t port() const;
  // "127.0.0.1:43121" once started.
  std::string address() const;

  // Graceful stop: closes the listener and idle connections at once, lets in-flight requests
  // finish (their connections close after the response) until `deadline` has passed, then
  // closes everything and joins the I/O threads. Returns true when nothing had to be cut off.
  // Responders still held afterwards are inert. Idempotent; do not call from a handler.
  bool Stop(std::chrono::milliseconds deadline);

  ServerStats stats() const;

  struct Core;  // implementation detail

 private:
  std::shared_ptr<Core> core_;
};

}  // namespace squall::http
