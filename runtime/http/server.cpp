#include "runtime/http/server.h"

#include <time.h>

#include <algorithm>
#include <array>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <thread>
#include <unordered_map>

#include "runtime/metrics/metrics.h"

namespace squall::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

// Beast (Boost 1.74) uses boost::string_view.
std::string_view Sv(beast::string_view text) { return {text.data(), text.size()}; }

std::string ErrorBody(std::string_view message) {
  return nlohmann::json{{"error", message}}.dump();
}

// The Date header value, formatted once per second per thread: cheap enough for every response.
std::string_view HttpDate() {
  thread_local time_t cached_second = 0;
  thread_local char buffer[64];
  thread_local size_t length = 0;
  time_t now = time(nullptr);
  if (now != cached_second) {
    struct tm tm_utc;
    gmtime_r(&now, &tm_utc);
    length = strftime(buffer, sizeof buffer, "%a, %d %b %Y %H:%M:%S GMT", &tm_utc);
    cached_second = now;
  }
  return std::string_view(buffer, length);
}

void AppendNumber(std::string& out, uint64_t value) {
  char digits[24];
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value != 0);
  while (n > 0) out.push_back(digits[--n]);
}

bool IsManagedHeader(std::string_view name) {
  return EqualsIgnoreCase(name, "Content-Length") || EqualsIgnoreCase(name, "Connection") ||
         EqualsIgnoreCase(name, "Date") || EqualsIgnoreCase(name, "Transfer-Encoding") ||
         EqualsIgnoreCase(name, "Content-Type");
}

std::string EndpointText(const tcp::endpoint& endpoint) {
  std::string host = endpoint.address().to_string();
  if (endpoint.address().is_v6()) host = "[" + host + "]";
  return host + ":" + std::to_string(endpoint.port());
}

}  // namespace

struct Server::Core {
  struct Route {
    std::string method;
    std::string path;
    bool prefix = false;
    Handler handler;
  };

  explicit Core(ServerOptions opts) : options(std::move(opts)) {
    options.io_threads = std::max(1, options.io_threads);
    for (int i = 0; i < options.io_threads; ++i) {
      // Concurrency hint 1: each context is run by exactly one thread, so Asio can skip locking.
      contexts.push_back(std::make_unique<asio::io_context>(1));
    }
    if (options.metrics != nullptr) {
      auto& registry = *options.metrics;
      m_requests = &registry
                        .AddCounter("squall_http_requests_total",
                                    "HTTP requests received and routed to a handler.")
                        .With({});
      auto& by_class = registry.AddCounter("squall_http_responses_total",
                                           "HTTP responses sent, by status class.", {"class"});
      static constexpr const char* kClasses[] = {"", "1xx", "2xx", "3xx", "4xx", "5xx"};
      for (int i = 1; i <= 5; ++i) m_responses[i] = &by_class.With({kClasses[i]});
      m_open = &registry.AddGauge("squall_http_open_connections", "Open HTTP client connections.")
                    .With({});
      m_duration = &registry
                        .AddHistogram("squall_http_request_duration_seconds",
                                      "Time from a complete request to its response.",
                                      {0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5})
                        .With({});
    }
  }

  asio::io_context& NextContext() {
    size_t i = next_context.fetch_add(1, std::memory_order_relaxed);
    return *contexts[i % contexts.size()];
  }

  void CountResponse(int status) {
    int cls = std::clamp(status / 100, 1, 5);
    responses[cls].fetch_add(1, std::memory_order_relaxed);
    if (m_responses[cls] != nullptr) m_responses[cls]->Inc();
  }

  void OnConnectionOpened() {
    open_connections.fetch_add(1, std::memory_order_relaxed);
    if (m_open != nullptr) m_open->Inc();
  }

  void OnConnectionClosed() {
    if (m_open != nullptr) m_open->Dec();
    if (open_connections.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      std::lock_guard lock(conn_mu);
      conn_cv.notify_all();
    }
  }

  ServerOptions options;
  std::vector<Route> routes;
  Handler fallback;

  // One event loop per I/O thread. Declared before anything holding sockets so that it is
  // destroyed last.
  std::vector<std::unique_ptr<asio::io_context>> contexts;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
  std::vector<std::thread> threads;
  std::optional<tcp::acceptor> acceptor;
  tcp::endpoint local_endpoint;
  std::atomic<size_t> next_context{0};
  bool started = false;
  bool stopped = false;

  // Responders post to a connection's loop only while the gate is open; Stop() closes it
  // (exclusively) before stopping the loops, so no post can race with their shutdown.
  std::shared_mutex gate_mu;
  bool gate_open = false;

  std::atomic<bool> stopping{false};
  std::mutex conn_mu;
  std::condition_variable conn_cv;
  std::unordered_map<Connection*, std::weak_ptr<Connection>> connections;

  std::atomic<uint64_t> accepted{0};
  std::atomic<uint64_t> rejected{0};
  std::atomic<uint64_t> open_connections{0};
  std::atomic<uint64_t> requests{0};
  std::atomic<uint64_t> responses[6] = {};
  std::atomic<uint64_t> bad_requests{0};

  metrics::Counter* m_requests = nullptr;
  metrics::Counter* m_responses[6] = {};
  metrics::Gauge* m_open = nullptr;
  metrics::Histogram* m_duration = nullptr;
};

// One client connection. Lives on one io_context (one thread), so its members need no locks;
// other threads reach it only through asio::post.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(std::shared_ptr<Server::Core> core, asio::io_context& ctx, tcp::socket socket)
      : core_(std::move(core)), ctx_(ctx), stream_(std::move(socket)) {
    beast::error_code ec;
    auto remote = stream_.socket().remote_endpoint(ec);
    if (!ec) remote_ = EndpointText(remote);
    stream_.socket().set_option(tcp::no_delay(true), ec);
  }

  ~Connection() {
    std::lock_guard lock(core_->conn_mu);
    core_->connections.erase(this);
  }

  asio::io_context& context() { return ctx_; }
  const std::shared_ptr<Server::Core>& core() const { return core_; }

  void Start() { ReadRequest(); }

  // Called on the connection's thread by Stop().
  void BeginGracefulClose() {
    if (closed_) return;
    if (state_ == State::kReading) {
      Close();
    } else {
      close_after_response_ = true;
    }
  }

  void ForceClose() { Close(); }

  // Writes the response to request number `seq`; ignored when the connection has moved on or
  // closed. Runs on the connection's thread.
  void Write(uint64_t seq, Response response) {
    if (closed_ || seq != seq_ || state_ != State::kProcessing) return;
    state_ = State::kWriting;
    core_->CountResponse(response.status);
    if (core_->m_duration != nullptr) {
      core_->m_duration->Observe(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - request_started_)
              .count());
    }
    keep_alive_ =
        keep_alive_ && !close_after_response_ && !core_->stopping.load(std::memory_order_relaxed);

    head_.clear();
    head_.append("HTTP/1.1 ");
    AppendNumber(head_, static_cast<uint64_t>(response.status));
    head_.push_back(' ');
    head_.append(ReasonPhrase(response.status));
    head_.append("\r\nDate: ");
    head_.append(HttpDate());
    if (!response.content_type.empty()) {
      head_.append("\r\nContent-Type: ");
      head_.append(response.content_type);
    }
    for (const auto& [name, value] : response.headers) {
      if (IsManagedHeader(name)) continue;
      // CR/LF in a header would let a handler's data split the response: drop such fields.
      if (name.find_first_of("\r\n:") != std::string::npos ||
          value.find_first_of("\r\n") != std::string::npos) {
        continue;
      }
      head_.append("\r\n");
      head_.append(name);
      head_.append(": ");
      head_.append(value);
    }
    head_.append("\r\nContent-Length: ");
    AppendNumber(head_, response.body.size());
    if (!keep_alive_) {
      head_.append("\r\nConnection: close\r\n\r\n");
    } else if (version_ == 10) {
      head_.append("\r\nConnection: keep-alive\r\n\r\n");
    } else {
      head_.append("\r\n\r\n");
    }
    body_ = std::move(response.body);
    if (head_request_) body_.clear();

    stream_.expires_after(core_->options.write_timeout);
    std::array<asio::const_buffer, 2> buffers = {asio::buffer(head_), asio::buffer(body_)};
    asio::async_write(stream_, buffers, [self = shared_from_this()](beast::error_code ec, size_t) {
      self->OnWritten(ec);
    });
  }

 private:
  enum class State { kReading, kProcessing, kWriting, kClosed };

  void ReadRequest() {
    if (closed_) return;
    if (core_->stopping.load(std::memory_order_relaxed)) return Close();
    state_ = State::kReading;
    parser_.emplace();
    parser_->header_limit(
        static_cast<uint32_t>(std::min<size_t>(core_->options.max_header_bytes, UINT32_MAX)));
    parser_->body_limit(core_->options.max_body_bytes);
    stream_.expires_after(core_->options.read_timeout);
    bhttp::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->OnHeader(ec); });
  }

  void OnHeader(beast::error_code ec) {
    if (closed_) return;
    if (ec) return OnReadError(ec);
    auto& message = parser_->get();
    head_request_ = message.method() == bhttp::verb::head;
    if (auto length = parser_->content_length();
        length && *length > core_->options.max_body_bytes) {
      return SendServerError(
          413, "request body exceeds " + std::to_string(core_->options.max_body_bytes) + " bytes");
    }
    if (parser_->is_done()) return OnRequest();
    auto expect = message.find(bhttp::field::expect);
    if (expect != message.end() && EqualsIgnoreCase(Sv(expect->value()), "100-continue") &&
        message.version() >= 11) {
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      asio::async_write(stream_, asio::buffer(kContinue.data(), kContinue.size()),
                        [self = shared_from_this()](beast::error_code wec, size_t) {
                          if (self->closed_) return;
                          if (wec) return self->Close();
                          self->ReadBody();
                        });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = shared_from_this()](beast::error_code ec, size_t) {
                        if (self->closed_) return;
                        if (ec) return self->OnReadError(ec);
                        self->OnRequest();
                      });
  }

  void OnReadError(beast::error_code ec) {
    if (ec == bhttp::error::header_limit) {
      return SendServerError(431, "request header exceeds " +
                                      std::to_string(core_->options.max_header_bytes) + " bytes");
    }
    if (ec == bhttp::error::body_limit) {
      return SendServerError(
          413, "request body exceeds " + std::to_string(core_->options.max_body_bytes) + " bytes");
    }
    // A clean end of stream between requests, the read deadline, a reset or our own close: no
    // answer is possible or wanted.
    if (ec == bhttp::error::end_of_stream || ec == beast::error::timeout ||
        ec == asio::error::eof || ec == asio::error::operation_aborted ||
        ec == asio::error::connection_reset || ec == bhttp::error::partial_message ||
        &ec.category() != &bhttp::make_error_code(bhttp::error::bad_target).category()) {
      // A request cut short mid-way is a client problem the client cannot hear about anyway.
      return Close();
    }
    SendServerError(400, "malformed HTTP request: " + ec.message());
  }

  void SendServerError(int status, std::string message) {
    core_->bad_requests.fetch_add(1, std::memory_order_relaxed);
    close_after_response_ = true;
    drain_before_close_ = true;
    state_ = State::kProcessing;
    ++seq_;
    request_started_ = std::chrono::steady_clock::now();
    Write(seq_, Response{.status = status, .body = ErrorBody(message)});
  }

  void OnRequest() {
    state_ = State::kProcessing;
    request_started_ = std::chrono::steady_clock::now();
    core_->requests.fetch_add(1, std::memory_order_relaxed);
    if (core_->m_requests != nullptr) core_->m_requests->Inc();

    auto message = parser_->release();
    parser_.reset();
    keep_alive_ = message.keep_alive();
    version_ = static_cast<int>(message.version());

    Request request;
    request.method.assign(Sv(message.method_string()));
    std::string_view target = Sv(message.target());
    size_t question = target.find('?');
    request.path.assign(target.substr(0, question));
    if (question != std::string_view::npos) request.query.assign(target.substr(question + 1));
    request.headers.reserve(static_cast<size_t>(std::distance(message.begin(), message.end())));
    for (const auto& field : message) {
      request.headers.Add(std::string(Sv(field.name_string())), std::string(Sv(field.value())));
    }
    request.body = std::move(message.body());
    request.remote_address = remote_;
    request.version = static_cast<int>(message.version());

    bool answered = false;
    const Handler* handler = Route(request, answered);
    if (answered) return;
    Responder responder(std::make_shared<Responder::Exchange>(shared_from_this(), ++seq_));
    try {
      if (handler != nullptr && *handler) {
        // `responder` stays alive across the call so that a throwing handler gets a 500 naming
        // the exception rather than the generic "did not respond".
        (*handler)(std::move(request), responder);
      } else {
        responder.Error(404, "no route for " + request.path);
      }
    } catch (const std::exception& e) {
      responder.Error(500, std::string("handler failed: ") + e.what());
    } catch (...) {
      responder.Error(500, "handler failed");
    }
  }

  // The handler for `request`, setting path_tail. When the path only has routes for other
  // methods, answers 405 itself and sets `answered`.
  const Handler* Route(Request& request, bool& answered) {
    const Server::Core::Route* best = nullptr;
    bool other_methods = false;
    std::string allow;
    auto note_other = [&](const Server::Core::Route& route) {
      other_methods = true;
      if (allow.find(route.method) == std::string::npos) {
        if (!allow.empty()) allow.append(", ");
        allow.append(route.method);
      }
    };
    for (const auto& route : core_->routes) {
      if (route.prefix || route.path != request.path) continue;
      if (route.method.empty() || route.method == request.method) {
        best = &route;
        break;
      }
      note_other(route);
    }
    if (best == nullptr && !other_methods) {
      for (const auto& route : core_->routes) {
        if (!route.prefix || !request.path.starts_with(route.path)) continue;
        if (route.method.empty() || route.method == request.method) {
          if (best == nullptr || route.path.size() > best->path.size()) best = &route;
        } else {
          note_other(route);
        }
      }
    }
    if (best != nullptr) {
      if (best->prefix) request.path_tail = request.path.substr(best->path.size());
      return &best->handler;
    }
    if (other_methods) {
      ++seq_;
      Response response{
          .status = 405,
          .body = ErrorBody("method " + request.method + " not allowed for " + request.path)};
      response.headers.Add("Allow", allow);
      Write(seq_, std::move(response));
      answered = true;
      return nullptr;
    }
    return &core_->fallback;
  }

  void OnWritten(beast::error_code ec) {
    if (closed_) return;
    if (ec) return Close();
    if (!keep_alive_) {
      if (drain_before_close_) return DrainThenClose();
      return Close();
    }
    ReadRequest();
  }

  // After an error answer sent before the request was fully read, closing at once would make
  // the kernel reset the connection and the client might lose the answer. Half-close, then read
  // and drop what the client still sends, for a short while.
  void DrainThenClose() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec) return Close();
    drain_deadline_ = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    DrainSome();
  }

  void DrainSome() {
    if (closed_) return;
    auto now = std::chrono::steady_clock::now();
    if (now >= drain_deadline_) return Close();
    stream_.expires_after(drain_deadline_ - now);
    buffer_.clear();
    stream_.async_read_some(buffer_.prepare(64 << 10),
                            [self = shared_from_this()](beast::error_code ec, size_t) {
                              if (ec) return self->Close();
                              self->DrainSome();
                            });
  }

  void Close() {
    if (closed_) return;
    closed_ = true;
    state_ = State::kClosed;
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.close();
    core_->OnConnectionClosed();
  }

  std::shared_ptr<Server::Core> core_;
  asio::io_context& ctx_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::string remote_;
  State state_ = State::kReading;
  bool closed_ = false;
  bool keep_alive_ = true;
  bool close_after_response_ = false;
  bool drain_before_close_ = false;
  bool head_request_ = false;
  int version_ = 11;
  uint64_t seq_ = 0;
  std::chrono::steady_clock::time_point request_started_;
  std::chrono::steady_clock::time_point drain_deadline_;
  std::string head_;
  std::string body_;
};

struct Responder::Exchange {
  Exchange(std::shared_ptr<Connection> c, uint64_t s) : conn(std::move(c)), seq(s) {}
  ~Exchange() {
    if (!sent.exchange(true)) {
      Deliver(Response{.status = 500, .body = ErrorBody("handler did not respond")});
    }
  }

  void Deliver(Response response) {
    std::shared_ptr<Connection> target = std::move(conn);
    if (!target) return;
    std::shared_ptr<Server::Core> core = target->core();
    std::shared_lock lock(core->gate_mu);
    if (!core->gate_open) return;
    if (target->context().get_executor().running_in_this_thread()) {
      target->Write(seq, std::move(response));
      return;
    }
    auto& ctx = target->context();
    asio::post(ctx, [target = std::move(target), s = seq, r = std::move(response)]() mutable {
      target->Write(s, std::move(r));
    });
  }

  std::shared_ptr<Connection> conn;
  uint64_t seq;
  std::atomic<bool> sent{false};
};

bool Responder::Send(Response response) {
  if (!exchange_ || exchange_->sent.exchange(true)) return false;
  exchange_->Deliver(std::move(response));
  return true;
}

bool Responder::Send(int status, std::string body, std::string content_type) {
  return Send(
      Response{.status = status, .content_type = std::move(content_type), .body = std::move(body)});
}

bool Responder::Json(int status, const nlohmann::json& body) {
  if (!exchange_ || exchange_->sent.load()) return false;
  return Send(
      Response{.status = status,
               .body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)});
}

bool Responder::Error(int status, std::string_view message) {
  if (!exchange_ || exchange_->sent.load()) return false;
  return Send(Response{.status = status, .body = ErrorBody(message)});
}

bool Responder::sent() const { return exchange_ && exchange_->sent.load(); }

namespace {

void Accept(const std::shared_ptr<Server::Core>& core) {
  asio::io_context& ctx = core->NextContext();
  core->acceptor->async_accept(ctx, [core, &ctx](beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !core->acceptor->is_open()) return;
    if (core->stopping.load()) return;
    if (!ec) {
      if (core->open_connections.load(std::memory_order_relaxed) >= core->options.max_connections) {
        core->rejected.fetch_add(1, std::memory_order_relaxed);
        // A short blocking write of a canned answer: it fits in any socket buffer.
        static const std::string kBusy = [] {
          std::string body = ErrorBody("too many connections");
          return "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
                 "Content-Length: " +
                 std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
        }();
        beast::error_code wec;
        asio::write(socket, asio::buffer(kBusy), wec);
        socket.shutdown(tcp::socket::shutdown_send, wec);
        socket.close(wec);
      } else {
        core->accepted.fetch_add(1, std::memory_order_relaxed);
        core->OnConnectionOpened();
        auto conn = std::make_shared<Connection>(core, ctx, std::move(socket));
        {
          std::lock_guard lock(core->conn_mu);
          core->connections.emplace(conn.get(), conn);
        }
        asio::dispatch(ctx, [conn] { conn->Start(); });
      }
    }
    // Errors such as EMFILE are transient: keep accepting (after a short pause for EMFILE would
    // be nicer; the next accept simply retries).
    Accept(core);
  });
}

// Splits "host:port" / "[v6]:port".
bool SplitListen(const std::string& listen, std::string& host, std::string& port) {
  if (!listen.empty() && listen.front() == '[') {
    size_t close = listen.find("]:");
    if (close == std::string::npos) return false;
    host = listen.substr(1, close - 1);
    port = listen.substr(close + 2);
  } else {
    size_t colon = listen.rfind(':');
    if (colon == std::string::npos) return false;
    host = listen.substr(0, colon);
    port = listen.substr(colon + 1);
  }
  return !host.empty() && !port.empty() &&
         port.find_first_not_of("0123456789") == std::string::npos && port.size() <= 5 &&
         std::stoul(port) <= 65535;
}

}  // namespace

Server::Server(ServerOptions options) : core_(std::make_shared<Core>(std::move(options))) {}

Server::~Server() { Stop(std::chrono::milliseconds(0)); }

void Server::Handle(std::string method, std::string path, Handler handler) {
  core_->routes.push_back(
      Core::Route{std::move(method), std::move(path), false, std::move(handler)});
}

void Server::HandlePrefix(std::string method, std::string prefix, Handler handler) {
  core_->routes.push_back(
      Core::Route{std::move(method), std::move(prefix), true, std::move(handler)});
}

void Server::SetFallback(Handler handler) { core_->fallback = std::move(handler); }

std::string Server::Start() {
  Core& core = *core_;
  if (core.started) return "server already started";
  std::string host, port;
  if (!SplitListen(core.options.listen, host, port)) {
    return "invalid listen address `" + core.options.listen + "`; expected host:port";
  }
  beast::error_code ec;
  tcp::endpoint endpoint;
  if (auto address = asio::ip::make_address(host, ec); !ec) {
    endpoint = tcp::endpoint(address, static_cast<uint16_t>(std::stoul(port)));
  } else {
    tcp::resolver resolver(*core.contexts[0]);
    auto results = resolver.resolve(host, port, tcp::resolver::numeric_service, ec);
    if (ec || results.empty()) {
      return "cannot resolve listen host `" + host + "`: " + (ec ? ec.message() : "no address");
    }
    endpoint = results.begin()->endpoint();
  }
  core.acceptor.emplace(*core.contexts[0]);
  auto fail = [&](const char* what) {
    std::string message =
        "cannot listen on " + core.options.listen + ": " + what + ": " + ec.message();
    beast::error_code ignored;
    core.acceptor->close(ignored);
    core.acceptor.reset();
    return message;
  };
  core.acceptor->open(endpoint.protocol(), ec);
  if (ec) return fail("open");
  core.acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (endpoint.address().is_v6()) core.acceptor->set_option(asio::ip::v6_only(false), ec);
  ec.clear();
  core.acceptor->bind(endpoint, ec);
  if (ec) return fail("bind");
  core.acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return fail("listen");
  core.local_endpoint = core.acceptor->local_endpoint(ec);

  core.started = true;
  {
    std::unique_lock lock(core.gate_mu);
    core.gate_open = true;
  }
  Accept(core_);
  for (auto& ctx : core.contexts) {
    core.guards.push_back(asio::make_work_guard(*ctx));
  }
  for (auto& ctx : core.contexts) {
    core.threads.emplace_back([c = ctx.get()] {
      // Handlers never throw out of the loop (they are wrapped); keep running regardless.
      for (;;) {
        try {
          c->run();
          return;
        } catch (...) {
        }
      }
    });
  }
  return "";
}

uint16_t Server::port() const { return core_->local_endpoint.port(); }

std::string Server::address() const {
  return core_->started ? EndpointText(core_->local_endpoint) : std::string();
}

bool Server::Stop(std::chrono::milliseconds deadline) {
  Core& core = *core_;
  if (!core.started || core.stopped) return true;
  core.stopped = true;
  auto until = std::chrono::steady_clock::now() + deadline;
  core.stopping.store(true);

  auto for_each_connection = [&](auto fn) {
    std::vector<std::shared_ptr<Connection>> live;
    {
      std::lock_guard lock(core.conn_mu);
      for (auto& [ptr, weak] : core.connections) {
        if (auto c = weak.lock()) live.push_back(std::move(c));
      }
    }
    for (auto& c : live) {
      asio::post(c->context(), [c, fn] { fn(*c); });
    }
  };

  asio::post(*core.contexts[0], [&core] {
    beast::error_code ec;
    if (core.acceptor) core.acceptor->close(ec);
  });
  for_each_connection([](Connection& c) { c.BeginGracefulClose(); });

  bool clean;
  {
    std::unique_lock lock(core.conn_mu);
    clean = core.conn_cv.wait_until(lock, until, [&] { return core.open_connections.load() == 0; });
  }
  if (!clean) for_each_connection([](Connection& c) { c.ForceClose(); });
  {
    std::unique_lock lock(core.gate_mu);
    core.gate_open = false;
  }
  // Let the loops run the close handlers posted above, then stop them.
  for (auto& guard : core.guards) guard.reset();
  for (size_t i = 0; i < core.contexts.size(); ++i) {
    // Posting after the closes means the loop has executed them when this runs.
    asio::post(*core.contexts[i], [c = core.contexts[i].get()] { c->stop(); });
  }
  for (auto& thread : core.threads) thread.join();
  core.threads.clear();
  // Run what is left (aborted operations of closed sockets) so that no queued handler keeps a
  // connection, and through it the core, alive.
  for (auto& ctx : core.contexts) {
    ctx->restart();
    try {
      ctx->poll();
    } catch (...) {
    }
  }
  return clean;
}

ServerStats Server::stats() const {
  ServerStats stats;
  stats.connections_accepted = core_->accepted.load();
  stats.connections_rejected = core_->rejected.load();
  stats.open_connections = core_->open_connections.load();
  stats.requests = core_->requests.load();
  for (int i = 1; i <= 5; ++i) stats.responses_by_class[i] = core_->responses[i].load();
  stats.bad_requests = core_->bad_requests.load();
  return stats;
}

}  // namespace squall::http
