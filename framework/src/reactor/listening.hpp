// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <caf/actor.hpp>
#include <caf/expected.hpp>

#include "reactor/asio.hpp"
#include "ply/endpoint.hpp"
#include "ply/reactor.hpp"
#include "ply/tls.hpp"

namespace ply::detail {

class reactor_core;

/// The reactor's listening job (Twisted's Port): opens TCP, TLS and Unix-socket listeners,
/// accepts on thread 0, refuses past the connection limit, retries after a failed accept, and
/// hands each new socket to a thread. Listeners are touched on thread 0 only.
class listeners {
public:
  explicit listeners(reactor_core& core);

  /// Listens on a server endpoint for `factory` (or one made by `make`); returns the port.
  caf::expected<uint16_t> listen(std::string_view endpoint, const caf::actor* factory,
                                 const factory_maker* make);

  /// Serves on `fd`, a listening stream socket this process was given (TCP or Unix, told by the
  /// socket itself); `how` says where it came from, for the log. Returns the port (0: Unix).
  caf::expected<uint16_t> adopt(int fd, std::string_view how, const caf::actor* factory,
                                const factory_maker* make);

  /// Closes the TCP listener on `port`; whether there was one. Any thread.
  bool close_port(uint16_t port);

  /// Closes the Unix listener at `path` and removes its file; whether there was one. Any thread.
  bool close_path(std::string_view path);

  /// Closes them all (on thread 0, during the stop).
  void close_all();

  /// Forgets the closed listeners once the reactor stopped.
  void clear();

  /// How many are open (thread 0).
  size_t size() const {
    return open_.size();
  }

private:
  using unix_stream = asio::local::stream_protocol;

  /// An open listener: a TCP acceptor, or a Unix one with its socket file.
  struct listener {
    std::unique_ptr<tcp::acceptor> tcp_acceptor;
    std::unique_ptr<unix_stream::acceptor> unix_acceptor;
    std::string path;
    bool owns_path = true;  ///< false for an adopted socket: its file is not ours to remove
    tls_context_ptr tls;    ///< for ssl: endpoints

    uint16_t port() const;
    bool close();
  };

  caf::expected<uint16_t> listen_unix(const endpoint& ep, int backlog,
                                      const caf::actor* factory, const factory_maker* make);
  /// The descriptor systemd passed for `ep` (LISTEN_PID, LISTEN_FDS), checked against its domain.
  caf::expected<uint16_t> listen_systemd(const endpoint& ep, std::string_view text,
                                         const caf::actor* factory, const factory_maker* make);
  void add(listener l, caf::actor f, std::string where);
  template <class Acceptor>
  void accept(Acceptor& acc, caf::actor factory, std::string where, tls_context_ptr tls);
  bool close_matching(std::function<bool(listener&)> pred);

  reactor_core& core_;
  std::vector<listener> open_;
  std::set<int> systemd_taken_;  ///< indexes of the sockets systemd passed that are in use
};

} // namespace ply::detail
