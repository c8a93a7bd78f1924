// SPDX-License-Identifier: MIT
#include "reactor/io_thread.hpp"

#include <sys/epoll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <caf/abstract_actor.hpp>
#include <caf/actor.hpp>
#include <caf/actor_cast.hpp>
#include <caf/actor_system.hpp>
#include <caf/message.hpp>
#include <caf/message_id.hpp>
#include <caf/intrusive_ptr.hpp>
#include <caf/resumable.hpp>
#include <caf/scheduler/abstract_coordinator.hpp>

#include "transports/stream_connection.hpp"

namespace ply::detail {

namespace {

/// Messages an actor may handle per resume before other handlers on the thread get a turn.
constexpr size_t max_throughput = 128;

} // namespace

thread_local io_thread* io_thread::current_ = nullptr;

io_thread::io_thread(caf::actor_system& sys, size_t index)
  : caf::execution_unit(&sys),
    ioc(1),
    read_buffer(new char[read_buffer_size]),
    index_(index),
    guard_(asio::make_work_guard(ioc)) {
  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd_ < 0)
    throw std::runtime_error(std::string{"epoll_create1 failed: "} + std::strerror(errno));
  poller_.emplace(ioc, epoll_fd_);
  arm_poller();
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
    asio::post(t->ioc, [self = t.get()] { self->run_ordered(); });
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
  asio::post(ioc, [this, owned = std::move(owned)]() mutable { resume(owned.detach()); });
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

void io_thread::watch(int fd, uint64_t id, uint32_t before, uint32_t after) {
  epoll_event ev{};
  ev.events = after;
  ev.data.u64 = id;
  auto op = before == 0 ? EPOLL_CTL_ADD : after == 0 ? EPOLL_CTL_DEL : EPOLL_CTL_MOD;
  ::epoll_ctl(epoll_fd_, op, fd, &ev);
}

void io_thread::arm_poller() {
  poller_->async_wait(asio::posix::stream_descriptor::wait_read,
                      [this](const boost::system::error_code& ec) {
                        if (!ec)
                          on_poller_ready();
                      });
}

void io_thread::on_poller_ready() {
  constexpr int max_events = 256;
  epoll_event events[max_events];
  auto n = ::epoll_wait(epoll_fd_, events, max_events, 0);
  for (int i = 0; i < n; ++i) {
    // Looked up by id: a connection closed earlier in this batch is simply gone. (Copied out
    // first: epoll_event is packed, so a reference to its field would be misaligned.)
    uint64_t id = events[i].data.u64;
    auto it = connections.find(id);
    if (it != connections.end()) {
      auto conn = it->second;
      collecting_ = true;
      conn->on_events(events[i].events);
      run_ready_jobs();
    }
  }
  flush_all();
  arm_poller();
}

void io_thread::flush_soon(std::shared_ptr<stream_connection> conn) {
  to_flush_.push_back(std::move(conn));
  if (!flush_posted_) {
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
  ioc.run();
  current_ = nullptr;
}

void io_thread::start_thread() {
  thread_ = std::thread([this] { run(); });
}

void io_thread::stop() {
  guard_.reset();
  ioc.stop();
  if (thread_.joinable())
    thread_.join();
}

void io_thread::reject_jobs() {
  accepting_jobs_.store(false, std::memory_order_release);
}

} // namespace ply::detail
