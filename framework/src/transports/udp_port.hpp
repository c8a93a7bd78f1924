#pragma once

#include <atomic>
#include <memory>
#include <string>

#include <caf/actor.hpp>

#include "reactor/asio.hpp"
#include "ply/address.hpp"
#include "ply/bytes.hpp"

namespace ply::detail {

class io_thread;

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

} // namespace ply::detail
