// SPDX-License-Identifier: MIT
// The evolution of finger, step 11: an IRC bot. It joins a channel on an IRC server (plyd chat
// --irc is one) and answers "!finger USER" there from the users file, next to the finger port.
//   build/bin/finger11_irc --irc tcp:127.0.0.1:6667 --channel '#lobby' --users FILE
#include <ply/ply.hpp>

#include "chat/irc.hpp"
#include "finger/finger.hpp"

namespace {

using query_atom = caf::atom_constant<caf::atom("fg_query")>;

class finger_bot : public ply::line_receiver {
public:
  finger_bot(caf::actor finger, std::string nick, std::string channel)
    : finger_(std::move(finger)), nick_(std::move(nick)), channel_(std::move(channel)) {
  }

  void connection_made() override {
    send_line("NICK " + nick_);
    send_line("USER " + nick_ + " 0 * :ply finger bot");
  }

  void line_received(std::string_view line) override {
    auto msg = ply::actors::chat::parse_irc(line);
    if (!msg)
      return;
    if (msg->command == "PING") {
      send_line("PONG :" + (msg->params.empty() ? std::string{} : msg->params.back()));
    } else if (msg->command == "001") {
      send_line("JOIN " + channel_);
    } else if (msg->command == "PRIVMSG" && msg->params.size() == 2
               && msg->params[1].rfind("!finger ", 0) == 0) {
      auto user = msg->params[1].substr(8);
      auto to = msg->params[0] == nick_ ? msg->prefix.substr(0, msg->prefix.find('!'))
                                        : msg->params[0];
      ply::request<std::string>(this, finger_, std::chrono::seconds(5), query_atom::value, user)
        .add_callback([this, to](std::string answer) {
          // One IRC line: the finger answer's lines joined.
          std::string flat;
          for (char c : answer)
            if (c == '\n')
              flat += " | ";
            else if (c != '\r')
              flat += c;
          while (flat.size() >= 3 && flat.compare(flat.size() - 3, 3, " | ") == 0)
            flat.resize(flat.size() - 3);
          send_line("PRIVMSG " + to + " :" + flat);
        });
    }
  }

private:
  caf::actor finger_;
  std::string nick_;
  std::string channel_;
};

} // namespace

int main(int argc, char** argv) {
  std::string port = "tcp:8079";
  std::string irc = "tcp:127.0.0.1:6667";
  std::string nick = "fingerbot";
  std::string channel = "#lobby";
  std::string users;
  ply::command_line cli{"finger11_irc", "A finger server with an IRC bot answering !finger."};
  cli.add("--port", port, "Endpoint for finger");
  cli.add("--irc", irc, "The IRC server to connect to (client endpoint)");
  cli.add("--nick", nick, "The bot's nickname");
  cli.add("--channel", channel, "The channel to join");
  cli.add("--users", users, "File of 'NAME: STATUS' lines");
  return ply::run(argc, argv, cli, [&](ply::reactor& r) {
    if (users.empty())
      throw std::invalid_argument("--users FILE is required");
    auto finger = ply::actors::finger::finger_factory(users, std::chrono::seconds(30))(r.system());
    r.listen(port, finger);
    r.connect(irc, ply::client_factory::for_protocol<finger_bot>(finger, nick, channel));
  });
}
