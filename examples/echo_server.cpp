// SPDX-License-Identifier: MIT
// The echo server: every byte a client sends comes back to it.
//   build/bin/echo_server --port tcp:8000     then: nc localhost 8000
#include <ply/ply.hpp>

class echo : public ply::protocol {
  void data_received(ply::bytes data) override {
    transport().write(std::move(data));  // hands the buffer over: sent without a copy
  }
};

int main(int argc, char** argv) {
  std::string port = "tcp:8000";
  ply::command_line cli{"echo_server", "Echoes every byte back to the client that sent it."};
  cli.add("--port", port, "Endpoint to listen on");
  return ply::run(argc, argv, cli, [&](ply::reactor& r) {
    r.listen(port, ply::factory::for_protocol<echo>());
  });
}
