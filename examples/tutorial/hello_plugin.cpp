// SPDX-License-Identifier: MIT
// A third-party plyd plugin, built as a shared library: plyd loads it from --plugin-path (or
// $PLY_PLUGIN_PATH) and then runs it like a built-in one.
//   plyd --plugin-path build/plugins hello --port tcp:8000 --greeting Howdy
#include <CLI/CLI.hpp>
#include <ply/plugin.hpp>
#include <ply/protocol.hpp>
#include <ply/services.hpp>

namespace {

/// Greets, then echoes.
class hello : public ply::protocol {
public:
  explicit hello(std::string greeting) : greeting_(std::move(greeting)) {
  }
  void connection_made() override {
    transport().write(greeting_ + " from a plugin!\r\n");
  }
  void data_received(ply::bytes data) override {
    transport().write(data);
  }

private:
  std::string greeting_;
};

} // namespace

PLY_PLUGIN_EXPORT void ply_register_plugins(ply::plugin_registry& reg) {
  reg.add(ply::plugin{"hello", "Greet, then echo (an example plugin loaded from a .so)",
                      [](CLI::App& cmd) {
                        auto port = std::make_shared<std::string>("tcp:8000");
                        auto greeting = std::make_shared<std::string>("Hello");
                        cmd.add_option("--port", *port, "Endpoint to listen on")
                          ->capture_default_str();
                        cmd.add_option("--greeting", *greeting, "What to say first")
                          ->capture_default_str();
                        return ply::service_builder{
                          [port, greeting](const std::string& name) -> ply::service_ptr {
                            return std::make_unique<ply::stream_server>(
                              name, *port, ply::factory::for_protocol<hello>(*greeting));
                          }};
                      }});
}
