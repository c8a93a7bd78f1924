// The evolution of finger, step 10: the same users on the web. A web site whose /users page asks
// the finger factory (an actor) for the list, next to the finger port.
//   build/bin/finger10_web --port tcp:8079 --web tcp:8080 --users FILE;  curl localhost:8080/users
#include <ply/ply.hpp>

#include "finger/finger.hpp"
#include "web/web.hpp"

namespace {

using query_atom = caf::atom_constant<caf::atom("fg_query")>;

} // namespace

int main(int argc, char** argv) {
  std::string port = "tcp:8079";
  std::string web = "tcp:8080";
  std::string users;
  ply::command_line cli{"finger10_web", "A finger server with a web page of its users."};
  cli.add("--port", port, "Endpoint for finger");
  cli.add("--web", web, "Endpoint for the web page");
  cli.add("--users", users, "File of 'NAME: STATUS' lines");
  return ply::run(argc, argv, cli, [&](ply::reactor& r) {
    if (users.empty())
      throw std::invalid_argument("--users FILE is required");
    auto finger = ply::actors::finger::finger_factory(users, std::chrono::seconds(30))(r.system());
    r.listen(port, finger);
    using namespace ply::actors::web;
    auto root = std::make_shared<static_text>(
      "text/html; charset=utf-8", "<!doctype html><p><a href=\"/users\">users</a></p>\n");
    // An empty finger query lists every user: the page shows that list.
    root->put_child("users", std::make_shared<actor_resource>(
                               finger, caf::make_message(query_atom::value, std::string{}),
                               "text/plain; charset=utf-8"));
    r.listen(web, site_factory(root));
  });
}
