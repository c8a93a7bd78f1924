// SPDX-License-Identifier: MIT
// The tutorial's first program: an echo server (docs/tutorial.md, step 1).
//   build/bin/tutorial_echo --port tcp:8000     then: echo hello | nc -N localhost 8000
#include <ply/ply.hpp>

class echo : public ply::protocol {
  void data_received(ply::bytes data) override { transport().write(data); }
};

int main(int argc, char** argv) {
  return ply::serve(argc, argv, "echo", "Echoes what it gets.", "tcp:8000",
                    ply::factory::for_protocol<echo>());
}
