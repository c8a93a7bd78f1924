// SPDX-License-Identifier: MIT
#pragma once

#include <string>

#include <ply/factory.hpp>
#include <ply/plugin.hpp>

namespace ply::actors {

/// A plugin that serves what `make` builds on `--port` (default `default_port`): the shape of
/// every simple TCP service.
plugin tcp_plugin(std::string name, std::string description, std::string default_port,
                  factory_maker make);

/// The same for protocol `P`, one per connection.
template <class P>
plugin tcp_plugin(std::string name, std::string description, std::string default_port) {
  return tcp_plugin(std::move(name), std::move(description), std::move(default_port),
                    factory::for_protocol<P>());
}

} // namespace ply::actors
