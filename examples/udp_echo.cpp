// SPDX-License-Identifier: MIT
// UDP echo (Twisted's "Echo" DatagramProtocol): every datagram goes back to its sender.
//   build/bin/udp_echo --port udp:8007     then: echo hello | nc -u -w1 127.0.0.1 8007
#include <ply/datagram.hpp>
#include <ply/ply.hpp>

namespace {

class echo : public ply::datagram_protocol {
  void datagram_received(ply::bytes data, const ply::address& from) override {
    write_to(data, from);
  }
};

} // namespace

int main(int argc, char** argv) {
  std::string port = "udp:8007";
  ply::command_line cli{"udp_echo", "Sends every UDP datagram back to its sender."};
  cli.add("--port", port, "UDP endpoint to bind (udp:PORT[:interface=ADDR])");
  return ply::run(argc, argv, cli, [&](ply::reactor& r) {
    r.listen_udp(port, ply::datagram_protocol::of<echo>());
  });
}
