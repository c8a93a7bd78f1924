// The seed's publish/subscribe server: every line a client sends goes to every client, prefixed with
// the sender's address.
//   build/bin/pubsub_server --port tcp:8000     then: nc localhost 8000 (several times)
#include <ply/ply.hpp>

PLY_MESSAGE(publish, std::string text);

class publisher : public ply::line_receiver {
  void line_received(std::string_view line) override {
    send(factory(), publish{"<" + transport().peer().to_string() + "> " + std::string{line}});
  }
};

class hub : public ply::factory_of<publisher> {
  ply::handlers extra_behavior() override {
    return {[this](const publish& p) {
      for (auto& c : connections())
        c.write_line(p.text);
    }};
  }
};

int main(int argc, char** argv) {
  std::string port = "tcp:8000";
  ply::command_line cli{"pubsub_server", "Every line a client sends goes to every client."};
  cli.add("--port", port, "Endpoint to listen on");
  return ply::run(argc, argv, cli, [&](ply::reactor& r) { r.listen(port, ply::factory::of<hub>()); });
}
