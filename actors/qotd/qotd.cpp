// SPDX-License-Identifier: MIT
#include "qotd/qotd.hpp"

#include <CLI/CLI.hpp>
#include <ply/services.hpp>

namespace ply::actors {

qotd::qotd(std::string quote) : quote_(std::move(quote)) {
}

void qotd::connection_made() {
  transport().write(quote_ + "\r\n");
  transport().lose_connection();
}

void register_qotd_plugin(plugin_registry& reg) {
  reg.add(plugin{"qotd", "Send a quote of the day, then close (RFC 865)", [](CLI::App& cmd) {
                   auto port = std::make_shared<std::string>("tcp:17");
                   auto quote = std::make_shared<std::string>(
                     "An apple a day keeps the doctor away.");
                   cmd.add_option("--port", *port, "Endpoint to listen on")->capture_default_str();
                   cmd.add_option("--quote", *quote, "The quote")->capture_default_str();
                   return service_builder{[port, quote](const std::string& name) -> service_ptr {
                     return std::make_unique<stream_server>(name, *port,
                                                         factory::for_protocol<qotd>(*quote));
                   }};
                 }});
}

} // namespace ply::actors
