// SPDX-License-Identifier: MIT
// STARTTLS: a small SMTP-style line server that starts in the clear and switches the running
// connection to TLS when the client asks (transport().start_tls), as mail servers do.
//   build/bin/starttls_server --port tcp:8025 --cert cert.pem --key key.pem
//   openssl s_client -connect 127.0.0.1:8025 -starttls smtp -crlf
#include <ply/ply.hpp>
#include <ply/tls.hpp>

namespace {

class starttls_session : public ply::line_receiver {
public:
  explicit starttls_session(ply::tls_context_ptr tls) : tls_(std::move(tls)) {
  }

  void connection_made() override {
    send_line("220 ply ESMTP ready");
  }

  void line_received(std::string_view line) override {
    auto verb = std::string{line.substr(0, line.find(' '))};
    for (auto& c : verb)
      c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (verb == "EHLO" || verb == "HELO") {
      if (secure_) {
        send_line("250 ply at your service, privately");
      } else {
        send_line("250-ply at your service");
        send_line("250 STARTTLS");
      }
    } else if (verb == "STARTTLS") {
      if (secure_) {
        send_line("503 TLS is already on");
        return;
      }
      send_line("220 Ready to start TLS");  // in the clear, before the switch
      if (auto err = transport().start_tls(tls_)) {
        send_line("454 TLS not available");
        return;
      }
      secure_ = true;
    } else if (verb == "QUIT") {
      send_line("221 Bye");
      transport().lose_connection();
    } else {
      send_line(std::string{secure_ ? "250 (over TLS) " : "250 (in the clear) "}
                + std::string{line});
    }
  }

private:
  ply::tls_context_ptr tls_;
  bool secure_ = false;
};

} // namespace

int main(int argc, char** argv) {
  std::string port = "tcp:8025";
  std::string cert;
  std::string key;
  ply::command_line cli{"starttls_server", "A line server that switches to TLS on STARTTLS."};
  cli.add("--port", port, "Endpoint to listen on");
  cli.add("--cert", cert, "Certificate chain (PEM)");
  cli.add("--key", key, "Private key (PEM)");
  return ply::run(argc, argv, cli, [&](ply::reactor& r) {
    auto tls = ply::tls_context::server(cert, key);
    if (!tls)
      throw std::invalid_argument(ply::describe(tls.error()));
    r.listen(port, ply::factory::for_protocol<starttls_session>(*tls));
  });
}
