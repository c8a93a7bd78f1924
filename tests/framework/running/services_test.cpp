// SPDX-License-Identifier: MIT
// The ready-made services: a stream server that listens while running, and a client service
// that reconnects with exponential backoff.
#include "ply/services.hpp"

#include <catch2/catch.hpp>

#include <future>
#include <thread>

#include <caf/scoped_actor.hpp>

#include "ply/protocol.hpp"
#include "reactor_fixture.hpp"
#include "socket_client.hpp"

using namespace ply;
using namespace ply::test;
using namespace std::chrono_literals;

namespace {

struct echo : protocol {
  void data_received(bytes data) override {
    transport().write(data);
  }
};

} // namespace

TEST_CASE("a stream_server listens while running and stops listening when stopped", "[service]") {
  reactor_fixture fx;
  stream_server srv{"echo", "tcp:0:interface=127.0.0.1", factory::for_protocol<echo>()};
  srv.start_service(fx.r);
  REQUIRE(srv.port() != 0);
  REQUIRE(srv.factory_actor());
  caf::scoped_actor self{fx.sys};
  self->monitor(srv.factory_actor());
  CHECK(srv.endpoints() == std::vector<std::string>{"127.0.0.1:" + std::to_string(srv.port())});
  std::thread t{[&] { fx.r.run(); }};
  {
    ply::test::socket_client c{srv.port()};
    c.send("hi");
    CHECK(c.read_exactly(2) == "hi");
  }
  on_reactor(fx.r, [&] { return srv.stop_service().called(); });
  CHECK_THROWS(ply::test::socket_client{srv.port()});
  fx.r.stop();
  t.join();
  // The factory stops with the reactor.
  bool down = false;
  self->receive([&](caf::down_msg&) { down = true; }, caf::after(5s) >> [] {});
  CHECK(down);
}

TEST_CASE("client_service backs off exponentially and reconnects once a server is there",
          "[service]") {
  client_service::backoff b;
  b.initial = 20ms;
  b.maximum = 200ms;
  // Delays without jitter: 20, 40, 80, 160, then capped at 200 ms.
  {
    client_service probe{"probe", "tcp:host=127.0.0.1:port=1", factory::for_protocol<echo>(), b};
    CHECK(probe.delay_for(1) == 20ms);
    CHECK(probe.delay_for(2) == 40ms);
    CHECK(probe.delay_for(4) == 160ms);
    CHECK(probe.delay_for(9) == 200ms);
  }
  // Find a free port, then leave it closed for a while.
  uint16_t port = 0;
  {
    reactor_fixture probe;
    auto p = probe.r.listen("tcp:0:interface=127.0.0.1", factory::for_protocol<echo>());
    REQUIRE(p);
    port = *p;
  }
  reactor_fixture fx;
  client_service cs{"client", "tcp:host=127.0.0.1:port=" + std::to_string(port),
                    client_factory::for_protocol<echo>(), b};
  fx.r.call_when_running([&] { cs.start_service(fx.r); });
  std::thread t{[&] { fx.r.run(); }};
  std::this_thread::sleep_for(400ms);
  auto failed_attempts = on_reactor(fx.r, [&] { return cs.attempts(); });
  CHECK(failed_attempts >= 3);
  CHECK(failed_attempts <= 8);
  REQUIRE(fx.r.listen("tcp:" + std::to_string(port) + ":interface=127.0.0.1",
                      factory::for_protocol<echo>()));
  size_t failures = 1;
  for (int i = 0; i < 100 && failures != 0; ++i) {
    std::this_thread::sleep_for(20ms);
    failures = on_reactor(fx.r, [&] { return cs.failures(); });
  }
  CHECK(failures == 0);
  on_reactor(fx.r, [&] { return cs.stop_service().called(); });
  fx.r.stop();
  t.join();
}
