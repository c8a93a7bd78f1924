// The port forwarder loses nothing while its two connections are being joined: bytes the client
// sends at once, and a greeting the target sends at once, both arrive.
#include <catch2/catch.hpp>

#include "../framework/running_reactor.hpp"
#include "../framework/socket_client.hpp"
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

} // namespace

TEST_CASE("portforward: a greeting and a request sent at once both get through", "[portforward]") {
  running_reactor rr{2};
  auto target = rr.listen(factory::for_protocol<greeter>());
  auto port = rr.listen(actors::portforward_factory("tcp:127.0.0.1:" + std::to_string(target)));
  rr.start();
  // Many connections, each sending as soon as it is connected: before the forwarder's outgoing
  // connection is up, and while the greeting comes back before the two ends are joined.
  for (int i = 0; i < 50; ++i) {
    socket_client c{port};
    auto request = "request " + std::to_string(i) + "\n";
    c.send(request);
    INFO("connection " << i);
    REQUIRE(c.read_exactly(6 + request.size()) == "hello\n" + request);
  }
}

TEST_CASE("portforward: a target that answers and closes at once still gets its answer through",
          "[portforward]") {
  running_reactor rr{2};
  auto target = rr.listen(factory::for_protocol<teller>());
  auto port = rr.listen(actors::portforward_factory("tcp:127.0.0.1:" + std::to_string(target)));
  rr.start();
  for (int i = 0; i < 50; ++i) {
    socket_client c{port};
    INFO("connection " << i);
    auto [data, eof] = c.read_to_eof();
    REQUIRE(data == "it is late\n");
    REQUIRE(eof);
  }
}
