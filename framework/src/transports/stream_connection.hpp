// SPDX-License-Identifier: MIT
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <caf/error.hpp>
#include <caf/message.hpp>

#include "reactor/asio.hpp"
#include "reactor/io_thread.hpp"
#include "transports/write_queue.hpp"
#include "ply/detail/traced_actor.hpp"
#include "ply/transport.hpp"

namespace ply::detail {

class tls_session;

/// A stream connection (TCP or Unix socket) owned by one reactor thread: the transport of one
/// protocol actor. It holds only the socket's descriptor; the thread's poller tells it when the
/// socket is readable or, while bytes are queued, writable. State is touched on the owning thread
/// only, except the atomic counters of what waits to be sent and the flow target (under
/// `flow_lock()`), which writers on other threads read and update; their other transport calls are
/// posted there. No per-connection read buffer: reads go to the thread's buffer and are copied
/// once, into the message.
class stream_connection : public transport,
                             public std::enable_shared_from_this<stream_connection> {
public:
  /// Takes ownership of `fd`, a connected socket.
  stream_connection(io_thread& thread, int fd, uint64_t id);
  ~stream_connection() override;

  /// Registers with the thread. Called on the owning thread right after construction.
  void open();

  using transport::write;
  void write(bytes_view data) override;
  void lose_connection() override;
  void abort_connection() override;
  address peer() const override;
  address host() const override;
  void pause_reading() override;
  void resume_reading() override;
  void hold_reading(bool held) override;
  void set_write_watermarks(size_t high, size_t low) override;
  void set_output_limit(size_t bytes) override;
  uint64_t id() const override;
  void attach(caf::actor protocol) override;
  caf::error start_tls(std::shared_ptr<tls_context> ctx) override;

  /// The poller saw `events` (EPOLLIN, EPOLLOUT, EPOLLHUP, EPOLLERR) on the socket.
  void on_events(uint32_t events);

  /// Sends what was written since the last flush (see `io_thread::flush_soon`).
  void flush();

protected:
  void write_owned(bytes&& data) override;

  // -- for transports built on a stream (a child process's streams, transports/process_transport) --

  /// The protocol is attached (on the owning thread), before it hears anything.
  virtual void on_attach(const caf::actor& protocol);
  /// `lose_connection` was called: true when this closed only our writing side instead.
  virtual bool half_close();
  /// The connection closed (on the owning thread).
  virtual void on_closed();
  /// Whether the write buffer pauses and resumes the protocol.
  virtual bool controls_flow() const;
  /// The message that carries data read to the protocol.
  virtual caf::message data_message(bytes data);
  /// Whether that message is the plain `data` one, which an idle protocol may handle at once
  /// (`traced_actor::handle_now`); a transport that overrides data_message says false.
  virtual bool plain_data() const {
    return true;
  }
  /// The message that tells the protocol the stream ended.
  virtual caf::message lost_message(caf::error reason);
  /// The peer is done sending: by default the protocol hears `connection_lost` after its data.
  virtual void end_of_input();

  /// Whether the peer is done sending.
  bool input_ended() const {
    return read_eof_;
  }
  /// Shuts our writing side down once the buffer is sent; reading goes on.
  void shutdown_output_when_flushed();
  void close(caf::error reason, bool graceful);
  /// Watches the socket for what the connection's state wants now (stops reading once the input
  /// ended, writes while something is queued).
  void update_interest();
  /// Runs `f` on the owning thread, in order with the other calls (see `on_thread`).
  void run_on_thread(std::function<void()> f);
  io_thread& thread() {
    return thread_;
  }

private:
  enum class state : uint8_t { open, closing, closed };

  /// Runs `f` on the owning thread: at once when called there, unless calls posted from other
  /// threads still wait (an actor that moved between threads must not overtake its own earlier
  /// writes); otherwise posted, in order.
  template <class F>
  void on_thread(F f);
  bool runs_now() const;
  /// Posts `f` to the owning thread, behind the calls posted before it; false when the thread
  /// no longer takes work (it stopped), and `f` is dropped.
  template <class F>
  bool post_in_order(F f);

  /// `write` for a view or a buffer to take: counted against the limits here, queued on the
  /// owning thread.
  template <class Data>
  void write_any(Data&& data);
  /// Queues `data` on the owning thread: taken as it is, unless TLS must encrypt it.
  void do_write(bytes&& data);
  /// Queues a copy of `data` (through TLS once it runs); dropped after the connection closed.
  void do_write(bytes_view data);
  /// Queues plain bytes for the socket (ciphertext once TLS runs).
  template <class Data>
  void queue_raw(Data&& data);
  void on_readable();
  void deliver_data(size_t n);
  /// The peer is done sending (end of stream, or TLS's close_notify).
  void peer_closed();
  /// TLS failed: the reason is logged and the connection closed with it.
  void fail_tls(const std::string& why);
  void deliver_bytes(bytes data);
  /// Moves the TLS session's ciphertext into the write buffer and gets it sent.
  void push_tls();
  void on_writable();
  /// Compares what waits to be sent with the watermarks: pauses the producer above the high-water
  /// mark, resumes it at or below the low one (on the owning thread, after each send).
  void check_watermarks();
  /// Bytes written and not yet taken by the socket: posted writes plus the buffer. Any thread.
  size_t outstanding() const {
    return pending_.load(std::memory_order_relaxed) + buffered_.load(std::memory_order_relaxed);
  }
  /// Mirrors the buffer's size into `buffered_` (and the thread's total) after it changed.
  void note_buffered();
  /// Counts `delta` bytes of posted writes (negative once they ran).
  void add_pending(std::ptrdiff_t delta);
  /// Tells the protocol to pause or resume producing, once per change, from any thread; the
  /// messages keep the order of the changes.
  void set_producer_paused(bool paused);
  /// The connection closed: a paused producer leaves the thread's count of paused ones.
  void end_flow();
  /// A write would pass the output limit: the connection is closed, the write dropped.
  void refuse_output(size_t total);
  /// The lock that orders this connection's pause and resume messages: one of a few shared by
  /// all connections (a mutex of its own would add 40 bytes to each idle connection).
  std::mutex& flow_lock() const;
  void do_lose();
  void fail(int err, const char* during);
  void deliver(caf::message msg);
  void send_lost(caf::error reason);
  /// After a graceful close: our side is shut down for writing; what the peer still sends is
  /// read and dropped until it closes too, or `linger_time` passes.
  void linger();
  void drain();
  void end_linger();
  static constexpr auto linger_time = std::chrono::seconds(2);
  size_t queued() const {
    return wbuf_.size();
  }

  io_thread& thread_;
  std::weak_ptr<io_thread> home_;  ///< `thread_`, for posting from other threads
  std::atomic<uint32_t> posted_{0};  ///< calls posted from other threads that have not run yet
  int fd_;
  uint64_t id_;
  address peer_;
  address host_;
  caf::actor protocol_;
  detail::traced_actor* handler_ = nullptr;  ///< protocol_ as ply's actor, for handle_now
  uint64_t protocol_id_ = 0;  ///< for traces, also after protocol_ is let go
  write_queue wbuf_;
  std::atomic<size_t> pending_{0};   ///< bytes of posted writes that have not run yet
  std::atomic<size_t> buffered_{0};  ///< `queued()`, readable from any thread
  // Marks and cap in 32 bits (up to 4 GiB; larger settings are clamped): an idle connection's
  // memory is what 18,000 of them cost.
  std::atomic<uint32_t> high_water_{default_high_water_mark};
  std::atomic<uint32_t> low_water_{default_low_water_mark};
  std::atomic<uint32_t> output_limit_;
  std::atomic<bool> over_limit_{false};  ///< closing for the output limit: writes are dropped
  std::atomic<bool> blocked_{false};  ///< the last send left bytes behind (the peer lags)
  std::atomic<bool> producer_paused_{false};  ///< changed under flow_lock() only
  caf::actor flow_target_;  ///< the protocol, for pause and resume (guarded by flow_lock())
  bool flow_ended_ = false;  ///< closed: a pause no longer counts (guarded by flow_lock())
  uint32_t interest_ = 0;  ///< epoll events registered with the poller
  state state_ = state::open;
  bool corked_ = false;  ///< written bytes wait for this burst's flush
  bool read_paused_ = false;
  bool read_held_ = false;  ///< hold_reading: a pause of its own
  bool read_eof_ = false;
  bool lost_sent_ = false;
  bool lingering_ = false;
  bool half_close_pending_ = false;  ///< our writing side shuts down once the buffer is sent
  std::unique_ptr<tls_session> tls_;  ///< after start_tls: all bytes go through it
  caf::error close_reason_;
};

// -- calls from any thread, run on the owning one in order ----------------------------------------

inline bool stream_connection::runs_now() const {
  return thread_.in_thread() && posted_.load(std::memory_order_acquire) == 0;
}

template <class F>
bool stream_connection::post_in_order(F f) {
  posted_.fetch_add(1, std::memory_order_acq_rel);
  auto run = [self = shared_from_this(), f = std::move(f)]() mutable {
    self->posted_.fetch_sub(1, std::memory_order_acq_rel);
    f();
  };
  auto posted = io_thread::post_ordered(home_, std::move(run));
  if (!posted)
    posted_.fetch_sub(1, std::memory_order_acq_rel);
  return static_cast<bool>(posted);
}

template <class F>
void stream_connection::on_thread(F f) {
  if (runs_now())
    f();
  else
    post_in_order(std::move(f));
}

} // namespace ply::detail
