// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <functional>
#include <vector>

#include <caf/actor.hpp>

#include "reactor/listening.hpp"
#include "reactor/reactor_core.hpp"
#include "reactor/signals.hpp"
#include "transports/udp_port.hpp"
#include "ply/deferred.hpp"
#include "ply/reactor.hpp"

namespace ply {

/// The reactor behind its public face: the shared core, the jobs that keep state of their own
/// (listeners, UDP ports, signals), the stop hooks and the control actor. The staged stop is in
/// `stopping.cpp`, connecting and processes need no state beyond the core.
struct reactor::impl : detail::reactor_core {
  impl(reactor& owner, caf::actor_system& sys, options opts);
  ~impl();

  detail::listeners listening{*this};
  detail::udp_ports udp;
  detail::signal_watch signals{main_thread().ioc};
  std::vector<std::function<deferred<void>()>> stop_hooks;  ///< touched on thread 0 only
  caf::actor control;

  /// SIGINT and SIGTERM begin a graceful stop (when `opts.handle_signals`).
  void catch_stop_signals();

  /// Begins the graceful stop (once; on thread 0): stop hooks in reverse, then listeners,
  /// UDP ports and connections close, then factories stop, then the threads.
  void begin_stop(int code);

private:
  void run_stop_hooks(size_t left);
  void stop_network();
  void stop_factories(std::chrono::steady_clock::time_point deadline);
};

} // namespace ply
