// SPDX-License-Identifier: MIT
#include "discard/discard.hpp"

#include "tcp_plugin.hpp"

namespace ply::actors {

void discard::data_received(bytes) {
  // Discarded by design.
}

void register_discard_plugin(plugin_registry& reg) {
  reg.add(tcp_plugin<discard>("discard", "Read and discard everything (RFC 863)", "tcp:9"));
}

} // namespace ply::actors
