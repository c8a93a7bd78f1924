// SPDX-License-Identifier: MIT
// The evolution of finger, step 3: reads the user name, then drops the connection.
//   build/bin/finger03_read --port tcp:8079
#include <ply/ply.hpp>

namespace {

class finger : public ply::line_receiver {
  void line_received(std::string_view) override {
    transport().lose_connection();
  }
};

} // namespace

int main(int argc, char** argv) {
  std::string port = "tcp:8079";
  ply::command_line cli{"finger03_read", "Reads a finger query, then drops the connection."};
  cli.add("--port", port, "Endpoint to listen on");
  return ply::run(argc, argv, cli, [&](ply::reactor& r) {
    r.listen(port, ply::factory::for_protocol<finger>());
  });
}
