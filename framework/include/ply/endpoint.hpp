// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include <caf/expected.hpp>

namespace ply {

/// A parsed endpoint string, as in Twisted: servers `tcp:8000`, `tcp:8000:interface=127.0.0.1`,
/// `tcp:port=0`, `unix:/path`, `ssl:8443:cert=...:key=...`; clients `tcp:host=HOST:port=PORT` or
/// `tcp:HOST:PORT`; `udp:PORT` for `reactor::listen_udp`. A bare server port, `8080`, means
/// `tcp:8080` (as twistd reads it). `systemd:domain=INET:index=0` serves on a socket systemd
/// passed (socket activation; `domain` is INET, INET6 or UNIX, `index` counts from 0).
struct endpoint {
  enum class kind { tcp, unix_socket, ssl, udp, systemd };

  kind type = kind::tcp;
  /// For servers the interface to bind (empty: all interfaces), for clients the host to reach.
  std::string host;
  uint16_t port = 0;
  /// The socket path of `unix:` endpoints.
  std::string path;
  /// For `systemd:` endpoints, which passed socket: `domain` (INET, INET6 or UNIX) and `index`.
  std::string domain;
  int index = 0;
  /// Every other `key=value` option, such as `cert`, `key`, `backlog` or `timeout`.
  std::map<std::string, std::string> options;

  /// The option `key`, or `fallback` when it is not given.
  std::string option(std::string_view key, std::string fallback = {}) const;

  /// A normalized endpoint string.
  std::string to_string() const;
};

/// Parses a server endpoint string; errors (`errc::bad_endpoint`) name what is wrong.
caf::expected<endpoint> parse_server_endpoint(std::string_view text);

/// Parses a client endpoint string; errors (`errc::bad_endpoint`) name what is wrong.
caf::expected<endpoint> parse_client_endpoint(std::string_view text);

} // namespace ply
