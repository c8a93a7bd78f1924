// SPDX-License-Identifier: MIT
// The seed's publish/subscribe server: every line a client sends goes to every client, prefixed,
// as in the original, with the server's own address (with --sender: the sender's).
//   build/bin/pubsub_server --port tcp:8000     then: nc localhost 8000 (several times)
#include <ply/ply.hpp>

PLY_MESSAGE(publish, std::string text);

bool by_sender = false;

class publisher : public ply::line_receiver {
  void line_received(std::string_view line) override {
    auto source = by_sender ? transport().peer() : transport().host();
    send(factory(), publish{"<" + source.to_string() + "> " + std::string{line}});
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
  cli.flag("--sender", by_sender, "Prefix lines with the sender's address, not the server's");
  return ply::run(argc, argv, cli, [&](ply::reactor& r) { r.listen(port, ply::factory::of<hub>()); });
}
