// SPDX-License-Identifier: MIT
#include "ply/datagram.hpp"

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/make_message.hpp>
#include <spdlog/spdlog.h>

#include "protocols/messages.hpp"
#include "reactor/io_thread.hpp"
#include "transports/udp_port.hpp"

namespace ply {

datagram_protocol::datagram_protocol() : traced_actor(detail::take_actor_config()) {
}

datagram_protocol::~datagram_protocol() = default;

void datagram_protocol::started_protocol() {
  // nop
}

void datagram_protocol::datagram_received(bytes, const ply::address&) {
  // Dropped unless overridden.
}

void datagram_protocol::stopped_protocol() {
  // nop
}

caf::message_handler datagram_protocol::extra_behavior() {
  return {};
}

void datagram_protocol::write_to(bytes_view data, const ply::address& to) {
  if (port_)
    port_->send_to(data, to);
}

uint16_t datagram_protocol::port() const {
  return port_ ? port_->port() : 0;
}

uint64_t datagram_protocol::dropped() const {
  return port_ ? port_->dropped.load() : 0;
}

const char* datagram_protocol::name() const {
  return "ply.datagram";
}

caf::behavior datagram_protocol::make_behavior() {
  trace_start(0);
  caf::message_handler framework{
    [this](detail::udp_start_atom, std::shared_ptr<detail::udp_port>& p) {
      port_ = std::move(p);
      started_protocol();
    },
    [this](detail::udp_data_atom, bytes& data, ply::address& from) {
      datagram_received(std::move(data), from);
    },
    [this](detail::udp_stop_atom) {
      stopped_protocol();
      quit();
    },
  };
  auto extra = extra_behavior();
  return extra ? framework.or_else(extra) : framework;
}

void datagram_protocol::on_exit() {
  trace_end();
  if (port_)
    port_->close();
  port_.reset();
}

} // namespace ply
