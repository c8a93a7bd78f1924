// SPDX-License-Identifier: MIT
// The evolution of finger, step 4: answers every query with "No such user".
//   build/bin/finger04_answer --port tcp:8079     then: printf 'moshez\r\n' | nc -q1 localhost 8079
#include <ply/ply.hpp>

namespace {

class finger : public ply::line_receiver {
  void line_received(std::string_view) override {
    send_line("No such user");
    transport().lose_connection();
  }
};

} // namespace

int main(int argc, char** argv) {
  std::string port = "tcp:8079";
  ply::command_line cli{"finger04_answer", "Answers every finger query with 'No such user'."};
  cli.add("--port", port, "Endpoint to listen on");
  return ply::run(argc, argv, cli, [&](ply::reactor& r) {
    r.listen(port, ply::factory::for_protocol<finger>());
  });
}
