#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "ply/transport.hpp"

namespace caf {
class actor_system_config;
}

namespace ply {

/// A program's command line: a name, a description, and options added by the program. `run`
/// adds the common ones and answers `--help`.
class command_line {
public:
  command_line(std::string name, std::string description);

  /// Adds an option `--name` bound to `value` (its current value is the documented default).
  template <class T>
  command_line& add(const std::string& flag, T& value, const std::string& help) {
    app_.add_option(flag, value, help)->capture_default_str();
    return *this;
  }

  /// Adds a boolean flag.
  command_line& flag(const std::string& flag, bool& value, const std::string& help) {
    app_.add_flag(flag, value, help);
    return *this;
  }

  CLI::App& app() {
    return app_;
  }

  /// Sets CAF options in code (scheduler threads, a module), before the actor system starts;
  /// `--caf-config FILE` is read after these.
  command_line& configure(std::function<void(caf::actor_system_config&)> fn) {
    caf_hooks.push_back(std::move(fn));
    return *this;
  }

  std::string log_level = "info";
  size_t reactor_threads = 1;
  size_t max_connections = 10000;
  size_t max_output = default_output_limit;
  /// Where to record a trace (`--trace FILE`, else `PLY_TRACE`); empty for none.
  std::string trace_file;
  /// An INI file of CAF options (`--caf-config FILE`); empty for none.
  std::string caf_config;
  /// What `configure` was given, in order.
  std::vector<std::function<void(caf::actor_system_config&)>> caf_hooks;

private:
  CLI::App app_;
};

} // namespace ply
