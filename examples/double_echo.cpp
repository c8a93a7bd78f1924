// SPDX-License-Identifier: MIT
// Two servers in one reactor thread: both echo, one prefixing every chunk it received with
// "Hello, ", the other with "Bonjour, ".
//   build/bin/double_echo --port tcp:8000 --port2 tcp:8001
#include <ply/ply.hpp>

class greeting_echo : public ply::protocol {
public:
  explicit greeting_echo(std::string greeting) : greeting_(std::move(greeting)) {
  }

  void data_received(ply::bytes data) override {
    transport().write(greeting_ + ", " + data);
  }

private:
  std::string greeting_;
};

int main(int argc, char** argv) {
  std::string port = "tcp:8000";
  std::string port2 = "tcp:8001";
  ply::command_line cli{"double_echo", "Two echo servers on two ports: one says Hello, one Bonjour, to every chunk."};
  cli.add("--port", port, "Endpoint of the Hello server");
  cli.add("--port2", port2, "Endpoint of the Bonjour server");
  return ply::run(argc, argv, cli, [&](ply::reactor& r) {
    r.listen(port, ply::factory::for_protocol<greeting_echo>(std::string{"Hello"}));
    r.listen(port2, ply::factory::for_protocol<greeting_echo>(std::string{"Bonjour"}));
  });
}
