#include "ply/datagram.hpp"

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/make_message.hpp>
#include <spdlog/spdlog.h>

#include "reactor/io_thread.hpp"
#include "transports/udp_port.hpp"

namespace {

using udp_start_atom = caf::atom_constant<caf::atom("plyustart")>;
using udp_data_atom = caf::atom_constant<caf::atom("plyudata")>;
using udp_stop_atom = caf::atom_constant<caf::atom("plyustop")>;

} // namespace

// Local-only: the port handle and sender addresses stay in this process.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::shared_ptr<ply::detail::udp_port>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(ply::address)

namespace ply {

namespace detail {

namespace {

constexpr size_t max_datagram = 64 * 1024;

} // namespace

udp_port::udp_port(io_thread& thread, asio::ip::udp::socket sock)
  : thread_(thread), home_(thread.weak_from_this()), sock_(std::move(sock)) {
  boost::system::error_code ec;
  port_ = sock_.local_endpoint(ec).port();
  sock_.non_blocking(true, ec);
}

void udp_port::start(caf::actor protocol) {
  io_thread::post(home_, [self = shared_from_this(), protocol = std::move(protocol)]() mutable {
    self->protocol_ = std::move(protocol);
    self->thread_.deliver(self->protocol_, caf::make_message(udp_start_atom::value, self));
    self->receive();
  });
}

void udp_port::receive() {
  auto buf = std::make_shared<std::string>(max_datagram, '\0');
  sock_.async_receive_from(
    asio::buffer(buf->data(), buf->size()), from_,
    [self = shared_from_this(), buf](const boost::system::error_code& ec, size_t n) {
      if (ec == asio::error::operation_aborted || !self->sock_.is_open())
        return;
      if (!ec && self->protocol_) {
        buf->resize(n);
        address from{self->from_.address().to_string(), self->from_.port()};
        self->thread_.deliver(self->protocol_,
                              caf::make_message(udp_data_atom::value, bytes{std::move(*buf)}, from));
      } else if (ec) {
        // ICMP errors from earlier sends surface here (connection refused): not fatal for UDP.
        spdlog::debug("[udp {}] receive: {}", self->port_, ec.message());
      }
      self->receive();
    });
}

void udp_port::send_to(bytes_view data, const address& to) {
  if (thread_.in_thread()) {
    do_send(bytes{data}, to);
    return;
  }
  io_thread::post(home_, [self = shared_from_this(), copy = bytes{data}, to] {
    self->do_send(copy, to);
  });
}

void udp_port::do_send(const bytes& data, const address& to) {
  boost::system::error_code ec;
  auto ip = asio::ip::make_address(to.host, ec);
  if (ec) {
    spdlog::warn("[udp {}] cannot send to '{}': not an IP address", port_, to.host);
    return;
  }
  sock_.send_to(asio::buffer(data.data(), data.size()), asio::ip::udp::endpoint{ip, to.port}, 0,
                ec);
  if (ec == asio::error::would_block || ec == asio::error::no_buffer_space) {
    ++dropped;
  } else if (ec) {
    spdlog::debug("[udp {}] send to {}: {}", port_, to.to_string(), ec.message());
  }
}

void udp_port::close() {
  io_thread::post(home_, [self = shared_from_this()] {
    boost::system::error_code ec;
    self->sock_.close(ec);
    if (self->protocol_) {
      self->thread_.deliver(self->protocol_, caf::make_message(udp_stop_atom::value));
      self->protocol_ = nullptr;
    }
  });
}

} // namespace detail

datagram_protocol::datagram_protocol() : caf::event_based_actor(detail::take_actor_config()) {
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
  caf::message_handler framework{
    [this](udp_start_atom, std::shared_ptr<detail::udp_port>& p) {
      port_ = std::move(p);
      started_protocol();
    },
    [this](udp_data_atom, bytes& data, ply::address& from) {
      datagram_received(std::move(data), from);
    },
    [this](udp_stop_atom) {
      stopped_protocol();
      quit();
    },
  };
  auto extra = extra_behavior();
  return extra ? framework.or_else(extra) : framework;
}

void datagram_protocol::on_exit() {
  if (port_)
    port_->close();
  port_.reset();
}

} // namespace ply
