// SPDX-License-Identifier: MIT
// Deferred callbacks: get_names() answers later; its result flows through sorted() and print(),
// and a failing request (the pod bay doors) flows to an errback.
//   build/bin/deferred_callbacks [--scale 0.1]
#include <algorithm>
#include <iostream>

#include <ply/deferred.hpp>
#include <ply/ply.hpp>

namespace {

using names = std::vector<std::string>;

ply::deferred<names> get_names(ply::clock& clk, ply::duration delay) {
  return ply::defer_later(clk, delay, [] { return names{"Poole", "Dave", "HAL", "Frank"}; });
}

names sorted(names xs) {
  std::sort(xs.begin(), xs.end());
  return xs;
}

void print(const names& xs) {
  for (auto& x : xs)
    std::cout << x << std::endl;
}

ply::deferred<std::string> open_pod_bay_doors(ply::clock& clk, ply::duration delay,
                                              const std::string& who) {
  return ply::defer_later(clk, delay, [who]() -> std::string {
    throw std::runtime_error("I'm sorry, " + who + ". I'm afraid I can't do that.");
  });
}

} // namespace

int main(int argc, char** argv) {
  double scale = 0.1;
  ply::command_line cli{"deferred_callbacks", "A deferred's callbacks and errbacks, step by step."};
  cli.add("--scale", scale, "Seconds per time unit");
  return ply::run(argc, argv, cli, [&](ply::reactor& r) {
    auto unit = ply::seconds_to_duration(scale);
    std::cout << "asking for the crew's names" << std::endl;
    get_names(r, unit)
      .add_callback(sorted, "sorted")
      .add_callback(print, "print")
      .add_callback([&r, unit] {
        std::cout << "Open the pod bay doors, HAL." << std::endl;
        return open_pod_bay_doors(r, unit, "Dave");
      })
      .add_callbacks([](const std::string& reply) { std::cout << reply << std::endl; },
                     [](const ply::failure& f) { std::cout << "HAL: " << f.message() << std::endl; })
      .add_both([&r](ply::outcome<void>) { r.stop(); });
  });
}
