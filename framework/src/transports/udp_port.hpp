// SPDX-License-Identifier: MIT
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <caf/actor.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/expected.hpp>

#include "reactor/asio.hpp"
#include "ply/address.hpp"
#include "ply/bytes.hpp"
#include "ply/datagram.hpp"

namespace ply::detail {

class io_thread;
class reactor_core;

/// A bound UDP socket owned by one reactor thread, feeding one datagram protocol actor.
class udp_port : public std::enable_shared_from_this<udp_port> {
public:
  udp_port(io_thread& thread, asio::ip::udp::socket sock);

  /// Starts receiving into `protocol` (on the owning thread).
  void start(caf::actor protocol);

  /// Sends a datagram; any thread.
  void send_to(bytes_view data, const address& to);

  /// Closes the socket; the protocol hears `stopped_protocol`. Any thread.
  void close();

  uint16_t port() const {
    return port_;
  }

  std::atomic<uint64_t> dropped{0};

private:
  void receive();
  void do_send(const bytes& data, const address& to);

  io_thread& thread_;
  std::weak_ptr<io_thread> home_;  ///< `thread_`, for posting from other threads
  asio::ip::udp::socket sock_;
  asio::ip::udp::endpoint from_;
  caf::actor protocol_;
  uint16_t port_ = 0;
};

/// The reactor's UDP job: binds ports for datagram protocols and closes them when it stops.
class udp_ports {
public:
  /// Binds `udp:PORT[:interface=ADDR]` on a reactor thread for a protocol made by `make`;
  /// returns the bound port. Any thread.
  caf::expected<uint16_t> bind(reactor_core& core, std::string_view endpoint,
                               const datagram_maker& make);

  /// Closes every port; each protocol hears `stopped_protocol`.
  void close_all();

private:
  std::mutex mtx_;
  std::vector<std::shared_ptr<udp_port>> ports_;
};

} // namespace ply::detail

// Local-only: the port handle and sender addresses stay in this process.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::shared_ptr<ply::detail::udp_port>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(ply::address)
