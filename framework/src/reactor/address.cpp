// SPDX-License-Identifier: MIT
#include "ply/address.hpp"

namespace ply {

std::string address::to_string() const {
  if (port == 0 && !host.empty() && host.front() == '/')
    return host;
  if (host.find(':') != std::string::npos)
    return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

} // namespace ply
