// SPDX-License-Identifier: MIT
#include "ply/command_line.hpp"

#include <CLI/CLI.hpp>

#include <iostream>

#include "ply/log.hpp"
#include "ply/version.hpp"
#include "running/parse.hpp"

namespace ply {

command_line::command_line(std::string name, std::string description)
  : app_(std::make_unique<CLI::App>(std::move(description), std::move(name))) {
  app_->add_option("--log-level", log_level,
                  "Log level: trace, debug, info, warn, error, critical or off")
    ->capture_default_str();
  app_->add_option("--reactor-threads", reactor_threads, "Number of reactor threads")
    ->capture_default_str()
    ->check(CLI::Range(1, 64));
  app_->add_option("--max-connections", max_connections,
                  "Connections open at once; more are accepted and closed at once (0: as many as "
                  "the open-file limit allows)")
    ->capture_default_str();
  app_->add_option("--max-output", max_output,
                  "Bytes that may wait for a client that does not read before it is cut off (0: "
                  "no limit; at most 4 GiB)")
    ->capture_default_str();
  app_->add_option("--threadpool-size", threadpool_size,
                  "Threads for blocking work (defer_to_thread, call_in_thread); 0: one per CPU")
    ->capture_default_str()
    ->check(CLI::Range(0, 1024));
  app_->add_option("--trace", trace_file,
                  "Record what every actor did to FILE (JSON lines; ply-trace reads it); also "
                  "PLY_TRACE=FILE");
  app_->add_option("--caf-config", caf_config,
                  "CAF options from an INI file (for example [scheduler] max-threads=2)")
    ->check(CLI::ExistingFile);
}

command_line::~command_line() = default;

template <class T>
command_line& command_line::add_option(const std::string& flag, T& value,
                                       const std::string& help) {
  app_->add_option(flag, value, help)->capture_default_str();
  return *this;
}

command_line& command_line::add(const std::string& flag, std::string& value,
                                const std::string& help) {
  return add_option(flag, value, help);
}

command_line& command_line::add(const std::string& flag, std::vector<std::string>& value,
                                const std::string& help) {
  return add_option(flag, value, help);
}

command_line& command_line::add(const std::string& flag,
                                std::map<std::string, std::string, std::less<>>& value,
                                const std::string& help) {
  std::string defaults;
  for (auto& [k, v] : value)
    defaults += (defaults.empty() ? "" : ", ") + k + "=" + v;
  auto* opt = app_->add_option_function<std::vector<std::string>>(
    flag,
    [&value, flag](const std::vector<std::string>& given) {
      value.clear();
      for (auto& arg : given) {
        auto eq = arg.find('=');
        if (eq == std::string::npos || eq == 0)
          throw CLI::ValidationError(flag, "wants NAME=VALUE, got '" + arg + "'");
        value[arg.substr(0, eq)] = arg.substr(eq + 1);
      }
    },
    defaults.empty() ? help : help + " (default: " + defaults + ")");
  opt->type_name("NAME=VALUE");
  return *this;
}

command_line& command_line::add(const std::string& flag, double& value, const std::string& help) {
  return add_option(flag, value, help);
}

command_line& command_line::add(const std::string& flag, int& value, const std::string& help) {
  return add_option(flag, value, help);
}

command_line& command_line::add(const std::string& flag, long& value, const std::string& help) {
  return add_option(flag, value, help);
}

command_line& command_line::add(const std::string& flag, unsigned& value,
                                const std::string& help) {
  return add_option(flag, value, help);
}

command_line& command_line::add(const std::string& flag, unsigned long& value,
                                const std::string& help) {
  return add_option(flag, value, help);
}

command_line& command_line::add(const std::string& flag, uint16_t& value,
                                const std::string& help) {
  return add_option(flag, value, help);
}

command_line& command_line::flag(const std::string& flag, bool& value, const std::string& help) {
  app_->add_flag(flag, value, help);
  return *this;
}

} // namespace ply

namespace ply::detail {

bool parse(int argc, char** argv, command_line& cli, int& code) {
  // `--version` names the program as it was started, unless the program has its own.
  if (!cli.app().get_option_no_throw("--version")) {
    std::string prog = argc > 0 ? argv[0] : cli.app().get_name();
    cli.app().set_version_flag("--version", prog.substr(prog.find_last_of('/') + 1) + " (ply) "
                                              + version(),
                               "Print the version and exit");
  }
  try {
    cli.app().parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    code = cli.app().exit(e) == 0 ? 0 : 2;
    return false;
  }
  if (!log::setup(cli.log_level)) {
    std::cerr << "unknown log level '" << cli.log_level << "'\n";
    code = 2;
    return false;
  }
  return true;
}

std::string program_name(command_line& cli) {
  auto name = cli.app().get_name();
  return name.substr(name.find_last_of('/') + 1);
}

} // namespace ply::detail
