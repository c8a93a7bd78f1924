// SPDX-License-Identifier: MIT
// Connecting: client endpoints, refused and failed attempts reported to the factory.

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
#include "temp_dir.hpp"
#include "test_protocols.hpp"

using namespace ply;
using namespace ply::test;
using namespace std::chrono_literals;

TEST_CASE("connecting: connecting to a closed port says connection refused", "[reactor]") {
  running_reactor rr;
  rr.start();
  auto result = std::make_shared<std::promise<std::string>>();
  auto fut = result->get_future();
  REQUIRE(rr.r.connect("tcp:host=127.0.0.1:port=1", factory::of<failing_client>(result)));
  REQUIRE(fut.wait_for(5s) == std::future_status::ready);
  CHECK_THAT(fut.get(), Catch::Contains("connection refused"));
}

namespace {

/// Says hello once connected, and records the answer.
class greeter : public protocol {
public:
  explicit greeter(recorder_ptr rec) : rec_(std::move(rec)) {
  }
  void connection_made() override {
    rec_->add("made");
    transport().write("hello");
  }
  void data_received(bytes data) override {
    rec_->add("heard:" + data);
    transport().lose_connection();
  }
  void connection_lost(const caf::error&) override {
    rec_->add("lost");
  }

private:
  recorder_ptr rec_;
};

} // namespace

TEST_CASE("connecting: a client connects over TCP and over a Unix socket, and talks",
          "[reactor]") {
  temp_dir dir;
  auto path = dir / "s.sock";
  running_reactor rr;
  auto port = rr.listen(factory::for_protocol<echo>(std::make_shared<recorder>()));
  REQUIRE(rr.r.listen("unix:" + path, factory::for_protocol<echo>(std::make_shared<recorder>())));
  rr.start();
  // A host name is looked up off the reactor thread; its answer comes back to it.
  for (auto ep : {"tcp:127.0.0.1:" + std::to_string(port),
                  "tcp:host=localhost:port=" + std::to_string(port), "unix:" + path}) {
    INFO(ep);
    auto rec = std::make_shared<recorder>();
    REQUIRE(rr.r.connect(ep, client_factory::for_protocol<greeter>(rec)));
    rec->wait_for("lost", 1, 5000ms);
    CHECK(rec->starting_with("") == std::vector<std::string>{"made", "heard:hello", "lost"});
  }
  rr.stop();
}

TEST_CASE("connecting: a name that cannot be looked up fails, within the attempt's timeout",
          "[reactor]") {
  running_reactor rr;
  rr.start();
  auto result = std::make_shared<std::promise<std::string>>();
  auto fut = result->get_future();
  // Without a name server the lookup fails at once; with an unreachable one the timeout ends it.
  REQUIRE(rr.r.connect("tcp:host=no-such-host.invalid:port=80:timeout=1",
                       factory::of<failing_client>(result)));
  REQUIRE(fut.wait_for(20s) == std::future_status::ready);
  auto why = fut.get();
  INFO(why);
  CHECK((why.find("cannot resolve host") != std::string::npos
         || why.find("connection timed out") != std::string::npos));
  CHECK_THAT(why, Catch::Contains("no-such-host.invalid"));
}

TEST_CASE("connecting: a Unix socket nobody listens on says connection refused", "[reactor]") {
  temp_dir dir;
  running_reactor rr;
  rr.start();
  auto result = std::make_shared<std::promise<std::string>>();
  auto fut = result->get_future();
  REQUIRE(rr.r.connect("unix:" + dir / "nobody.sock", factory::of<failing_client>(result)));
  REQUIRE(fut.wait_for(5s) == std::future_status::ready);
  CHECK_THAT(fut.get(), Catch::Contains("connection refused"));
}

TEST_CASE("connecting: a bad client endpoint fails at once, naming what is wrong", "[reactor]") {
  running_reactor rr;
  auto made = [] { return client_factory::for_protocol<greeter>(std::make_shared<recorder>()); };
  auto udp = rr.r.connect("udp:9", made());
  REQUIRE_FALSE(udp);
  CHECK(is(udp.error(), errc::bad_endpoint));
  auto nohost = rr.r.connect("tcp:port=80", made());
  REQUIRE_FALSE(nohost);
  CHECK(is(nohost.error(), errc::bad_endpoint));
  auto timeout = rr.r.connect("tcp:127.0.0.1:80:timeout=soon", made());
  REQUIRE_FALSE(timeout);
  CHECK_THAT(describe(timeout.error()), Catch::Contains("timeout 'soon' is not a whole number"));
}
