// SPDX-License-Identifier: MIT
// Messages framed by a 4-byte big-endian length. As a server it answers every message with
// "echo: MESSAGE"; as a client (--connect) it sends each --message, prints the replies and stops.
//   build/bin/length_prefixed --port tcp:8000
//   build/bin/length_prefixed --connect tcp:host=127.0.0.1:port=8000 --message hi --message there
#include <iostream>

#include <ply/ply.hpp>

class echo_messages : public ply::length_prefixed_receiver {
  void string_received(ply::bytes message) override {
    send_string("echo: " + message);
  }
};

class send_messages : public ply::length_prefixed_receiver {
public:
  explicit send_messages(std::vector<std::string> messages) : messages_(std::move(messages)) {
  }

  void connection_made() override {
    for (auto& m : messages_)
      send_string(m);
    if (messages_.empty())
      transport().lose_connection();
  }

  void string_received(ply::bytes message) override {
    std::cout << message << std::endl;
    if (++replies_ == messages_.size())
      transport().lose_connection();
  }

private:
  std::vector<std::string> messages_;
  size_t replies_ = 0;
};

class client : public ply::client_factory {
public:
  explicit client(std::vector<std::string> messages) : messages_(std::move(messages)) {
  }

  caf::actor build_protocol(const ply::address&) override {
    return spawn_protocol<send_messages>(messages_);
  }

  void client_connection_failed(const caf::error& reason) override {
    std::cerr << "Connection failed: " << ply::describe(reason) << std::endl;
    reactor().stop(1);
  }

  void client_connection_lost(const caf::error&) override {
    reactor().stop(0);
  }

private:
  std::vector<std::string> messages_;
};

int main(int argc, char** argv) {
  std::string port = "tcp:8000";
  std::string connect;
  std::vector<std::string> messages;
  ply::command_line cli{"length_prefixed", "A length-prefixed message server and client."};
  cli.add("--port", port, "Endpoint to listen on (server mode)");
  cli.add("--connect", connect, "Endpoint to connect to (client mode)");
  cli.add("--message", messages, "A message to send in client mode (repeatable)");
  return ply::run(argc, argv, cli, [&](ply::reactor& r) {
    if (connect.empty())
      r.listen(port, ply::factory::for_protocol<echo_messages>());
    else
      r.connect(connect, ply::factory::of<client>(messages));
  });
}
