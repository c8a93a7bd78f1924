// SPDX-License-Identifier: MIT
#include "transports/udp_port.hpp"

#include <caf/make_message.hpp>
#include <spdlog/spdlog.h>

#include "protocols/messages.hpp"
#include "reactor/reactor_core.hpp"
#include "ply/endpoint.hpp"
#include "ply/error.hpp"

namespace ply::detail {

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

caf::expected<uint16_t> udp_ports::bind(reactor_core& core, std::string_view text,
                                        const datagram_maker& make) {
  auto ep = parse_server_endpoint(text);
  if (!ep)
    return ep.error();
  if (ep->type != endpoint::kind::udp)
    return make_error(errc::bad_endpoint,
                      "endpoint '" + std::string{text} + "': listen_udp wants udp:PORT");
  auto bind_addr = interface_address(*ep, text);
  if (!bind_addr)
    return bind_addr.error();
  auto addr = *bind_addr;
  boost::system::error_code ec;
  auto& thr = core.pick_thread();
  asio::ip::udp::socket sock{thr.ioc};
  asio::ip::udp::endpoint bind_ep{addr, ep->port};
  auto what = "cannot bind UDP " + address{addr.to_string(), ep->port}.to_string() + ": ";
  if (sock.open(bind_ep.protocol(), ec); ec)
    return make_error(errc::listen_failed, what + ec.message());
  if (sock.bind(bind_ep, ec); ec)
    return make_error(errc::listen_failed, what + ec.message());
  auto port = std::make_shared<udp_port>(thr, std::move(sock));
  {
    std::lock_guard<std::mutex> guard{mtx_};
    ports_.push_back(port);
  }
  port->start(make(core.sys));
  spdlog::info("listening on udp:{}", address{addr.to_string(), port->port()}.to_string());
  return port->port();
}

void udp_ports::close_all() {
  std::lock_guard<std::mutex> guard{mtx_};
  for (auto& p : ports_)
    p->close();
  ports_.clear();
}

} // namespace ply::detail
