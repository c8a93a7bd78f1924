// SPDX-License-Identifier: MIT
#include "ply/testing/memory_transport.hpp"

#include <atomic>
#include <cerrno>

#include <caf/send.hpp>

#include "protocols/messages.hpp"

namespace ply::testing {

namespace {

std::atomic<uint64_t> next_id{1000000};

} // namespace

std::shared_ptr<memory_transport> memory_transport::make(address peer, address host) {
  return std::make_shared<memory_transport>(std::move(peer), std::move(host));
}

memory_transport::memory_transport(address peer, address host)
  : peer_(std::move(peer)), host_(std::move(host)), id_(next_id++) {
  // nop
}

void memory_transport::connect(caf::actor protocol, caf::actor factory) {
  caf::anon_send(protocol, detail::made_atom::value, transport_ptr{shared_from_this()},
                 std::move(factory));
  attach(std::move(protocol));
}

void memory_transport::connect_through(caf::actor factory) {
  caf::anon_send(factory, detail::made_atom::value, transport_ptr{shared_from_this()});
}

caf::actor memory_transport::protocol() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return protocol_;
}

void memory_transport::feed(bytes_view data) {
  caf::actor target;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    if (disconnecting_ || lost_sent_)
      return;
    if (paused_ || held_input_) {
      pending_.append(data);
      return;
    }
    target = protocol_;
  }
  deliver(std::move(target), data);
}

void memory_transport::inject(const fault_plan& plan) {
  std::lock_guard<std::mutex> guard{mtx_};
  faults_.emplace(plan, id_);
}

void memory_transport::deliver(caf::actor target, bytes_view data) {
  while (!data.empty()) {
    size_t n = data.size();
    int err = 0;
    {
      std::lock_guard<std::mutex> guard{mtx_};
      if (faults_)
        n = faults_->read_size(data.size(), err);
    }
    if (err == ECONNRESET) {
      close(make_error(errc::connection_lost, "connection reset by peer (injected)"));
      return;
    }
    if (err != 0)
      continue;  // not ready yet: the same bytes come on the next try
    caf::anon_send(target, detail::data_atom::value, bytes{data.substr(0, n)});
    data.remove_prefix(n);
  }
}

void memory_transport::close(caf::error reason) {
  send_lost(std::move(reason));
}

std::string memory_transport::written() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return written_ + held_;
}

std::string memory_transport::take_written() {
  std::lock_guard<std::mutex> guard{mtx_};
  std::string out = written_ + held_;
  written_.clear();
  held_.clear();
  return out;
}

bool memory_transport::disconnecting() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return disconnecting_;
}

bool memory_transport::aborted() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return aborted_;
}

bool memory_transport::reading_paused() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return paused_ || held_input_;
}

void memory_transport::set_buffer_full(bool full) {
  caf::actor target;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    target = protocol_;
  }
  if (full)
    caf::anon_send(target, detail::pause_atom::value);
  else
    caf::anon_send(target, detail::resume_atom::value);
}

void memory_transport::write(bytes_view data) {
  caf::actor target;
  caf::atom_value what = detail::pause_atom::value;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    if (disconnecting_)
      return;
    int err = 0;
    if (faults_)
      faults_->write_size(data.size(), err);
    if (err == EAGAIN) {
      // The socket is not ready: the bytes wait, and a producer over the high-water mark pauses.
      held_.append(data);
      if (high_water_ > 0 && held_.size() > high_water_ && !producer_paused_) {
        producer_paused_ = true;
        target = protocol_;
      }
    } else {
      written_ += held_;
      held_.clear();
      written_.append(data);
      if (producer_paused_) {
        producer_paused_ = false;
        target = protocol_;
        what = detail::resume_atom::value;
      }
    }
  }
  if (target)
    caf::anon_send(target, what);
}

void memory_transport::lose_connection() {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    disconnecting_ = true;
  }
  send_lost(make_error(errc::connection_done));
}

void memory_transport::abort_connection() {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    disconnecting_ = true;
    aborted_ = true;
  }
  send_lost(make_error(errc::connection_aborted, "connection aborted locally"));
}

address memory_transport::peer() const {
  return peer_;
}

address memory_transport::host() const {
  return host_;
}

void memory_transport::pause_reading() {
  std::lock_guard<std::mutex> guard{mtx_};
  paused_ = true;
}

void memory_transport::resume_reading() {
  std::unique_lock<std::mutex> guard{mtx_};
  paused_ = false;
  deliver_pending(guard);
}

void memory_transport::hold_reading(bool held) {
  std::unique_lock<std::mutex> guard{mtx_};
  held_input_ = held;
  deliver_pending(guard);
}

void memory_transport::deliver_pending(std::unique_lock<std::mutex>& guard) {
  if (paused_ || held_input_ || pending_.empty() || !protocol_)
    return;
  std::string held;
  held.swap(pending_);
  auto target = protocol_;
  guard.unlock();
  deliver(std::move(target), held);
}

void memory_transport::set_write_watermarks(size_t high, size_t) {
  // Without faults a memory transport never fills up by itself (see set_buffer_full); with an
  // `eagain` fault, held bytes past `high` pause the producer until a write goes through.
  std::lock_guard<std::mutex> guard{mtx_};
  high_water_ = high;
}

uint64_t memory_transport::id() const {
  return id_;
}

void memory_transport::attach(caf::actor protocol) {
  std::lock_guard<std::mutex> guard{mtx_};
  protocol_ = std::move(protocol);
}

void memory_transport::send_lost(caf::error reason) {
  caf::actor target;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    if (lost_sent_ || !protocol_)
      return;
    lost_sent_ = true;
    target = protocol_;
  }
  caf::anon_send(target, detail::lost_atom::value, std::move(reason));
}

} // namespace ply::testing
