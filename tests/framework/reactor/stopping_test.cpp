// SPDX-License-Identifier: MIT
// The graceful stop: listeners, then connections, then factories.

#include <catch2/catch.hpp>

#include <atomic>
#include <future>
#include <thread>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include "ply/atoms.hpp"
#include "ply/line_receiver.hpp"
#include "ply/reactor.hpp"
#include "recorder.hpp"
#include "running_reactor.hpp"
#include "socket_client.hpp"
#include "test_protocols.hpp"

using namespace ply;
using namespace ply::test;
using namespace std::chrono_literals;

TEST_CASE("stopping: stop closes connections gracefully and stops factories", "[reactor]") {
  auto rec = std::make_shared<recorder>();
  running_reactor rr;
  auto port = rr.listen(factory::of<stop_watch_factory>(rec));
  rr.start();
  socket_client a{port};
  socket_client b{port};
  a.send("x");
  CHECK(a.read_exactly(1) == "x");
  b.send("y");
  CHECK(b.read_exactly(1) == "y");
  auto started = std::chrono::steady_clock::now();
  CHECK(rr.stop() == 0);
  CHECK(std::chrono::steady_clock::now() - started < 900ms);
  CHECK(a.read_to_eof().second);
  CHECK(b.read_to_eof().second);
  CHECK(rec->count("start_factory") == 1);
  CHECK(rec->count("stop_factory") == 1);
  CHECK(rec->count("lost:connection_done") == 2);
}
