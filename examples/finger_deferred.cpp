// The finger tutorial's deferred step: a line-based finger server whose get_user answers later
// with a deferred; unknown users get "No such user".
//   build/bin/finger_deferred --port tcp:8079 --user alice="Happy and well"
//   then: printf 'alice\r\n' | nc localhost 8079
#include <map>

#include <ply/actor_deferred.hpp>
#include <ply/ply.hpp>

namespace {

using get_user_atom = caf::atom_constant<caf::atom("getuser")>;

class finger : public ply::line_receiver {
  void line_received(std::string_view line) override {
    ply::request<std::string>(this, factory(), std::chrono::seconds(5), get_user_atom::value,
                              std::string{line})
      .add_errback([](ply::failure&) { return std::string{"Internal error in server"}; })
      .add_callback([this](const std::string& message) {
        send_line(message);
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
    return {[this](get_user_atom, const std::string& user) -> caf::result<std::string> {
      return ply::respond(this, get_user(user));
    }};
  }

private:
  /// Answers after a short delay, as a database would.
  ply::deferred<std::string> get_user(const std::string& user) {
    auto i = users_.find(user);
    auto answer = i != users_.end() ? i->second : std::string{"No such user"};
    return ply::defer_later(clock_, std::chrono::milliseconds(10), [answer] { return answer; });
  }

  std::map<std::string, std::string> users_;
  ply::actor_clock clock_{this};
};

} // namespace

int main(int argc, char** argv) {
  std::string port = "tcp:8079";
  std::vector<std::string> user_args{"moshez=Happy and well"};
  ply::command_line cli{"finger_deferred", "A finger server whose user lookup returns a deferred."};
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
