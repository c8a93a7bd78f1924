// The seed's chat room: a REGISTER/CHAT state machine per connection; the factory holds the users.
//   build/bin/chat_server --port tcp:8000     then, in two terminals: nc localhost 8000
#include <deque>
#include <map>

#include <ply/ply.hpp>

using register_atom = caf::atom_constant<caf::atom("register")>;
using say_atom = caf::atom_constant<caf::atom("say")>;
using line_atom = caf::atom_constant<caf::atom("line")>;

/// One user's connection: asks for a name, then relays lines through the room (the factory).
class chat : public ply::line_receiver {
public:
  void connection_made() override {
    send_line("What's your name?");
  }

  void line_received(std::string_view line) override {
    switch (state_) {
      case state::get_name: handle_get_name(std::string{line}); break;
      case state::registering: queued_.emplace_back(line); break;
      case state::chat: send(factory(), say_atom::value, name_, std::string{line}); break;
    }
  }

  caf::message_handler extra_behavior() override {
    return {[this](line_atom, const std::string& text) { send_line(text); }};
  }

private:
  enum class state { get_name, registering, chat };

  void handle_get_name(std::string name) {
    if (name.empty())
      return send_line("What's your name?");
    state_ = state::registering;
    request(factory(), std::chrono::seconds(5), register_atom::value, name)
      .then(
        [this, name](bool accepted) {
          if (!accepted) {
            state_ = state::get_name;
            send_line("Name taken, please choose another.");
          } else {
            name_ = name;
            state_ = state::chat;
            send_line("Welcome, " + name + "!");
          }
          replay_queued();
        },
        [this](caf::error& err) {
          spdlog::error("[{}] registration failed: {}", log_prefix(), ply::describe(err));
          transport().lose_connection();
        });
  }

  void replay_queued() {
    auto lines = std::move(queued_);
    queued_.clear();
    for (auto& l : lines)
      if (state_ == state::registering)
        queued_.push_back(l);
      else
        line_received(l);
  }

  state state_ = state::get_name;
  std::string name_;
  std::deque<std::string> queued_;
};

/// The room: unique names, joins, leaves and lines to everyone else.
class chat_room : public ply::factory {
  caf::actor build_protocol(const ply::address&) override {
    return spawn_protocol<chat>();
  }

  caf::message_handler extra_behavior() override {
    return {
      [this](register_atom, const std::string& name) {
        if (users_.count(name) > 0)
          return false;
        auto who = caf::actor_cast<caf::actor>(current_sender());
        broadcast(name + " has joined the channel.", who);
        users_.emplace(name, who);
        return true;
      },
      [this](say_atom, const std::string& name, const std::string& text) {
        auto i = users_.find(name);
        if (i != users_.end())
          broadcast("<" + name + "> " + text, i->second);
      },
    };
  }

  void protocol_ended(const caf::actor_addr& who, const caf::error&) override {
    for (auto i = users_.begin(); i != users_.end(); ++i) {
      if (i->second.address() == who) {
        auto name = i->first;
        users_.erase(i);
        broadcast(name + " has left the channel.", caf::actor{});
        return;
      }
    }
  }

  void broadcast(const std::string& text, const caf::actor& except) {
    for (auto& [name, member] : users_)
      if (member != except)
        send(member, line_atom::value, text);
  }

  std::map<std::string, caf::actor> users_;
};

int main(int argc, char** argv) {
  std::string port = "tcp:8000";
  ply::command_line cli{"chat_server", "A chat room: pick a name, then every line goes to everyone."};
  cli.add("--port", port, "Endpoint to listen on");
  return ply::run(argc, argv, cli, [&](ply::reactor& r) {
    r.listen(port, ply::factory::of<chat_room>());
  });
}
