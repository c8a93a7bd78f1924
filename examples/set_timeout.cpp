// call_later: four delayed prints (one more is scheduled and cancelled), then the reactor stops.
//   build/bin/set_timeout --scale 1.0
#include <iostream>

#include <ply/ply.hpp>

int main(int argc, char** argv) {
  double scale = 0.1;
  ply::command_line cli{"set_timeout", "Four delayed calls with call_later, then stop."};
  cli.add("--scale", scale, "Seconds per time unit (1.0: the calls come after 1, 2, 3 and 4 s)");
  return ply::run(argc, argv, cli, [&](ply::reactor& r) {
    auto unit = ply::seconds_to_duration(scale);
    for (int i = 1; i <= 4; ++i)
      r.call_later(unit * i, [i] { std::cout << "call_later #" << i << " fired" << std::endl; });
    auto never = r.call_later(unit * 2, [] { std::cout << "this call was cancelled" << std::endl; });
    never.cancel();
    r.call_later(unit * 5, [&r] {
      std::cout << "stopping" << std::endl;
      r.stop();
    });
  });
}
