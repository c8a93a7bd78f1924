// SPDX-License-Identifier: MIT
// The evolution of finger, step 9: services. A stream_server for finger and a timer_service that
// re-reads the users file (NAME: STATUS lines) every 30 seconds, started and stopped together.
//   build/bin/finger09_reload --port tcp:8079 --users /etc/ply-finger-users
#include <ply/ply.hpp>

#include "finger/finger.hpp"

int main(int argc, char** argv) {
  std::string port = "tcp:8079";
  std::string users;
  int reload = 30;
  ply::command_line cli{"finger09_reload", "A finger server answering from a users file."};
  cli.add("--port", port, "Endpoint to listen on");
  cli.add("--users", users, "File of 'NAME: STATUS' lines");
  cli.add("--reload", reload, "Seconds between re-reads of the file");
  return ply::run(argc, argv, cli, [&](ply::reactor& r) {
    if (users.empty())
      throw std::invalid_argument("--users FILE is required");
    // The factory re-reads the file on its own timer: the users stay inside its actor.
    auto app = std::make_shared<ply::multi_service>("finger");
    app->add(std::make_unique<ply::stream_server>(
      "finger", port, ply::actors::finger::finger_factory(users, std::chrono::seconds(reload))));
    app->start_service(r);
    r.add_stop_hook([app] { return app->stop_service(); });
  });
}
