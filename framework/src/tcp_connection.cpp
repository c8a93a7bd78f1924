#include "internal/tcp_connection.hpp"

#include <caf/abstract_actor.hpp>
#include <caf/actor_cast.hpp>
#include <caf/make_message.hpp>
#include <caf/message_id.hpp>
#include <spdlog/spdlog.h>

#include "internal/atoms.hpp"
#include "internal/io_thread.hpp"
#include "ply/error.hpp"

namespace ply::detail {

namespace {

address to_address(const tcp::endpoint& ep) {
  return address{ep.address().to_string(), ep.port()};
}

} // namespace

tcp_connection::tcp_connection(io_thread& thread, tcp::socket socket, uint64_t id)
  : thread_(thread), socket_(std::move(socket)), id_(id) {
  boost::system::error_code ec;
  socket_.non_blocking(true, ec);
  socket_.set_option(tcp::no_delay(true), ec);
  auto remote = socket_.remote_endpoint(ec);
  if (!ec)
    peer_ = to_address(remote);
  auto local = socket_.local_endpoint(ec);
  if (!ec)
    host_ = to_address(local);
}

tcp_connection::~tcp_connection() = default;

void tcp_connection::open() {
  thread_.connections.emplace(id_, shared_from_this());
  thread_.open_count.fetch_add(1, std::memory_order_relaxed);
  spdlog::debug("[conn {}] connection from {} to {}", id_, peer_.to_string(), host_.to_string());
}

template <class F>
void tcp_connection::on_thread(F f) {
  if (thread_.in_thread())
    f();
  else
    asio::post(thread_.ioc, [self = shared_from_this(), f = std::move(f)]() mutable { f(); });
}

// -- transport ------------------------------------------------------------------------------------

void tcp_connection::write(bytes_view data) {
  if (data.empty())
    return;
  if (thread_.in_thread())
    do_write(data);
  else
    asio::post(thread_.ioc,
               [self = shared_from_this(), copy = bytes{data}] { self->do_write(copy); });
}

void tcp_connection::do_write(bytes_view data) {
  if (state_ != state::open) {
    spdlog::debug("[conn {}] dropped {} bytes written after the connection was closed", id_,
                  data.size());
    return;
  }
  if (woff_ == wbuf_.size()) {
    // Nothing queued: write straight to the socket and keep only what did not fit.
    wbuf_.clear();
    woff_ = 0;
    boost::system::error_code ec;
    auto n = socket_.write_some(asio::buffer(data.data(), data.size()), ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) {
      n = 0;
    } else if (ec) {
      fail(ec, "write");
      return;
    }
    if (n == data.size())
      return;
    data.remove_prefix(n);
  }
  wbuf_.append(data.data(), data.size());
  check_watermarks();
  start_write_wait();
}

void tcp_connection::start_write_wait() {
  if (write_pending_ || state_ == state::closed)
    return;
  write_pending_ = true;
  socket_.async_wait(tcp::socket::wait_write,
                     [self = shared_from_this()](const boost::system::error_code& ec) {
                       self->on_writable(ec);
                     });
}

void tcp_connection::on_writable(const boost::system::error_code& ec) {
  write_pending_ = false;
  if (state_ == state::closed)
    return;
  if (ec) {
    fail(ec, "write");
    return;
  }
  boost::system::error_code wec;
  auto n = socket_.write_some(asio::buffer(wbuf_.data() + woff_, wbuf_.size() - woff_), wec);
  if (wec && wec != asio::error::would_block && wec != asio::error::try_again) {
    fail(wec, "write");
    return;
  }
  woff_ += wec ? 0 : n;
  if (woff_ == wbuf_.size()) {
    wbuf_.clear();
    wbuf_.shrink_to_fit();
    woff_ = 0;
  } else if (woff_ > wbuf_.size() / 2) {
    wbuf_.erase(0, woff_);
    woff_ = 0;
  }
  check_watermarks();
  if (woff_ < wbuf_.size()) {
    start_write_wait();
  } else if (state_ == state::closing) {
    close(make_error(errc::connection_done), true);
  }
}

void tcp_connection::check_watermarks() {
  auto queued = wbuf_.size() - woff_;
  if (!producer_paused_ && queued > high_water_) {
    producer_paused_ = true;
    spdlog::debug("[conn {}] write buffer at {} bytes: pausing the producer", id_, queued);
    deliver(caf::make_message(pause_atom::value));
  } else if (producer_paused_ && queued <= low_water_) {
    producer_paused_ = false;
    spdlog::debug("[conn {}] write buffer at {} bytes: resuming the producer", id_, queued);
    deliver(caf::make_message(resume_atom::value));
  }
}

void tcp_connection::lose_connection() {
  on_thread([this] { do_lose(); });
}

void tcp_connection::do_lose() {
  if (state_ != state::open)
    return;
  state_ = state::closing;
  if (woff_ == wbuf_.size())
    close(make_error(errc::connection_done), true);
  // Otherwise on_writable closes once the buffer is flushed.
}

void tcp_connection::abort_connection() {
  on_thread([this] {
    if (state_ != state::closed)
      close(make_error(errc::connection_aborted, "connection aborted locally"), false);
  });
}

address tcp_connection::peer() const {
  return peer_;
}

address tcp_connection::host() const {
  return host_;
}

void tcp_connection::pause_reading() {
  on_thread([this] {
    read_paused_ = true;
    stop_read();
  });
}

void tcp_connection::resume_reading() {
  on_thread([this] {
    read_paused_ = false;
    start_read();
  });
}

void tcp_connection::set_write_watermarks(size_t high, size_t low) {
  on_thread([this, high, low] {
    high_water_ = high;
    low_water_ = std::min(low, high);
    check_watermarks();
  });
}

uint64_t tcp_connection::id() const {
  return id_;
}

void tcp_connection::attach(caf::actor protocol) {
  on_thread([this, protocol = std::move(protocol)]() mutable {
    protocol_ = std::move(protocol);
    if (state_ == state::closed)
      send_lost(close_reason_);
    else
      start_read();
  });
}

// -- reading --------------------------------------------------------------------------------------

void tcp_connection::start_read() {
  if (read_watched_ || read_paused_ || read_eof_ || state_ != state::open || !protocol_)
    return;
  read_watched_ = true;
  thread_.watch_read(socket_.native_handle(), id_);
}

void tcp_connection::stop_read() {
  if (!read_watched_)
    return;
  read_watched_ = false;
  thread_.unwatch_read(socket_.native_handle());
}

void tcp_connection::on_readable() {
  if (state_ != state::open || !read_watched_)
    return;
  boost::system::error_code rec;
  auto n = socket_.read_some(asio::buffer(thread_.read_buffer.get(), io_thread::read_buffer_size),
                             rec);
  if (rec == asio::error::would_block || rec == asio::error::try_again)
    return;
  if (rec == asio::error::eof) {
    // The peer is done sending. The protocol hears of it after the data it has not handled yet;
    // what it writes until then is still flushed (its lose_connection closes the socket).
    read_eof_ = true;
    stop_read();
    send_lost(make_error(errc::connection_done, "connection closed by peer"));
    return;
  }
  if (rec) {
    fail(rec, "read");
    return;
  }
  deliver(caf::make_message(data_atom::value, bytes{thread_.read_buffer.get(), n}));
}

// -- closing --------------------------------------------------------------------------------------

void tcp_connection::fail(const boost::system::error_code& ec, const char* during) {
  if (state_ == state::closed || ec == asio::error::operation_aborted)
    return;
  spdlog::debug("[conn {}] {} failed: {}", id_, during, ec.message());
  close(make_error(errc::connection_lost, ec.message()), false);
}

void tcp_connection::close(caf::error reason, bool graceful) {
  if (state_ == state::closed)
    return;
  state_ = state::closed;
  stop_read();
  boost::system::error_code ignored;
  if (graceful)
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  if (woff_ != wbuf_.size())
    spdlog::debug("[conn {}] dropped {} unsent bytes on close", id_, wbuf_.size() - woff_);
  wbuf_.clear();
  wbuf_.shrink_to_fit();
  woff_ = 0;
  close_reason_ = reason;
  send_lost(std::move(reason));
  thread_.open_count.fetch_sub(1, std::memory_order_relaxed);
  // Last: this may drop the final owning reference to *this.
  thread_.connections.erase(id_);
}

void tcp_connection::send_lost(caf::error reason) {
  if (lost_sent_ || !protocol_)
    return;
  lost_sent_ = true;
  deliver(caf::make_message(lost_atom::value, std::move(reason)));
  // The protocol actor holds this transport; dropping our handle breaks the cycle.
  protocol_ = nullptr;
}

void tcp_connection::deliver(caf::message msg) {
  if (!protocol_)
    return;
  // Enqueued with this thread as host: the protocol actor runs here, next.
  caf::actor_cast<caf::abstract_actor*>(protocol_)->enqueue(nullptr, caf::make_message_id(),
                                                            std::move(msg), &thread_);
}

} // namespace ply::detail
