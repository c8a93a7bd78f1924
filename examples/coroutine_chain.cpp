// SPDX-License-Identifier: MIT
// The deferred_callbacks example written with co_await (Twisted's inlineCallbacks): the same
// names, sorted and printed, and the same refusal caught with try/catch.
//   build/bin/coroutine_chain [--scale 0.1]
#include <algorithm>
#include <iostream>

#include <ply/deferred.hpp>
#include <ply/ply.hpp>

namespace {

using names = std::vector<std::string>;

ply::deferred<names> get_names(ply::clock& clk, ply::duration delay) {
  return ply::defer_later(clk, delay, [] { return names{"Poole", "Dave", "HAL", "Frank"}; });
}

ply::deferred<std::string> open_pod_bay_doors(ply::clock& clk, ply::duration delay,
                                              const std::string& who) {
  return ply::defer_later(clk, delay, [who]() -> std::string {
    throw std::runtime_error("I'm sorry, " + who + ". I'm afraid I can't do that.");
  });
}

ply::deferred<void> crew(ply::reactor& r, ply::duration unit) {
  std::cout << "asking for the crew's names" << std::endl;
  auto xs = co_await get_names(r, unit);
  std::sort(xs.begin(), xs.end());
  for (auto& x : xs)
    std::cout << x << std::endl;
  std::cout << "Open the pod bay doors, HAL." << std::endl;
  try {
    std::cout << co_await open_pod_bay_doors(r, unit, "Dave") << std::endl;
  } catch (const std::exception& e) {
    std::cout << "HAL: " << e.what() << std::endl;
  }
}

} // namespace

int main(int argc, char** argv) {
  double scale = 0.1;
  ply::command_line cli{"coroutine_chain", "The deferred_callbacks example with co_await."};
  cli.add("--scale", scale, "Seconds per time unit");
  return ply::run(argc, argv, cli, [&](ply::reactor& r) {
    auto unit = ply::seconds_to_duration(scale);
    crew(r, unit).add_both([&r](ply::outcome<void>) { r.stop(); });
  });
}
