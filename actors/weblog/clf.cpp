// SPDX-License-Identifier: MIT
#include "weblog/clf.hpp"

namespace ply::actors::weblog {

namespace {

/// Takes the next space-separated word of `rest`.
std::optional<std::string_view> word(std::string_view& rest) {
  auto end = rest.find(' ');
  if (end == 0 || rest.empty())
    return std::nullopt;
  auto w = rest.substr(0, end);
  rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 1);
  return w;
}

/// Takes the field from `open` to `close` (both required), then the space after it.
std::optional<std::string> enclosed(std::string_view& rest, char open, char close) {
  if (rest.empty() || rest.front() != open)
    return std::nullopt;
  std::string out;
  size_t i = 1;
  for (; i < rest.size() && rest[i] != close; ++i) {
    if (rest[i] == '\\' && i + 1 < rest.size() && close == '"')
      ++i;  // an escaped quote or backslash inside a request
    out += rest[i];
  }
  if (i >= rest.size())
    return std::nullopt;
  rest.remove_prefix(i + 1);
  if (!rest.empty() && rest.front() == ' ')
    rest.remove_prefix(1);
  return out;
}

/// Longest field written; a longer one (a huge request line) is cut, so that a hit stays small.
constexpr size_t max_field = 2048;

void attribute(std::string& out, const char* name, const std::string& value) {
  out += ' ';
  out += name;
  out += "=\"";
  auto kept = std::string_view{value}.substr(0, max_field);
  // Not in the middle of a UTF-8 sequence: back off past its continuation bytes and its lead.
  if (kept.size() < value.size())
    while (!kept.empty() && (static_cast<unsigned char>(value[kept.size()]) & 0xC0) == 0x80)
      kept.remove_suffix(1);
  for (unsigned char c : kept) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default:
        // Control characters have no place in XML 1.0 text.
        out += c < 0x20 ? '?' : static_cast<char>(c);
    }
  }
  out += '"';
}

} // namespace

std::optional<hit> parse_clf(std::string_view line) {
  hit h;
  auto host = word(line);
  auto ident = word(line);
  auto user = word(line);
  if (!host || !ident || !user)
    return std::nullopt;
  auto time = enclosed(line, '[', ']');
  auto request = enclosed(line, '"', '"');
  auto status = word(line);
  auto bytes = word(line);
  if (!time || !request || !status || !bytes)
    return std::nullopt;
  h.host = *host;
  h.ident = *ident;
  h.user = *user;
  h.time = std::move(*time);
  h.request = std::move(*request);
  h.status = *status;
  h.bytes = *bytes;
  return h;
}

std::string to_xml(const hit& h) {
  std::string out = "<hit";
  attribute(out, "host", h.host);
  attribute(out, "ident", h.ident);
  attribute(out, "user", h.user);
  attribute(out, "time", h.time);
  attribute(out, "request", h.request);
  attribute(out, "status", h.status);
  attribute(out, "bytes", h.bytes);
  out += "/>";
  return out;
}

} // namespace ply::actors::weblog
