// SPDX-License-Identifier: MIT
#pragma once

#include <sys/uio.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <functional>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

#include <caf/execution_unit.hpp>
#include <caf/fwd.hpp>

#include "reactor/asio.hpp"
#include "ply/faults.hpp"
#include "ply/transport.hpp"

struct epoll_event;

namespace ply::detail {

class stream_connection;

/// One reactor thread: an `io_context` that is also a CAF execution unit. An actor enqueued with
/// this unit as host is resumed by a handler posted to the `io_context`, so a protocol actor runs
/// on the thread that owns its socket, right after the read that woke it.
///
/// The thread blocks in its own epoll set, which holds its connections' sockets and Asio's epoll
/// set (timers, listeners, UDP, signals): a read wakes it directly, with no second set to pass
/// through and nothing to re-arm. Asio's handlers run between batches (`io_context::poll_one`). Asio
/// wakes a thread only when the thread blocks inside Asio, so everything posted to this thread
/// from another one goes through `post`, which wakes it. Where Asio's set cannot be found (no
/// `/proc`), or when asked (`loop_kind::nested`), the thread runs inside Asio's loop instead, with
/// its own set watched there as one descriptor.
class io_thread final : public caf::execution_unit, public std::enable_shared_from_this<io_thread> {
public:
  /// How the thread waits: in its own loop, or inside Asio's (slower; where the first cannot be).
  enum class loop_kind { own, nested };

  io_thread(caf::actor_system& sys, size_t index, loop_kind kind = loop_kind::own);
  ~io_thread() override;

  void exec_later(caf::resumable* job) override;

  /// Whether the calling thread is this reactor thread.
  bool in_thread() const {
    return current_ == this;
  }

  /// Runs the thread's loop on the calling thread until `stop`.
  void run();

  /// Runs `f` on this thread, from whichever thread: the one way to post here (a plain
  /// `asio::post` could wait until something else woke the thread).
  template <class F>
  void post(F&& f) {
    asio::post(ioc, std::forward<F>(f));
    if (!nested())
      wake();
  }

  /// Whether the thread runs inside Asio's loop (see the class comment).
  bool nested() const {
    return poller_.has_value();
  }

  /// Runs the thread's loop on a new thread.
  void start_thread();

  /// Stops the loop (what is still queued is dropped), from any thread; joins a started thread.
  void stop();

  /// After `stop`: actors enqueued here go to CAF's scheduler instead.
  void reject_jobs();

  size_t index() const {
    return index_;
  }

  asio::io_context ioc;

  /// Shared read buffer: bytes are copied once, from here into the message.
  std::unique_ptr<char[]> read_buffer;
  static constexpr size_t read_buffer_size = 64 * 1024;

  /// Open connections owned by this thread (touched only on this thread).
  std::unordered_map<uint64_t, std::shared_ptr<stream_connection>> connections;

  /// Number of open connections, readable from any thread.
  std::atomic<size_t> open_count{0};

  /// Bytes in this thread's connections' write buffers, readable from any thread
  /// (`reactor::queued_output`).
  std::atomic<int64_t> output_bytes{0};

  /// Bytes written to this thread's connections from other threads and not yet in their write
  /// buffers (`reactor::posted_output`).
  std::atomic<int64_t> posted_bytes{0};

  /// Open connections whose producer is paused because the peer lags, readable from any thread
  /// (`reactor::paused_producers`).
  std::atomic<int64_t> paused_producers{0};

  /// The longest the thread goes without looking at Asio's queue, asleep or busy: a handler that
  /// Asio queued without waking anyone (a completion made outside its loop, such as a socket
  /// closed by an actor running inline) waits at most this long. Cancelling or closing an Asio
  /// object belongs in a posted handler, where its completion runs at once.
  std::chrono::milliseconds quiet_spell{1000};

  /// The hard cap of each new connection's write buffer (`reactor::options::output_limit`).
  size_t output_limit = default_output_limit;

  /// Queues `conn` to send what it wrote once the current burst of work is done: writes made by
  /// actors in one burst (a fan-out writes one line to each of many mailboxes) leave in one
  /// system call per connection instead of one per write.
  void flush_soon(std::shared_ptr<stream_connection> conn);

  /// Enqueues `msg` to `to` with this thread as host: the actor runs on this thread, next.
  void deliver(const caf::actor& to, caf::message msg);

  /// Faults injected into this thread's socket I/O and timers (`reactor::options::faults`); unset
  /// in normal runs, which then cost one test per system call.
  std::optional<fault_injector> faults;

  /// `recv` and `send` as the fault plan lets them happen: -1 with `errno` set on failure.
  ssize_t receive(int fd, char* buf, size_t capacity);
  ssize_t send(int fd, const char* data, size_t size);
  /// `sendmsg` over `count` buffers, as the fault plan lets it happen (it may shorten `iov`).
  ssize_t send(int fd, iovec* iov, size_t count);

  /// Changes the epoll events watched on `fd` for connection `id` from `before` to `after`
  /// (level-triggered unless `EPOLLET` is among them; 0 means not watched). Returns whether epoll
  /// took it.
  bool watch(int fd, uint64_t id, uint32_t before, uint32_t after);

  /// Posts `f` to the thread behind `home`, unless that thread is gone with its reactor: a
  /// transport that an actor keeps after the reactor was destroyed then does nothing, instead of
  /// touching a destroyed `io_context`. Returns whether it posted.
  template <class F>
  static bool post(const std::weak_ptr<io_thread>& home, F&& f) {
    auto t = home.lock();
    if (!t)
      return false;
    t->post(std::forward<F>(f));
    return true;
  }

  /// Runs `f` on the thread behind `home` after every function given here before it, from
  /// whichever thread. Asio alone does not promise that: a post made on its own thread runs after
  /// the handler that made it, behind posts from other threads made meanwhile. Returns whether it
  /// posted (false once the thread is gone with its reactor).
  static bool post_ordered(const std::weak_ptr<io_thread>& home, std::function<void()> f);

private:
  /// Moves the thread's set out of Asio's and Asio's into it; false (nothing changed) if Asio's
  /// set cannot be found.
  bool take_own_loop();
  void run_own_loop();
  /// Runs Asio's ready handlers to the end of its queue, at most a bound of them; returns
  /// whether more may be waiting.
  bool poll_some();
  /// Handles a batch of the thread's own set; returns whether Asio's set was ready in it.
  bool handle_events(const epoll_event* events, int n);
  void wake();
  void run_ordered();
  void resume(caf::resumable* job);
  void run_ready_jobs();
  void arm_poller();
  void on_poller_ready();
  void flush_all();

  /// The thread's epoll set: its sockets (level-triggered, registered for reading for their
  /// lifetime), Asio's set (level-triggered) and `wake_fd_`. Owned here.
  int epoll_fd_ = -1;

  /// Asio's epoll set, watched in `epoll_fd_` (owned by Asio); -1 when nested.
  int asio_fd_ = -1;

  /// An eventfd that `wake` writes while the thread sleeps in `epoll_wait` (edge-triggered,
  /// never read: its count cannot reach its limit at one write per sleep).
  int wake_fd_ = -1;

  /// Posts (and stops), counted, and whether the thread is (about to be) asleep: a post
  /// counted before the thread looked finds the count changed, one counted after it finds the
  /// thread asleep and writes `wake_fd_`.
  std::atomic<uint64_t> posted_{0};
  std::atomic<bool> sleeping_{false};
  std::atomic<bool> wake_written_{false};  ///< `wake_fd_` written, its edge not yet seen

  /// Actors woken while the poller handles an event run right after it, before the next socket
  /// is read (read, handle, write per connection), instead of after the whole batch.
  std::vector<caf::resumable*> ready_;
  bool collecting_ = false;
  /// When nested: `epoll_fd_` as Asio watches it (released, not closed, at the end).
  std::optional<asio::posix::stream_descriptor> poller_;

  /// Connections with corked writes, and whether a flush is already posted.
  std::vector<std::shared_ptr<stream_connection>> to_flush_;
  std::vector<std::shared_ptr<stream_connection>> flushing_;
  bool flush_posted_ = false;

  /// Functions given to `post_ordered`, in order; one posted handler runs them all.
  std::mutex ordered_mtx_;
  std::vector<std::function<void()>> ordered_;  ///< guarded by ordered_mtx_

  static thread_local io_thread* current_;
  size_t index_;
  std::atomic<bool> accepting_jobs_{true};
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> guard_;
  std::thread thread_;
};

} // namespace ply::detail
