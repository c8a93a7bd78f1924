#pragma once

#include <string>
#include <utility>
#include <vector>

namespace plyd {

/// One section of an application config: a service, its plugin and the plugin's options.
struct service_config {
  std::string name;
  std::string plugin;
  std::vector<std::pair<std::string, std::string>> options;  ///< in file order; keys may repeat
};

/// Reads an INI-style config (Twisted's TAC file, declared): `[name]` starts a service, `plugin =`
/// names its plugin (default: the section name), every other `key = value` is the plugin option
/// `--key value`. `#` and `;` start comments. Throws with "FILE:LINE: what" on bad input.
std::vector<service_config> read_config(const std::string& path);

} // namespace plyd
