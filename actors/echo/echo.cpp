// SPDX-License-Identifier: MIT
#include "echo/echo.hpp"

#include "tcp_plugin.hpp"

namespace ply::actors {

void echo::data_received(bytes data) {
  transport().write(std::move(data));  // the buffer read is the buffer sent: no copy
}

void register_echo_plugin(plugin_registry& reg) {
  reg.add(tcp_plugin<echo>("echo", "Echo every byte back (RFC 862)", "tcp:7"));
}

} // namespace ply::actors
