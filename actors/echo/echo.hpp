// SPDX-License-Identifier: MIT
#pragma once

#include <ply/plugin.hpp>
#include <ply/protocol.hpp>

namespace ply::actors {

/// RFC 862 echo: every byte goes back to its sender.
class echo : public protocol {
public:
  void data_received(bytes data) override;
};

void register_echo_plugin(plugin_registry& reg);

} // namespace ply::actors
