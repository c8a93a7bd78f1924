// SPDX-License-Identifier: MIT
// The evolution of finger, step 5: answers from a map of users. The map is filled from the command
// line before the reactor starts and only read afterwards, so every connection may share it.
//   build/bin/finger05_map --port tcp:8079 --user moshez="Happy and well"
#include <ply/ply.hpp>

std::map<std::string, std::string, std::less<>> users{{"moshez", "Happy and well"}};

class finger : public ply::line_receiver {
  void line_received(std::string_view user) override {
    auto i = users.find(user);
    send_line(i != users.end() ? i->second : "No such user");
    transport().lose_connection();
  }
};

int main(int argc, char** argv) {
  ply::command_line cli{"finger05_map", "Answers finger queries from a map of users."};
  cli.add("--user", users, "A user's status, NAME=STATUS (repeatable)");
  return ply::serve(argc, argv, cli, "tcp:8079", ply::factory::for_protocol<finger>());
}
