// The evolution of finger, step 8: a second port where anyone on this host sets a status with a
// line "USER STATUS"; both listeners share one factory actor, so the finger port sees the change.
//   build/bin/finger08_setter --port tcp:8079 --setter tcp:8080:interface=127.0.0.1
//   printf 'moshez Out to lunch\n' | nc -q1 localhost 8080; printf 'moshez\r\n' | nc -q1 localhost 8079
#include <map>

#include <ply/ply.hpp>

namespace {

using get_user_atom = caf::atom_constant<caf::atom("getuser")>;
using set_user_atom = caf::atom_constant<caf::atom("setuser")>;

class finger : public ply::line_receiver {
  void line_received(std::string_view user) override {
    request(factory(), std::chrono::seconds(5), get_user_atom::value, std::string{user})
      .then([this](const std::string& status) {
        send_line(status);
        transport().lose_connection();
      });
  }
};

class setter : public ply::line_receiver {
  void line_received(std::string_view line) override {
    auto sp = line.find(' ');
    if (sp == std::string_view::npos || sp == 0) {
      send_line("Usage: USER STATUS");
      return;
    }
    // "OK" once the status is stored: a finger query right after sees it.
    request(factory(), std::chrono::seconds(5), set_user_atom::value,
            std::string{line.substr(0, sp)}, std::string{line.substr(sp + 1)})
      .then([this](bool) { send_line("OK"); });
  }
};

/// One per listener: builds finger or setter connections; the users live in a shared actor.
class finger_factory : public ply::factory {
public:
  caf::actor build_protocol(const ply::address&) override {
    return setter_ ? spawn_protocol<setter>() : spawn_protocol<finger>();
  }

  explicit finger_factory(bool setter, caf::actor users) : setter_(setter), users_(users) {
  }

  caf::message_handler extra_behavior() override {
    return {
      [this](get_user_atom a, std::string& user) { return delegate(users_, a, std::move(user)); },
      [this](set_user_atom a, std::string& u, std::string& s) {
        return delegate(users_, a, std::move(u), std::move(s));
      },
    };
  }

private:
  bool setter_;
  caf::actor users_;
};

/// The users, shared by both listeners' factories. (The unused argument: CAF 0.17 mishandles
/// function actors spawned without any.)
caf::behavior users(caf::stateful_actor<std::map<std::string, std::string>>* self, int) {
  return {
    [self](get_user_atom, const std::string& user) {
      auto i = self->state.find(user);
      return i != self->state.end() ? i->second : std::string{"No such user"};
    },
    [self](set_user_atom, const std::string& user, const std::string& status) {
      self->state[user] = status;
      return true;
    },
  };
}

} // namespace

int main(int argc, char** argv) {
  std::string port = "tcp:8079";
  std::string setter_port = "tcp:8080:interface=127.0.0.1";
  ply::command_line cli{"finger08_setter", "A finger server with a second port to set statuses."};
  cli.add("--port", port, "Endpoint for finger queries");
  cli.add("--setter", setter_port, "Endpoint for 'USER STATUS' lines (keep it local)");
  return ply::run(argc, argv, cli, [&](ply::reactor& r) {
    auto store = r.system().spawn(users, 0);
    r.listen(port, ply::factory::of<finger_factory>(false, store));
    r.listen(setter_port, ply::factory::of<finger_factory>(true, store));
  });
}
