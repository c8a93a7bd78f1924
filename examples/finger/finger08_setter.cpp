// SPDX-License-Identifier: MIT
// The evolution of finger, step 8: a second port where anyone on this host sets a status with a
// line "USER STATUS"; both listeners share one factory actor, so the finger port sees the change.
//   build/bin/finger08_setter --port tcp:8079 --setter tcp:8080:interface=127.0.0.1
//   printf 'moshez Out to lunch\n' | nc -q1 localhost 8080; printf 'moshez\r\n' | nc -q1 localhost 8079
#include <map>

#include <ply/ply.hpp>

namespace {

PLY_MESSAGE(get_user, std::string user);
PLY_MESSAGE(set_user, std::string user; std::string status);

class finger : public ply::line_receiver {
  void line_received(std::string_view user) override {
    ask<std::string>(factory(), get_user{std::string{user}}).add_callback([this](std::string s) {
      send_line(s);
      transport().lose_connection();
    });
  }
};

class setter : public ply::line_receiver {
  void line_received(std::string_view line) override {
    auto sp = line.find(' ');
    if (sp == std::string_view::npos || sp == 0)
      return send_line("Usage: USER STATUS");
    // "OK" once the status is stored: a finger query right after sees it.
    ask<void>(factory(), set_user{std::string{line.substr(0, sp)}, std::string{line.substr(sp + 1)}})
      .add_callback([this] { send_line("OK"); });
  }
};

/// One per listener: builds finger or setter connections, and passes their questions on to the
/// users, an actor both listeners' factories share.
class finger_factory : public ply::factory {
public:
  finger_factory(bool setter, ply::actor users) : setter_(setter), users_(std::move(users)) {
  }

  ply::actor build_protocol(const ply::address&) override {
    return setter_ ? spawn_protocol<setter>() : spawn_protocol<finger>();
  }

  ply::handlers extra_behavior() override {
    return {
      [this](get_user& q) { return delegate(users_, std::move(q)); },
      [this](set_user& s) { return delegate(users_, std::move(s)); },
    };
  }

private:
  bool setter_;
  ply::actor users_;
};

/// The users, shared by both listeners' factories. (The unused argument: CAF 0.17 mishandles
/// function actors spawned without any.)
caf::behavior users(caf::stateful_actor<std::map<std::string, std::string>>* self, int) {
  return {
    [self](const get_user& q) {
      auto i = self->state.find(q.user);
      return i != self->state.end() ? i->second : std::string{"No such user"};
    },
    [self](const set_user& s) { self->state[s.user] = s.status; },
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
