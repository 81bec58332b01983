// StackStorm's `http-request` runner (core.http) on top of http::Fetch.
//
// Parameters (runner: stdlib/runners/http.yaml; action: stdlib/packs/core/actions/http.yaml):
//   url (required), method (GET), headers {name: value}, body (string sent as is; an object or
//   array is sent as JSON with Content-Type application/json unless one is given), params
//   {name: value | [values]} (appended to the query), cookies {name: value}, username /
//   password (basic auth), auth (the Authorization header value), allow_redirects (false:
//   only GET and HEAD follow redirects; true: every method does), verify_ssl_cert (true),
//   timeout (seconds, together with RunRequest::timeout: the smaller wins),
//   url_hosts_blacklist / url_hosts_whitelist (lists of hosts; at most one of the two).
//   http_proxy / https_proxy are not supported: a run that sets the one for its URL fails.
//
// Result: {status_code, body, parsed, headers}. `body` is the parsed JSON when the response's
// Content-Type is application/json or */*+json and it parses (`parsed` true), else the text.
// `headers` maps each response header name to its value (repeated ones joined with ", ").
// Outcome: kSucceeded iff the status is 200-206 (StackStorm's rule); any other status is
// kFailed with error "HTTP <status> from <url>" and the full result. Transport failures are
// kFailed with result {} and the reason; timeouts kTimedOut; cancellation kCanceled.
// Secrets (RunRequest::secret_values, secret parameters, password, auth and the basic-auth
// token) are masked in the result and the error.
//
// RunnerOptions used: ca_file (extra trusted CAs), http_response_limit (body cap; a bigger
// response fails the run). Thread-safe: one runner serves concurrent Run() calls.
#pragma once

#include <memory>

#include "runtime/runners/runner.h"

namespace squall::http {

std::unique_ptr<runners::Runner> CreateHttpRequestRunner(const runners::RunnerOptions& options);

}  // namespace squall::http
