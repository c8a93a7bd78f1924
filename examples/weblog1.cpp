// SPDX-License-Identifier: MIT
// The weblog article's first server: it follows a web server's access log (Common Log Format, as
// `plyd web --access-log FILE` writes it); a client gets <hits>, then, each time it sends
// anything, the hits logged since it last asked, or <none/>.
//   build/bin/weblog1 --log access.log --port tcp:8090      then: nc localhost 8090, press Enter
#include <ply/ply.hpp>

#include "weblog/weblog.hpp"

int main(int argc, char** argv) {
  ply::actors::weblog::options opts;
  opts.push = 0;  // the client asks
  std::string port = "tcp:8090";
  ply::command_line cli{"weblog1", "Sends the new hits of an access log to a client that asks."};
  cli.add("--port", port, "Endpoint to listen on");
  cli.add("--log", opts.log, "The access log to follow");
  return ply::run(argc, argv, cli, [&](ply::reactor& r) {
    if (opts.log.empty())
      throw std::invalid_argument("--log FILE is required");
    r.listen(port, ply::actors::weblog::hub(opts));
  });
}
