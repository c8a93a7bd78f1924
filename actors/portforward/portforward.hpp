// SPDX-License-Identifier: MIT
#pragma once

#include <string>

#include <ply/factory.hpp>
#include <ply/plugin.hpp>

namespace ply::actors {

/// A TCP proxy (Twisted's portforward): every accepted connection gets its own connection to
/// `target` (a client endpoint string), and bytes flow both ways with backpressure: when one
/// side's write buffer fills up, the other side is no longer read until it drains.
factory_maker portforward_factory(std::string target);

void register_portforward_plugin(plugin_registry& reg);

} // namespace ply::actors
