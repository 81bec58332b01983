// Small value types shared by the HTTP server and client: an ordered, case-insensitive header
// list and URL encoding helpers.
//
// Thread safety: plain values; a const object may be read from several threads at once.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace squall::http {

// True when `a` and `b` are equal ignoring ASCII case (header names, schemes, host names).
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

// HTTP header fields in wire order. Names keep the case they were given; lookups ignore it.
// Repeated names are kept as separate entries (Set-Cookie may legitimately repeat).
class Headers {
 public:
  using Entry = std::pair<std::string, std::string>;

  Headers() = default;
  Headers(std::initializer_list<Entry> entries) : entries_(entries) {}

  // The value of the first field named `name`, or nullopt.
  std::optional<std::string_view> Get(std::string_view name) const;
  // The value of the first field named `name`, or `fallback`.
  std::string_view GetOr(std::string_view name, std::string_view fallback) const;
  bool Has(std::string_view name) const { return Get(name).has_value(); }
  // Appends a field (keeps existing ones with the same name).
  void Add(std::string name, std::string value);
  // Replaces every field named `name` with one field.
  void Set(std::string name, std::string value);
  // Removes every field named `name`; returns how many were removed.
  size_t Remove(std::string_view name);

  const std::vector<Entry>& entries() const { return entries_; }
  size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  void clear() { entries_.clear(); }
  void reserve(size_t n) { entries_.reserve(n); }
  auto begin() const { return entries_.begin(); }
  auto end() const { return entries_.end(); }

 private:
  std::vector<Entry> entries_;
};

// Percent-encodes everything except RFC 3986 unreserved characters (ALPHA DIGIT - . _ ~),
// as wanted for query parameter names and values.
std::string UrlEncode(std::string_view text);
// Decodes %XX escapes; with `plus_as_space`, '+' becomes ' ' (form / query encoding). Invalid
// escapes are kept as they are (never fails).
std::string UrlDecode(std::string_view text, bool plus_as_space = false);

// The decoded value of the first `name` parameter in a raw query string ("a=1&b=x%20y"), or
// nullopt. A parameter without '=' has the empty value.
std::optional<std::string> QueryParam(std::string_view query, std::string_view name);

// The standard reason phrase of `status` ("Not Found"), or "Unknown".
std::string_view ReasonPhrase(int status);

}  // namespace squall::http
