// SPDX-License-Identifier: MIT
#pragma once

#include <ply/plugin.hpp>

namespace ply::actors {

/// Registers the plugin of every actor in actors/.
void register_builtin_plugins(plugin_registry& reg);

} // namespace ply::actors
