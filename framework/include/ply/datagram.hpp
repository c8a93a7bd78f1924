// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include <caf/actor_system.hpp>
#include <caf/message_handler.hpp>

#include "ply/address.hpp"
#include "ply/bytes.hpp"
#include "ply/detail/hosted.hpp"
#include "ply/detail/traced_actor.hpp"

namespace ply {

namespace detail {
class udp_port;
}

/// Spawns a datagram protocol actor; what `reactor::listen_udp` takes.
using datagram_maker = std::function<caf::actor(caf::actor_system&)>;

/// A UDP protocol (Twisted's DatagramProtocol): one actor for a bound UDP port, which hears every
/// datagram with its sender and answers with `write_to`. It runs on the reactor thread that owns
/// the socket; UDP keeps no order and no delivery promise, and neither does this.
class datagram_protocol : public detail::traced_actor {
public:
  datagram_protocol();
  ~datagram_protocol() override;

  /// The port is bound: `write_to` works from here on.
  virtual void started_protocol();

  /// A datagram arrived from `from`.
  virtual void datagram_received(bytes data, const ply::address& from);

  /// The port closed (the reactor stops); the actor quits after this.
  virtual void stopped_protocol();

  /// Handlers for this actor's own messages, tried after the framework's.
  virtual caf::message_handler extra_behavior();

  /// Sends one datagram to `to` (an IP address and port). A datagram the socket cannot take now
  /// is dropped and counted, as the network itself would.
  void write_to(bytes_view data, const ply::address& to);

  /// The bound local port.
  uint16_t port() const;

  /// Datagrams dropped because the socket's send buffer was full.
  uint64_t dropped() const;

  const char* name() const override;

  /// A maker for datagram protocol `P` built with arguments `xs`.
  template <class P, class... Ts>
  static datagram_maker of(Ts... xs) {
    return [=](caf::actor_system& sys) { return sys.spawn<detail::hosted<P>>(xs...); };
  }

protected:
  caf::behavior make_behavior() override;
  void on_exit() override;

private:
  std::shared_ptr<detail::udp_port> port_;
};

} // namespace ply
