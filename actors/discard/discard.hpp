// SPDX-License-Identifier: MIT
#pragma once

#include <ply/plugin.hpp>
#include <ply/protocol.hpp>

namespace ply::actors {

/// RFC 863 discard: reads and forgets everything.
class discard : public protocol {
public:
  void data_received(bytes data) override;
};

void register_discard_plugin(plugin_registry& reg);

} // namespace ply::actors
