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

#include <caf/make_message.hpp>
#include <spdlog/spdlog.h>

#include "protocols/messages.hpp"
#include "reactor/io_thread.hpp"
#include "transports/tls_session.hpp"
#include "ply/error.hpp"

namespace ply::detail {

namespace {

/// `bytes`, at most what 32 bits hold.
uint32_t clamp32(size_t bytes) {
  return static_cast<uint32_t>(std::min<size_t>(bytes, UINT32_MAX));
}

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

bool would_block(int err) {
  return err == EAGAIN || err == EWOULDBLOCK || err == EINTR;
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

bool stream_connection::runs_now() const {
  return thread_.in_thread() && posted_.load(std::memory_order_acquire) == 0;
}

template <class F>
void stream_connection::post_in_order(F f) {
  posted_.fetch_add(1, std::memory_order_acq_rel);
  auto run = [self = shared_from_this(), f = std::move(f)]() mutable {
    self->posted_.fetch_sub(1, std::memory_order_acq_rel);
    f();
  };
  auto posted = io_thread::post_ordered(home_, std::move(run));
  if (!posted)
    posted_.fetch_sub(1, std::memory_order_acq_rel);
}

template <class F>
void stream_connection::on_thread(F f) {
  if (runs_now())
    f();
  else
    post_in_order(std::move(f));
}

void stream_connection::update_interest() {
  uint32_t want = 0;
  if (state_ != state::closed) {
    if (!read_paused_ && !read_eof_ && state_ == state::open && protocol_)
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

// -- transport ------------------------------------------------------------------------------------

void stream_connection::write(bytes_view data) {
  if (data.empty())
    return;
  if (over_limit_.load(std::memory_order_relaxed)) {
    spdlog::debug("[conn {}] dropped {} bytes written while closing for the output limit", id_,
                  data.size());
    return;
  }
  // Counted here, on the writer's thread, so that neither the cap nor the pause waits for a busy
  // reactor thread to catch up with the posted writes. Both count only a peer that lags: the
  // socket refused bytes, or writes wait for the reactor; while the socket takes what comes, a
  // burst is no reason to stop anyone (the chat would cut off a client that reads).
  auto total = outstanding() + data.size();
  size_t limit = output_limit_.load(std::memory_order_relaxed);
  bool here = runs_now();  // flush() below posts nothing, so this holds for the whole call
  if (limit > 0 && total > limit && here && corked_) {
    // What this turn wrote goes to the socket first: a peer that reads takes it.
    flush();
    total = outstanding() + data.size();
  }
  auto pending = pending_.load(std::memory_order_relaxed);
  auto blocked = blocked_.load(std::memory_order_relaxed);
  // On the reactor's thread the socket's state is current. From elsewhere the reactor holds the
  // buffer against the cap when the writes arrive (queue_raw); here only the writes still on
  // their way are bounded, by at least the default cap: a reactor thread that is behind is no
  // sign that this peer does not read (a chat's small cap would cut off a reader).
  auto in_flight_cap = std::max(limit, default_output_limit);
  if (limit > 0 && total > limit && ((here && blocked) || pending > in_flight_cap)) {
    refuse_output(total);
    return;
  }
  bool posted = false;
  if (here) {
    do_write(data);
  } else if (auto home = home_.lock()) {  // the thread's counters live as long as it does
    add_pending(static_cast<std::ptrdiff_t>(data.size()));
    post_in_order([this, copy = bytes{data}] {
      // Into the buffer first, then out of the count of writes on their way: a writer on another
      // thread never sees the total lower than it is (it would pause a write late).
      do_write(copy);
      add_pending(-static_cast<std::ptrdiff_t>(copy.size()));
    });
    pending += data.size();
    posted = true;
  } else {
    spdlog::debug("[conn {}] dropped {} bytes written after the reactor stopped", id_, data.size());
    return;
  }
  // Paused now, not once the reactor went through every write posted meanwhile.
  if (total > high_water_.load(std::memory_order_relaxed) && (blocked || pending > 0)
      && !producer_paused_.load(std::memory_order_relaxed)) {
    set_producer_paused(true);
    // The reactor may have sent everything before the pause: it looks again, so that a resume
    // is never missed.
    if (posted)
      post_in_order([this] { check_watermarks(); });
  }
}

void stream_connection::add_pending(std::ptrdiff_t delta) {
  pending_.fetch_add(static_cast<size_t>(delta), std::memory_order_relaxed);
  thread_.output_bytes.fetch_add(delta, std::memory_order_relaxed);
}

void stream_connection::note_buffered() {
  auto now = queued();
  auto before = buffered_.exchange(now, std::memory_order_relaxed);
  thread_.output_bytes.fetch_add(static_cast<int64_t>(now) - static_cast<int64_t>(before),
                                 std::memory_order_relaxed);
}

void stream_connection::refuse_output(size_t total) {
  if (over_limit_.exchange(true))
    return;
  size_t limit = output_limit_.load(std::memory_order_relaxed);
  spdlog::warn("[conn {}] the peer does not read: {} bytes would wait for it, over the output "
               "limit of {}: closing the connection",
               id_, total, limit);
  on_thread([this, limit] {
    if (state_ != state::closed)
      close(make_error(errc::output_limit, "over the output limit of " + std::to_string(limit)
                                             + " bytes: the peer does not read"),
            false);
  });
}

void stream_connection::set_producer_paused(bool paused) {
  std::lock_guard<std::mutex> lock{flow_lock()};
  if (producer_paused_.load(std::memory_order_relaxed) == paused)
    return;
  producer_paused_.store(paused, std::memory_order_relaxed);
  if (!flow_target_)
    return;  // the protocol writes before it is attached: attach tells it
  auto waiting = outstanding();
  spdlog::debug("[conn {}] {} bytes wait to be sent: {} the producer", id_, waiting,
                paused ? "pausing" : "resuming");
  trace::record("flow", "\"conn\":" + std::to_string(id_) + ",\"state\":\""
                          + (paused ? "paused" : "resumed") + "\",\"queued\":"
                          + std::to_string(waiting));
  auto msg = paused ? caf::make_message(pause_atom::value) : caf::make_message(resume_atom::value);
  // Enqueued under the lock: a pause and the resume that follows it arrive in that order.
  if (thread_.in_thread())
    thread_.deliver(flow_target_, std::move(msg));
  else
    flow_target_->enqueue(nullptr, caf::make_message_id(), std::move(msg), nullptr);
}

void stream_connection::do_write(bytes_view data) {
  if (state_ != state::open) {
    spdlog::debug("[conn {}] dropped {} bytes written after the connection was closed", id_,
                  data.size());
    return;
  }
  if (tls_) {
    std::string err;
    if (!tls_->write(data, err)) {
      fail_tls(err);
      return;
    }
    push_tls();
    return;
  }
  queue_raw(data);
}

void stream_connection::push_tls() {
  std::string cipher;
  tls_->drain(cipher);
  if (!cipher.empty() && state_ != state::closed)
    queue_raw(cipher);
}

void stream_connection::queue_raw(bytes_view data) {
  if (queued() == 0) {
    wbuf_.clear();
    woff_ = 0;
  }
  wbuf_.append(data.data(), data.size());
  note_buffered();
  // Corked until the end of this burst, unless the socket is already waiting to be writable, or
  // the burst passed the high-water mark: a producer that writes on in the same turn (a message
  // to itself) then learns at once whether the socket keeps up.
  if (corked_) {
    if (queued() > high_water_.load(std::memory_order_relaxed))
      flush();
    return;
  }
  if ((interest_ & EPOLLOUT) == 0) {
    corked_ = true;
    thread_.flush_soon(shared_from_this());
  } else {
    // The socket is waiting to be writable: the peer lags, and past the hard cap it is cut off.
    // (Only here, where the buffer grows while the peer lags: one large write to a peer that
    // reads is sent off in parts, and the buffer shrinks meanwhile.)
    size_t limit = output_limit_.load(std::memory_order_relaxed);
    if (limit > 0 && queued() > limit)
      refuse_output(queued());
    else
      check_watermarks();
  }
}

void stream_connection::flush() {
  if (!corked_)
    return;
  corked_ = false;
  if (state_ != state::closed)
    on_writable();
}

void stream_connection::on_writable() {
  auto n = thread_.send(fd_, wbuf_.data() + woff_, queued());
  if (n < 0) {
    if (!would_block(errno)) {
      fail(errno, "write");
      return;
    }
    // Not ready: a flush of corked writes must now wait for the socket (it was not watched).
    blocked_.store(true, std::memory_order_relaxed);
    check_watermarks();
    update_interest();
    return;
  }
  woff_ += static_cast<size_t>(n);
  blocked_.store(queued() > 0, std::memory_order_relaxed);  // it did not take everything
  if (trace::on() && n > 0)
    trace::record("bytes_out", "\"conn\":" + std::to_string(id_) + ",\"actor\":" +
                                 std::to_string(protocol_id_) +
                                 ",\"n\":" + std::to_string(n));
  if (queued() == 0) {
    wbuf_.clear();
    wbuf_.shrink_to_fit();
    woff_ = 0;
  } else if (woff_ > wbuf_.size() / 2) {
    wbuf_.erase(0, woff_);
    woff_ = 0;
  }
  note_buffered();
  check_watermarks();
  if (queued() == 0 && half_close_pending_) {
    half_close_pending_ = false;
    ::shutdown(fd_, SHUT_WR);
  }
  if (queued() == 0 && state_ == state::closing)
    close(make_error(errc::connection_done), true);
  else
    update_interest();
}

void stream_connection::check_watermarks() {
  auto paused = producer_paused_.load(std::memory_order_relaxed);
  if (!paused && queued() > high_water_.load(std::memory_order_relaxed))
    set_producer_paused(true);
  else if (paused && outstanding() <= low_water_.load(std::memory_order_relaxed))
    set_producer_paused(false);
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

std::mutex& stream_connection::flow_lock() const {
  static std::mutex locks[64];
  return locks[id_ % std::size(locks)];
}

void stream_connection::set_write_watermarks(size_t high, size_t low) {
  high_water_.store(clamp32(high), std::memory_order_relaxed);
  low_water_.store(clamp32(std::min(low, high)), std::memory_order_relaxed);
  on_thread([this] { check_watermarks(); });
}

void stream_connection::set_output_limit(size_t bytes) {
  output_limit_.store(clamp32(bytes), std::memory_order_relaxed);
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
  wbuf_.shrink_to_fit();
  woff_ = 0;
  note_buffered();
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
