// looping_call: a tick every interval that stops itself after a count, then the reactor stops.
//   build/bin/set_interval --interval 0.5 --count 5
#include <iostream>
#include <memory>

#include <ply/ply.hpp>

int main(int argc, char** argv) {
  double interval = 0.1;
  size_t count = 5;
  ply::command_line cli{"set_interval", "A looping call that stops itself after --count ticks."};
  cli.add("--interval", interval, "Seconds between ticks");
  cli.add("--count", count, "Ticks before the loop stops itself");
  std::unique_ptr<ply::looping_call> loop;
  return ply::run(argc, argv, cli, [&](ply::reactor& r) {
    loop = std::make_unique<ply::looping_call>(r, [&] {
      std::cout << "tick " << loop->calls() << std::endl;
      if (loop->calls() == count) {
        loop->stop();
        std::cout << "loop stopped after " << count << " ticks" << std::endl;
        r.stop();
      }
    });
    r.call_when_running([&] {
      loop->start(ply::seconds_to_duration(interval));
    });
  });
}
