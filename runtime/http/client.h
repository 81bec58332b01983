// A blocking HTTP/1.1 client (Boost.Beast, TLS through OpenSSL), used by the http-request
// runner.
//
// One Fetch() opens a fresh connection per request (and per redirect hop), sends the request
// with `Connection: close`, and reads the whole response into memory up to a size limit.
// Nothing is shared between calls: Fetch() is thread-safe and may run on many threads at once.
// Proxies are not supported (a request naming one fails with kInvalidRequest).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "runtime/http/message.h"

namespace squall::runners {
class CancelToken;
}

namespace squall::http {

// A parsed absolute http(s) URL.
struct Url {
  std::string scheme;    // "http" or "https" (lowercase)
  std::string host;      // without brackets for IPv6 literals ("::1")
  uint16_t port = 0;     // explicit or the scheme's default
  std::string target;    // path + "?" + query, at least "/"; no fragment
  std::string userinfo;  // "user:pass" when the URL had one (percent-decoded), else empty

  bool is_ipv6_literal() const { return host.find(':') != std::string::npos; }
  // "host" / "host:port" / "[::1]:port" as sent in the Host header (default port omitted).
  std::string HostHeader() const;
  // scheme://host[:port]target
  std::string ToString() const;
};

// Parses an absolute http:// or https:// URL; nullopt (with `error` set) otherwise.
std::optional<Url> ParseUrl(std::string_view text, std::string* error = nullptr);
// Resolves a Location header value against `base` (absolute, scheme-relative, absolute path,
// relative path or query-only references).
std::optional<Url> ResolveUrl(const Url& base, std::string_view reference);

struct FetchRequest {
  std::string method = "GET";
  std::string url;
  Headers headers;
  std::string body;
  // Appended to the URL's query, URL-encoded, in order.
  std::vector<std::pair<std::string, std::string>> query_params;
  // Sent as one `Cookie: a=1; b=2` header (added to any Cookie header in `headers`).
  std::vector<std::pair<std::string, std::string>> cookies;
  // Basic authentication when `username` is set; replaces an Authorization header.
  std::optional<std::string> username;
  std::string password;

  bool follow_redirects = false;
  int max_redirects = 10;

  bool verify_tls = true;
  std::filesystem::path ca_file;  // extra trusted CA certificates (PEM), besides the system's

  std::chrono::milliseconds connect_timeout{10000};  // per connection (DNS + TCP + TLS)
  std::chrono::milliseconds total_timeout{60000};    // whole call, redirects included; 0 = none
  size_t max_response_bytes = 8 << 20;               // response body cap
};

enum class FetchError : uint8_t {
  kNone,
  kInvalidRequest,    // bad URL, unsupported scheme, bad header value
  kConnect,           // DNS, TCP connect
  kTls,               // handshake or certificate verification
  kProtocol,          // malformed response, connection dropped mid-way
  kTimeout,           // connect_timeout or total_timeout elapsed
  kCanceled,          // the CancelToken fired
  kBodyTooLarge,      // response body over max_response_bytes
  kTooManyRedirects,  // more than max_redirects hops
};
const char* FetchErrorName(FetchError error);

struct FetchResult {
  FetchError error = FetchError::kNone;
  std::string error_message;  // "connect to 127.0.0.1:1: Connection refused"

  // The final response (after redirects), when one was received.
  int status = 0;
  std::string reason;
  Headers headers;
  std::string body;
  std::string final_url;
  int redirects = 0;

  bool ok() const { return error == FetchError::kNone; }
};

// Performs the request. Blocks until done, failed, timed out or cancelled through `cancel`
// (may be null). Never throws. Redirects (301/302/303/307/308 with Location) are followed
// when `follow_redirects`: 303 (and 301/302 after POST) become GET without body; the
// Authorization header and basic credentials are dropped when the redirect leaves the host or
// goes from https to http.
FetchResult Fetch(const FetchRequest& request, const runners::CancelToken* cancel = nullptr);

}  // namespace squall::http
