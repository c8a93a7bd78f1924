// SPDX-License-Identifier: MIT
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>

namespace plyd {

/// One `key = value` line of a config, with where it stands (for error messages).
struct config_option {
  std::string key;
  std::string value;
  size_t line = 0;
};

/// One section of an application config: a service, its plugin and the plugin's options.
struct service_config {
  std::string name;
  std::string plugin;
  std::vector<config_option> options;  ///< in file order; keys may repeat
};

/// Reads an INI-style config (Twisted's TAC file, declared): `[name]` starts a service, `plugin =`
/// names its plugin (default: the section name), every other `key = value` is the plugin option
/// `--key`: a flag takes true or false, an option of several values takes them separated by
/// spaces. `#` and `;` start comments. Throws with "FILE:LINE: what" on bad input.
std::vector<service_config> read_config(const std::string& path);

/// The command-line words of one config line for `opt`, the plugin's option it names ("--resp"
/// for `resp = true`, nothing for `resp = false`, three words for `cluster-tls = C K CA`).
/// Throws with what is wrong (the caller adds FILE:LINE).
std::vector<std::string> option_words(const config_option& o, const CLI::Option& opt);

} // namespace plyd
