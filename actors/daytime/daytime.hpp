// SPDX-License-Identifier: MIT
#pragma once

#include <ply/plugin.hpp>
#include <ply/protocol.hpp>

namespace ply::actors {

/// RFC 867 daytime: sends the date and time as text, then closes.
class daytime : public protocol {
public:
  void connection_made() override;
};

void register_daytime_plugin(plugin_registry& reg);

} // namespace ply::actors
