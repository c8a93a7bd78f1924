// SPDX-License-Identifier: MIT
// The echo client: connects, sends "Hello, world!", prints the reply and stops the reactor.
// Prints "Connection failed." and exits 1 when nothing listens.
//   build/bin/echo_client --port tcp:host=127.0.0.1:port=8000
#include <iostream>

#include <ply/ply.hpp>

class echo_client : public ply::protocol {
  void connection_made() override {
    transport().write("Hello, world!");
  }

  void data_received(ply::bytes data) override {
    std::cout << "Server said: " << data << std::endl;
    transport().lose_connection();
  }
};

class echo_client_factory : public ply::client_factory {
  caf::actor build_protocol(const ply::address&) override {
    return spawn_protocol<echo_client>();
  }

  void client_connection_failed(const caf::error& reason) override {
    std::cout << "Connection failed." << std::endl;
    spdlog::info("{}", ply::describe(reason));
    reactor().stop(1);
  }

  void client_connection_lost(const caf::error&) override {
    std::cout << "Connection lost." << std::endl;
    reactor().stop(0);
  }
};

int main(int argc, char** argv) {
  std::string port = "tcp:host=127.0.0.1:port=8000";
  ply::command_line cli{"echo_client", "Sends \"Hello, world!\" to an echo server and prints the reply."};
  cli.add("--port", port, "Endpoint of the echo server");
  return ply::run(argc, argv, cli, [&](ply::reactor& r) {
    r.connect(port, ply::factory::of<echo_client_factory>());
  });
}
