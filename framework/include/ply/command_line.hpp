// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "ply/transport.hpp"

namespace caf {
class actor_system_config;
}

namespace CLI {
class App;
}

namespace ply {

/// A program's command line: a name, a description, and options added by the program. `run`
/// adds the common ones and answers `--help`.
class command_line {
public:
  command_line(std::string name, std::string description);
  ~command_line();
  command_line(const command_line&) = delete;
  command_line& operator=(const command_line&) = delete;

  /// Adds an option `--name` bound to `value` (its current value is the documented default).
  /// A repeatable option collects into a vector.
  command_line& add(const std::string& flag, std::string& value, const std::string& help);
  command_line& add(const std::string& flag, std::vector<std::string>& value,
                    const std::string& help);
  /// A repeatable NAME=VALUE option (`--user alice="at lunch"`); given ones replace the defaults,
  /// and a value without '=' or with an empty NAME is refused.
  command_line& add(const std::string& flag, std::map<std::string, std::string, std::less<>>& value,
                    const std::string& help);
  command_line& add(const std::string& flag, double& value, const std::string& help);
  command_line& add(const std::string& flag, int& value, const std::string& help);
  command_line& add(const std::string& flag, long& value, const std::string& help);
  command_line& add(const std::string& flag, unsigned& value, const std::string& help);
  command_line& add(const std::string& flag, unsigned long& value, const std::string& help);
  command_line& add(const std::string& flag, uint16_t& value, const std::string& help);

  /// Adds a boolean flag.
  command_line& flag(const std::string& flag, bool& value, const std::string& help);

  /// The CLI11 app behind it, for what `add` does not cover (include <CLI/CLI.hpp> to use it):
  /// kept out of this header, so that a program that only adds options compiles without CLI11.
  CLI::App& app() {
    return *app_;
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
  /// Threads for blocking work (`--threadpool-size`); 0: one per CPU.
  size_t threadpool_size = 0;
  /// Where to record a trace (`--trace FILE`, else `PLY_TRACE`); empty for none.
  std::string trace_file;
  /// An INI file of CAF options (`--caf-config FILE`); empty for none.
  std::string caf_config;
  /// What `configure` was given, in order.
  std::vector<std::function<void(caf::actor_system_config&)>> caf_hooks;

private:
  template <class T>
  command_line& add_option(const std::string& flag, T& value, const std::string& help);

  std::unique_ptr<CLI::App> app_;
};

} // namespace ply
