// SPDX-License-Identifier: MIT
// HTTP helpers of the web actor: requests, responses, decoding and dates. Pure code (fuzzed in
// tests/fuzz).
#include "web/web.hpp"

#include <algorithm>
#include <cctype>
#include <ctime>

namespace ply::actors::web {

namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size()
         && std::equal(a.begin(), a.end(), b.begin(), [](unsigned char x, unsigned char y) {
              return std::tolower(x) == std::tolower(y);
            });
}

int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

} // namespace

// -- requests and responses -----------------------------------------------------------------------

std::string_view http_request::header(std::string_view name) const {
  for (auto& [k, v] : headers)
    if (iequals(k, name))
      return v;
  return {};
}

std::string http_request::arg(std::string_view name) const {
  std::string_view q = query;
  while (!q.empty()) {
    auto amp = q.find('&');
    auto pair = q.substr(0, amp);
    q = amp == std::string_view::npos ? std::string_view{} : q.substr(amp + 1);
    auto eq = pair.find('=');
    std::string key;
    if (!url_decode(pair.substr(0, eq), key, true) || key != name)
      continue;
    std::string value;
    if (eq != std::string_view::npos && url_decode(pair.substr(eq + 1), value, true))
      return value;
    return {};
  }
  return {};
}

http_response::http_response(int status, std::string content_type, std::string body)
  : status(status), body(std::move(body)) {
  headers.emplace_back("Content-Type", std::move(content_type));
}

http_response& http_response::set(std::string name, std::string value) {
  for (auto& [k, v] : headers)
    if (iequals(k, name)) {
      v = std::move(value);
      return *this;
    }
  headers.emplace_back(std::move(name), std::move(value));
  return *this;
}

bool url_decode(std::string_view s, std::string& out, bool plus_is_space) {
  out.clear();
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      if (i + 2 >= s.size())
        return false;
      int hi = hex_value(s[i + 1]);
      int lo = hex_value(s[i + 2]);
      if (hi < 0 || lo < 0)
        return false;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (s[i] == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += s[i];
    }
  }
  return true;
}

std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string http_date(int64_t unix_seconds) {
  auto t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[64];
  auto n = std::strftime(buf, sizeof(buf), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return std::string{buf, n};
}

int64_t parse_http_date(std::string_view s) {
  std::tm tm{};
  std::string copy{s};
  auto* end = ::strptime(copy.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (end == nullptr || *end != '\0')
    return -1;
  return static_cast<int64_t>(::timegm(&tm));
}

} // namespace ply::actors::web
