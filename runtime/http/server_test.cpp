// Tests of http::Server over real loopback sockets. The client side is a raw blocking socket,
// so malformed input, pipelining and half-sent requests can be written byte for byte.
#include "runtime/http/server.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include "runtime/metrics/metrics.h"

namespace squall::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

// A blocking client connection with a receive timeout, so a broken server fails the test
// instead of hanging it.
class RawClient {
 public:
  explicit RawClient(uint16_t port, const char* host = "127.0.0.1") : socket_(ioc_) {
    socket_.connect(tcp::endpoint(asio::ip::make_address(host), port));
    timeval tv{.tv_sec = 10, .tv_usec = 0};
    setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }

  void Send(std::string_view bytes) {
    boost::system::error_code ec;
    asio::write(socket_, asio::buffer(bytes.data(), bytes.size()), ec);
  }

  // Reads one response; nullopt when the connection closed (or failed) first.
  // With `head`, reads only the header (the answer to HEAD, or an interim 1xx).
  std::optional<bhttp::response<bhttp::string_body>> Read(bool head = false) {
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(64 << 20);
    if (head) parser.skip(true);
    boost::system::error_code ec;
    bhttp::read(socket_, buffer_, parser, ec);
    if (ec) return std::nullopt;
    return parser.release();
  }

  // True when the server closed the connection (EOF or reset) before the receive timeout.
  bool WaitClosed() {
    char byte;
    boost::system::error_code ec;
    for (;;) {
      if (buffer_.size() > 0) {
        buffer_.consume(buffer_.size());
        continue;
      }
      socket_.read_some(asio::buffer(&byte, 1), ec);
      if (ec == asio::error::eof || ec == asio::error::connection_reset) return true;
      if (ec) return false;  // timeout
    }
  }

 private:
  asio::io_context ioc_;
  tcp::socket socket_;
  beast::flat_buffer buffer_;
};

std::string Post(std::string_view path, std::string_view body, std::string_view extra = "") {
  return "POST " + std::string(path) +
         " HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" +
         std::string(extra) + "\r\n" + std::string(body);
}

std::string Get(std::string_view path, std::string_view extra = "") {
  return "GET " + std::string(path) + " HTTP/1.1\r\nHost: x\r\n" + std::string(extra) + "\r\n";
}

nlohmann::json JsonBody(const bhttp::response<bhttp::string_body>& response) {
  return nlohmann::json::parse(response.body(), nullptr, false);
}

std::unique_ptr<Server> StartServer(ServerOptions options,
                                    const std::function<void(Server&)>& setup) {
  auto server = std::make_unique<Server>(std::move(options));
  setup(*server);
  std::string error = server->Start();
  EXPECT_EQ(error, "");
  EXPECT_NE(server->port(), 0);
  return server;
}

void Echo(Request request, Responder responder) {
  responder.Json(200, {{"method", request.method},
                       {"path", request.path},
                       {"tail", request.path_tail},
                       {"query", request.query},
                       {"q", request.Query("q").value_or("-")},
                       {"ctype", std::string(request.Header("content-type").value_or("-"))},
                       {"body", request.body},
                       {"remote", request.remote_address}});
}

TEST(ServerTest, RoutesExactPrefixFallbackAnd405) {
  auto server = StartServer({}, [](Server& s) {
    s.Handle("GET", "/healthz", [](Request, Responder r) { r.Send(200, "ok", "text/plain"); });
    s.HandlePrefix("POST", "/webhooks/", Echo);
    s.HandlePrefix("POST", "/webhooks/special/", [](Request req, Responder r) {
      r.Json(201, {{"special", req.path_tail}});
    });
  });
  RawClient client(server->port());

  client.Send(Get("/healthz"));
  auto health = client.Read();
  ASSERT_TRUE(health);
  EXPECT_EQ(health->result_int(), 200);
  EXPECT_EQ(health->body(), "ok");
  EXPECT_EQ(health->at(bhttp::field::content_type), "text/plain");
  EXPECT_TRUE(health->find(bhttp::field::date) != health->end());

  client.Send(Post("/webhooks/gh?q=a%20b&x=1", R"({"a":1})", "CONTENT-TYPE: application/json\r\n"));
  auto echo = client.Read();
  ASSERT_TRUE(echo);
  EXPECT_EQ(echo->result_int(), 200);
  auto json = JsonBody(*echo);
  EXPECT_EQ(json["method"], "POST");
  EXPECT_EQ(json["path"], "/webhooks/gh");
  EXPECT_EQ(json["tail"], "gh");
  EXPECT_EQ(json["query"], "q=a%20b&x=1");
  EXPECT_EQ(json["q"], "a b");
  EXPECT_EQ(json["ctype"], "application/json");
  EXPECT_EQ(json["body"], R"({"a":1})");
  EXPECT_TRUE(json["remote"].get<std::string>().starts_with("127.0.0.1:"));

  client.Send(Post("/webhooks/special/x", ""));
  auto special = client.Read();
  ASSERT_TRUE(special);
  EXPECT_EQ(special->result_int(), 201);
  EXPECT_EQ(JsonBody(*special)["special"], "x");  // longest prefix wins

  client.Send(Get("/nowhere"));
  auto missing = client.Read();
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->result_int(), 404);
  EXPECT_EQ(JsonBody(*missing)["error"], "no route for /nowhere");

  client.Send(Post("/healthz", "x"));
  auto wrong_method = client.Read();
  ASSERT_TRUE(wrong_method);
  EXPECT_EQ(wrong_method->result_int(), 405);
  EXPECT_EQ(wrong_method->at(bhttp::field::allow), "GET");
  EXPECT_TRUE(JsonBody(*wrong_method).contains("error"));

  // The connection survived all of that (keep-alive).
  client.Send(Get("/healthz"));
  ASSERT_TRUE(client.Read());
  EXPECT_EQ(server->stats().connections_accepted, 1u);
}

TEST(ServerTest, KeepAliveAndPipelinedRequestsAnswerInOrder) {
  std::atomic<int> concurrent{0};
  std::atomic<int> max_concurrent{0};
  auto server = StartServer({}, [&](Server& s) {
    s.HandlePrefix("POST", "/", [&](Request req, Responder r) {
      int now = ++concurrent;
      max_concurrent = std::max(max_concurrent.load(), now);
      // Answer from another thread after a short while: the next pipelined request must not be
      // handled before this one is answered.
      std::thread([req = std::move(req), r, &concurrent]() mutable {
        std::this_thread::sleep_for(5ms);
        --concurrent;
        r.Send(202, req.body, "text/plain");
      }).detach();
    });
  });
  RawClient client(server->port());
  for (int i = 0; i < 5; ++i) {
    client.Send(Post("/x", "one-" + std::to_string(i)));
    auto response = client.Read();
    ASSERT_TRUE(response);
    EXPECT_EQ(response->result_int(), 202);
    EXPECT_EQ(response->body(), "one-" + std::to_string(i));
    EXPECT_TRUE(response->keep_alive());
  }
  std::string pipelined;
  for (int i = 0; i < 10; ++i) pipelined += Post("/x", "p" + std::to_string(i));
  client.Send(pipelined);
  for (int i = 0; i < 10; ++i) {
    auto response = client.Read();
    ASSERT_TRUE(response) << i;
    EXPECT_EQ(response->body(), "p" + std::to_string(i));
  }
  EXPECT_EQ(max_concurrent.load(), 1);
  auto stats = server->stats();
  EXPECT_EQ(stats.requests, 15u);
  EXPECT_EQ(stats.responses_by_class[2], 15u);
  EXPECT_EQ(stats.connections_accepted, 1u);
}

TEST(ServerTest, AsyncResponderFromAnotherThreadAfterDelay) {
  std::mutex mu;
  std::vector<Responder> pending;
  std::condition_variable cv;
  auto server = StartServer({}, [&](Server& s) {
    s.Handle("POST", "/hook", [&](Request, Responder r) {
      std::lock_guard lock(mu);
      pending.push_back(r);
      cv.notify_all();
    });
  });
  RawClient client(server->port());
  client.Send(Post("/hook", "{}"));
  std::unique_lock lock(mu);
  ASSERT_TRUE(cv.wait_for(lock, 10s, [&] { return !pending.empty(); }));
  Responder responder = pending.front();
  pending.clear();
  lock.unlock();
  std::thread writer([responder]() mutable {
    std::this_thread::sleep_for(50ms);
    EXPECT_TRUE(responder.Json(202, {{"accepted", true}}));
    EXPECT_FALSE(responder.Json(500, {}));  // exactly once
  });
  auto response = client.Read();
  writer.join();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 202);
  EXPECT_EQ(JsonBody(*response)["accepted"], true);
  EXPECT_TRUE(responder.sent());
}

TEST(ServerTest, DroppedResponderAnswers500AndThrowingHandlerToo) {
  auto server = StartServer({}, [](Server& s) {
    s.Handle("GET", "/forgets", [](Request, Responder) {});
    s.Handle("GET", "/throws", [](Request, Responder) { throw std::runtime_error("boom"); });
    s.Handle("GET", "/later", [](Request, Responder r) {
      std::thread([r] { std::this_thread::sleep_for(10ms); }).detach();  // last copy dies later
    });
  });
  RawClient client(server->port());
  client.Send(Get("/forgets"));
  auto forgot = client.Read();
  ASSERT_TRUE(forgot);
  EXPECT_EQ(forgot->result_int(), 500);
  EXPECT_EQ(JsonBody(*forgot)["error"], "handler did not respond");

  client.Send(Get("/throws"));
  auto threw = client.Read();
  ASSERT_TRUE(threw);
  EXPECT_EQ(threw->result_int(), 500);
  EXPECT_EQ(JsonBody(*threw)["error"], "handler failed: boom");

  client.Send(Get("/later"));
  auto later = client.Read();
  ASSERT_TRUE(later);
  EXPECT_EQ(later->result_int(), 500);
  EXPECT_EQ(server->stats().responses_by_class[5], 3u);
}

TEST(ServerTest, OversizedBodyGets413WithoutBeingRead) {
  auto server = StartServer({.max_body_bytes = 1024}, [](Server& s) {
    s.HandlePrefix("POST", "/", [](Request req, Responder r) { r.Send(200, req.body); });
  });
  {
    RawClient client(server->port());
    // Declares 100 MB but sends only a little: the answer must come anyway.
    client.Send("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\nxxxx");
    auto response = client.Read();
    ASSERT_TRUE(response);
    EXPECT_EQ(response->result_int(), 413);
    EXPECT_EQ(JsonBody(*response)["error"], "request body exceeds 1024 bytes");
    EXPECT_FALSE(response->keep_alive());
    EXPECT_TRUE(client.WaitClosed());
  }
  {
    RawClient client(server->port());  // chunked: the limit trips while reading
    std::string chunk(2000, 'a');
    char size[16];
    snprintf(size, sizeof size, "%zx", chunk.size());
    client.Send(std::string("POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n") +
                size + "\r\n" + chunk + "\r\n0\r\n\r\n");
    auto response = client.Read();
    ASSERT_TRUE(response);
    EXPECT_EQ(response->result_int(), 413);
  }
  {
    RawClient client(server->port());  // exactly at the limit is fine
    client.Send(Post("/x", std::string(1024, 'b')));
    auto response = client.Read();
    ASSERT_TRUE(response);
    EXPECT_EQ(response->result_int(), 200);
    EXPECT_EQ(response->body().size(), 1024u);
  }
}

TEST(ServerTest, MalformedRequestsGet400AndClose) {
  auto server = StartServer({}, [](Server& s) {
    s.HandlePrefix("", "/", [](Request, Responder r) { r.Send(200, ""); });
  });
  const char* cases[] = {
      "GARBAGE\r\n\r\n",
      "GET / HTTP/9.9\r\nHost: x\r\n\r\n",
      "GET / HTTP/1.1\r\nBad Header Without Colon\r\n\r\n",
      "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
      "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
  };
  for (const char* raw : cases) {
    RawClient client(server->port());
    client.Send(raw);
    auto response = client.Read();
    ASSERT_TRUE(response) << raw;
    EXPECT_EQ(response->result_int(), 400) << raw;
    EXPECT_TRUE(JsonBody(*response)["error"].get<std::string>().starts_with("malformed HTTP"))
        << raw;
    EXPECT_TRUE(client.WaitClosed()) << raw;
  }
  EXPECT_EQ(server->stats().bad_requests, std::size(cases));
}

TEST(ServerTest, OversizedHeaderGets431) {
  auto server = StartServer({.max_header_bytes = 2048}, [](Server& s) {
    s.HandlePrefix("", "/", [](Request, Responder r) { r.Send(200, ""); });
  });
  RawClient client(server->port());
  client.Send("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(4096, 'h') + "\r\n\r\n");
  auto response = client.Read();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 431);
  EXPECT_TRUE(JsonBody(*response).contains("error"));
  EXPECT_TRUE(client.WaitClosed());
}

TEST(ServerTest, IdleAndSlowConnectionsAreClosed) {
  auto server = StartServer({.read_timeout = 200ms}, [](Server& s) {
    s.HandlePrefix("", "/", [](Request, Responder r) { r.Send(200, ""); });
  });
  RawClient idle(server->port());
  RawClient slow(server->port());
  slow.Send("GET / HTTP/1.1\r\nHo");  // never finishes the header
  RawClient after_one(server->port());
  after_one.Send(Get("/"));
  ASSERT_TRUE(after_one.Read());
  auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(idle.WaitClosed());
  EXPECT_TRUE(slow.WaitClosed());
  EXPECT_TRUE(after_one.WaitClosed());  // keep-alive idle
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

TEST(ServerTest, MaxConnectionsRejectsWith503) {
  auto server = StartServer({.max_connections = 1}, [](Server& s) {
    s.HandlePrefix("", "/", [](Request, Responder r) { r.Send(200, "hi"); });
  });
  RawClient first(server->port());
  first.Send(Get("/"));
  ASSERT_TRUE(first.Read());  // the first connection is surely registered now
  RawClient second(server->port());
  second.Send(Get("/"));
  auto rejected = second.Read();
  ASSERT_TRUE(rejected);
  EXPECT_EQ(rejected->result_int(), 503);
  EXPECT_EQ(JsonBody(*rejected)["error"], "too many connections");
  EXPECT_EQ(server->stats().connections_rejected, 1u);
  first.Send(Get("/"));
  ASSERT_TRUE(first.Read());
}

TEST(ServerTest, GracefulStopFinishesInFlightResponses) {
  std::promise<Responder> held;
  auto server = StartServer({}, [&](Server& s) {
    s.Handle("POST", "/slow", [&](Request, Responder r) { held.set_value(r); });
    s.Handle("GET", "/fast", [](Request, Responder r) { r.Send(200, "fast"); });
  });
  RawClient idle(server->port());
  idle.Send(Get("/fast"));
  ASSERT_TRUE(idle.Read());
  RawClient busy(server->port());
  busy.Send(Post("/slow", "x"));
  Responder responder = held.get_future().get();

  std::thread answer([responder]() mutable {
    std::this_thread::sleep_for(100ms);
    responder.Send(202, "done", "text/plain");
  });
  bool clean = server->Stop(10s);
  answer.join();
  EXPECT_TRUE(clean);
  auto response = busy.Read();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 202);
  EXPECT_EQ(response->body(), "done");
  EXPECT_FALSE(response->keep_alive());
  EXPECT_TRUE(idle.WaitClosed());
  EXPECT_TRUE(busy.WaitClosed());
  // The listener is closed.
  asio::io_context ioc;
  tcp::socket probe(ioc);
  boost::system::error_code ec;
  probe.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server->port()), ec);
  EXPECT_TRUE(ec);
}

TEST(ServerTest, StopCutsOffHandlersPastTheDeadlineAndLateResponderIsInert) {
  std::promise<Responder> held;
  auto server = StartServer({}, [&](Server& s) {
    s.Handle("POST", "/never", [&](Request, Responder r) { held.set_value(r); });
  });
  RawClient client(server->port());
  client.Send(Post("/never", "x"));
  Responder responder = held.get_future().get();
  auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(server->Stop(100ms));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  EXPECT_TRUE(client.WaitClosed());
  server.reset();                        // the server is gone entirely
  EXPECT_TRUE(responder.Send(200, ""));  // counts as sent, but goes nowhere
}

TEST(ServerTest, ExpectContinueHeadAndHttp10) {
  auto server = StartServer({}, [](Server& s) {
    s.HandlePrefix("", "/", [](Request req, Responder r) { r.Send(200, "body:" + req.body); });
  });
  RawClient client(server->port());
  client.Send("POST /x HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n");
  // The interim 100 arrives before the body is sent.
  auto interim = client.Read(/*head=*/true);
  ASSERT_TRUE(interim);
  EXPECT_EQ(interim->result_int(), 100);
  client.Send("abc");
  auto first = client.Read();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->body(), "body:abc");

  // A HEAD answer has Content-Length but no body; the pipelined GET answer must follow intact.
  RawClient head(server->port());
  head.Send("HEAD /x HTTP/1.1\r\nHost: x\r\n\r\nGET /y HTTP/1.1\r\nHost: x\r\n\r\n");
  auto head_response = head.Read(/*head=*/true);
  ASSERT_TRUE(head_response);
  EXPECT_EQ(head_response->at(bhttp::field::content_length), "5");
  auto get_response = head.Read();
  ASSERT_TRUE(get_response);
  EXPECT_EQ(get_response->body(), "body:");

  RawClient v10(server->port());
  v10.Send("GET /z HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  auto response10 = v10.Read();
  ASSERT_TRUE(response10);
  EXPECT_EQ(response10->body(), "body:");
  EXPECT_EQ(response10->at(bhttp::field::connection), "keep-alive");
}

TEST(ServerTest, ListensOnIpv6LoopbackAndReportsBadAddresses) {
  Server v6({.listen = "[::1]:0"});
  v6.Handle("GET", "/", [](Request req, Responder r) { r.Send(200, req.remote_address); });
  std::string error = v6.Start();
  if (!error.empty()) GTEST_SKIP() << "no IPv6 loopback here: " << error;
  EXPECT_TRUE(v6.address().starts_with("[::1]:"));
  RawClient client(v6.port(), "::1");
  client.Send(Get("/"));
  auto response = client.Read();
  ASSERT_TRUE(response);
  EXPECT_TRUE(response->body().starts_with("[::1]:"));

  EXPECT_NE(Server({.listen = "nonsense"}).Start(), "");
  EXPECT_NE(Server({.listen = "127.0.0.1:99999"}).Start(), "");
  Server taken({.listen = v6.address()});
  EXPECT_NE(taken.Start().find("bind"), std::string::npos);
}

TEST(ServerTest, FeedsMetricsRegistry) {
  metrics::Registry registry;
  auto server = StartServer({.metrics = &registry}, [](Server& s) {
    s.Handle("GET", "/ok", [](Request, Responder r) { r.Send(204, ""); });
  });
  RawClient client(server->port());
  client.Send(Get("/ok"));
  ASSERT_TRUE(client.Read());
  client.Send(Get("/missing"));
  ASSERT_TRUE(client.Read());
  std::string text = registry.Render();
  EXPECT_NE(text.find("squall_http_requests_total 2"), std::string::npos) << text;
  EXPECT_NE(text.find("squall_http_responses_total{class=\"2xx\"} 1"), std::string::npos) << text;
  EXPECT_NE(text.find("squall_http_responses_total{class=\"4xx\"} 1"), std::string::npos) << text;
  EXPECT_NE(text.find("squall_http_open_connections 1"), std::string::npos) << text;
  EXPECT_NE(text.find("squall_http_request_duration_seconds_count 2"), std::string::npos) << text;
}

}  // namespace
}  // namespace squall::http
