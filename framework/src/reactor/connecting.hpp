// SPDX-License-Identifier: MIT
#pragma once

#include <string_view>

#include <caf/actor.hpp>
#include <caf/expected.hpp>

#include "ply/factory.hpp"

namespace ply::detail {

class reactor_core;

/// The reactor's connecting job (Twisted's Connector): resolves and connects a client endpoint
/// (TCP, TLS or a Unix socket) on a reactor thread, within its `timeout` (30 s unless given), and
/// hands the socket to the factory, or tells the factory why it failed
/// (`client_connection_failed`). Returns the factory at once; bad endpoints fail here.
caf::expected<caf::actor> connect(reactor_core& core, std::string_view endpoint,
                                  const caf::actor* factory, const factory_maker* make);

} // namespace ply::detail
