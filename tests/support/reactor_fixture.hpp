// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <future>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include "ply/reactor.hpp"

namespace ply::test {

using namespace std::chrono_literals;

struct config_base {
  caf::actor_system_config cfg;
};

/// An actor system and a reactor that does not catch signals, not running: a test starts and
/// stops what it needs itself.
struct reactor_fixture : config_base {
  reactor_fixture() : sys(cfg), r(sys, opts()) {
  }
  static reactor::options opts() {
    reactor::options o;
    o.handle_signals = false;
    o.stop_timeout = 2s;
    return o;
  }
  caf::actor_system sys;
  reactor r;
};

/// Reads something owned by the reactor's thread from the test thread.
template <class F>
auto on_reactor(reactor& r, F f) {
  std::promise<decltype(f())> p;
  r.call_later(duration::zero(), [&] { p.set_value(f()); });
  return p.get_future().get();
}

} // namespace ply::test
