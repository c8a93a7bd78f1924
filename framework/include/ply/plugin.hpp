// SPDX-License-Identifier: MIT
#pragma once

#include "ply/version.hpp"

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "ply/service.hpp"

namespace CLI {
class App;
} // namespace CLI

namespace ply {

/// Builds a plugin's service from the options parsed into it.
using service_builder = std::function<service_ptr(const std::string& service_name)>;

/// A plyd plugin (Twisted's IServiceMaker): a name, a one-line description, and its options.
/// The file that declares the options includes <CLI/CLI.hpp> (kept out of this header: it is
/// heavy to compile, and only that file needs it).
struct plugin {
  std::string name;
  std::string description;
  /// Declares the plugin's options on `cmd` and returns what builds its service from them.
  std::function<service_builder(CLI::App& cmd)> declare;
};

/// The plugins plyd knows: built-in ones, and those loaded from shared libraries.
class plugin_registry {
public:
  /// Adds a plugin; a second plugin with the same name is refused.
  void add(plugin p);

  const plugin* find(std::string_view name) const;

  const std::vector<plugin>& all() const {
    return plugins_;
  }

  /// Loads `path`, a shared library exporting `ply_register_plugins`; throws with a one-line
  /// message when it cannot.
  void load_library(const std::string& path);

  /// Loads every `*.so` in `dir`; returns how many loaded. Throws when `dir` cannot be read.
  size_t load_directory(const std::string& dir);

private:
  std::vector<plugin> plugins_;
};

} // namespace ply

/// What a plugin library exports: `PLY_PLUGIN_EXPORT void ply_register_plugins(ply::plugin_registry& r)`.
/// The macro also exports the ply version the plugin was compiled against (`ply_plugin_version`):
/// plyd refuses a plugin built against another major.minor version. Once per source file.
#define PLY_PLUGIN_EXPORT                                                                          \
  extern "C" __attribute__((visibility("default"), used, weak)) const char                       \
    ply_plugin_version[] = PLY_VERSION_STRING;                                                     \
  extern "C" __attribute__((visibility("default")))
