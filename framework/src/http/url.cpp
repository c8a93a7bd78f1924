// SPDX-License-Identifier: MIT
// URLs of the HTTP client: parsing absolute http(s) URLs and resolving redirect locations.
#include "ply/http.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "ply/error.hpp"

namespace ply::http {

namespace {

caf::error bad(std::string_view text, const std::string& why) {
  return make_error(errc::bad_option, "bad URL '" + std::string{text.substr(0, 200)} + "': " + why);
}

std::string lower(std::string_view s) {
  std::string out{s};
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

/// Nothing that would break a request line or a header: no controls, spaces or non-ASCII.
bool clean(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](unsigned char c) { return c > 0x20 && c < 0x7f; });
}

} // namespace

std::string url::authority() const {
  std::string out;
  bool v6 = host.find(':') != std::string::npos;
  if (v6)
    out += '[';
  out += host;
  if (v6)
    out += ']';
  if (!((scheme == "http" && port == 80) || (scheme == "https" && port == 443))) {
    out += ':';
    out += std::to_string(port);
  }
  return out;
}

std::string url::to_string() const {
  std::string out = scheme;
  out += "://";
  out += authority();
  out += target;
  return out;
}

caf::expected<url> parse_url(std::string_view text) {
  url u;
  auto colon = text.find("://");
  if (colon == std::string_view::npos)
    return bad(text, "expected http://HOST/PATH or https://HOST/PATH");
  u.scheme = lower(text.substr(0, colon));
  if (u.scheme != "http" && u.scheme != "https")
    return bad(text, "the scheme is not http or https");
  auto rest = text.substr(colon + 3);
  auto slash = rest.find_first_of("/?#");
  auto authority = rest.substr(0, slash);
  u.target = slash == std::string_view::npos ? "/" : std::string{rest.substr(slash)};
  if (auto hash = u.target.find('#'); hash != std::string::npos)
    u.target.erase(hash);  // a fragment is the client's, never sent
  if (u.target.empty() || u.target.front() == '?')
    u.target.insert(u.target.begin(), '/');
  if (authority.find('@') != std::string_view::npos)
    return bad(text, "user names and passwords in URLs are not supported");
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos)
      return bad(text, "unclosed '[' in the host");
    u.host = std::string{authority.substr(1, close - 1)};
    auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':')
        return bad(text, "junk after the host");
      port_text = after.substr(1);
    }
  } else {
    auto c = authority.rfind(':');
    u.host = lower(authority.substr(0, c));
    if (c != std::string_view::npos)
      port_text = authority.substr(c + 1);
  }
  if (u.host.empty())
    return bad(text, "no host");
  if (!clean(u.host) || !clean(u.target))
    return bad(text, "spaces, control or non-ASCII characters (percent-encode them)");
  u.port = u.scheme == "https" ? 443 : 80;
  if (!port_text.empty()) {
    unsigned p = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), p);
    if (ec != std::errc{} || end != port_text.data() + port_text.size() || p == 0 || p > 65535)
      return bad(text, "the port is not a number from 1 to 65535");
    u.port = static_cast<uint16_t>(p);
  }
  return u;
}

caf::expected<url> resolve(const url& base, std::string_view location) {
  // Absolute when a scheme comes first ("http://...", not "/login?next=http://...").
  auto scheme_end = location.find("://");
  if (scheme_end != std::string_view::npos && scheme_end < location.find_first_of("/?#"))
    return parse_url(location);
  if (location.substr(0, 2) == "//")
    return parse_url(base.scheme + ":" + std::string{location});
  url u = base;
  auto path = base.target.substr(0, base.target.find('?'));
  if (!location.empty() && location.front() == '/') {
    u.target = std::string{location};
  } else if (!location.empty() && location.front() == '?') {
    u.target = path + std::string{location};  // the same page, another query
  } else {
    // Relative to the base's directory (its path up to the last '/', query dropped).
    u.target = path.substr(0, path.rfind('/') + 1) + std::string{location};
  }
  if (auto hash = u.target.find('#'); hash != std::string::npos)
    u.target.erase(hash);
  if (!clean(u.target))
    return bad(location, "spaces, control or non-ASCII characters in a redirect");
  return u;
}

std::string response::header(std::string_view name) const {
  auto want = lower(name);
  for (auto& [k, v] : headers)
    if (lower(k) == want)
      return v;
  return {};
}

} // namespace ply::http
