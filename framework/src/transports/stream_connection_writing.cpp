// SPDX-License-Identifier: MIT
// A stream connection's write path: writes from any thread, the buffer, sending when the socket
// is writable, the watermarks that pause and resume the producer, and the output limit.
#include "transports/stream_connection.hpp"

#include <sys/epoll.h>
#include <sys/socket.h>

#include <mutex>
#include <string>
#include <type_traits>
#include <utility>

#include <caf/make_message.hpp>
#include <spdlog/spdlog.h>

#include "protocols/messages.hpp"
#include "reactor/io_thread.hpp"
#include "trace/trace_hooks.hpp"
#include "transports/socket_errors.hpp"
#include "transports/tls_session.hpp"
#include "ply/error.hpp"

namespace ply::detail {

namespace {

/// Buffers one send takes at most: more would only be sent if the socket took all of these.
constexpr size_t max_iov = 64;

} // namespace

// -- writing --------------------------------------------------------------------------------------

void stream_connection::write(bytes_view data) {
  write_any(data);
}

void stream_connection::write_owned(bytes&& data) {
  write_any(std::move(data));
}

template <class Data>
void stream_connection::write_any(Data&& data) {
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
    do_write(std::forward<Data>(data));
  } else {
    auto size = data.size();
    if (auto home = home_.lock()) {  // the thread's counters live as long as it does
      add_pending(static_cast<std::ptrdiff_t>(size));
      // The copy (or the buffer handed over) travels to the reactor thread and is queued there
      // as it is, not copied again.
      posted = post_in_order([this, size, copy = bytes{std::forward<Data>(data)}]() mutable {
        // Into the buffer first, then out of the count of writes on their way: a writer on
        // another thread never sees the total lower than it is (it would pause a write late).
        do_write(std::move(copy));
        add_pending(-static_cast<std::ptrdiff_t>(size));
      });
      if (!posted)  // the reactor thread stopped meanwhile
        add_pending(-static_cast<std::ptrdiff_t>(size));
    }
    if (!posted) {
      spdlog::debug("[conn {}] dropped {} bytes written after the reactor stopped", id_, size);
      return;
    }
    pending += size;
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
  thread_.posted_bytes.fetch_add(delta, std::memory_order_relaxed);
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
  if (!flow_ended_)
    thread_.paused_producers.fetch_add(paused ? 1 : -1, std::memory_order_relaxed);
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

void stream_connection::end_flow() {
  std::lock_guard<std::mutex> lock{flow_lock()};
  if (!flow_ended_ && producer_paused_.load(std::memory_order_relaxed))
    thread_.paused_producers.fetch_sub(1, std::memory_order_relaxed);
  flow_ended_ = true;
}

void stream_connection::do_write(bytes&& data) {
  if (state_ == state::open && !tls_)
    queue_raw(std::move(data));
  else
    do_write(bytes_view{data});
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
    queue_raw(std::move(cipher));
}

template <class Data>
void stream_connection::queue_raw(Data&& data) {
  if constexpr (std::is_same_v<Data, bytes>)  // a buffer handed over (an rvalue), never an lvalue
    wbuf_.push(std::move(data));
  else
    wbuf_.append(data);
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
  // Sends until the queue is empty or the socket takes less than it is offered: a queue of more
  // buffers than one send takes is not a peer that lags.
  size_t sent = 0;
  bool refused = false;
  while (queued() > 0 && !refused) {
    iovec iov[max_iov];
    auto count = wbuf_.gather(iov, max_iov);
    size_t offered = 0;
    for (size_t i = 0; i < count; ++i)
      offered += iov[i].iov_len;
    auto n = thread_.send(fd_, iov, count);
    if (n < 0) {
      if (!would_block(errno)) {
        fail(errno, "write");
        return;
      }
      refused = true;
      break;
    }
    wbuf_.consume(static_cast<size_t>(n));
    sent += static_cast<size_t>(n);
    refused = static_cast<size_t>(n) < offered;
  }
  if (sent == 0 && refused) {
    // Not ready: a flush of corked writes must now wait for the socket (it was not watched).
    blocked_.store(true, std::memory_order_relaxed);
    check_watermarks();
    update_interest();
    return;
  }
  blocked_.store(queued() > 0, std::memory_order_relaxed);  // it did not take everything
  if (trace::on() && sent > 0)
    trace::record("bytes_out", "\"conn\":" + std::to_string(id_) + ",\"actor\":" +
                                 std::to_string(protocol_id_) +
                                 ",\"n\":" + std::to_string(sent));
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

} // namespace ply::detail
