// SPDX-License-Identifier: MIT
// Signals: SIGTERM stops a running reactor gracefully with exit code 0; `on_signal` runs its
// function on the reactor's thread each time the signal arrives.
#include "ply/reactor.hpp"

#include <catch2/catch.hpp>

#include <csignal>
#include <thread>

#include "recorder.hpp"
#include "running_reactor.hpp"
#include "socket_client.hpp"
#include "test_protocols.hpp"

using namespace ply;
using namespace ply::test;
using namespace std::chrono_literals;

TEST_CASE("signals: on_signal runs its function each time, SIGTERM stops gracefully",
          "[signals]") {
  auto opts = running_reactor::make_opts(1);
  opts.handle_signals = true;
  running_reactor rr{opts};
  auto rec = std::make_shared<recorder>();
  auto port = rr.listen(factory::for_protocol<echo>(rec));
  rr.r.on_signal(SIGUSR2, [&rec] { rec->add("usr2"); });
  rr.start();
  socket_client c{port};
  c.send("hi");
  REQUIRE(c.read_exactly(2) == "hi");
  ::kill(::getpid(), SIGUSR2);
  rec->wait_for("usr2", 1, 5000ms);
  ::kill(::getpid(), SIGUSR2);
  rec->wait_for("usr2", 2, 5000ms);
  CHECK(rec->count("usr2") == 2);
  // The graceful stop closes the connection (its protocol hears it) and run returns 0.
  ::kill(::getpid(), SIGTERM);
  auto [rest, eof] = c.read_to_eof();
  CHECK(eof);
  rr.thread.join();
  CHECK(rr.rc == 0);
  CHECK(rec->starting_with("lost:") == std::vector<std::string>{"lost:connection_done"});
}
