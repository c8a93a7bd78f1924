// SPDX-License-Identifier: MIT
#include "reactor/io_thread.hpp"

#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

#include <caf/abstract_actor.hpp>
#include <caf/actor.hpp>
#include <caf/actor_cast.hpp>
#include <caf/actor_system.hpp>
#include <caf/message.hpp>
#include <caf/message_id.hpp>
#include <caf/intrusive_ptr.hpp>
#include <caf/resumable.hpp>
#include <caf/scheduler/abstract_coordinator.hpp>
#include <spdlog/spdlog.h>

#include "reactor/watching_epoll.hpp"
#include "transports/stream_connection.hpp"

namespace ply::detail {

namespace {

/// Messages an actor may handle per resume before other handlers on the thread get a turn.
constexpr size_t max_throughput = 128;

/// Event ids of the thread's own set that are not connections (connection ids count up from 1).
constexpr uint64_t asio_event = ~uint64_t{0};
constexpr uint64_t wake_event = ~uint64_t{0} - 1;

/// Sockets handled per `epoll_wait`.
constexpr int max_events = 256;

} // namespace

thread_local io_thread* io_thread::current_ = nullptr;

io_thread::io_thread(caf::actor_system& sys, size_t index, loop_kind kind)
  : caf::execution_unit(&sys),
    ioc(1),
    read_buffer(new char[read_buffer_size]),
    index_(index),
    guard_(asio::make_work_guard(ioc)) {
  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd_ < 0)
    throw std::runtime_error(std::string{"epoll_create1 failed: "} + std::strerror(errno));
  if (kind == loop_kind::own && !take_own_loop())
    spdlog::warn("reactor thread {}: Asio's epoll set not found in /proc/self/fdinfo; the thread "
                 "runs inside Asio's loop, a little slower",
                 index_);
  if (asio_fd_ < 0) {
    poller_.emplace(ioc, epoll_fd_);
    arm_poller();
  }
}

bool io_thread::take_own_loop() {
  // Asio registers a descriptor in its own epoll set: the one set that then watches this pipe.
  int probe[2];
  if (::pipe2(probe, O_CLOEXEC) != 0)
    return false;
  int asio_fd = -1;
  try {
    asio::posix::stream_descriptor registered{ioc, probe[0]};
    asio_fd = watching_epoll(probe[0]);
    registered.release();
  } catch (const boost::system::system_error&) {
    asio_fd = -1;
  }
  ::close(probe[0]);
  ::close(probe[1]);
  int wake_fd = asio_fd >= 0 ? ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC) : -1;
  // The eventfd edge-triggered and never read: each write is one edge.
  if (wake_fd >= 0 && watch(asio_fd, asio_event, 0, EPOLLIN)) {
    if (watch(wake_fd, wake_event, 0, EPOLLIN | EPOLLET)) {
      asio_fd_ = asio_fd;
      wake_fd_ = wake_fd;
      return true;
    }
    watch(asio_fd, asio_event, EPOLLIN, 0);
  }
  if (wake_fd >= 0)
    ::close(wake_fd);
  return false;
}

bool io_thread::post_ordered(const std::weak_ptr<io_thread>& home, std::function<void()> f) {
  auto t = home.lock();
  if (!t)
    return false;
  bool first = false;
  {
    std::lock_guard<std::mutex> guard{t->ordered_mtx_};
    first = t->ordered_.empty();
    t->ordered_.push_back(std::move(f));
  }
  // A raw pointer: the handler lives in this thread's own io_context, so it cannot outlive it
  // (a shared one would keep the thread alive from inside a stopped context).
  if (first)
    t->post([self = t.get()] { self->run_ordered(); });
  return true;
}

void io_thread::run_ordered() {
  std::vector<std::function<void()>> batch;
  {
    std::lock_guard<std::mutex> guard{ordered_mtx_};
    batch.swap(ordered_);
  }
  // What these functions give to post_ordered goes into the next batch, behind the others.
  for (auto& f : batch)
    f();
  // The batch's memory serves the next one, unless that one has begun meanwhile (a fan-out would
  // otherwise grow a new vector every time).
  batch.clear();
  std::lock_guard<std::mutex> guard{ordered_mtx_};
  if (ordered_.empty())
    ordered_.swap(batch);
}

io_thread::~io_thread() {
  stop();
  if (poller_)
    poller_->release();
  poller_.reset();
  ::close(epoll_fd_);
  if (wake_fd_ >= 0)
    ::close(wake_fd_);
}

void io_thread::wake() {
  posted_.fetch_add(1, std::memory_order_seq_cst);
  // One write per sleep: its edge wakes the thread, which clears the mark when it sees it.
  if (sleeping_.load(std::memory_order_seq_cst) && !wake_written_.exchange(true)) {
    uint64_t one = 1;
    [[maybe_unused]] auto ignored = ::write(wake_fd_, &one, sizeof(one));
  }
}

void io_thread::exec_later(caf::resumable* job) {
  // CAF added a reference for us; the posted handler owns it until the job is resumed.
  if (!accepting_jobs_.load(std::memory_order_acquire)) {
    system().scheduler().enqueue(job);
    return;
  }
  if (collecting_ && in_thread()) {
    ready_.push_back(job);
    return;
  }
  caf::intrusive_ptr<caf::resumable> owned{job, false};
  post([this, owned = std::move(owned)]() mutable { resume(owned.detach()); });
}

void io_thread::resume(caf::resumable* job) {
  switch (job->resume(this, max_throughput)) {
    case caf::resumable::resume_later:
      // Keeps its reference: it goes to the back of this thread's queue.
      exec_later(job);
      break;
    case caf::resumable::done:
    case caf::resumable::awaiting_message:
    case caf::resumable::shutdown_execution_unit:
      intrusive_ptr_release(job);
      break;
  }
}

ssize_t io_thread::receive(int fd, char* buf, size_t capacity) {
  if (faults) {
    int err = 0;
    capacity = faults->read_size(capacity, err);
    if (err != 0) {
      errno = err;
      return -1;
    }
  }
  return ::recv(fd, buf, capacity, 0);
}

ssize_t io_thread::send(int fd, const char* data, size_t size) {
  iovec one{const_cast<char*>(data), size};
  return send(fd, &one, 1);
}

ssize_t io_thread::send(int fd, iovec* iov, size_t count) {
  if (faults) {
    size_t total = 0;
    for (size_t i = 0; i < count; ++i)
      total += iov[i].iov_len;
    int err = 0;
    auto allowed = faults->write_size(total, err);
    if (err != 0) {
      errno = err;
      return -1;
    }
    // Only the first `allowed` bytes may go: the buffers past them are left out.
    size_t kept = 0;
    for (; kept < count && allowed > 0; ++kept) {
      iov[kept].iov_len = std::min(iov[kept].iov_len, allowed);
      allowed -= iov[kept].iov_len;
    }
    count = kept;
  }
  if (count == 1)  // send(2) is the shorter path through the kernel
    return ::send(fd, iov[0].iov_base, iov[0].iov_len, MSG_NOSIGNAL);
  msghdr msg{};
  msg.msg_iov = iov;
  msg.msg_iovlen = count;
  return ::sendmsg(fd, &msg, MSG_NOSIGNAL);
}

bool io_thread::watch(int fd, uint64_t id, uint32_t before, uint32_t after) {
  epoll_event ev{};
  ev.events = after;
  ev.data.u64 = id;
  auto op = before == 0 ? EPOLL_CTL_ADD : after == 0 ? EPOLL_CTL_DEL : EPOLL_CTL_MOD;
  return ::epoll_ctl(epoll_fd_, op, fd, &ev) == 0;
}

void io_thread::arm_poller() {
  poller_->async_wait(asio::posix::stream_descriptor::wait_read,
                      [this](const boost::system::error_code& ec) {
                        if (!ec)
                          on_poller_ready();
                      });
}

void io_thread::on_poller_ready() {
  epoll_event events[max_events];
  handle_events(events, ::epoll_wait(epoll_fd_, events, max_events, 0));
  flush_all();
  arm_poller();
}

bool io_thread::handle_events(const epoll_event* events, int n) {
  bool asio_ready = false;
  for (int i = 0; i < n; ++i) {
    // Looked up by id: a connection closed earlier in this batch is simply gone. (Copied out
    // first: epoll_event is packed, so a reference to its field would be misaligned.)
    uint64_t id = events[i].data.u64;
    if (id == wake_event) {
      wake_written_.store(false);
      continue;
    }
    if (id == asio_event) {
      asio_ready = true;
      continue;
    }
    auto it = connections.find(id);
    if (it != connections.end()) {
      auto conn = it->second;
      collecting_ = true;
      conn->on_events(events[i].events);
      run_ready_jobs();
    }
  }
  return asio_ready;
}

void io_thread::run_own_loop() {
  epoll_event events[max_events];
  uint64_t seen = 0;
  bool poll_asio = true;
  bool more_queued = false;
  auto last_poll = std::chrono::steady_clock::now();
  for (;;) {
    // Asio's queue is looked at when its set is ready, after a post, and at least once per quiet
    // spell: a read that only echoes costs one epoll_wait, as in a loop written by hand.
    if (poll_asio) {
      seen = posted_.load(std::memory_order_seq_cst);
      more_queued = poll_some();
      flush_all();
      if (ioc.stopped())
        return;
      last_poll = std::chrono::steady_clock::now();
    }
    // Asleep from here: a post counted before the next line is seen there, a later one wakes.
    sleeping_.store(true, std::memory_order_seq_cst);
    bool pending = more_queued || posted_.load(std::memory_order_seq_cst) != seen
                   || !to_flush_.empty();
    auto n = ::epoll_wait(epoll_fd_, events, max_events,
                          pending ? 0 : static_cast<int>(quiet_spell.count()));
    sleeping_.store(false, std::memory_order_seq_cst);
    bool asio_ready = handle_events(events, n);
    flush_all();
    bool slept_through = n == 0 && !pending;
    poll_asio = asio_ready || more_queued || slept_through
                || posted_.load(std::memory_order_seq_cst) != seen
                || std::chrono::steady_clock::now() - last_poll >= quiet_spell;
  }
}

bool io_thread::poll_some() {
  // To the end of Asio's queue, which is the only way to know a posted handler ran (Asio may
  // have queued others before it), but bounded: handlers that keep posting more (a busy actor, a
  // flood of accepts) cannot keep the thread from its sockets; what is left waits one epoll_wait.
  constexpr size_t max_handlers = 256;
  for (size_t ran = 0; ran < max_handlers; ++ran)
    if (ioc.poll_one() == 0)
      return false;
  return true;
}

void io_thread::flush_soon(std::shared_ptr<stream_connection> conn) {
  to_flush_.push_back(std::move(conn));
  // The own loop flushes after every batch and every poll; inside Asio's loop a handler does.
  if (!flush_posted_ && nested()) {
    flush_posted_ = true;
    asio::post(ioc, [this] {
      flush_posted_ = false;
      flush_all();
    });
  }
}

void io_thread::deliver(const caf::actor& to, caf::message msg) {
  caf::actor_cast<caf::abstract_actor*>(to)->enqueue(nullptr, caf::make_message_id(),
                                                     std::move(msg), this);
}

void io_thread::flush_all() {
  // Swapped out first: a flush may fail a connection, whose protocol may write elsewhere.
  flushing_.swap(to_flush_);
  for (auto& conn : flushing_)
    conn->flush();
  flushing_.clear();
}

void io_thread::run_ready_jobs() {
  // Bounded, so actors that keep waking each other cannot starve the sockets: what is left over
  // (and every actor that wants another turn) goes through the io_context like any posted job.
  constexpr size_t max_inline_jobs = 256;
  size_t ran = 0;
  for (size_t i = 0; i < ready_.size(); ++i) {
    if (ran++ == max_inline_jobs) {
      collecting_ = false;
      for (size_t j = i; j < ready_.size(); ++j)
        exec_later(ready_[j]);
      break;
    }
    auto* job = ready_[i];
    if (job->resume(this, max_throughput) == caf::resumable::resume_later) {
      collecting_ = false;
      exec_later(job);
      collecting_ = true;
    } else {
      intrusive_ptr_release(job);
    }
  }
  ready_.clear();
  collecting_ = false;
}

void io_thread::run() {
  current_ = this;
  if (nested())
    ioc.run();
  else
    run_own_loop();
  current_ = nullptr;
}

void io_thread::start_thread() {
  thread_ = std::thread([this] { run(); });
}

void io_thread::stop() {
  guard_.reset();
  ioc.stop();
  wake();
  if (thread_.joinable())
    thread_.join();
}

void io_thread::reject_jobs() {
  accepting_jobs_.store(false, std::memory_order_release);
}

} // namespace ply::detail
