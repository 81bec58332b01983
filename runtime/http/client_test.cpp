// Tests of http::Fetch against a real http::Server and a real TLS server on 127.0.0.1.
#include "runtime/http/client.h"

#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "runtime/http/server.h"
#include "runtime/http/test_tls.h"
#include "runtime/runners/cancel_token.h"

namespace squall::http {
namespace {

using namespace std::chrono_literals;

struct UrlCase {
  std::string text;
  bool ok;
  std::string scheme, host;
  uint16_t port;
  std::string target, userinfo;
};

TEST(ParseUrlTest, Table) {
  const UrlCase cases[] = {
      {"http://example.com", true, "http", "example.com", 80, "/", ""},
      {"HTTPS://Example.COM:8443/a/b?x=1#frag", true, "https", "example.com", 8443, "/a/b?x=1", ""},
      {"http://[::1]:8080/p", true, "http", "::1", 8080, "/p", ""},
      {"https://[::1]", true, "https", "::1", 443, "/", ""},
      {"http://u%40x:p%3Aw@h:1/?q", true, "http", "h", 1, "/?q", "u@x:p:w"},
      {"http://h?q=1", true, "http", "h", 80, "/?q=1", ""},
      {"ftp://h/", false, "", "", 0, "", ""},
      {"no-scheme", false, "", "", 0, "", ""},
      {"http://", false, "", "", 0, "", ""},
      {"http://h:0/", false, "", "", 0, "", ""},
      {"http://h:70000/", false, "", "", 0, "", ""},
      {"http://h:8x/", false, "", "", 0, "", ""},
      {"http://[::1/", false, "", "", 0, "", ""},
      {"http://[zz]/", false, "", "", 0, "", ""},
      {"http://h/a b", false, "", "", 0, "", ""},
  };
  for (const auto& c : cases) {
    std::string error;
    auto url = ParseUrl(c.text, &error);
    ASSERT_EQ(url.has_value(), c.ok) << c.text << " " << error;
    if (!c.ok) {
      EXPECT_FALSE(error.empty()) << c.text;
      continue;
    }
    EXPECT_EQ(url->scheme, c.scheme) << c.text;
    EXPECT_EQ(url->host, c.host) << c.text;
    EXPECT_EQ(url->port, c.port) << c.text;
    EXPECT_EQ(url->target, c.target) << c.text;
    EXPECT_EQ(url->userinfo, c.userinfo) << c.text;
  }
  EXPECT_EQ(ParseUrl("http://[::1]:8080/p")->ToString(), "http://[::1]:8080/p");
  EXPECT_EQ(ParseUrl("https://h:443/p")->HostHeader(), "h");
}

TEST(ResolveUrlTest, Table) {
  Url base = *ParseUrl("https://h:8443/a/b/c?x=1");
  const std::pair<std::string, std::string> cases[] = {
      {"http://other/z", "http://other/z"}, {"//other:1/z", "https://other:1/z"},
      {"/root?q", "https://h:8443/root?q"}, {"sib", "https://h:8443/a/b/sib"},
      {"?y=2", "https://h:8443/a/b/c?y=2"}, {"/frag#x", "https://h:8443/frag"},
  };
  for (const auto& [reference, expected] : cases) {
    auto url = ResolveUrl(base, reference);
    ASSERT_TRUE(url) << reference;
    EXPECT_EQ(url->ToString(), expected) << reference;
  }
  EXPECT_FALSE(ResolveUrl(base, "/bad path"));
}

// A server with the routes the tests need.
class ClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<Server>(ServerOptions{});
    server_->HandlePrefix("", "/echo", [](Request req, Responder r) {
      nlohmann::json headers = nlohmann::json::object();
      for (const auto& [name, value] : req.headers) headers[name] = value;
      r.Json(200, {{"method", req.method},
                   {"path", req.path},
                   {"query", req.query},
                   {"body", req.body},
                   {"headers", headers}});
    });
    // /redirect/<status>/<n>: redirects n times with <status>, then to /echo.
    server_->HandlePrefix("", "/redirect/", [](Request req, Responder r) {
      std::string tail = req.path_tail;
      int status = std::stoi(tail.substr(0, tail.find('/')));
      int n = std::stoi(tail.substr(tail.find('/') + 1));
      Response response{.status = status, .body = "{}"};
      response.headers.Add(
          "Location",
          n <= 1 ? "/echo" : "/redirect/" + std::to_string(status) + "/" + std::to_string(n - 1));
      r.Send(std::move(response));
    });
    server_->Handle("GET", "/loop", [](Request, Responder r) {
      Response response{.status = 302};
      response.headers.Add("Location", "/loop");
      r.Send(std::move(response));
    });
    server_->Handle("GET", "/big", [](Request, Responder r) {
      r.Send(200, std::string(100000, 'x'), "text/plain");
    });
    server_->Handle("GET", "/never", [this](Request, Responder r) {
      std::lock_guard lock(mu_);
      parked_.push_back(r);
    });
    ASSERT_EQ(server_->Start(), "");
    base_ = "http://127.0.0.1:" + std::to_string(server_->port());
  }

  void TearDown() override {
    {
      std::lock_guard lock(mu_);
      parked_.clear();
    }
    server_->Stop(1s);
  }

  std::unique_ptr<Server> server_;
  std::string base_;
  std::mutex mu_;
  std::vector<Responder> parked_;
};

TEST_F(ClientTest, GetWithQueryHeadersCookiesAndBasicAuth) {
  FetchRequest request{.url = base_ + "/echo?a=1"};
  request.headers.Add("X-Custom", "yes");
  request.query_params = {{"b", "x y&z"}, {"c", "é"}};
  request.cookies = {{"session", "abc"}, {"theme", "dark"}};
  request.username = "user";
  request.password = "pa:ss";
  auto result = Fetch(request);
  ASSERT_TRUE(result.ok()) << result.error_message;
  EXPECT_EQ(result.status, 200);
  EXPECT_EQ(result.reason, "OK");
  EXPECT_EQ(result.headers.GetOr("content-type", ""), "application/json");
  auto json = nlohmann::json::parse(result.body);
  EXPECT_EQ(json["method"], "GET");
  EXPECT_EQ(json["query"], "a=1&b=x%20y%26z&c=%C3%A9");
  EXPECT_EQ(json["headers"]["X-Custom"], "yes");
  EXPECT_EQ(json["headers"]["Cookie"], "session=abc; theme=dark");
  EXPECT_EQ(json["headers"]["Authorization"], "Basic dXNlcjpwYTpzcw==");
  EXPECT_EQ(json["headers"]["Host"], "127.0.0.1:" + std::to_string(server_->port()));
  EXPECT_EQ(result.final_url, base_ + "/echo?a=1&b=x%20y%26z&c=%C3%A9");
}

TEST_F(ClientTest, PostBodyAndHead) {
  FetchRequest request{.method = "POST", .url = base_ + "/echo", .body = R"({"k":"v"})"};
  request.headers.Add("Content-Type", "application/json");
  auto result = Fetch(request);
  ASSERT_TRUE(result.ok()) << result.error_message;
  auto json = nlohmann::json::parse(result.body);
  EXPECT_EQ(json["method"], "POST");
  EXPECT_EQ(json["body"], R"({"k":"v"})");
  EXPECT_EQ(json["headers"]["Content-Length"], "9");

  auto head = Fetch({.method = "HEAD", .url = base_ + "/echo"});
  ASSERT_TRUE(head.ok()) << head.error_message;
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.body, "");
}

TEST_F(ClientTest, RedirectsFollowedNotFollowedAndLimited) {
  auto followed = Fetch({.url = base_ + "/redirect/302/3", .follow_redirects = true});
  ASSERT_TRUE(followed.ok()) << followed.error_message;
  EXPECT_EQ(followed.status, 200);
  EXPECT_EQ(followed.redirects, 3);
  EXPECT_EQ(followed.final_url, base_ + "/echo");

  auto not_followed = Fetch({.url = base_ + "/redirect/302/3"});
  ASSERT_TRUE(not_followed.ok());
  EXPECT_EQ(not_followed.status, 302);
  EXPECT_EQ(not_followed.headers.GetOr("Location", ""), "/redirect/302/2");

  auto limited = Fetch({.url = base_ + "/loop", .follow_redirects = true, .max_redirects = 4});
  EXPECT_EQ(limited.error, FetchError::kTooManyRedirects);
  EXPECT_EQ(limited.redirects, 4);
  EXPECT_EQ(limited.error_message, "more than 4 redirects");
}

TEST_F(ClientTest, RedirectMethodRules) {
  // 303 turns POST into GET without body; 307 keeps both.
  auto see_other = Fetch({.method = "POST",
                          .url = base_ + "/redirect/303/1",
                          .body = "payload",
                          .follow_redirects = true});
  ASSERT_TRUE(see_other.ok()) << see_other.error_message;
  auto json = nlohmann::json::parse(see_other.body);
  EXPECT_EQ(json["method"], "GET");
  EXPECT_EQ(json["body"], "");

  auto temporary = Fetch({.method = "POST",
                          .url = base_ + "/redirect/307/1",
                          .body = "payload",
                          .follow_redirects = true});
  ASSERT_TRUE(temporary.ok()) << temporary.error_message;
  json = nlohmann::json::parse(temporary.body);
  EXPECT_EQ(json["method"], "POST");
  EXPECT_EQ(json["body"], "payload");
}

TEST_F(ClientTest, CrossHostRedirectDropsCredentials) {
  // 127.0.0.1 -> localhost is another host as far as credentials go.
  uint16_t port = server_->port();
  Server hop({});
  hop.Handle("GET", "/go", [port](Request, Responder r) {
    Response response{.status = 302};
    response.headers.Add("Location", "http://localhost:" + std::to_string(port) + "/echo");
    r.Send(std::move(response));
  });
  ASSERT_EQ(hop.Start(), "");
  FetchRequest request{.url = "http://127.0.0.1:" + std::to_string(hop.port()) + "/go",
                       .follow_redirects = true};
  request.username = "user";
  request.headers.Add("Authorization", "Bearer secret");
  request.headers.Add("X-Kept", "1");
  auto result = Fetch(request);
  ASSERT_TRUE(result.ok()) << result.error_message;
  auto json = nlohmann::json::parse(result.body);
  EXPECT_FALSE(json["headers"].contains("Authorization"));
  EXPECT_EQ(json["headers"]["X-Kept"], "1");

  // Same host: kept.
  auto same =
      Fetch({.url = base_ + "/redirect/302/1", .username = "user", .follow_redirects = true});
  ASSERT_TRUE(same.ok());
  EXPECT_TRUE(nlohmann::json::parse(same.body)["headers"].contains("Authorization"));
}

TEST_F(ClientTest, TimeoutAgainstServerThatNeverAnswers) {
  auto start = std::chrono::steady_clock::now();
  auto result = Fetch({.url = base_ + "/never", .total_timeout = 200ms});
  EXPECT_EQ(result.error, FetchError::kTimeout);
  EXPECT_EQ(result.error_message, "request timed out after 0.2s");
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

TEST_F(ClientTest, CancellationInterruptsAWaitingRequest) {
  runners::CancelToken token;
  std::thread canceler([&] {
    std::this_thread::sleep_for(100ms);
    token.Cancel();
  });
  auto start = std::chrono::steady_clock::now();
  auto result = Fetch({.url = base_ + "/never", .total_timeout = 30s}, &token);
  canceler.join();
  EXPECT_EQ(result.error, FetchError::kCanceled);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);

  auto again = Fetch({.url = base_ + "/echo"}, &token);  // already cancelled: no request at all
  EXPECT_EQ(again.error, FetchError::kCanceled);
}

TEST_F(ClientTest, ResponseLimitAndConnectErrors) {
  auto big = Fetch({.url = base_ + "/big", .max_response_bytes = 10000});
  EXPECT_EQ(big.error, FetchError::kBodyTooLarge);
  EXPECT_EQ(big.error_message, "response body exceeds 10000 bytes");
  auto fits = Fetch({.url = base_ + "/big", .max_response_bytes = 100000});
  ASSERT_TRUE(fits.ok()) << fits.error_message;
  EXPECT_EQ(fits.body.size(), 100000u);

  // A port nobody listens on: bind one, then close it.
  uint16_t dead_port;
  {
    Server dead({});
    ASSERT_EQ(dead.Start(), "");
    dead_port = dead.port();
  }
  auto refused = Fetch({.url = "http://127.0.0.1:" + std::to_string(dead_port) + "/"});
  EXPECT_EQ(refused.error, FetchError::kConnect);
  EXPECT_NE(refused.error_message.find("refused"), std::string::npos) << refused.error_message;

  EXPECT_EQ(Fetch({.url = "gopher://x/"}).error, FetchError::kInvalidRequest);
  FetchRequest bad_header{.url = base_ + "/echo"};
  bad_header.headers.Add("X-Evil", "a\r\nInjected: 1");
  EXPECT_EQ(Fetch(bad_header).error, FetchError::kInvalidRequest);
}

TEST(TlsClientTest, VerifiesAgainstCaFileAndHostname) {
  auto identity = testing::MakeSelfSigned("127.0.0.1", "IP:127.0.0.1,DNS:localhost");
  testing::TempFile ca(identity.cert_pem);
  testing::TlsServer tls(identity);
  std::string url = "https://127.0.0.1:" + std::to_string(tls.port()) + "/hello?x=1";

  auto trusted = Fetch({.url = url, .ca_file = ca.path(), .total_timeout = 10s});
  ASSERT_TRUE(trusted.ok()) << trusted.error_message;
  EXPECT_EQ(trusted.status, 200);
  EXPECT_EQ(trusted.body, "secure /hello?x=1");

  auto by_name = Fetch({.url = "https://localhost:" + std::to_string(tls.port()) + "/n",
                        .ca_file = ca.path(),
                        .total_timeout = 10s});
  ASSERT_TRUE(by_name.ok()) << by_name.error_message;
  EXPECT_EQ(by_name.body, "secure /n");

  auto untrusted = Fetch({.url = url, .total_timeout = 10s});
  EXPECT_EQ(untrusted.error, FetchError::kTls);
  EXPECT_NE(untrusted.error_message.find("certificate"), std::string::npos)
      << untrusted.error_message;

  auto unverified = Fetch({.url = url, .verify_tls = false, .total_timeout = 10s});
  ASSERT_TRUE(unverified.ok()) << unverified.error_message;
  EXPECT_EQ(unverified.body, "secure /hello?x=1");

  auto missing_ca = Fetch({.url = url, .ca_file = "/nonexistent/ca.pem"});
  EXPECT_EQ(missing_ca.error, FetchError::kInvalidRequest);
}

TEST(TlsClientTest, RejectsCertificateForAnotherHost) {
  auto identity = testing::MakeSelfSigned("other.example", "DNS:other.example");
  testing::TempFile ca(identity.cert_pem);
  testing::TlsServer tls(identity);
  auto result = Fetch({.url = "https://127.0.0.1:" + std::to_string(tls.port()) + "/",
                       .ca_file = ca.path(),
                       .total_timeout = 10s});
  EXPECT_EQ(result.error, FetchError::kTls);
  EXPECT_NE(result.error_message.find("mismatch"), std::string::npos) << result.error_message;
}

}  // namespace
}  // namespace squall::http
