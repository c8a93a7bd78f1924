// SPDX-License-Identifier: MIT
// A delay that does not block: "Hello" comes first, then the delayed lines in time order, while
// the reactor stays free (a tick shows it). Time is scaled: --scale 0.01 makes 10 s 100 ms.
//   build/bin/nonblocking_delay [--scale 0.01]
#include <iostream>

#include <ply/deferred.hpp>
#include <ply/ply.hpp>

namespace {

ply::deferred<void> sleep(ply::clock& clk, ply::duration d) {
  return ply::defer_later(clk, d, [] {});
}

ply::deferred<void> story(ply::reactor& r, ply::duration second) {
  co_await sleep(r, second * 10);
  std::cout << "10 seconds have passed" << std::endl;
  co_await sleep(r, second * 20);
  std::cout << "30 seconds have passed" << std::endl;
}

} // namespace

int main(int argc, char** argv) {
  double scale = 0.01;
  ply::command_line cli{"nonblocking_delay", "Delays that do not block the reactor."};
  cli.add("--scale", scale, "Real seconds per story second");
  return ply::run(argc, argv, cli, [&](ply::reactor& r) {
    auto second = ply::seconds_to_duration(scale);
    story(r, second).add_both([&r](ply::outcome<void>) {
      std::cout << "done" << std::endl;
      r.stop();
    });
    std::cout << "Hello" << std::endl;
    r.call_later(second * 5, [] { std::cout << "(the reactor is free meanwhile)" << std::endl; });
  });
}
