// SPDX-License-Identifier: MIT
// The evolution of finger, step 7: answers about local users by running the system's own
// `finger USER` (get_process_output: a deferred that fires with the program's output).
//   build/bin/finger07_local --port tcp:8079      then: printf 'root\r\n' | nc -q1 localhost 8079
#include <ply/ply.hpp>
#include <ply/process.hpp>

namespace {

PLY_MESSAGE(get_user, std::string name);

class finger : public ply::line_receiver {
  void line_received(std::string_view user) override {
    auto answer = ask<std::string>(factory(), get_user{std::string{user}});
    answer.add_callback([this](const std::string& text) {
      transport().write(text);
      transport().lose_connection();
    });
  }
};

class local_finger : public ply::factory_of<finger> {
  ply::handlers extra_behavior() override {
    return {[this](const get_user& u) -> caf::result<std::string> {
      const auto& user = u.name;
      // Only plain names reach the command line: no options, no forwarding.
      bool plain = !user.empty() && user.size() <= 32
                   && user.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_-.") == std::string::npos
                   && user.front() != '-';
      if (!plain)
        return std::string{"No such user\r\n"};
      return ply::respond(this, ply::get_process_output(this, reactor(), {{"finger", "-m", user}})
                                  .add_errback([](ply::failure& f) {
                                    spdlog::info("finger: {}", f.message());
                                    return std::string{"No such user\r\n"};
                                  }));
    }};
  }
};

} // namespace

int main(int argc, char** argv) {
  std::string port = "tcp:8079";
  ply::command_line cli{"finger07_local", "Answers finger queries by running the local finger."};
  cli.add("--port", port, "Endpoint to listen on");
  return ply::run(argc, argv, cli, [&](ply::reactor& r) {
    r.listen(port, ply::factory::of<local_finger>());
  });
}
