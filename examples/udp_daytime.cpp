// SPDX-License-Identifier: MIT
// UDP daytime (RFC 867): any datagram is answered with the date and time.
//   build/bin/udp_daytime --port udp:8013     then: echo | nc -u -w1 127.0.0.1 8013
#include <ctime>

#include <ply/datagram.hpp>
#include <ply/ply.hpp>

namespace {

class daytime : public ply::datagram_protocol {
  void datagram_received(ply::bytes, const ply::address& from) override {
    char buf[64];
    auto now = std::time(nullptr);
    std::tm tm{};
    ::gmtime_r(&now, &tm);
    auto n = std::strftime(buf, sizeof(buf), "%A, %B %d, %Y %H:%M:%S-UTC\r\n", &tm);
    write_to(ply::bytes_view{buf, n}, from);
  }
};

} // namespace

int main(int argc, char** argv) {
  std::string port = "udp:8013";
  ply::command_line cli{"udp_daytime", "Answers any UDP datagram with the date and time."};
  cli.add("--port", port, "UDP endpoint to bind (udp:PORT[:interface=ADDR])");
  return ply::run(argc, argv, cli, [&](ply::reactor& r) {
    r.listen_udp(port, ply::datagram_protocol::of<daytime>());
  });
}
