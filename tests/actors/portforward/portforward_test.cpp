// SPDX-License-Identifier: MIT
// The port forwarder loses nothing while its two connections are being joined: bytes the client
// sends at once, and a greeting the target sends at once, both arrive.
#include <catch2/catch.hpp>

#include "running_reactor.hpp"
#include "socket_client.hpp"
#include "portforward/portforward.hpp"
#include "ply/protocol.hpp"

using namespace ply;
using ply::test::running_reactor;
using ply::test::socket_client;

namespace {

/// A target that speaks first (as SMTP, FTP or daytime servers do), then echoes.
class greeter : public protocol {
public:
  void connection_made() override {
    transport().write("hello\n");
  }
  void data_received(bytes data) override {
    transport().write(data);
  }
};

/// A target that says one thing and closes (as daytime and finger servers do).
class teller : public protocol {
public:
  void connection_made() override {
    transport().write("it is late\n");
    transport().lose_connection();
  }
};

/// A running reactor with a target server behind a port forwarder.
struct forwarded {
  explicit forwarded(factory_maker target) {
    auto target_port = rr.listen(std::move(target));
    port = rr.listen(actors::portforward_factory("tcp:127.0.0.1:" + std::to_string(target_port)));
    rr.start();
  }

  running_reactor rr{2};
  uint16_t port = 0;  ///< the forwarder's
};

} // namespace

TEST_CASE("portforward: a greeting and a request sent at once both get through", "[portforward]") {
  forwarded fw{factory::for_protocol<greeter>()};
  // Many connections, each sending as soon as it is connected: before the forwarder's outgoing
  // connection is up, and while the greeting comes back before the two ends are joined.
  for (int i = 0; i < 50; ++i) {
    socket_client c{fw.port};
    auto request = "request " + std::to_string(i) + "\n";
    c.send(request);
    INFO("connection " << i);
    REQUIRE(c.read_exactly(6 + request.size()) == "hello\n" + request);
  }
}

TEST_CASE("portforward: a target that answers and closes at once still gets its answer through",
          "[portforward]") {
  forwarded fw{factory::for_protocol<teller>()};
  for (int i = 0; i < 50; ++i) {
    socket_client c{fw.port};
    INFO("connection " << i);
    auto [data, eof] = c.read_to_eof();
    REQUIRE(data == "it is late\n");
    REQUIRE(eof);
  }
}
