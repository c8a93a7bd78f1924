// SPDX-License-Identifier: MIT
// The seed's web echo: reads an HTTP request line by line and answers "You said:" with its lines.
//   build/bin/web_echo --port tcp:8000     then: curl localhost:8000/hello
#include <vector>

#include <ply/ply.hpp>

class web_echo : public ply::line_receiver {
  void line_received(std::string_view line) override {
    if (!line.empty()) {
      lines_.emplace_back(line);
      return;
    }
    std::string body = "You said:\r\n\r\n";
    for (size_t i = 0; i < lines_.size(); ++i)
      body += (i > 0 ? "\r\n" : "") + lines_[i];
    send_line("HTTP/1.1 200 OK");
    send_line("Content-Type: text/plain");
    send_line("Content-Length: " + std::to_string(body.size()));
    send_line("Connection: close");
    send_line("");
    transport().write(body);
    transport().lose_connection();
  }

  std::vector<std::string> lines_;
};

int main(int argc, char** argv) {
  std::string port = "tcp:8000";
  ply::command_line cli{"web_echo", "An HTTP server that echoes the request's lines."};
  cli.add("--port", port, "Endpoint to listen on");
  return ply::run(argc, argv, cli, [&](ply::reactor& r) {
    r.listen(port, ply::factory::for_protocol<web_echo>());
  });
}
