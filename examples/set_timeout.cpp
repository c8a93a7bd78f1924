// SPDX-License-Identifier: MIT
// The lecture's call_later: the current time printed after 1, 2, 3 and 4 time units (one more call
// is scheduled and cancelled), then the reactor stops itself after 5.
//   build/bin/set_timeout --scale 1.0
#include <ctime>
#include <iostream>

#include <ply/ply.hpp>

namespace {

void print_time() {
  char text[16];
  auto now = std::time(nullptr);
  std::tm local{};
  ::localtime_r(&now, &local);
  std::strftime(text, sizeof(text), "%H:%M:%S", &local);
  std::cout << "Current time is " << text << std::endl;
}

} // namespace

int main(int argc, char** argv) {
  double scale = 0.1;
  ply::command_line cli{"set_timeout", "Prints the time four times with call_later, then stops."};
  cli.add("--scale", scale, "Seconds per time unit (1.0: the calls come after 1, 2, 3 and 4 s)");
  auto rc = ply::run(argc, argv, cli, [&](ply::reactor& r) {
    auto unit = ply::seconds_to_duration(scale);
    for (int i = 1; i <= 4; ++i)
      r.call_later(unit * i, print_time);
    auto never = r.call_later(unit * 2, [] { std::cout << "this call was cancelled" << std::endl; });
    never.cancel();
    r.call_later(unit * 5, [&r] {
      std::cout << "Stopping reactor" << std::endl;
      r.stop();
    });
    std::cout << "Running the reactor..." << std::endl;
  });
  if (rc == 0)
    std::cout << "Reactor stopped." << std::endl;
  return rc;
}
