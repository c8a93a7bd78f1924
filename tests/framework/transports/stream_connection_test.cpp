// SPDX-License-Identifier: MIT
// A stream connection: its write path, order whichever thread writes, flow control, closing.

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

TEST_CASE("stream connection: a peer that resets mid-write gives connection_lost exactly once",
          "[reactor]") {
  auto rec = std::make_shared<recorder>();
  running_reactor rr;
  auto port = rr.listen(factory::for_protocol<streamer>(rec, size_t{64} << 20));
  auto echo_port = rr.listen(factory::for_protocol<echo>(std::make_shared<recorder>()));
  rr.start();
  {
    socket_client c{port};
    CHECK(c.read_exactly(100000).size() == 100000);
    c.reset();
  }
  rec->wait_for("lost:", 1, 2000ms);
  CHECK(rec->starting_with("lost:") == std::vector<std::string>{"lost:connection_lost"});
  // The connection is gone from the reactor, not leaked.
  CHECK(rr.r.connection_count() == 0);
  socket_client other{echo_port};
  other.send("still serving");
  CHECK(other.read_exactly(13) == "still serving");
  std::this_thread::sleep_for(50ms);
  CHECK(rec->starting_with("lost:").size() == 1);
}

TEST_CASE("stream connection: writes after lose_connection are dropped, what came before is flushed",
          "[reactor]") {
  running_reactor rr;
  auto port = rr.listen(factory::for_protocol<echo>(std::make_shared<recorder>()));
  rr.start();
  socket_client c{port};
  c.send("close");
  auto [data, eof] = c.read_to_eof();
  CHECK(data == "a");
  CHECK(eof);
}

TEST_CASE("stream connection: a full write buffer pauses the producer, draining resumes it, "
          "nothing lost",
          "[reactor]") {
  auto rec = std::make_shared<recorder>();
  running_reactor rr;
  size_t total = 16 << 20;
  auto port = rr.listen(factory::for_protocol<streamer>(rec, total));
  rr.start();
  socket_client c{port, 10000};
  for (int i = 0; i < 300 && rec->count("pause") == 0; ++i)
    std::this_thread::sleep_for(10ms);
  CHECK(rec->count("pause") >= 1);
  CHECK(c.read_exactly(total).size() == total);
  CHECK(rec->count("resume") >= 1);
  CHECK(rec->count("resume") == rec->count("pause"));
}

namespace {

/// What a numberer's client reads when its writes come from both threads: a batch of events
/// holds the reactor's thread on `held` holder sockets, with the numberer's socket after the
/// first of them. While each holder blocks the thread, a nudge makes the numberer write on one of
/// CAF's threads; between the holders, the numberer's own bytes make it write on the reactor's
/// thread. It writes `held` + 1 numbered lines, then closes.
std::string writes_from_both_threads(int held) {
  auto rec = std::make_shared<recorder>();
  auto gate = std::make_shared<holder::gate>();
  auto me = std::make_shared<std::promise<caf::actor>>();
  running_reactor rr;
  auto hold_port = rr.listen(factory::for_protocol<holder>(rec, gate));
  auto num_port = rr.listen(factory::for_protocol<numberer>(me, rec, held + 1));
  rr.start();
  socket_client first{hold_port};
  std::vector<std::unique_ptr<socket_client>> holders;
  for (int i = 0; i < held; ++i)
    holders.push_back(std::make_unique<socket_client>(hold_port));
  socket_client c{num_port};
  auto fut = me->get_future();
  REQUIRE(fut.wait_for(5s) == std::future_status::ready);
  auto proto = fut.get();
  // While the reactor's thread is held, the next sockets become readable: one batch.
  first.send("x");
  rec->wait_for("held 1", 1, 5000ms);
  REQUIRE(rec->count("held 1") == 1);
  holders[0]->send("x");
  c.send("x");
  for (int i = 1; i < held; ++i)
    holders[i]->send("x");
  gate->opened = 1;
  for (int k = 1; k <= held; ++k) {
    auto name = "held " + std::to_string(k + 1);
    rec->wait_for(name, 1, 5000ms);
    REQUIRE(rec->count(name) == 1);
    caf::anon_send(proto, caf::atom("nudge"));
    rec->wait_for("nudged", k, 5000ms);
    REQUIRE(rec->count("nudged") == static_cast<size_t>(k));
    gate->opened = k + 1;
  }
  auto [data, eof] = c.read_to_eof();
  CHECK(eof);
  return data;
}

} // namespace

TEST_CASE("stream connection: a protocol's writes keep their order whichever thread runs the "
          "actor", "[reactor]") {
  // "0" is written on CAF's thread while the reactor's thread is busy with a batch of events,
  // then "1" on the reactor's thread, later in the same batch: "1" must not overtake "0" (nor
  // lose_connection, made with it).
  CHECK(writes_from_both_threads(1) == "0\n1\n");
}

TEST_CASE("stream connection: writes posted from the reactor's thread and from CAF's threads "
          "keep their order", "[reactor]") {
  // As above, and one more: "1" is written on the reactor's thread while "0" (from CAF's thread)
  // still waits, so it is posted from the reactor's thread; then "2" is written on CAF's thread
  // before that batch ends. Asio runs a post made on its own thread only after the handler that
  // made it, behind posts from other threads made meanwhile: "2" overtook "1" (a listener on one
  // node heard another node's lines out of order).
  CHECK(writes_from_both_threads(2) == "0\n1\n2\n");
}

TEST_CASE("stream connection: a peer that sends a request and closes its side still gets the answer",
          "[reactor]") {
  // As `printf 'next\n' | nc -N` does: the FIN comes long before the answer, which another
  // actor takes its time to give.
  auto rec = std::make_shared<recorder>();
  running_reactor rr;
  auto oracle = rr.sys.spawn<slow_oracle, caf::detached>();
  auto port = rr.listen(factory::for_protocol<asker>(oracle, rec));
  rr.start();
  socket_client c{port};
  c.send("life");
  c.shutdown_write();
  auto [data, eof] = c.read_to_eof();
  CHECK(data == "answer to life");
  CHECK(eof);
  rec->wait_for("lost:", 1, 2000ms);
  CHECK(rec->starting_with("lost:") == std::vector<std::string>{"lost:connection_done"});
  caf::anon_send_exit(oracle, caf::exit_reason::user_shutdown);
}
