// SPDX-License-Identifier: MIT
// The weblog article's second server: the factory reads the access log every second and keeps the
// newest 100 hits; each client gets <hits>, then what is new, pushed every 5 seconds.
//   build/bin/weblog2 --log access.log --port tcp:8090      then: nc localhost 8090
#include <ply/ply.hpp>

#include "weblog/weblog.hpp"

int main(int argc, char** argv) {
  ply::actors::weblog::options opts;  // reads every second, pushes every 5 s, keeps 100
  std::string port = "tcp:8090";
  ply::command_line cli{"weblog2", "Pushes the new hits of an access log to every client."};
  cli.add("--port", port, "Endpoint to listen on");
  cli.add("--log", opts.log, "The access log to follow");
  cli.add("--push", opts.push, "Seconds between pushes");
  return ply::run(argc, argv, cli, [&](ply::reactor& r) {
    if (opts.log.empty())
      throw std::invalid_argument("--log FILE is required");
    r.listen(port, ply::actors::weblog::hub(opts));
  });
}
