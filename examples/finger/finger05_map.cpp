// The evolution of finger, step 5: the factory holds the users, and each connection asks it (a
// message, not shared memory: the factory is an actor).
//   build/bin/finger05_map --port tcp:8079 --user moshez="Happy and well"
#include <map>

#include <ply/ply.hpp>

namespace {

using get_user_atom = caf::atom_constant<caf::atom("getuser")>;

class finger : public ply::line_receiver {
  void line_received(std::string_view user) override {
    request(factory(), std::chrono::seconds(5), get_user_atom::value, std::string{user})
      .then([this](const std::string& status) {
        send_line(status);
        transport().lose_connection();
      });
  }
};

class finger_factory : public ply::factory {
public:
  explicit finger_factory(std::map<std::string, std::string> users) : users_(std::move(users)) {
  }

  caf::actor build_protocol(const ply::address&) override {
    return spawn_protocol<finger>();
  }

  caf::message_handler extra_behavior() override {
    return {[this](get_user_atom, const std::string& user) {
      auto i = users_.find(user);
      return i != users_.end() ? i->second : std::string{"No such user"};
    }};
  }

private:
  std::map<std::string, std::string> users_;
};

} // namespace

int main(int argc, char** argv) {
  std::string port = "tcp:8079";
  std::vector<std::string> user_args{"moshez=Happy and well"};
  ply::command_line cli{"finger05_map", "Answers finger queries from a map of users."};
  cli.add("--port", port, "Endpoint to listen on");
  cli.add("--user", user_args, "A user and their status, NAME=STATUS (repeatable)");
  return ply::run(argc, argv, cli, [&](ply::reactor& r) {
    std::map<std::string, std::string> users;
    for (auto& arg : user_args) {
      auto eq = arg.find('=');
      if (eq == std::string::npos || eq == 0)
        throw std::invalid_argument("--user wants NAME=STATUS, got '" + arg + "'");
      users[arg.substr(0, eq)] = arg.substr(eq + 1);
    }
    r.listen(port, ply::factory::of<finger_factory>(users));
  });
}
