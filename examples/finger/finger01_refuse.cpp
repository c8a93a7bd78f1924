// SPDX-License-Identifier: MIT
// The evolution of finger, step 1: a reactor that runs and listens to nothing, so every
// connection to the finger port is refused.
//   build/bin/finger01_refuse      (then: finger user@127.0.0.1 says "Connection refused")
#include <ply/ply.hpp>

int main(int argc, char** argv) {
  ply::command_line cli{"finger01_refuse", "Runs a reactor that listens to nothing."};
  return ply::run(argc, argv, cli, [](ply::reactor&) {});
}
