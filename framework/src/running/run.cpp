// SPDX-License-Identifier: MIT
#include "ply/run.hpp"

#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <iostream>
#include <thread>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/atom.hpp>
#include <caf/message.hpp>

#include "ply/actor_deferred.hpp"
#include "ply/command_line.hpp"

#include "ply/error.hpp"
#include "ply/log.hpp"
#include "ply/reactor.hpp"
#include "ply/run_options.hpp"
#include "ply/service.hpp"
#include "ply/trace.hpp"
#include "running/parse.hpp"

namespace ply {

namespace {

/// The CPUs this process may run on (its affinity mask: 1 under `taskset -c 0`), at least 1.
size_t cpus_available() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0)
    return static_cast<size_t>(CPU_COUNT(&set));
  return std::max(1u, std::thread::hardware_concurrency());
}

/// What the common options say about running.
run_options options_of(command_line& cli) {
  run_options opts;
  opts.reactor.threads = cli.reactor_threads;
  opts.reactor.max_connections = cli.max_connections;
  opts.reactor.output_limit = cli.max_output;
  opts.threadpool_size = cli.threadpool_size;
  opts.configure = cli.caf_hooks;
  opts.caf_config = cli.caf_config;
  opts.trace_file = trace::path_from(cli.trace_file);
  opts.trace_node = detail::program_name(cli) + ":" + std::to_string(::getpid());
  return opts;
}

} // namespace

int run(int argc, char** argv, setup_function setup) {
  command_line cli{argc > 0 ? argv[0] : "ply", "A ply program."};
  return run(argc, argv, cli, std::move(setup));
}

int run(int argc, char** argv, command_line& cli, setup_function setup) {
  int code = 0;
  if (!detail::parse(argc, argv, cli, code))
    return code;
  auto opts = options_of(cli);
  opts.setup = std::move(setup);
  return run(std::move(opts));
}

int serve(int argc, char** argv, command_line& cli, std::string port, factory_maker make) {
  cli.add("--port", port, "Endpoint to listen on");
  return run(argc, argv, cli, [&](reactor& r) { r.listen(port, make); });
}

int serve(int argc, char** argv, std::string name, std::string description, std::string port,
          factory_maker make) {
  command_line cli{std::move(name), std::move(description)};
  return serve(argc, argv, cli, std::move(port), std::move(make));
}

int run_application(int argc, char** argv, command_line& cli, services_function services,
                    setup_function setup) {
  int code = 0;
  if (!detail::parse(argc, argv, cli, code))
    return code;
  auto app = std::make_unique<application>(detail::program_name(cli));
  try {
    services(*app);
  } catch (const std::exception& e) {
    std::cerr << e.what() << "\n";
    return 2;
  }
  auto opts = options_of(cli);
  opts.configure.insert(opts.configure.begin(),
                        [&app](caf::actor_system_config& cfg) { app->configure(cfg); });
  auto stop_timeout = opts.reactor.stop_timeout;
  opts.setup = [&app, stop_timeout, setup = std::move(setup)](reactor& r) {
    app->launch(r, stop_timeout);
    if (setup)
      setup(r);
  };
  // The services hold actors: they go while the actor system is still there.
  opts.teardown = [&app] { app.reset(); };
  return run(std::move(opts));
}

int run(run_options opts) {
  // One reactor per process: its signal handling and the trace are the process's.
  static std::atomic<bool> running{false};
  if (running.exchange(true)) {
    std::cerr << "ply::run is already running in this process (one reactor per process; "
                 "--reactor-threads gives it more threads)\n";
    return 2;
  }
  struct running_guard {
    ~running_guard() {
      running = false;
    }
  } done;
  detail::set_blocking_threads(opts.threadpool_size ? opts.threadpool_size : cpus_available());
  if (!opts.trace_file.empty()) {
    std::string why;
    if (!trace::start(opts.trace_file, opts.trace_node, &why)) {
      std::cerr << why << "\n";
      return 2;
    }
  }
  caf::actor_system_config cfg;
  cfg.add_error_category(caf::atom("ply"), [](uint8_t code, caf::atom_value, const caf::message& ctx) {
    return describe(make_error(static_cast<errc>(code),
                               ctx.match_elements<std::string>() ? ctx.get_as<std::string>(0) : ""));
  });
  // CAF's scheduler runs the factories and other actors; protocols run on the reactor threads.
  // One worker per CPU this process may run on: CAF's default (at least 4) only adds threads that
  // compete with the reactor's on a small or pinned machine.
  cfg.set("scheduler.max-threads", cpus_available());
  // An idle worker spins briefly, then waits on a condition variable that every enqueue signals.
  // CAF's middle phase, 500 sleeps of 50 us, wakes each idle worker 20,000 times a second: on a
  // shared core that took half the CPU from two pub/sub nodes. And waking a waiting worker every
  // 10 ms (CAF's default) only steals time from the reactor threads.
  cfg.set("work-stealing.moderate-poll-attempts", size_t{0});
  cfg.set("work-stealing.relaxed-sleep-duration", caf::timespan{std::chrono::seconds(1)});
  for (auto& hook : opts.configure)
    hook(cfg);
  if (!opts.caf_config.empty()) {
    std::ifstream in{opts.caf_config};
    std::string why = !in ? "cannot read it" : "";
    if (in)
      if (auto err = cfg.parse(caf::actor_system_config::string_list{}, in))
        why = to_string(err);
    if (!why.empty()) {
      std::cerr << "cannot use CAF options from " << opts.caf_config << ": " << why << "\n";
      trace::stop();
      return 2;
    }
  }
  int rc = 0;
  {
    caf::actor_system sys{cfg};
    // What holds actors goes before the actor system, however the reactor ended.
    struct teardown_guard {
      std::function<void()>& fn;
      ~teardown_guard() {
        if (fn)
          fn();
      }
    } guard{opts.teardown};
    reactor r{sys, opts.reactor};
    try {
      if (opts.setup)
        opts.setup(r);
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
