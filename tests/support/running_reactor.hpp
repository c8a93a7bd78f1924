// SPDX-License-Identifier: MIT
#pragma once

#include <catch2/catch.hpp>

#include <thread>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include "ply/reactor.hpp"

namespace ply::test {

using namespace std::chrono_literals;

/// A reactor running on its own thread for the duration of a test.
struct running_reactor {
  explicit running_reactor(size_t threads = 1) : running_reactor(make_opts(threads)) {
  }

  explicit running_reactor(ply::reactor::options opts) : sys(cfg), r(sys, opts) {
  }

  static ply::reactor::options make_opts(size_t threads) {
    ply::reactor::options o;
    o.threads = threads;
    o.handle_signals = false;
    o.stop_timeout = 1000ms;
    return o;
  }

  uint16_t listen(ply::factory_maker m) {
    auto port = r.listen("tcp:0:interface=127.0.0.1", std::move(m));
    REQUIRE(port);
    return *port;
  }

  void start() {
    thread = std::thread([this] { rc = r.run(); });
  }

  int stop() {
    r.stop();
    if (thread.joinable())
      thread.join();
    return rc;
  }

  ~running_reactor() {
    stop();
  }

  caf::actor_system_config cfg;
  caf::actor_system sys;
  ply::reactor r;
  std::thread thread;
  int rc = -1;
};

} // namespace ply::test
