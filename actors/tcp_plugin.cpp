// SPDX-License-Identifier: MIT
#include "tcp_plugin.hpp"

#include <memory>

#include <CLI/CLI.hpp>

#include <ply/services.hpp>

namespace ply::actors {

plugin tcp_plugin(std::string name, std::string description, std::string default_port,
                  factory_maker make) {
  return plugin{name, std::move(description),
                [default_port, make](CLI::App& cmd) -> service_builder {
                  auto port = std::make_shared<std::string>(default_port);
                  cmd.add_option("--port", *port, "Endpoint to listen on")->capture_default_str();
                  return [port, make](const std::string& service_name) -> service_ptr {
                    return std::make_unique<stream_server>(service_name, *port, make);
                  };
                }};
}

} // namespace ply::actors
