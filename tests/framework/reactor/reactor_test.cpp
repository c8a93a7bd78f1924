// SPDX-License-Identifier: MIT
// The reactor as a whole: its control actor, and protocols that throw or quit.

#include <catch2/catch.hpp>

#include <atomic>
#include <functional>
#include <future>
#include <memory>
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

TEST_CASE("reactor: a throwing protocol closes its connection, others go on", "[reactor]") {
  auto rec = std::make_shared<recorder>();
  running_reactor rr;
  auto port = rr.listen(factory::for_protocol<echo>(rec));
  rr.start();
  socket_client good{port};
  socket_client bad{port};
  bad.send("boom");
  auto [rest, eof] = bad.read_to_eof();
  CHECK(eof);
  CHECK(rest.empty());
  good.send("hello");
  CHECK(good.read_exactly(5) == "hello");
}

TEST_CASE("reactor: actors control the reactor by messages", "[reactor]") {
  running_reactor rr;
  rr.start();
  caf::scoped_actor self{rr.sys};
  auto f = factory::for_protocol<echo>(std::make_shared<recorder>())(rr.sys);
  uint16_t port = 0;
  self->request(rr.r.control(), 5s, listen_atom::value, std::string{"tcp:0:interface=127.0.0.1"}, f)
    .receive([&](uint16_t p) { port = p; }, [&](caf::error& err) { FAIL(describe(err)); });
  REQUIRE(port != 0);
  socket_client c{port};
  c.send("by message");
  CHECK(c.read_exactly(10) == "by message");
  size_t count = 0;
  self->request(rr.r.control(), 5s, count_atom::value)
    .receive([&](size_t n) { count = n; }, [&](caf::error& err) { FAIL(describe(err)); });
  CHECK(count == 1);
  self->request(rr.r.control(), 5s, listen_atom::value, std::string{"tcp:nope"}, f)
    .receive([&](uint16_t) { FAIL("listen should fail"); },
             [&](caf::error& err) { CHECK(is(err, errc::bad_endpoint)); });
  self->send(rr.r.control(), stop_atom::value, 3);
  rr.thread.join();
  CHECK(rr.rc == 3);
}

namespace {

/// Quits on "stop" without closing its connection.
class quitter : public protocol {
  void data_received(bytes data) override {
    if (data.find("stop") != std::string::npos)
      quit();
    else
      transport().write(data);
  }
};

} // namespace

TEST_CASE("reactor: a protocol actor that quits takes its connection with it", "[reactor]") {
  running_reactor rr;
  auto port = rr.listen(factory::for_protocol<quitter>());
  rr.start();
  socket_client c{port};
  c.send("x");
  CHECK(c.read_exactly(1) == "x");
  c.send("stop");
  CHECK(c.read_to_eof().second);
  for (int i = 0; i < 100 && rr.r.connection_count() != 0; ++i)
    std::this_thread::sleep_for(10ms);
  CHECK(rr.r.connection_count() == 0);
}

TEST_CASE("reactor: work that keeps posting more does not keep the thread from its sockets",
          "[reactor]") {
  running_reactor rr;
  auto port = rr.listen(factory::for_protocol<echo>(std::make_shared<recorder>()));
  rr.start();
  // A function that posts itself again for ever (until told to stop): the thread runs a bounded
  // share of it between reads.
  auto spinning = std::make_shared<std::atomic<bool>>(true);
  auto spins = std::make_shared<std::atomic<size_t>>(0);
  auto spin = std::make_shared<std::function<void()>>();
  *spin = [&r = rr.r, spinning, spins, weak = std::weak_ptr<std::function<void()>>{spin}] {
    spins->fetch_add(1);
    if (auto again = weak.lock(); again && spinning->load())
      r.call_from_thread(*again);
  };
  rr.r.call_from_thread(*spin);
  socket_client c{port, 30000};
  for (int i = 0; i < 20; ++i) {
    c.send("ping " + std::to_string(i) + "\n");
    CHECK(c.read_until("\n") == "ping " + std::to_string(i) + "\n");
  }
  CHECK(spins->load() > 0);
  spinning->store(false);
  rr.stop();
}
