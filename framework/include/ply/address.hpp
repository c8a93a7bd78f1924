// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <string>

namespace ply {

/// The address of one end of a connection: an IP host and port, or a Unix socket path (port 0).
struct address {
  std::string host;
  uint16_t port = 0;

  /// "127.0.0.1:8000", "[::1]:8000" or the socket path.
  std::string to_string() const;
};

} // namespace ply
