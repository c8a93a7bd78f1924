// SPDX-License-Identifier: MIT
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "ply/reactor.hpp"

namespace caf {
class actor_system_config;
}

namespace ply {

/// How a ply process runs once its command line is read: the one startup path behind `ply::run`
/// and plyd. The actor system is configured one way for every ply process (ply's error
/// descriptions, idle CAF workers that do not wake every 10 ms), then by `configure` (the CAF
/// modules services need, the program's own options) and `caf_config`; a reactor runs on it.
struct run_options {
  ply::reactor::options reactor;
  /// Before the actor system exists, in order: load CAF modules, set CAF options.
  std::vector<std::function<void(caf::actor_system_config&)>> configure;
  /// An INI file of CAF options (`[scheduler] max-threads = 2`), read after `configure`; empty
  /// for none.
  std::string caf_config;
  /// Threads for blocking work (`defer_to_thread`, `call_in_thread`); 0: one per CPU.
  size_t threadpool_size = 0;
  /// Where to record a trace, and the node name it carries; empty for none.
  std::string trace_file;
  std::string trace_node;
  /// With the reactor made, before it runs: listen, connect, start services. An exception is a
  /// startup error: logged, and the process ends with exit code 2.
  std::function<void(ply::reactor&)> setup;
  /// Once the reactor stopped, while the actor system still exists: let go of what holds actors.
  std::function<void()> teardown;
};

/// Runs a process as `opts` says until its reactor stops; returns the exit code (2 when the trace
/// file or the CAF configuration cannot be used, or setup failed).
int run(run_options opts);

} // namespace ply
