// SPDX-License-Identifier: MIT
// The raw-Asio anchor: a minimal single-threaded echo server, as one would write it by hand.
//   asio_echo PORT    (prints "listening on 127.0.0.1:PORT" once bound; PORT 0 picks one)
#include <cstdio>
#include <cstdlib>
#include <memory>

#include <utility>
#include <boost/asio.hpp>
#include <ply/version.hpp>

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

class session : public std::enable_shared_from_this<session> {
public:
  explicit session(tcp::socket s) : sock_(std::move(s)) {
  }

  void read() {
    sock_.async_read_some(asio::buffer(buf_), [self = shared_from_this()](
                                                const boost::system::error_code& ec, size_t n) {
      if (!ec)
        self->write(n);
    });
  }

private:
  void write(size_t n) {
    asio::async_write(sock_, asio::buffer(buf_, n),
                      [self = shared_from_this()](const boost::system::error_code& ec, size_t) {
                        if (!ec)
                          self->read();
                      });
  }

  tcp::socket sock_;
  char buf_[4096];
};

void accept(tcp::acceptor& acc) {
  acc.async_accept([&acc](const boost::system::error_code& ec, tcp::socket s) {
    if (!ec) {
      s.set_option(tcp::no_delay(true));
      std::make_shared<session>(std::move(s))->read();
    }
    accept(acc);
  });
}

int main(int argc, char** argv) {
  if (argc > 1 && std::string_view{argv[1]} == "--help") {
    std::puts("Usage: asio_echo [PORT]\nA minimal single-threaded Boost.Asio echo server (benchmark anchor).");
    return 0;
  }
  if (argc > 1 && std::string_view{argv[1]} == "--version") {
    std::puts("asio_echo (ply) " PLY_VERSION_STRING);
    return 0;
  }
  auto port = static_cast<unsigned short>(argc > 1 ? std::atoi(argv[1]) : 0);
  asio::io_context ioc{1};
  tcp::acceptor acc{ioc, tcp::endpoint{asio::ip::make_address("127.0.0.1"), port}};
  std::fprintf(stderr, "listening on 127.0.0.1:%u\n", acc.local_endpoint().port());
  accept(acc);
  asio::signal_set signals{ioc, SIGINT, SIGTERM};
  signals.async_wait([&](const boost::system::error_code&, int) { ioc.stop(); });
  ioc.run();
}
