// Tests of the http-request runner against a real http::Server on 127.0.0.1.
#include "runtime/http/http_request_runner.h"

#include <gtest/gtest.h>

#include <mutex>
#include <thread>

#include "runtime/http/server.h"

namespace squall::http {
namespace {

using namespace std::chrono_literals;
using runners::Outcome;

class HttpRequestRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<Server>(ServerOptions{});
    server_->HandlePrefix("", "/echo", [](Request req, Responder r) {
      nlohmann::json headers = nlohmann::json::object();
      for (const auto& [name, value] : req.headers) headers[name] = value;
      Response response{.status = 200,
                        .content_type = "application/json; charset=utf-8",
                        .body = nlohmann::json{{"method", req.method},
                                               {"query", req.query},
                                               {"body", req.body},
                                               {"headers", headers}}
                                    .dump()};
      response.headers.Add("X-Multi", "a");
      response.headers.Add("X-Multi", "b");
      r.Send(std::move(response));
    });
    server_->Handle("GET", "/text",
                    [](Request, Responder r) { r.Send(200, "plain words", "text/plain"); });
    server_->Handle("GET", "/badjson", [](Request, Responder r) { r.Send(200, "{nope"); });
    server_->HandlePrefix("", "/status/", [](Request req, Responder r) {
      r.Json(std::stoi(req.path_tail), {{"status", req.path_tail}});
    });
    server_->Handle("", "/moved", [](Request, Responder r) {
      Response response{.status = 302};
      response.headers.Add("Location", "/echo");
      r.Send(std::move(response));
    });
    server_->Handle("GET", "/never", [this](Request, Responder r) {
      std::lock_guard lock(mu_);
      parked_.push_back(r);
    });
    ASSERT_EQ(server_->Start(), "");
    base_ = "http://127.0.0.1:" + std::to_string(server_->port());
    runner_ = CreateHttpRequestRunner({});
  }

  void TearDown() override {
    {
      std::lock_guard lock(mu_);
      parked_.clear();
    }
    server_->Stop(1s);
  }

  runners::RunResult Run(nlohmann::json parameters, std::vector<std::string> secrets = {}) {
    runners::RunRequest request;
    request.action = "core.http";
    request.runner = "http-request";
    request.parameters = std::move(parameters);
    request.secret_values = std::move(secrets);
    return runner_->Run(request, cancel_);
  }

  std::unique_ptr<Server> server_;
  std::unique_ptr<runners::Runner> runner_;
  runners::CancelToken cancel_;
  std::string base_;
  std::mutex mu_;
  std::vector<Responder> parked_;
};

TEST_F(HttpRequestRunnerTest, JsonResponseIsParsed) {
  auto out = Run({{"url", base_ + "/echo"}});
  ASSERT_EQ(out.outcome, Outcome::kSucceeded) << out.error;
  EXPECT_EQ(out.result["status_code"], 200);
  EXPECT_EQ(out.result["parsed"], true);
  EXPECT_EQ(out.result["body"]["method"], "GET");
  EXPECT_EQ(out.result["headers"]["Content-Type"], "application/json; charset=utf-8");
  EXPECT_EQ(out.result["headers"]["X-Multi"], "a, b");
  EXPECT_EQ(out.result.size(), 4u);  // exactly the output schema's keys
}

TEST_F(HttpRequestRunnerTest, TextAndInvalidJsonStayText) {
  auto text = Run({{"url", base_ + "/text"}});
  ASSERT_EQ(text.outcome, Outcome::kSucceeded) << text.error;
  EXPECT_EQ(text.result["parsed"], false);
  EXPECT_EQ(text.result["body"], "plain words");
  auto bad = Run({{"url", base_ + "/badjson"}});
  ASSERT_EQ(bad.outcome, Outcome::kSucceeded) << bad.error;
  EXPECT_EQ(bad.result["parsed"], false);
  EXPECT_EQ(bad.result["body"], "{nope");
}

TEST_F(HttpRequestRunnerTest, OnlyStatus200To206Succeeds) {
  const std::pair<int, Outcome> cases[] = {
      {200, Outcome::kSucceeded}, {201, Outcome::kSucceeded}, {206, Outcome::kSucceeded},
      {207, Outcome::kFailed},    {404, Outcome::kFailed},    {500, Outcome::kFailed},
  };
  for (const auto& [status, outcome] : cases) {
    std::string url = base_ + "/status/" + std::to_string(status);
    auto out = Run({{"url", url}});
    EXPECT_EQ(out.outcome, outcome) << status;
    EXPECT_EQ(out.result["status_code"], status);
    if (outcome == Outcome::kFailed) {
      EXPECT_EQ(out.error, "HTTP " + std::to_string(status) + " from " + url);
      EXPECT_EQ(out.result["body"]["status"], std::to_string(status));  // response kept
    }
  }
}

TEST_F(HttpRequestRunnerTest, SendsMethodBodyParamsHeadersCookiesAndBasicAuth) {
  auto out = Run({{"url", base_ + "/echo"},
                  {"method", "post"},
                  {"body", {{"k", "v"}, {"n", 1}}},
                  {"params", {{"q", "a b"}, {"tag", {"x", "y"}}}},
                  {"headers", {{"X-Num", 5}}},
                  {"cookies", {{"sid", "s1"}}},
                  {"username", "bob"},
                  {"password", "hunter2"}});
  ASSERT_EQ(out.outcome, Outcome::kSucceeded) << out.error;
  const auto& echoed = out.result["body"];
  EXPECT_EQ(echoed["method"], "POST");
  EXPECT_EQ(nlohmann::json::parse(echoed["body"].get<std::string>()),
            nlohmann::json({{"k", "v"}, {"n", 1}}));
  EXPECT_EQ(echoed["headers"]["Content-Type"], "application/json");
  EXPECT_EQ(echoed["query"], "q=a%20b&tag=x&tag=y");
  EXPECT_EQ(echoed["headers"]["X-Num"], "5");
  EXPECT_EQ(echoed["headers"]["Cookie"], "sid=s1");
  // The echoed Authorization header is the basic token, itself masked as a secret.
  EXPECT_EQ(echoed["headers"]["Authorization"], "Basic ********");

  auto raw = Run({{"url", base_ + "/echo"},
                  {"method", "PUT"},
                  {"body", "<xml/>"},
                  {"headers", {{"Content-Type", "application/xml"}}}});
  ASSERT_EQ(raw.outcome, Outcome::kSucceeded) << raw.error;
  EXPECT_EQ(raw.result["body"]["body"], "<xml/>");
  EXPECT_EQ(raw.result["body"]["headers"]["Content-Type"], "application/xml");
}

TEST_F(HttpRequestRunnerTest, SecretsAreMaskedInResultAndError) {
  auto out = Run({{"url", base_ + "/echo?token=tok-123"},
                  {"auth", "Bearer sekrit"},
                  {"headers", {{"X-Password", "hunter2"}}},
                  {"password", "hunter2"}},
                 {"tok-123"});
  ASSERT_EQ(out.outcome, Outcome::kSucceeded) << out.error;
  std::string dumped = out.result.dump();
  EXPECT_EQ(dumped.find("tok-123"), std::string::npos) << dumped;
  EXPECT_EQ(dumped.find("sekrit"), std::string::npos) << dumped;
  EXPECT_EQ(dumped.find("hunter2"), std::string::npos) << dumped;
  EXPECT_EQ(out.result["body"]["query"], "token=********");

  auto failed = Run({{"url", base_ + "/status/404?token=tok-123"}}, {"tok-123"});
  EXPECT_EQ(failed.outcome, Outcome::kFailed);
  EXPECT_EQ(failed.error, "HTTP 404 from " + base_ + "/status/404?token=********");
}

TEST_F(HttpRequestRunnerTest, RedirectsFollowForGetOnlyUnlessAllowed) {
  auto get = Run({{"url", base_ + "/moved"}});
  ASSERT_EQ(get.outcome, Outcome::kSucceeded) << get.error;
  EXPECT_EQ(get.result["body"]["method"], "GET");

  auto post = Run({{"url", base_ + "/moved"}, {"method", "POST"}});
  EXPECT_EQ(post.outcome, Outcome::kFailed);
  EXPECT_EQ(post.result["status_code"], 302);

  auto allowed = Run({{"url", base_ + "/moved"}, {"method", "POST"}, {"allow_redirects", true}});
  ASSERT_EQ(allowed.outcome, Outcome::kSucceeded) << allowed.error;
  EXPECT_EQ(allowed.result["body"]["method"], "GET");  // 302 after POST becomes GET
}

TEST_F(HttpRequestRunnerTest, TimeoutAndCancellation) {
  auto start = std::chrono::steady_clock::now();
  auto timed_out = Run({{"url", base_ + "/never"}, {"timeout", 0.2}});
  EXPECT_EQ(timed_out.outcome, Outcome::kTimedOut);
  EXPECT_EQ(timed_out.error, "request timed out after 0.2s");
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);

  std::thread canceler([this] {
    std::this_thread::sleep_for(100ms);
    cancel_.Cancel();
  });
  auto canceled = Run({{"url", base_ + "/never"}, {"timeout", 30}});
  canceler.join();
  EXPECT_EQ(canceled.outcome, Outcome::kCanceled);
}

TEST_F(HttpRequestRunnerTest, BadParametersAndHostListsFail) {
  EXPECT_EQ(Run(nlohmann::json::object()).error, "parameter `url` is required");
  EXPECT_EQ(Run({{"url", "ftp://x/"}}).outcome, Outcome::kFailed);
  EXPECT_EQ(Run({{"url", base_ + "/echo"}, {"headers", "nope"}}).error,
            "parameter `headers` must be an object");
  auto blocked = Run({{"url", base_ + "/echo"}, {"url_hosts_blacklist", {"127.0.0.1"}}});
  EXPECT_EQ(blocked.outcome, Outcome::kFailed);
  EXPECT_EQ(blocked.error, "URL host 127.0.0.1 is in url_hosts_blacklist");
  auto not_listed = Run({{"url", base_ + "/echo"}, {"url_hosts_whitelist", {"example.com"}}});
  EXPECT_EQ(not_listed.outcome, Outcome::kFailed);
  auto listed = Run({{"url", base_ + "/echo"}, {"url_hosts_whitelist", {"127.0.0.1"}}});
  EXPECT_EQ(listed.outcome, Outcome::kSucceeded) << listed.error;
  auto proxy = Run({{"url", base_ + "/echo"}, {"http_proxy", "http://127.0.0.1:1"}});
  EXPECT_EQ(proxy.error, "parameter `http_proxy` is not supported");
}

TEST_F(HttpRequestRunnerTest, ConnectionErrorAndResponseLimit) {
  uint16_t dead_port;
  {
    Server dead({});
    ASSERT_EQ(dead.Start(), "");
    dead_port = dead.port();
  }
  auto refused = Run({{"url", "http://127.0.0.1:" + std::to_string(dead_port) + "/"}});
  EXPECT_EQ(refused.outcome, Outcome::kFailed);
  EXPECT_NE(refused.error.find("refused"), std::string::npos) << refused.error;
  EXPECT_EQ(refused.result, nlohmann::json::object());

  auto small = CreateHttpRequestRunner({.http_response_limit = 10});
  runners::RunRequest request;
  request.parameters = {{"url", base_ + "/text"}};
  auto out = small->Run(request, cancel_);
  EXPECT_EQ(out.outcome, Outcome::kFailed);
  EXPECT_EQ(out.error, "response body exceeds 10 bytes");
}

}  // namespace
}  // namespace squall::http
