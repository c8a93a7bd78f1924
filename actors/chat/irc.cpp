// SPDX-License-Identifier: MIT
// The chat's IRC face: a subset of IRC (NICK, USER, JOIN, PART, PRIVMSG, NOTICE, NAMES, WHO, MODE,
// PING, PONG, QUIT, numeric replies) over the same hub as the line protocol. The hub speaks in
// text lines ("<alice> hi"); this connection turns them into IRC messages and back.
#include "chat/irc.hpp"

#include <algorithm>
#include <deque>

#include <spdlog/spdlog.h>

#include <ply/line_receiver.hpp>

#include "chat/messages.hpp"
#include "text.hpp"

namespace ply::actors::chat {

namespace {

constexpr std::string_view server = "ply";

bool starts_with(std::string_view s, std::string_view p) {
  return s.substr(0, p.size()) == p;
}

bool ends_with(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && s.substr(s.size() - p.size()) == p;
}

class irc_connection : public line_receiver {
public:
  explicit irc_connection(options opts) : opts_(std::move(opts)) {
  }

  const char* name() const override {
    return "ply.chat.irc";
  }

  void connection_made() override {
    set_max_length(std::max<size_t>(512, opts_.max_line));
    transport().set_output_limit(opts_.max_buffer);  // a client that does not read is cut off
  }

  void line_received(std::string_view line) override {
    if (closing_)
      return;
    // CTCP's \x01 is part of IRC; other control characters are not.
    if (has_control_chars(line, "\t\x01")) {
      fatal("Line refused: it contains control characters");
      return;
    }
    if (auto msg = parse_irc(line))
      handle(*msg);
  }

  void line_length_exceeded(std::string_view) override {
    fatal("Line too long");
  }

  void connection_lost(const caf::error& reason) override {
    if (is(reason, errc::output_limit))
      spdlog::warn("[{}] IRC user '{}' is not reading: cut off", log_prefix(), nick_);
  }

  caf::message_handler extra_behavior() override {
    return {
      [this](line_atom, const std::string& text) {
        if (closing_)
          return;
        std::string_view rest = text;
        while (!rest.empty()) {
          auto end = rest.find("\r\n");
          hub_line(rest.substr(0, end));
          rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 2);
        }
      },
      [this](close_atom, const std::string& why) {
        if (!closing_)
          fatal(why);
      },
    };
  }

private:
  // -- writing --

  void raw(const std::string& line) {
    transport().write(line + "\r\n");
  }

  /// A numeric reply to this user.
  void numeric(std::string_view code, const std::string& rest) {
    raw(":" + std::string{server} + " " + std::string{code} + " "
        + (nick_.empty() ? std::string{"*"} : nick_) + " " + rest);
  }

  std::string who_prefix(const std::string& nick) const {
    return ":" + nick + "!" + nick + "@" + std::string{server};
  }

  void fatal(const std::string& why) {
    spdlog::info("[{}] {}", log_prefix(), why);
    raw("ERROR :" + why);
    closing_ = true;
    transport().lose_connection();
  }

  // -- from the client --

  void handle(const irc_message& m) {
    auto& p = m.params;
    auto& c = m.command;
    if (c == "PING") {
      raw(":" + std::string{server} + " PONG " + std::string{server} + " :"
          + (p.empty() ? std::string{} : p.back()));
    } else if (c == "PONG" || (c == "CAP" && !p.empty() && p[0] != "LS")) {
      // Nothing to do.
    } else if (c == "CAP") {
      raw(":" + std::string{server} + " CAP * LS :");
    } else if (c == "QUIT") {
      raw("ERROR :Closing link (" + (p.empty() ? std::string{"Quit"} : p.back()) + ")");
      closing_ = true;
      transport().lose_connection();
    } else if (c == "NICK") {
      if (p.empty())
        return numeric("431", ":No nickname given");
      if (registered_)
        return numeric("432", p[0] + " :Nickname changes are not supported here");
      if (auto why = check_nick(p[0], opts_.max_name); !why.empty())
        return numeric("432", p[0] + " :Erroneous nickname: " + why);
      wanted_ = p[0];
      try_register();
    } else if (c == "USER") {
      if (p.size() < 4)
        return numeric("461", "USER :Not enough parameters");
      got_user_ = true;
      try_register();
    } else if (!registered_) {
      numeric("451", ":You have not registered");
    } else if (c == "JOIN") {
      if (p.empty())
        return numeric("461", "JOIN :Not enough parameters");
      auto chan = p[0].substr(0, p[0].find(','));
      if (chan == "0")
        return go_to(opts_.lobby);
      if (chan.empty() || chan[0] != '#')
        return numeric("403", chan + " :No such channel");
      auto room = chan.substr(1);
      if (auto why = check_name(room, opts_.max_name); !why.empty())
        return numeric("479", chan + " :Illegal channel name: " + why);
      go_to(room);
    } else if (c == "PART") {
      if (p.empty())
        return numeric("461", "PART :Not enough parameters");
      if (p[0] != "#" + room_)
        return numeric("442", p[0] + " :You're not on that channel");
      if (room_ == opts_.lobby)
        return raw(":" + std::string{server} + " NOTICE " + nick_ + " :You stay in #" + room_
                   + ", the room everyone starts in");
      go_to(opts_.lobby);
    } else if (c == "PRIVMSG" || c == "NOTICE") {
      if (p.size() < 2 || p[1].empty())
        return numeric(p.empty() ? "411" : "412",
                       p.empty() ? ":No recipient given" : ":No text to send");
      auto& target = p[0];
      auto& text = p[1];
      if (target[0] == '#') {
        if (target != "#" + room_)
          return numeric("404", target + " :Cannot send to channel (you are in #" + room_ + ")");
        if (starts_with(text, "\x01" "ACTION ") && ends_with(text, "\x01"))
          send(factory(), me_atom::value, text.substr(8, text.size() - 9));
        else
          send(factory(), say_atom::value, text);
      } else {
        send(factory(), msg_atom::value, target, text);
      }
    } else if (c == "NAMES" || c == "WHO") {
      auto chan = p.empty() ? "#" + room_ : p[0];
      pending_.push_back({c, chan});
      send(factory(), who_atom::value);
    } else if (c == "MODE") {
      if (p.empty())
        return numeric("461", "MODE :Not enough parameters");
      if (p[0][0] == '#')
        numeric("324", p[0] + " +nt");
      else
        numeric("221", "+i");
    } else {
      numeric("421", c + " :Unknown command");
    }
  }

  void go_to(const std::string& room) {
    if (room != room_)
      send(factory(), join_atom::value, room);
  }

  void try_register() {
    if (wanted_.empty() || !got_user_)
      return;
    // The client's next lines wait until the hub (and through it every node) has answered.
    auto wanted = wanted_;
    hold_input_until(ask<bool>(factory(), claim_atom::value, wanted))
      .add_callbacks(
        [this, wanted](bool ok) {
          if (ok)
            welcome(wanted);
          else
            numeric("433", wanted + " :Nickname is already in use");
          wanted_.clear();
        },
        [this](failure f) {
          spdlog::warn("[{}] nick claim failed: {}", log_prefix(), f.message());
          numeric("437", wanted_ + " :Nick is temporarily unavailable");
          wanted_.clear();
        });
  }

  void welcome(const std::string& nick) {
    nick_ = nick;
    registered_ = true;
    room_ = opts_.lobby;
    numeric("001", ":Welcome to the ply chat, " + nick);
    numeric("002", ":Your host is " + std::string{server} + ", running ply");
    numeric("003", ":This server shares its rooms with line users and other nodes");
    numeric("004", std::string{server} + " ply i nt");
    numeric("422", ":No MOTD");
    joined(room_);
  }

  /// Tells the client it is in `room` now, with who is there.
  void joined(const std::string& room) {
    raw(who_prefix(nick_) + " JOIN #" + room);
    pending_.push_back({"NAMES", "#" + room});
    send(factory(), who_atom::value);
  }

  // -- from the hub (text lines, as line users see them) --

  void hub_line(std::string_view l) {
    auto chan = "#" + room_;
    if (starts_with(l, "<")) {
      auto end = l.find("> ");
      if (end != std::string_view::npos) {
        auto nick = std::string{l.substr(1, end - 1)};
        raw(who_prefix(nick) + " PRIVMSG " + chan + " :" + std::string{l.substr(end + 2)});
        return;
      }
    } else if (starts_with(l, "* ")) {
      auto rest = l.substr(2);
      auto sp = rest.find(' ');
      if (sp != std::string_view::npos) {
        raw(who_prefix(std::string{rest.substr(0, sp)}) + " PRIVMSG " + chan + " :\x01" "ACTION "
            + std::string{rest.substr(sp + 1)} + "\x01");
        return;
      }
    } else if (starts_with(l, "*")) {
      auto end = l.find("* ", 1);
      if (end != std::string_view::npos) {
        raw(who_prefix(std::string{l.substr(1, end - 1)}) + " PRIVMSG " + nick_ + " :"
            + std::string{l.substr(end + 2)});
        return;
      }
    } else if (ends_with(l, " has joined the channel.")) {
      raw(who_prefix(std::string{l.substr(0, l.size() - 24)}) + " JOIN " + chan);
      return;
    } else if (ends_with(l, " has left the channel.")) {
      raw(who_prefix(std::string{l.substr(0, l.size() - 22)}) + " PART " + chan);
      return;
    } else if (starts_with(l, "You are now in ") && ends_with(l, ".")) {
      raw(who_prefix(nick_) + " PART " + chan);
      room_ = std::string{l.substr(15, l.size() - 16)};
      joined(room_);
      return;
    } else if (starts_with(l, "Welcome, ") || starts_with(l, "You are already in ")) {
      return;
    } else if (starts_with(l, "Online (") && !pending_.empty()) {
      answer_who(l);
      return;
    } else if (starts_with(l, "No such user: ")) {
      numeric("401", std::string{l.substr(14)} + " :No such nick/channel");
      return;
    }
    raw(":" + std::string{server} + " NOTICE " + nick_ + " :" + std::string{l});
  }

  /// Answers the oldest NAMES or WHO from the hub's "Online (N): name [room] ..." line.
  void answer_who(std::string_view l) {
    auto [cmd, chan] = pending_.front();
    pending_.pop_front();
    auto room = chan.substr(1);
    std::vector<std::pair<std::string, std::string>> members;  // nick, node ("" for here)
    auto colon = l.find(':');
    std::string_view rest = colon == std::string_view::npos ? std::string_view{} : l.substr(colon + 1);
    while (!rest.empty()) {
      while (!rest.empty() && rest.front() == ' ')
        rest.remove_prefix(1);
      auto open = rest.find(" [");
      auto close = rest.find(']', open);
      if (open == std::string_view::npos || close == std::string_view::npos)
        break;
      auto nick = rest.substr(0, open);
      auto where = rest.substr(open + 2, close - open - 2);
      auto at = where.find(" @");
      auto r = where.substr(0, at);
      if (r == room)
        members.emplace_back(std::string{nick},
                             at == std::string_view::npos ? "" : std::string{where.substr(at + 2)});
      rest.remove_prefix(close + 1);
    }
    if (cmd == "NAMES") {
      std::string names;
      for (auto& [n, node] : members)
        names += (names.empty() ? "" : " ") + n;
      numeric("353", "= " + chan + " :" + names);
      numeric("366", chan + " :End of /NAMES list");
    } else {
      for (auto& [n, node] : members)
        numeric("352", chan + " " + n + " " + (node.empty() ? std::string{server} : node) + " "
                         + std::string{server} + " " + n + " H :0 " + n);
      numeric("315", chan + " :End of /WHO list");
    }
  }

  options opts_;
  std::string nick_;
  std::string wanted_;
  std::string room_;
  bool got_user_ = false;
  bool registered_ = false;
  bool closing_ = false;
  std::deque<std::pair<std::string, std::string>> pending_;  ///< NAMES/WHO waiting for the hub
};

} // namespace

caf::actor spawn_irc_connection(factory& hub, const options& opts) {
  return hub.spawn_protocol<irc_connection>(opts);
}

} // namespace ply::actors::chat
