// SPDX-License-Identifier: MIT
#include "ply/endpoint.hpp"

#include <algorithm>
#include <charconv>
#include <vector>

#include "ply/error.hpp"

namespace ply {

namespace {

/// Splits on ':' except inside [...] (IPv6) and after a backslash (Twisted's escape).
std::vector<std::string> split_fields(std::string_view text) {
  std::vector<std::string> out(1);
  bool bracket = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\\' && i + 1 < text.size()) {
      out.back() += text[++i];
    } else if (c == '[') {
      bracket = true;
    } else if (c == ']') {
      bracket = false;
    } else if (c == ':' && !bracket) {
      out.emplace_back();
    } else {
      out.back() += c;
    }
  }
  return out;
}

caf::error bad(std::string_view text, const std::string& why) {
  return make_error(errc::bad_endpoint, "bad endpoint '" + std::string{text} + "': " + why);
}

bool parse_port(const std::string& s, uint16_t& port) {
  unsigned value = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc{} || ptr != s.data() + s.size() || s.empty() || value > 65535)
    return false;
  port = static_cast<uint16_t>(value);
  return true;
}

/// Whether `s` is a whole non-negative decimal number that fits an int.
bool is_count(const std::string& s) {
  int value = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  return ec == std::errc{} && ptr == s.data() + s.size() && !s.empty() && value >= 0;
}

/// The options an endpoint of this kind understands; a key it does not know is refused rather
/// than ignored (a misspelt `interface=` would otherwise bind every address). Empty if fine.
std::string check_keys(const endpoint& ep, bool client) {
  std::vector<std::string> known;
  switch (ep.type) {
    case endpoint::kind::unix_socket:
      known = client ? std::vector<std::string>{"address", "timeout"}
                     : std::vector<std::string>{"address", "mode", "backlog"};
      break;
    case endpoint::kind::udp:
      known = {"port", "interface"};
      break;
    case endpoint::kind::tcp:
      known = client ? std::vector<std::string>{"host", "port", "timeout"}
                     : std::vector<std::string>{"port", "interface", "backlog"};
      break;
    case endpoint::kind::ssl:
      known = client ? std::vector<std::string>{"host", "port", "timeout", "ca", "verify"}
                     : std::vector<std::string>{"port", "interface", "backlog", "cert", "key"};
      break;
    case endpoint::kind::systemd:
      known = {"domain", "index"};
      break;
  }
  for (auto& [key, value] : ep.options) {
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      std::string list;
      for (auto& k : known)
        list += (list.empty() ? "" : ", ") + k;
      return "unknown option '" + key + "' (expected " + list + ")";
    }
    if ((key == "backlog" || key == "timeout" || key == "index") && !is_count(value))
      return key + " '" + value + "' is not a whole number";
  }
  return {};
}

/// Common parsing: the kind, then positional fields and key=value options.
caf::expected<endpoint> parse(std::string_view text, bool client) {
  // A bare port number is a TCP server port, as twistd's strports read "8080".
  uint16_t bare_port = 0;
  if (!client && !text.empty() && text.find(':') == std::string_view::npos
      && parse_port(std::string{text}, bare_port)) {
    endpoint ep;
    ep.type = endpoint::kind::tcp;
    ep.port = bare_port;
    return ep;
  }
  auto fields = split_fields(text);
  if (fields.size() < 2)
    return bad(text, "expected TYPE:ARGS such as tcp:8000 or unix:/path");
  endpoint ep;
  auto& kind = fields[0];
  if (kind == "tcp")
    ep.type = endpoint::kind::tcp;
  else if (kind == "unix")
    ep.type = endpoint::kind::unix_socket;
  else if (kind == "ssl")
    ep.type = endpoint::kind::ssl;
  else if (kind == "udp")
    ep.type = endpoint::kind::udp;
  else if (kind == "systemd" && !client)
    ep.type = endpoint::kind::systemd;
  else if (kind == "systemd")
    return bad(text, "systemd passes sockets to servers; a client cannot use one");
  else
    return bad(text, "unknown type '" + kind + "' (expected tcp, udp, unix, ssl or systemd)");
  std::vector<std::string> positional;
  for (size_t i = 1; i < fields.size(); ++i) {
    auto& f = fields[i];
    if (auto eq = f.find('='); eq != std::string::npos) {
      auto key = f.substr(0, eq);
      if (key.empty())
        return bad(text, "empty option name in '" + f + "'");
      if (!ep.options.emplace(key, f.substr(eq + 1)).second)
        return bad(text, "option '" + key + "' given twice");
    } else {
      positional.push_back(f);
    }
  }
  if (auto why = check_keys(ep, client); !why.empty())
    return bad(text, why);
  auto take = [&](const char* key, std::string& out) {
    if (auto i = ep.options.find(key); i != ep.options.end()) {
      out = i->second;
      ep.options.erase(i);
      return true;
    }
    return false;
  };
  if (ep.type == endpoint::kind::systemd) {
    if (!positional.empty())
      return bad(text, "expected systemd:domain=INET:index=0");
    std::string index = "0";
    ep.domain = "INET";
    take("domain", ep.domain);
    take("index", index);
    if (ep.domain != "INET" && ep.domain != "INET6" && ep.domain != "UNIX")
      return bad(text, "domain '" + ep.domain + "' is not INET, INET6 or UNIX");
    std::from_chars(index.data(), index.data() + index.size(), ep.index);
    return ep;
  }
  if (ep.type == endpoint::kind::unix_socket) {
    if (!positional.empty())
      ep.path = positional.front();
    take("address", ep.path);
    if (ep.path.empty())
      return bad(text, "missing socket path");
    return ep;
  }
  std::string port_text;
  if (client) {
    if (positional.size() >= 1)
      ep.host = positional[0];
    if (positional.size() >= 2)
      port_text = positional[1];
    take("host", ep.host);
    if (ep.host.empty())
      return bad(text, "missing host (tcp:host=HOST:port=PORT)");
  } else {
    if (!positional.empty())
      port_text = positional[0];
    take("interface", ep.host);
  }
  take("port", port_text);
  if (port_text.empty())
    return bad(text, "missing port");
  if (!parse_port(port_text, ep.port))
    return bad(text, "port '" + port_text + "' is not a number from 0 to 65535");
  if (client && ep.port == 0)
    return bad(text, "a client needs a port other than 0");
  return ep;
}

} // namespace

std::string endpoint::option(std::string_view key, std::string fallback) const {
  auto i = options.find(std::string{key});
  return i == options.end() ? fallback : i->second;
}

std::string endpoint::to_string() const {
  std::string out;
  switch (type) {
    case kind::tcp: out = "tcp"; break;
    case kind::unix_socket: out = "unix"; break;
    case kind::ssl: out = "ssl"; break;
    case kind::udp: out = "udp"; break;
    case kind::systemd: out = "systemd"; break;
  }
  if (type == kind::systemd) {
    out += ":domain=" + domain + ":index=" + std::to_string(index);
  } else if (type == kind::unix_socket) {
    out += ":" + path;
  } else {
    if (!host.empty())
      out += ":host=" + host;
    out += ":port=" + std::to_string(port);
  }
  for (auto& [k, v] : options)
    out += ":" + k + "=" + v;
  return out;
}

caf::expected<endpoint> parse_server_endpoint(std::string_view text) {
  return parse(text, false);
}

caf::expected<endpoint> parse_client_endpoint(std::string_view text) {
  return parse(text, true);
}

} // namespace ply
