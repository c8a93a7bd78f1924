// SPDX-License-Identifier: MIT
#include "ply/factory.hpp"

#include <catch2/catch.hpp>

#include "ply/protocol.hpp"
#include "ply/testing/memory_transport.hpp"
#include "ply/testing/test_system.hpp"
#include "recorder.hpp"

using namespace ply;
using ply::test::recorder;
using ply::test::recorder_ptr;
using testing::memory_transport;
using testing::test_system;

namespace {

class echo_or_throw : public protocol {
  void data_received(bytes data) override {
    if (data == "boom")
      throw std::runtime_error("boom");
    transport().write(data);
  }
};

/// Refuses peers from 203.0.113.x and records what it sees.
class watching_factory : public factory {
public:
  explicit watching_factory(recorder_ptr rec) : rec_(std::move(rec)) {
  }
  caf::actor build_protocol(const ply::address& peer) override {
    if (peer.host.rfind("203.0.113.", 0) == 0)
      return {};
    return spawn_protocol<echo_or_throw>();
  }
  void protocol_ended(const connection&, const caf::error& reason) override {
    rec_->add(reason ? "ended:error:" + describe(reason) : "ended:normal");
    rec_->add("alive:" + std::to_string(connection_count()));
  }

private:
  recorder_ptr rec_;
};

} // namespace

TEST_CASE("a factory builds one protocol actor per connection and sees it end", "[factory]") {
  test_system ts;
  auto rec = std::make_shared<recorder>();
  auto f = ts.spawn<watching_factory>(rec);
  auto a = memory_transport::make();
  auto b = memory_transport::make();
  a->connect_through(f);
  b->connect_through(f);
  ts.run();
  REQUIRE(a->protocol());
  REQUIRE(b->protocol());
  CHECK(a->protocol() != b->protocol());
  a->feed("to a");
  b->feed("to b");
  a->close();
  ts.run();
  CHECK(a->written() == "to a");
  CHECK(b->written() == "to b");
  CHECK(rec->events == std::vector<std::string>{"ended:normal", "alive:1"});
  caf::anon_send_exit(f, caf::exit_reason::user_shutdown);
  b->close();
}

TEST_CASE("a crashing protocol actor closes only its connection, the factory cleans up",
          "[factory]") {
  test_system ts;
  auto rec = std::make_shared<recorder>();
  auto f = ts.spawn<watching_factory>(rec);
  auto bad = memory_transport::make();
  auto good = memory_transport::make();
  bad->connect_through(f);
  good->connect_through(f);
  ts.run();
  bad->feed("boom");
  ts.run();
  good->feed("still served");
  ts.run();
  CHECK(bad->aborted());
  CHECK(good->written() == "still served");
  CHECK_FALSE(good->disconnecting());
  auto ended = rec->starting_with("ended:");
  REQUIRE(ended.size() == 1);
  CHECK_THAT(ended[0], Catch::Contains("threw: boom"));
  CHECK(rec->count("alive:1") == 1);
  caf::anon_send_exit(f, caf::exit_reason::user_shutdown);
  good->close();
}

TEST_CASE("a factory may refuse a connection", "[factory]") {
  test_system ts;
  auto rec = std::make_shared<recorder>();
  auto f = ts.spawn<watching_factory>(rec);
  auto t = memory_transport::make(address{"203.0.113.9", 5000});
  t->connect_through(f);
  ts.run();
  CHECK(t->aborted());
  CHECK_FALSE(t->protocol());
  caf::anon_send_exit(f, caf::exit_reason::user_shutdown);
}
