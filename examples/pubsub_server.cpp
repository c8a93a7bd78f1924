// The seed's publish/subscribe server: every line a client sends goes to every client, prefixed with
// the sender's address.
//   build/bin/pubsub_server --port tcp:8000     then: nc localhost 8000 (several times)
#include <set>

#include <ply/ply.hpp>

using publish_atom = caf::atom_constant<caf::atom("publish")>;
using line_atom = caf::atom_constant<caf::atom("line")>;

class publisher : public ply::line_receiver {
  void line_received(std::string_view line) override {
    send(factory(), publish_atom::value, "<" + transport().peer().to_string() + "> " + std::string{line});
  }

  caf::message_handler extra_behavior() override {
    return {[this](line_atom, const std::string& text) { send_line(text); }};
  }
};

class hub : public ply::factory {
  caf::actor build_protocol(const ply::address&) override {
    auto p = spawn_protocol<publisher>();
    clients_.insert(p);
    return p;
  }

  void protocol_ended(const caf::actor_addr& who, const caf::error&) override {
    for (auto i = clients_.begin(); i != clients_.end(); ++i)
      if (i->address() == who) {
        clients_.erase(i);
        return;
      }
  }

  caf::message_handler extra_behavior() override {
    return {[this](publish_atom, const std::string& text) {
      for (auto& c : clients_)
        send(c, line_atom::value, text);
    }};
  }

  std::set<caf::actor> clients_;
};

int main(int argc, char** argv) {
  std::string port = "tcp:8000";
  ply::command_line cli{"pubsub_server", "Every line a client sends goes to every client."};
  cli.add("--port", port, "Endpoint to listen on");
  return ply::run(argc, argv, cli, [&](ply::reactor& r) {
    r.listen(port, ply::factory::of<hub>());
  });
}
