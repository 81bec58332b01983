#include "runtime/http/http_request_runner.h"

#include <openssl/evp.h>

#include <algorithm>

#include "runtime/http/client.h"
#include "runtime/runners/params.h"
#include "runtime/runners/runner_internal.h"

namespace squall::http {
namespace {

using runners::ArgumentText;
using runners::Outcome;
using runners::RunRequest;
using runners::RunResult;

std::string Uppercase(std::string text) {
  for (char& c : text) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return text;
}

std::string Base64(std::string_view data) {
  std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(data.data()),
                          static_cast<int>(data.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

// application/json, application/problem+json, ... (parameters such as charset ignored).
bool IsJsonContentType(std::string_view content_type) {
  std::string_view media = content_type.substr(0, content_type.find(';'));
  while (!media.empty() && media.back() == ' ') media.remove_suffix(1);
  std::string lower(media);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower == "application/json" || lower.ends_with("+json");
}

// `name` read as an object of name -> text; an error message when present but not an object.
std::string ReadPairs(const nlohmann::json& params, const char* name,
                      std::vector<std::pair<std::string, std::string>>& out, bool lists) {
  auto it = params.find(name);
  if (it == params.end() || it->is_null()) return "";
  if (!it->is_object()) return std::string("parameter `") + name + "` must be an object";
  for (const auto& [key, value] : it->items()) {
    if (value.is_null()) continue;
    if (lists && value.is_array()) {
      for (const auto& item : value) out.emplace_back(key, ArgumentText(item));
    } else {
      out.emplace_back(key, ArgumentText(value));
    }
  }
  return "";
}

std::vector<std::string> StringList(const nlohmann::json& params, const char* name) {
  std::vector<std::string> out;
  auto it = params.find(name);
  if (it == params.end()) return out;
  if (it->is_string()) {
    out.push_back(it->get<std::string>());
  } else if (it->is_array()) {
    for (const auto& item : *it) {
      if (item.is_string()) out.push_back(item.get<std::string>());
    }
  }
  return out;
}

bool HostListed(const std::string& host, const std::vector<std::string>& hosts) {
  for (std::string entry : hosts) {
    if (entry.size() >= 2 && entry.front() == '[' && entry.back() == ']') {
      entry = entry.substr(1, entry.size() - 2);
    }
    if (EqualsIgnoreCase(entry, host)) return true;
  }
  return false;
}

class HttpRequestRunner final : public runners::Runner {
 public:
  explicit HttpRequestRunner(const runners::RunnerOptions& options) : options_(options) {}

  RunResult Run(const RunRequest& request, const runners::CancelToken& cancel) override {
    std::vector<std::string> secrets;
    RunResult out;
    try {
      secrets = runners::CollectSecrets(request);
      out = RunUnmasked(request, cancel, secrets);
    } catch (const std::exception& e) {
      out = RunResult{};
      out.result = nlohmann::json::object();
      out.error = std::string("http-request runner failed: ") + e.what();
    }
    try {
      out.result = runners::MaskSecrets(out.result, secrets);
      out.error = runners::MaskSecrets(std::move(out.error), secrets);
    } catch (...) {
      out.outcome = Outcome::kFailed;
      out.result = nlohmann::json::object();
      out.error = "http-request runner failed while masking secrets";
    }
    return out;
  }

 private:
  RunResult RunUnmasked(const RunRequest& request, const runners::CancelToken& cancel,
                        std::vector<std::string>& secrets) const {
    const nlohmann::json& params = request.parameters;
    RunResult out;
    out.result = nlohmann::json::object();
    auto fail = [&](std::string message) {
      out.outcome = Outcome::kFailed;
      out.error = std::move(message);
      return out;
    };

    FetchRequest fetch;
    auto url = runners::StringParam(params, "url");
    if (!url || url->empty()) return fail("parameter `url` is required");
    fetch.url = *url;
    std::string parse_error;
    auto parsed_url = ParseUrl(fetch.url, &parse_error);
    if (!parsed_url) return fail(parse_error);

    auto blacklist = StringList(params, "url_hosts_blacklist");
    auto whitelist = StringList(params, "url_hosts_whitelist");
    if (!blacklist.empty() && !whitelist.empty()) {
      return fail("url_hosts_blacklist and url_hosts_whitelist cannot both be set");
    }
    if (!blacklist.empty() && HostListed(parsed_url->host, blacklist)) {
      return fail("URL host " + parsed_url->host + " is in url_hosts_blacklist");
    }
    if (!whitelist.empty() && !HostListed(parsed_url->host, whitelist)) {
      return fail("URL host " + parsed_url->host + " is not in url_hosts_whitelist");
    }
    const char* proxy_param = parsed_url->scheme == "https" ? "https_proxy" : "http_proxy";
    if (!runners::StringParamOr(params, proxy_param, "").empty()) {
      return fail(std::string("parameter `") + proxy_param + "` is not supported");
    }

    fetch.method = Uppercase(runners::StringParamOr(params, "method", "GET"));
    std::vector<std::pair<std::string, std::string>> headers;
    if (auto e = ReadPairs(params, "headers", headers, false); !e.empty()) return fail(e);
    for (auto& [name, value] : headers) fetch.headers.Add(std::move(name), std::move(value));
    if (auto e = ReadPairs(params, "params", fetch.query_params, true); !e.empty()) return fail(e);
    if (auto e = ReadPairs(params, "cookies", fetch.cookies, false); !e.empty()) return fail(e);

    if (auto body = params.find("body"); body != params.end() && !body->is_null()) {
      if (body->is_string()) {
        fetch.body = body->get<std::string>();
      } else {
        fetch.body = body->dump();
        if (!fetch.headers.Has("Content-Type")) {
          fetch.headers.Add("Content-Type", "application/json");
        }
      }
    }

    if (auto username = runners::StringParam(params, "username"); username && !username->empty()) {
      fetch.username = *username;
      fetch.password = runners::StringParamOr(params, "password", "");
      secrets.push_back(Base64(*fetch.username + ":" + fetch.password));
      if (!fetch.password.empty()) secrets.push_back(fetch.password);
    }
    if (auto auth = runners::StringParam(params, "auth"); auth && !auth->empty()) {
      fetch.headers.Set("Authorization", *auth);
      secrets.push_back(*auth);
    }

    // GET and HEAD always follow redirects; other methods only with allow_redirects (see the
    // runner's YAML).
    fetch.follow_redirects = runners::BoolParam(params, "allow_redirects", false) ||
                             fetch.method == "GET" || fetch.method == "HEAD";
    fetch.verify_tls = runners::BoolParam(params, "verify_ssl_cert", true);
    fetch.ca_file = options_.ca_file;
    fetch.max_response_bytes = options_.http_response_limit;
    std::chrono::milliseconds limit = runners::EffectiveTimeout(request);
    fetch.total_timeout = limit;
    if (limit.count() > 0) fetch.connect_timeout = std::min(fetch.connect_timeout, limit);

    FetchResult response = Fetch(fetch, &cancel);
    switch (response.error) {
      case FetchError::kNone:
        break;
      case FetchError::kTimeout:
        out.outcome = Outcome::kTimedOut;
        out.error = response.error_message;
        return out;
      case FetchError::kCanceled:
        out.outcome = Outcome::kCanceled;
        out.error = "canceled";
        return out;
      default:
        return fail(response.error_message);
    }

    nlohmann::json headers_out = nlohmann::json::object();
    for (const auto& [name, value] : response.headers) {
      auto it = headers_out.find(name);
      if (it == headers_out.end()) {
        headers_out[name] = value;
      } else {
        *it = it->get<std::string>() + ", " + value;
      }
    }
    nlohmann::json body = response.body;
    bool parsed = false;
    if (IsJsonContentType(response.headers.GetOr("Content-Type", ""))) {
      nlohmann::json document = nlohmann::json::parse(response.body, nullptr, false);
      if (!document.is_discarded()) {
        body = std::move(document);
        parsed = true;
      }
    }
    // Binary bodies are not valid UTF-8; json::dump would throw on them later.
    if (!parsed) {
      body = nlohmann::json::parse(
          nlohmann::json(response.body)
              .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    }
    out.result = {{"status_code", response.status},
                  {"body", std::move(body)},
                  {"parsed", parsed},
                  {"headers", std::move(headers_out)}};
    if (response.status >= 200 && response.status <= 206) {
      out.outcome = Outcome::kSucceeded;
    } else {
      out.outcome = Outcome::kFailed;
      out.error = "HTTP " + std::to_string(response.status) + " from " + fetch.url;
    }
    return out;
  }

  runners::RunnerOptions options_;
};

}  // namespace

std::unique_ptr<runners::Runner> CreateHttpRequestRunner(const runners::RunnerOptions& options) {
  return std::make_unique<HttpRequestRunner>(options);
}

}  // namespace squall::http
