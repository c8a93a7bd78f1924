// SPDX-License-Identifier: MIT
// The lecture's looping call: "hello world" every interval, for ever (as the original) or, with
// --count, until it has said it that often and stops the loop and the reactor.
//   build/bin/set_interval --interval 1.0
#include <iostream>
#include <memory>

#include <ply/ply.hpp>

int main(int argc, char** argv) {
  double interval = 1.0;
  size_t count = 0;
  ply::command_line cli{"set_interval", "Says hello world with a looping call, every --interval."};
  cli.add("--interval", interval, "Seconds between calls");
  cli.add("--count", count, "Calls before the loop and the reactor stop (0: never)");
  std::unique_ptr<ply::looping_call> loop;
  return ply::run(argc, argv, cli, [&](ply::reactor& r) {
    loop = std::make_unique<ply::looping_call>(r, [&] {
      std::cout << "hello world" << std::endl;
      if (loop->calls() == count) {
        loop->stop();
        r.stop();
      }
    });
    r.call_when_running([&] { loop->start(ply::seconds_to_duration(interval)); });
  });
}
