#include "runtime/http/client.h"

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <functional>

#include "runtime/runners/cancel_token.h"

namespace squall::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

// Beast (Boost 1.74) uses boost::string_view.
std::string_view Sv(beast::string_view text) { return {text.data(), text.size()}; }

std::string Lowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

uint16_t DefaultPort(std::string_view scheme) { return scheme == "https" ? 443 : 80; }

bool HasControlOrSpace(std::string_view text) {
  for (char c : text) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return true;
  }
  return false;
}

bool HasCrLf(std::string_view text) { return text.find_first_of("\r\n") != std::string::npos; }

std::string Base64(std::string_view data) {
  std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(data.data()),
                          static_cast<int>(data.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

std::string DurationText(std::chrono::milliseconds d) {
  if (d.count() % 1000 == 0) return std::to_string(d.count() / 1000) + "s";
  char buffer[32];
  snprintf(buffer, sizeof buffer, "%.3gs", static_cast<double>(d.count()) / 1000.0);
  return buffer;
}

bool IsRedirect(int status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

// Whether credentials may travel from `from` to `to`: same origin, or the plain upgrade from
// http on port 80 to https on port 443 of the same host (what python-requests allows).
bool SameAuthority(const Url& from, const Url& to) {
  if (!EqualsIgnoreCase(from.host, to.host)) return false;
  if (from.scheme == to.scheme && from.port == to.port) return true;
  return from.scheme == "http" && from.port == 80 && to.scheme == "https" && to.port == 443;
}

}  // namespace

std::string Url::HostHeader() const {
  std::string out = is_ipv6_literal() ? "[" + host + "]" : host;
  if (port != DefaultPort(scheme)) out += ":" + std::to_string(port);
  return out;
}

std::string Url::ToString() const { return scheme + "://" + HostHeader() + target; }

std::optional<Url> ParseUrl(std::string_view text, std::string* error) {
  auto fail = [&](std::string message) -> std::optional<Url> {
    if (error != nullptr) *error = std::move(message);
    return std::nullopt;
  };
  size_t sep = text.find("://");
  if (sep == std::string_view::npos) return fail("URL `" + std::string(text) + "` has no scheme");
  Url url;
  url.scheme = Lowercase(text.substr(0, sep));
  if (url.scheme != "http" && url.scheme != "https") {
    return fail("unsupported URL scheme `" + url.scheme + "`; expected http or https");
  }
  std::string_view rest = text.substr(sep + 3);
  size_t authority_end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, authority_end);
  std::string_view tail =
      authority_end == std::string_view::npos ? std::string_view() : rest.substr(authority_end);
  if (size_t at = authority.rfind('@'); at != std::string_view::npos) {
    url.userinfo = UrlDecode(authority.substr(0, at));
    authority = authority.substr(at + 1);
  }
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return fail("unterminated IPv6 address in URL");
    url.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return fail("unexpected text after IPv6 address in URL");
      port_text = after.substr(1);
    }
    boost::system::error_code ec;
    asio::ip::make_address_v6(url.host, ec);
    if (ec) return fail("invalid IPv6 address `" + url.host + "` in URL");
  } else {
    size_t colon = authority.rfind(':');
    url.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (url.host.empty()) return fail("URL `" + std::string(text) + "` has no host");
  if (HasControlOrSpace(url.host)) return fail("invalid host in URL `" + std::string(text) + "`");
  url.host = Lowercase(url.host);
  if (!port_text.empty()) {
    if (port_text.size() > 5 || port_text.find_first_not_of("0123456789") != std::string::npos ||
        std::stoul(std::string(port_text)) == 0 || std::stoul(std::string(port_text)) > 65535) {
      return fail("invalid port `" + std::string(port_text) + "` in URL");
    }
    url.port = static_cast<uint16_t>(std::stoul(std::string(port_text)));
  } else {
    url.port = DefaultPort(url.scheme);
  }
  tail = tail.substr(0, tail.find('#'));
  if (HasControlOrSpace(tail)) {
    return fail("URL `" + std::string(text) + "` contains spaces or control characters");
  }
  url.target = tail.empty() || tail.front() == '?' ? "/" + std::string(tail) : std::string(tail);
  return url;
}

std::optional<Url> ResolveUrl(const Url& base, std::string_view reference) {
  reference = reference.substr(0, reference.find('#'));
  if (size_t sep = reference.find("://");
      sep != std::string_view::npos && reference.find_first_of("/?") > sep) {
    return ParseUrl(reference);
  }
  if (reference.starts_with("//")) return ParseUrl(base.scheme + ":" + std::string(reference));
  if (HasControlOrSpace(reference)) return std::nullopt;
  Url url = base;
  url.userinfo.clear();
  if (reference.empty()) return url;
  if (reference.front() == '/') {
    url.target = std::string(reference);
  } else {
    std::string_view path = std::string_view(base.target).substr(0, base.target.find('?'));
    if (reference.front() == '?') {
      url.target = std::string(path) + std::string(reference);
    } else {
      url.target = std::string(path.substr(0, path.rfind('/') + 1)) + std::string(reference);
    }
  }
  return url;
}

const char* FetchErrorName(FetchError error) {
  switch (error) {
    case FetchError::kNone:
      return "none";
    case FetchError::kInvalidRequest:
      return "invalid_request";
    case FetchError::kConnect:
      return "connect";
    case FetchError::kTls:
      return "tls";
    case FetchError::kProtocol:
      return "protocol";
    case FetchError::kTimeout:
      return "timeout";
    case FetchError::kCanceled:
      return "canceled";
    case FetchError::kBodyTooLarge:
      return "body_too_large";
    case FetchError::kTooManyRedirects:
      return "too_many_redirects";
  }
  return "unknown";
}

namespace {

// One Fetch() call: its own event loop, run on the calling thread one handler at a time. The
// total timer and the cancel watcher stay armed for the whole call; when either fires it closes
// whatever socket is in use, so the pending operation completes at once with an error.
class Session {
 public:
  Session(const FetchRequest& request, const runners::CancelToken* cancel)
      : request_(request), total_timer_(ioc_), hop_timer_(ioc_), cancel_watch_(ioc_) {
    if (request.total_timeout.count() > 0) {
      total_timer_.expires_after(request.total_timeout);
      total_timer_.async_wait([this](boost::system::error_code ec) {
        if (ec) return;
        total_expired_ = true;
        Abort();
      });
    }
    if (cancel != nullptr) {
      // A duplicate, because the descriptor object closes what it holds.
      int fd = dup(cancel->fd());
      if (fd >= 0) {
        cancel_watch_.assign(fd);
        cancel_watch_.async_wait(asio::posix::stream_descriptor::wait_read,
                                 [this](boost::system::error_code ec) {
                                   if (ec) return;
                                   canceled_ = true;
                                   Abort();
                                 });
      }
      if (cancel->canceled()) canceled_ = true;
    }
  }

  ~Session() {
    boost::system::error_code ec;
    total_timer_.cancel();
    hop_timer_.cancel();
    cancel_watch_.close(ec);
    // Let the cancelled waits complete so no handler outlives this object.
    ioc_.restart();
    ioc_.poll();
  }

  FetchResult Run();

 private:
  struct Hop {
    std::string method;
    Url url;
    Headers headers;
    std::string body;
    bool send_credentials = true;
  };

  template <typename Initiate>
  boost::system::error_code Await(Initiate&& initiate) {
    bool done = false;
    boost::system::error_code result;
    initiate([&](boost::system::error_code ec, auto&&...) {
      result = ec;
      done = true;
    });
    while (!done) {
      if (ioc_.stopped()) ioc_.restart();
      if (ioc_.run_one() == 0 && !done) return asio::error::operation_aborted;
    }
    return result;
  }

  void Abort() {
    boost::system::error_code ec;
    if (resolver_) resolver_->cancel();
    if (tcp_ != nullptr) tcp_->socket().close(ec);
  }

  // The error to report for a failed operation: cancellation and timeouts win over the
  // operation's own error (which is then just "operation aborted").
  bool Interrupted(FetchResult& result) const {
    if (canceled_) {
      result.error = FetchError::kCanceled;
      result.error_message = "request canceled";
    } else if (total_expired_) {
      result.error = FetchError::kTimeout;
      result.error_message = "request timed out after " + DurationText(request_.total_timeout);
    } else if (hop_expired_) {
      result.error = FetchError::kTimeout;
      result.error_message = "connect timed out after " + DurationText(request_.connect_timeout);
    } else {
      return false;
    }
    return true;
  }

  bool Fail(FetchResult& result, FetchError error, std::string message) const {
    if (!Interrupted(result)) {
      result.error = error;
      result.error_message = std::move(message);
    }
    return false;
  }

  bool DoHop(const Hop& hop, FetchResult& result);

  template <typename Stream>
  bool Exchange(Stream& stream, const Hop& hop, FetchResult& result);

  const FetchRequest& request_;
  asio::io_context ioc_{1};
  asio::steady_timer total_timer_;
  asio::steady_timer hop_timer_;
  asio::posix::stream_descriptor cancel_watch_;
  std::optional<tcp::resolver> resolver_;
  beast::tcp_stream* tcp_ = nullptr;  // the connection in use, for Abort()
  bool canceled_ = false;
  bool total_expired_ = false;
  bool hop_expired_ = false;
};

bool Session::DoHop(const Hop& hop, FetchResult& result) {
  const Url& url = hop.url;
  std::string where = url.HostHeader();
  if (url.port == DefaultPort(url.scheme)) where += ":" + std::to_string(url.port);
  if (canceled_ || total_expired_) return Fail(result, FetchError::kCanceled, "");

  hop_expired_ = false;
  hop_timer_.expires_after(request_.connect_timeout);
  hop_timer_.async_wait([this](boost::system::error_code ec) {
    if (ec) return;
    hop_expired_ = true;
    Abort();
  });

  resolver_.emplace(ioc_);
  tcp::resolver::results_type endpoints;
  auto ec = Await([&](auto handler) {
    resolver_->async_resolve(
        url.host, std::to_string(url.port),
        [&endpoints, handler](boost::system::error_code e, tcp::resolver::results_type r) mutable {
          endpoints = std::move(r);
          handler(e);
        });
  });
  resolver_.reset();
  if (ec)
    return Fail(result, FetchError::kConnect, "cannot resolve " + url.host + ": " + ec.message());

  beast::tcp_stream tcp(ioc_);
  tcp_ = &tcp;
  struct Clear {
    beast::tcp_stream*& p;
    ~Clear() { p = nullptr; }
  } clear{tcp_};
  ec = Await([&](auto handler) {
    tcp.async_connect(endpoints, [handler](boost::system::error_code e,
                                           const tcp::endpoint&) mutable { handler(e); });
  });
  if (ec) return Fail(result, FetchError::kConnect, "connect to " + where + ": " + ec.message());
  tcp.socket().set_option(tcp::no_delay(true), ec);

  if (url.scheme == "http") {
    hop_timer_.cancel();
    return Exchange(tcp, hop, result);
  }

  asio::ssl::context ctx(asio::ssl::context::tls_client);
  ctx.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                  asio::ssl::context::no_sslv3);
  if (request_.verify_tls) {
    ctx.set_default_verify_paths(ec);
    if (!request_.ca_file.empty()) {
      ctx.load_verify_file(request_.ca_file.string(), ec);
      if (ec) {
        return Fail(result, FetchError::kInvalidRequest,
                    "cannot load CA file " + request_.ca_file.string() + ": " + ec.message());
      }
    }
    ctx.set_verify_mode(asio::ssl::verify_peer);
  } else {
    ctx.set_verify_mode(asio::ssl::verify_none);
  }
  beast::ssl_stream<beast::tcp_stream> tls(std::move(tcp), ctx);
  tcp_ = &beast::get_lowest_layer(tls);
  SSL* ssl = tls.native_handle();
  boost::system::error_code addr_ec;
  asio::ip::make_address(url.host, addr_ec);
  bool is_ip = !addr_ec;
  // SNI only for names: RFC 6066 forbids IP literals there.
  if (!is_ip) SSL_set_tlsext_host_name(ssl, url.host.c_str());
  if (request_.verify_tls) {
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    int ok = is_ip ? X509_VERIFY_PARAM_set1_ip_asc(param, url.host.c_str())
                   : X509_VERIFY_PARAM_set1_host(param, url.host.c_str(), 0);
    if (ok != 1) return Fail(result, FetchError::kInvalidRequest, "cannot verify host " + url.host);
  }
  ec = Await([&](auto handler) { tls.async_handshake(asio::ssl::stream_base::client, handler); });
  hop_timer_.cancel();
  if (ec) {
    std::string message = "TLS handshake with " + where + " failed: " + ec.message();
    long verify = SSL_get_verify_result(ssl);
    if (verify != X509_V_OK) {
      message += " (" + std::string(X509_verify_cert_error_string(verify)) + ")";
    }
    return Fail(result, FetchError::kTls, message);
  }
  return Exchange(tls, hop, result);
}

template <typename Stream>
bool Session::Exchange(Stream& stream, const Hop& hop, FetchResult& result) {
  bhttp::request<bhttp::string_body> req;
  req.method_string(beast::string_view(hop.method));
  req.target(beast::string_view(hop.url.target));
  req.version(11);
  req.set(bhttp::field::host, hop.url.HostHeader());
  req.set(bhttp::field::user_agent, "squall-http/0.1");
  req.set(bhttp::field::accept, "*/*");
  for (const auto& [name, value] : hop.headers) {
    if (EqualsIgnoreCase(name, "Content-Length") || EqualsIgnoreCase(name, "Connection") ||
        EqualsIgnoreCase(name, "Transfer-Encoding")) {
      continue;
    }
    if (EqualsIgnoreCase(name, "Host") || EqualsIgnoreCase(name, "User-Agent") ||
        EqualsIgnoreCase(name, "Accept")) {
      req.set(beast::string_view(name), value);
    } else {
      req.insert(beast::string_view(name), value);
    }
  }
  if (hop.send_credentials && request_.username) {
    req.set(bhttp::field::authorization,
            "Basic " + Base64(*request_.username + ":" + request_.password));
  } else if (hop.send_credentials && !hop.url.userinfo.empty()) {
    req.set(bhttp::field::authorization, "Basic " + Base64(hop.url.userinfo));
  }
  req.set(bhttp::field::connection, "close");
  req.body() = hop.body;
  if (!hop.body.empty() || hop.method == "POST" || hop.method == "PUT" || hop.method == "PATCH") {
    req.prepare_payload();
  }

  auto ec = Await([&](auto handler) { bhttp::async_write(stream, req, handler); });
  if (ec) return Fail(result, FetchError::kProtocol, "sending the request failed: " + ec.message());

  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.header_limit(64 << 10);
  parser.body_limit(request_.max_response_bytes);

  if (hop.method == "HEAD") parser.skip(true);
  // Beast 1.74's async_read does not enforce body_limit for Content-Length bodies, so the cap
  // is checked here: on the declared length first, then on what arrived after each read.
  auto too_large = [&] {
    return Fail(result, FetchError::kBodyTooLarge,
                "response body exceeds " + std::to_string(request_.max_response_bytes) + " bytes");
  };
  ec = Await([&](auto handler) { bhttp::async_read_header(stream, buffer, parser, handler); });
  if (!ec && parser.content_length() && *parser.content_length() > request_.max_response_bytes &&
      !parser.is_done()) {
    return too_large();
  }
  while (!ec && !parser.is_done()) {
    ec = Await([&](auto handler) { bhttp::async_read_some(stream, buffer, parser, handler); });
    if (parser.get().body().size() > request_.max_response_bytes) return too_large();
  }
  if (ec == bhttp::error::body_limit) return too_large();
  if (ec)
    return Fail(result, FetchError::kProtocol, "reading the response failed: " + ec.message());
  auto response = parser.release();
  result.status = static_cast<int>(response.result_int());
  result.reason = std::string(Sv(response.reason()));
  result.headers.clear();
  for (const auto& field : response) {
    result.headers.Add(std::string(Sv(field.name_string())), std::string(Sv(field.value())));
  }
  result.body = std::move(response.body());
  result.final_url = hop.url.ToString();
  // No TLS close_notify exchange: the server closes anyway (Connection: close), and waiting
  // for its reply could only add latency.
  return true;
}

FetchResult Session::Run() {
  FetchResult result;
  std::string error;
  auto url = ParseUrl(request_.url, &error);
  if (!url) {
    result.error = FetchError::kInvalidRequest;
    result.error_message = error;
    return result;
  }
  if (!request_.query_params.empty()) {
    std::string query;
    for (const auto& [name, value] : request_.query_params) {
      if (!query.empty()) query += '&';
      query += UrlEncode(name) + "=" + UrlEncode(value);
    }
    size_t question = url->target.find('?');
    if (question == std::string::npos) {
      url->target += "?" + query;
    } else if (question + 1 == url->target.size()) {
      url->target += query;
    } else {
      url->target += "&" + query;
    }
  }
  Hop hop{
      .method = request_.method, .url = *url, .headers = request_.headers, .body = request_.body};
  for (const auto& [name, value] : hop.headers) {
    if (name.empty() || HasControlOrSpace(name) || name.find(':') != std::string::npos ||
        HasCrLf(value)) {
      result.error = FetchError::kInvalidRequest;
      result.error_message = "invalid header `" + name + "`";
      return result;
    }
  }
  if (hop.method.empty() || HasControlOrSpace(hop.method)) {
    result.error = FetchError::kInvalidRequest;
    result.error_message = "invalid method `" + hop.method + "`";
    return result;
  }
  if (!request_.cookies.empty()) {
    std::string cookie(hop.headers.GetOr("Cookie", ""));
    for (const auto& [name, value] : request_.cookies) {
      if (HasCrLf(name) || HasCrLf(value)) {
        result.error = FetchError::kInvalidRequest;
        result.error_message = "invalid cookie `" + name + "`";
        return result;
      }
      if (!cookie.empty()) cookie += "; ";
      cookie += name + "=" + value;
    }
    hop.headers.Set("Cookie", cookie);
  }
  if (canceled_) {
    Interrupted(result);
    return result;
  }

  for (;;) {
    if (!DoHop(hop, result)) return result;
    if (!request_.follow_redirects || !IsRedirect(result.status)) return result;
    auto location = result.headers.Get("Location");
    if (!location) return result;
    if (result.redirects >= request_.max_redirects) {
      result.error = FetchError::kTooManyRedirects;
      result.error_message = "more than " + std::to_string(request_.max_redirects) + " redirects";
      return result;
    }
    auto next = ResolveUrl(hop.url, *location);
    if (!next) {
      result.error = FetchError::kProtocol;
      result.error_message = "invalid redirect location `" + std::string(*location) + "`";
      return result;
    }
    if ((result.status == 303 && hop.method != "HEAD") ||
        ((result.status == 301 || result.status == 302) && hop.method == "POST")) {
      hop.method = "GET";
      hop.body.clear();
      hop.headers.Remove("Content-Type");
    }
    if (!SameAuthority(hop.url, *next)) {
      hop.send_credentials = false;
      hop.headers.Remove("Authorization");
      hop.headers.Remove("Cookie");
    }
    hop.url = std::move(*next);
    ++result.redirects;
  }
}

}  // namespace

FetchResult Fetch(const FetchRequest& request, const runners::CancelToken* cancel) {
  try {
    Session session(request, cancel);
    return session.Run();
  } catch (const std::exception& e) {
    FetchResult result;
    result.error = FetchError::kProtocol;
    result.error_message = std::string("HTTP client failure: ") + e.what();
    return result;
  }
}

}  // namespace squall::http
