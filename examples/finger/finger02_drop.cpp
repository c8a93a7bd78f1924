// SPDX-License-Identifier: MIT
// The evolution of finger, step 2: accepts connections and drops them at once.
//   build/bin/finger02_drop --port tcp:8079
#include <ply/ply.hpp>

namespace {

class finger : public ply::protocol {
  void connection_made() override {
    transport().lose_connection();
  }
};

} // namespace

int main(int argc, char** argv) {
  std::string port = "tcp:8079";
  ply::command_line cli{"finger02_drop", "Accepts finger connections and drops them."};
  cli.add("--port", port, "Endpoint to listen on");
  return ply::run(argc, argv, cli, [&](ply::reactor& r) {
    r.listen(port, ply::factory::for_protocol<finger>());
  });
}
