// SPDX-License-Identifier: MIT
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include <ply/plugin.hpp>
#include <ply/services.hpp>

namespace ply::actors {

/// A plugin that serves protocol `P` on `--port` (default `default_port`): the shape of every
/// simple TCP service.
template <class P>
plugin tcp_plugin(std::string name, std::string description, std::string default_port) {
  return plugin{name, description, [name, default_port](CLI::App& cmd) -> service_builder {
                  auto port = std::make_shared<std::string>(default_port);
                  cmd.add_option("--port", *port, "Endpoint to listen on")->capture_default_str();
                  return [port](const std::string& service_name) -> service_ptr {
                    return std::make_unique<stream_server>(service_name, *port,
                                                        factory::for_protocol<P>());
                  };
                }};
}

} // namespace ply::actors
