// SPDX-License-Identifier: MIT
// The evolution of finger, step 10: the same users on the web. A web site next to the finger
// port: /USER shows that user's status (an unknown user is a 404), /users lists everyone; both ask
// the finger factory (an actor).
//   build/bin/finger10_web --port tcp:8079 --web tcp:8080 --users FILE;  curl localhost:8080/moshez
#include <ply/ply.hpp>

#include "finger/finger.hpp"
#include "web/web.hpp"

namespace {

using query_atom = caf::atom_constant<caf::atom("fg_query")>;
using namespace ply::actors::web;

/// /USER: the user's status, as finger answers it for that user.
class user_status : public resource {
public:
  user_status(caf::actor finger, std::string user)
    : finger_(std::move(finger)), user_(std::move(user)) {
  }

  ply::deferred<http_response> render_get(http_request&, render_context& ctx) override {
    auto user = user_;
    return ply::request<std::string>(ctx.self, finger_, std::chrono::seconds(10),
                                     query_atom::value, user)
      .add_callback([user](const std::string& answer) {
        // Finger answers "Login: USER\r\nSTATUS\r\n" for a user it knows.
        auto prefix = "Login: " + user + "\r\n";
        if (answer.rfind(prefix, 0) != 0)
          return http_response{404, "text/plain; charset=utf-8", "No such user " + user + "\n"};
        auto status = answer.substr(prefix.size());
        while (!status.empty() && (status.back() == '\n' || status.back() == '\r'))
          status.pop_back();
        return http_response{200, "text/html; charset=utf-8",
                             "<!doctype html><h1>" + html_escape(user) + "</h1><p>"
                               + html_escape(status) + "</p>\n"};
      });
  }

private:
  caf::actor finger_;
  std::string user_;
};

/// The site's root (Twisted's UserStatusTree): a page of links, and a child per user.
class user_tree : public static_text {
public:
  explicit user_tree(caf::actor finger)
    : static_text("text/html; charset=utf-8",
                  "<!doctype html><p><a href=\"/users\">users</a>; /NAME shows one</p>\n"),
      finger_(std::move(finger)) {
  }

  resource_ptr get_child(std::string_view name, const http_request&) override {
    return std::make_shared<user_status>(finger_, std::string{name});
  }

private:
  caf::actor finger_;
};

} // namespace

int main(int argc, char** argv) {
  std::string port = "tcp:8079";
  std::string web = "tcp:8080";
  std::string users;
  ply::command_line cli{"finger10_web", "A finger server with a web page per user."};
  cli.add("--port", port, "Endpoint for finger");
  cli.add("--web", web, "Endpoint for the web pages");
  cli.add("--users", users, "File of 'NAME: STATUS' lines");
  return ply::run(argc, argv, cli, [&](ply::reactor& r) {
    if (users.empty())
      throw std::invalid_argument("--users FILE is required");
    auto finger = ply::actors::finger::finger_factory(users, std::chrono::seconds(30))(r.system());
    r.listen(port, finger);
    auto root = std::make_shared<user_tree>(finger);
    // An empty finger query lists every user: /users shows that list.
    root->put_child("users", std::make_shared<actor_resource>(
                               finger, caf::make_message(query_atom::value, std::string{}),
                               "text/plain; charset=utf-8"));
    r.listen(web, site_factory(root));
  });
}
