// SPDX-License-Identifier: MIT
// Typed errbacks: the first handles only timeouts, the next anything else and prints the failure's
// traceback (the chain steps it passed through).
//   build/bin/deferred_errbacks [--scale 0.1]
#include <iostream>

#include <ply/deferred.hpp>
#include <ply/ply.hpp>

namespace {

struct bad_request : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// An operation that succeeds, fails, or never answers (then its timeout fires).
ply::deferred<std::string> operation(ply::clock& clk, ply::duration unit, const std::string& kind) {
  if (kind == "hang") {
    ply::deferred<std::string> never;
    never.set_canceller([] { std::cout << "  (the hanging operation was cancelled)" << std::endl; });
    return never;
  }
  return ply::defer_later(clk, unit, [kind]() -> std::string {
    if (kind == "fail")
      throw bad_request{"the server rejected the request"};
    return "the answer is 42";
  });
}

ply::deferred<std::string> handled(ply::reactor& r, ply::duration unit, const std::string& kind) {
  std::cout << kind << ":" << std::endl;
  return operation(r, unit, kind)
    .add_timeout(r, unit * 3)
    .add_callback([](std::string s) { return "got " + s; }, "format")
    .add_errback(
      [](ply::failure& f) {
        f.trap<ply::timeout_error>();
        return std::string{"gave up waiting: " + f.message()};
      },
      "only_timeouts")
    .add_errback(
      [](ply::failure& f) {
        std::cout << "  traceback: " << f.traceback() << std::endl;
        return std::string{"failed: " + f.message()};
      },
      "anything_else")
    .add_callback([](std::string s) {
      std::cout << "  " << s << std::endl;
      return s;
    });
}

} // namespace

int main(int argc, char** argv) {
  double scale = 0.1;
  ply::command_line cli{"deferred_errbacks", "Errbacks that handle some failures and pass on others."};
  cli.add("--scale", scale, "Seconds per time unit");
  return ply::run(argc, argv, cli, [&](ply::reactor& r) {
    auto unit = ply::seconds_to_duration(scale);
    handled(r, unit, "ok")
      .add_callback([&r, unit](std::string) { return handled(r, unit, "fail"); })
      .add_callback([&r, unit](std::string) { return handled(r, unit, "hang"); })
      .add_both([&r](ply::outcome<std::string>) { r.stop(); });
  });
}
