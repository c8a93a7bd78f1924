#include "ply/run.hpp"

#include <unistd.h>

#include <iostream>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/atom.hpp>
#include <caf/message.hpp>

#include "ply/command_line.hpp"
#include "ply/error.hpp"
#include "ply/log.hpp"
#include "ply/reactor.hpp"
#include "ply/trace.hpp"

namespace ply {

command_line::command_line(std::string name, std::string description)
  : app_(std::move(description), std::move(name)) {
  app_.add_option("--log-level", log_level,
                  "Log level: trace, debug, info, warn, error, critical or off")
    ->capture_default_str();
  app_.add_option("--reactor-threads", reactor_threads, "Number of reactor threads")
    ->capture_default_str()
    ->check(CLI::Range(1, 64));
  app_.add_option("--max-connections", max_connections,
                  "Connections open at once; more are accepted and closed at once (0: as many as "
                  "the open-file limit allows)")
    ->capture_default_str();
  app_.add_option("--max-output", max_output,
                  "Bytes that may wait for a client that does not read before it is cut off (0: "
                  "no limit)")
    ->capture_default_str();
  app_.add_option("--trace", trace_file,
                  "Record what every actor did to FILE (JSON lines; ply-trace reads it); also "
                  "PLY_TRACE=FILE");
}

int run(int argc, char** argv, setup_function setup) {
  command_line cli{argc > 0 ? argv[0] : "ply", "A ply program."};
  return run(argc, argv, cli, std::move(setup));
}

int run(int argc, char** argv, command_line& cli, setup_function setup) {
  try {
    cli.app().parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    auto code = cli.app().exit(e);
    return code == 0 ? 0 : 2;
  }
  if (!log::setup(cli.log_level)) {
    std::cerr << "unknown log level '" << cli.log_level << "'\n";
    return 2;
  }
  auto trace_path = trace::path_from(cli.trace_file);
  if (!trace_path.empty()) {
    std::string why;
    auto node = cli.app().get_name() + ":" + std::to_string(::getpid());
    if (!trace::start(trace_path, node.substr(node.find_last_of('/') + 1), &why)) {
      std::cerr << why << "\n";
      return 2;
    }
  }
  caf::actor_system_config cfg;
  cfg.add_error_category(caf::atom("ply"), [](uint8_t code, caf::atom_value, const caf::message& ctx) {
    return describe(make_error(static_cast<errc>(code),
                               ctx.match_elements<std::string>() ? ctx.get_as<std::string>(0) : ""));
  });
  // Idle CAF workers wait on a condition variable that every enqueue signals; waking them every
  // 10 ms (CAF's default) only steals time from the reactor threads.
  cfg.set("work-stealing.relaxed-sleep-duration", caf::timespan{std::chrono::seconds(1)});
  caf::actor_system sys{cfg};
  int rc = 0;
  {
    reactor::options opts;
    opts.threads = cli.reactor_threads;
    opts.max_connections = cli.max_connections;
    opts.output_limit = cli.max_output;
    reactor r{sys, opts};
    try {
      setup(r);
    } catch (const std::exception& e) {
      spdlog::critical("{}", e.what());
      r.stop(2);
    }
    rc = r.run();
  }
  trace::stop();
  spdlog::default_logger()->flush();
  return rc;
}

} // namespace ply
