// SPDX-License-Identifier: MIT
// The evolution of finger, reading statuses from the web: the factory answers a user's query with
// the page PREFIX + USER (Twisted's getPage), "No such user" when there is none.
//   build/bin/finger07_web_status --port tcp:8079 --prefix http://localhost:8080/status/
#include <ply/http.hpp>
#include <ply/ply.hpp>

namespace {

PLY_MESSAGE(get_user, std::string name);

class finger : public ply::line_receiver {
  void line_received(std::string_view user) override {
    auto answer = ask<std::string>(factory(), get_user{std::string{user}});
    answer.add_errback([](ply::failure&) { return std::string{"Internal error in server"}; })
      .add_callback([this](const std::string& text) {
        send_line(text);
        transport().lose_connection();
      });
  }
};

class web_finger : public ply::factory_of<finger> {
public:
  explicit web_finger(std::string prefix) : prefix_(std::move(prefix)) {
  }

private:
  ply::handlers extra_behavior() override {
    return {[this](const get_user& u) -> caf::result<std::string> {
      ply::http::options opts;
      opts.timeout = std::chrono::seconds(10);  // well within the protocol's question
      auto page = ply::http::get(this, reactor(), prefix_ + u.name, opts)
                    .add_callback([](const ply::http::response& r) { return r.body; })
                    .add_errback([](ply::failure&) { return std::string{"No such user"}; });
      return ply::respond(this, std::move(page));
    }};
  }

  std::string prefix_;
};

} // namespace

int main(int argc, char** argv) {
  std::string port = "tcp:8079";
  std::string prefix = "http://localhost:8080/status/";
  ply::command_line cli{"finger07_web_status", "Finger answers from the web: PREFIX + USER."};
  cli.add("--port", port, "Endpoint to listen on");
  cli.add("--prefix", prefix, "URL the user's name is appended to");
  return ply::run(argc, argv, cli, [&](ply::reactor& r) {
    r.listen(port, ply::factory::of<web_finger>(prefix));
  });
}
