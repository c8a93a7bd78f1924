// SPDX-License-Identifier: MIT
#include "daytime/daytime.hpp"

#include <ctime>

#include "tcp_plugin.hpp"

namespace ply::actors {

void daytime::connection_made() {
  char buf[64];
  auto now = std::time(nullptr);
  std::tm tm{};
  ::gmtime_r(&now, &tm);
  auto n = std::strftime(buf, sizeof(buf), "%A, %B %d, %Y %H:%M:%S-UTC\r\n", &tm);
  transport().write(bytes_view{buf, n});
  transport().lose_connection();
}

void register_daytime_plugin(plugin_registry& reg) {
  reg.add(tcp_plugin<daytime>("daytime", "Send the date and time, then close (RFC 867)", "tcp:13"));
}

} // namespace ply::actors
