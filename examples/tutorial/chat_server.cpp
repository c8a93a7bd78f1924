// SPDX-License-Identifier: MIT
// The seed's chat room: each connection asks for a name, then relays its lines through the room
// (the factory), which holds the users and writes to their connections.
//   build/bin/chat_server --port tcp:8000     then, in two terminals: nc localhost 8000
#include <ply/ply.hpp>

PLY_MESSAGE(login, std::string name);
PLY_MESSAGE(say, std::string text);

class chat : public ply::line_receiver {
  void connection_made() override { send_line("What's your name?"); }

  void line_received(std::string_view line) override {
    if (joined_)
      return send(factory(), say{std::string{line}});
    // The next lines wait until the room has answered.
    hold_input_until(ask<bool>(factory(), login{std::string{line}})).add_callback([this](bool ok) {
      if (!(joined_ = ok))
        send_line("Name taken, please choose another.");
    });
  }

  bool joined_ = false;
};

class room : public ply::factory_of<chat> {
  ply::handlers extra_behavior() override {
    return {
      [this](const login& l) {
        for (auto& [c, name] : names_)
          if (name == l.name)
            return false;
        caller().write_line("Welcome, " + l.name + "!");
        broadcast(l.name + " has joined the channel.");
        names_[caller()] = l.name;
        return true;
      },
      [this](const say& s) { broadcast("<" + names_[caller()] + "> " + s.text, caller()); },
    };
  }

  void protocol_ended(const ply::connection& who, const ply::error&) override {
    if (auto user = names_.extract(who); !user.empty())
      broadcast(user.mapped() + " has left the channel.");
  }

  void broadcast(const std::string& text, const ply::connection& except = {}) {
    for (auto& [c, name] : names_)
      if (c != except)
        c.write_line(text);
  }

  std::map<ply::connection, std::string> names_;  // the users who joined, by connection
};

int main(int argc, char** argv) {
  return ply::serve(argc, argv, "chat_server", "A chat room: pick a name, then say lines to all.",
                    "tcp:8000", ply::factory::of<room>());
}
