// SPDX-License-Identifier: MIT
// The finger tutorial's deferred step: get_user answers with a deferred (as a database would), to
// which the protocol adds an errback and a callback. Unknown users get "No such user".
//   build/bin/finger_deferred --port tcp:8079 --user alice="Happy and well"
//   then: printf 'alice\r\n' | nc localhost 8079
#include <ply/ply.hpp>

std::map<std::string, std::string, std::less<>> users{{"moshez", "Happy and well"}};

ply::deferred<std::string> get_user(std::string_view user) {
  auto i = users.find(user);
  return ply::succeed(i != users.end() ? i->second : std::string{"No such user"});
}

class finger : public ply::line_receiver {
  void line_received(std::string_view user) override {
    get_user(user)
      .add_errback([](ply::failure&) { return std::string{"Internal error in server"}; })
      .add_callback([this](const std::string& message) {
        send_line(message);
        transport().lose_connection();
      });
  }
};

int main(int argc, char** argv) {
  ply::command_line cli{"finger_deferred", "A finger server whose user lookup returns a deferred."};
  cli.add("--user", users, "A user's status, NAME=STATUS (repeatable)");
  return ply::serve(argc, argv, cli, "tcp:8079", ply::factory::for_protocol<finger>());
}
