// SPDX-License-Identifier: MIT
#include "transports/stream_connection.hpp"

#include "trace/trace_hooks.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/un.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <mutex>
#include <string>

#include <caf/mailbox_element.hpp>
#include <caf/make_message.hpp>
#include <spdlog/spdlog.h>

#include "protocols/messages.hpp"
#include "reactor/io_thread.hpp"
#include "transports/socket_errors.hpp"
#include "transports/tls_session.hpp"
#include "ply/error.hpp"

namespace ply::detail {

namespace {

/// The address of one end of a socket: an IP address and port, or a Unix socket path.
address socket_name(int fd, bool remote) {
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  auto* sa = reinterpret_cast<sockaddr*>(&ss);
  if ((remote ? ::getpeername(fd, sa, &len) : ::getsockname(fd, sa, &len)) != 0)
    return {};
  char host[INET6_ADDRSTRLEN] = {};
  switch (ss.ss_family) {
    case AF_INET: {
      auto* in = reinterpret_cast<sockaddr_in*>(sa);
      ::inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
      return address{host, ntohs(in->sin_port)};
    }
    case AF_INET6: {
      auto* in6 = reinterpret_cast<sockaddr_in6*>(sa);
      ::inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
      return address{host, ntohs(in6->sin6_port)};
    }
    case AF_UNIX: {
      auto* un = reinterpret_cast<sockaddr_un*>(sa);
      auto path = std::string{un->sun_path, ::strnlen(un->sun_path, sizeof(un->sun_path))};
      // An unnamed client end has no path: say which kind of peer it is.
      return address{path.empty() ? std::string{"unix-peer"} : path, 0};
    }
    default:
      return {};
  }
}

} // namespace

stream_connection::stream_connection(io_thread& thread, int fd, uint64_t id)
  : thread_(thread), home_(thread.weak_from_this()), fd_(fd), id_(id),
    output_limit_(clamp32(thread.output_limit)) {
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));  // fails harmlessly on Unix sockets
  peer_ = socket_name(fd_, true);
  host_ = socket_name(fd_, false);
}

stream_connection::~stream_connection() {
  if (fd_ >= 0)
    ::close(fd_);
}

void stream_connection::open() {
  thread_.connections.emplace(id_, shared_from_this());
  thread_.open_count.fetch_add(1, std::memory_order_relaxed);
  spdlog::debug("[conn {}] connection from {} to {}", id_, peer().to_string(), host().to_string());
}

void stream_connection::update_interest() {
  uint32_t want = 0;
  if (state_ != state::closed) {
    if (!read_paused_ && !read_held_ && !read_eof_ && state_ == state::open && protocol_)
      want |= EPOLLIN;
    if (queued() > 0 && !corked_)
      want |= EPOLLOUT;
  }
  if (want != interest_) {
    thread_.watch(fd_, id_, interest_, want);
    interest_ = want;
  }
}

void stream_connection::on_events(uint32_t events) {
  if (lingering_) {
    drain();
    return;
  }
  // Errors and hang-ups surface through the read or the write that follows.
  if ((events & (EPOLLIN | EPOLLHUP | EPOLLERR)) && (interest_ & EPOLLIN))
    on_readable();
  if ((events & (EPOLLOUT | EPOLLHUP | EPOLLERR)) && (interest_ & EPOLLOUT) && state_ != state::closed)
    on_writable();
}

void stream_connection::lose_connection() {
  on_thread([this] { do_lose(); });
}

void stream_connection::do_lose() {
  if (state_ != state::open)
    return;
  if (tls_) {
    tls_->shutdown();  // our close_notify goes out before the socket closes
    push_tls();
    if (state_ != state::open)
      return;  // sending it ended the connection (a failed send, the output limit)
  }
  if (half_close())
    return;
  state_ = state::closing;
  if (queued() == 0)
    close(make_error(errc::connection_done), true);
  else
    update_interest();  // stops reading; on_writable closes once the buffer is flushed
}

void stream_connection::abort_connection() {
  on_thread([this] {
    if (state_ != state::closed)
      close(make_error(errc::connection_aborted, "connection aborted locally"), false);
  });
}

address stream_connection::peer() const {
  return peer_;
}

address stream_connection::host() const {
  return host_;
}

void stream_connection::pause_reading() {
  on_thread([this] {
    read_paused_ = true;
    update_interest();
  });
}

void stream_connection::resume_reading() {
  on_thread([this] {
    read_paused_ = false;
    update_interest();
  });
}

void stream_connection::hold_reading(bool held) {
  on_thread([this, held] {
    read_held_ = held;
    update_interest();
  });
}

uint64_t stream_connection::id() const {
  return id_;
}

caf::error stream_connection::start_tls(std::shared_ptr<tls_context> ctx) {
  if (!ctx)
    return make_error(errc::unsupported, "start_tls needs a TLS context");
  on_thread([this, ctx = std::move(ctx)] {
    if (tls_ || state_ == state::closed)
      return;
    tls_ = std::make_unique<tls_session>(*ctx);
    std::string err;
    if (!tls_->start(err)) {
      fail_tls(err);
      return;
    }
    push_tls();
  });
  return {};
}

// -- hooks for transports built on a stream ------------------------------------------------------

void stream_connection::on_attach(const caf::actor&) {
  // nop
}

bool stream_connection::half_close() {
  return false;
}

void stream_connection::on_closed() {
  // nop
}

bool stream_connection::controls_flow() const {
  return true;
}

caf::message stream_connection::data_message(bytes data) {
  return caf::make_message(data_atom::value, std::move(data));
}

caf::message stream_connection::lost_message(caf::error reason) {
  return caf::make_message(lost_atom::value, std::move(reason));
}

void stream_connection::end_of_input() {
  // The protocol hears of it after the data it has not handled yet; what it writes until then is
  // still flushed (its lose_connection closes the socket).
  update_interest();
  send_lost(make_error(errc::connection_done, "connection closed by peer"));
}

void stream_connection::shutdown_output_when_flushed() {
  if (queued() == 0)
    ::shutdown(fd_, SHUT_WR);
  else
    half_close_pending_ = true;
}

void stream_connection::run_on_thread(std::function<void()> f) {
  on_thread(std::move(f));
}

void stream_connection::attach(caf::actor protocol) {
  if (controls_flow()) {
    // At once, not on the reactor's thread: the protocol may already be writing (its
    // connection_made was sent first), and a pause must reach it.
    std::lock_guard<std::mutex> lock{flow_lock()};
    flow_target_ = protocol;
    if (producer_paused_.load(std::memory_order_relaxed))
      flow_target_->enqueue(nullptr, caf::make_message_id(), caf::make_message(pause_atom::value),
                            nullptr);
  }
  on_thread([this, protocol = std::move(protocol)]() mutable {
    on_attach(protocol);
    protocol_ = std::move(protocol);
    protocol_id_ = protocol_.id();
    if (plain_data())
      handler_ = dynamic_cast<traced_actor*>(caf::actor_cast<caf::abstract_actor*>(protocol_));
    if (state_ == state::closed)
      send_lost(close_reason_);
    else
      update_interest();
  });
}

// -- reading --------------------------------------------------------------------------------------

void stream_connection::on_readable() {
  auto n = thread_.receive(fd_, thread_.read_buffer.get(), io_thread::read_buffer_size);
  if (n < 0) {
    if (!would_block(errno))
      fail(errno, "read");
    return;
  }
  if (n == 0) {
    peer_closed();
    return;
  }
  if (trace::on()) {
    // The bytes are the cause of the message that carries them.
    auto id = trace::record("bytes_in", "\"conn\":" + std::to_string(id_) + ",\"actor\":" +
                                          std::to_string(protocol_id_) +
                                          ",\"n\":" + std::to_string(n));
    auto outer = trace::detail::exchange_current(id);
    deliver_data(static_cast<size_t>(n));
    trace::detail::exchange_current(outer);
    return;
  }
  deliver_data(static_cast<size_t>(n));
}

void stream_connection::peer_closed() {
  read_eof_ = true;
  end_of_input();
}

void stream_connection::fail_tls(const std::string& why) {
  spdlog::info("[conn {}] {}", id_, why);
  close(make_error(errc::connection_lost, why), false);
}

void stream_connection::deliver_data(size_t n) {
  if (tls_) {
    std::string plain;
    std::string err;
    bool closed = false;
    if (!tls_->feed(thread_.read_buffer.get(), n, plain, closed, err)) {
      push_tls();  // the alert, if any
      fail_tls(err);
      return;
    }
    push_tls();
    if (!plain.empty())
      deliver_bytes(std::move(plain));
    if (closed && !read_eof_)
      peer_closed();
    return;
  }
  deliver_bytes(bytes{thread_.read_buffer.get(), n});
}

void stream_connection::deliver_bytes(bytes data) {
  if (handler_) {
    // Held for the call: the handler may close the connection, which lets go of protocol_.
    caf::actor target = protocol_;
    caf::mailbox_element_vals<caf::atom_value, bytes> x{nullptr, caf::make_message_id(), {},
                                                  data_atom::value, std::move(data)};
    if (handler_->handle_now(x, &thread_))
      return;
    data = std::move(x.content().get_mutable_as<bytes>(1));
  }
  deliver(data_message(std::move(data)));
}

// -- closing --------------------------------------------------------------------------------------

void stream_connection::fail(int err, const char* during) {
  if (state_ == state::closed)
    return;
  auto why = std::string{std::strerror(err)};
  spdlog::debug("[conn {}] {} failed: {}", id_, during, why);
  close(make_error(errc::connection_lost, why), false);
}

void stream_connection::close(caf::error reason, bool graceful) {
  if (state_ == state::closed)
    return;
  state_ = state::closed;
  update_interest();
  // A graceful close while the peer may still be sending lingers: closing a socket with unread
  // bytes sends a reset, which can destroy our last answer before the peer reads it.
  if (graceful && !read_eof_) {
    linger();
  } else {
    ::close(fd_);
    fd_ = -1;
  }
  if (queued() > 0)
    spdlog::debug("[conn {}] dropped {} unsent bytes on close", id_, queued());
  wbuf_.clear();
  note_buffered();
  end_flow();
  close_reason_ = reason;
  on_closed();
  if (trace::on())
    trace::record("conn_lost", "\"conn\":" + std::to_string(id_) + ",\"actor\":" +
                                 std::to_string(protocol_id_) +
                                 ",\"reason\":" + trace::quote(describe(reason)));
  send_lost(std::move(reason));
  thread_.open_count.fetch_sub(1, std::memory_order_relaxed);
  // Last: this may drop the final owning reference to *this.
  if (!lingering_)
    thread_.connections.erase(id_);
}

void stream_connection::linger() {
  ::shutdown(fd_, SHUT_WR);
  lingering_ = true;
  thread_.watch(fd_, id_, 0, EPOLLIN);
  interest_ = EPOLLIN;
  auto timer = std::make_shared<asio::steady_timer>(thread_.ioc, linger_time);
  timer->async_wait([weak = weak_from_this(), timer](const boost::system::error_code&) {
    if (auto self = weak.lock())
      self->end_linger();
  });
}

void stream_connection::drain() {
  for (;;) {
    auto n = ::recv(fd_, thread_.read_buffer.get(), io_thread::read_buffer_size, 0);
    if (n > 0)
      continue;
    if (n < 0 && would_block(errno))
      return;
    end_linger();  // the peer closed too, or the socket failed
    return;
  }
}

void stream_connection::end_linger() {
  if (!lingering_)
    return;
  lingering_ = false;
  thread_.watch(fd_, id_, interest_, 0);
  interest_ = 0;
  ::close(fd_);
  fd_ = -1;
  thread_.connections.erase(id_);  // last: may destroy *this
}

void stream_connection::send_lost(caf::error reason) {
  if (lost_sent_ || !protocol_)
    return;
  lost_sent_ = true;
  deliver(lost_message(std::move(reason)));
  // The protocol actor holds this transport; dropping our handles breaks the cycle.
  protocol_ = nullptr;
  handler_ = nullptr;
  caf::actor target;
  {
    std::lock_guard<std::mutex> lock{flow_lock()};
    target.swap(flow_target_);
  }
  // Let go outside the lock: a last reference runs the actor's cleanup, and other connections
  // share the lock.
}

void stream_connection::deliver(caf::message msg) {
  if (protocol_)
    thread_.deliver(protocol_, std::move(msg));
}

} // namespace ply::detail
