// SPDX-License-Identifier: MIT
// UDP: a datagram protocol on a bound port hears each datagram with its sender and answers it;
// bad endpoints fail at once; the protocol hears the port close when the reactor stops.
#include "ply/datagram.hpp"

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ply/error.hpp"
#include "ply/reactor.hpp"
#include "recorder.hpp"
#include "running_reactor.hpp"

using namespace ply;
using namespace ply::test;
using namespace std::chrono_literals;

namespace {

/// Answers every datagram with "echo:" and the datagram, and records what it hears.
class udp_echo : public datagram_protocol {
public:
  explicit udp_echo(recorder_ptr rec) : rec_(std::move(rec)) {
  }
  void started_protocol() override {
    rec_->add("started");
  }
  void datagram_received(bytes data, const ply::address& from) override {
    rec_->add("from " + from.host + ": " + data);
    write_to("echo:" + data, from);
  }
  void stopped_protocol() override {
    rec_->add("stopped");
  }

private:
  recorder_ptr rec_;
};

/// A blocking UDP socket on loopback with a receive timeout.
struct udp_client {
  udp_client() {
    fd = ::socket(AF_INET, SOCK_DGRAM, 0);
    timeval tv{3, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  }
  ~udp_client() {
    ::close(fd);
  }
  void send_to(uint16_t port, const std::string& data) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::sendto(fd, data.data(), data.size(), 0, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  }
  std::string receive() {
    char buf[2048];
    auto n = ::recv(fd, buf, sizeof(buf), 0);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string{};
  }
  int fd;
};

} // namespace

TEST_CASE("udp: a datagram protocol answers each datagram to its sender", "[udp]") {
  auto rec = std::make_shared<recorder>();
  running_reactor rr;
  auto port = rr.r.listen_udp("udp:0:interface=127.0.0.1", datagram_protocol::of<udp_echo>(rec));
  REQUIRE(port);
  REQUIRE(*port != 0);
  rr.start();
  udp_client a;
  udp_client b;
  a.send_to(*port, "one");
  CHECK(a.receive() == "echo:one");
  b.send_to(*port, "two");
  CHECK(b.receive() == "echo:two");
  a.send_to(*port, std::string(1400, 'x'));
  CHECK(a.receive() == "echo:" + std::string(1400, 'x'));
  CHECK(rec->count("from 127.0.0.1: one") == 1);
  CHECK(rr.stop() == 0);
  rec->wait_for("stopped", 1, 2000ms);
  CHECK(rec->starting_with("st") == std::vector<std::string>{"started", "stopped"});
}

TEST_CASE("udp: stream endpoints and bad interfaces are refused at once", "[udp]") {
  running_reactor rr;
  auto rec = std::make_shared<recorder>();
  auto tcp = rr.r.listen_udp("tcp:0", datagram_protocol::of<udp_echo>(rec));
  REQUIRE_FALSE(tcp);
  CHECK(is(tcp.error(), errc::bad_endpoint));
  CHECK_THAT(describe(tcp.error()), Catch::Contains("listen_udp wants udp:PORT"));
  auto bad = rr.r.listen_udp("udp:0:interface=not-an-ip", datagram_protocol::of<udp_echo>(rec));
  REQUIRE_FALSE(bad);
  CHECK_THAT(describe(bad.error()), Catch::Contains("bad interface 'not-an-ip'"));
  auto stream = rr.r.listen("udp:0", factory::for_protocol<protocol>());
  REQUIRE_FALSE(stream);
  CHECK_THAT(describe(stream.error()), Catch::Contains("UDP is not a stream"));
  CHECK(rec->starting_with("").empty());
}
