#include "ply/testing/memory_transport.hpp"

#include <atomic>

#include <caf/send.hpp>

#include "internal/atoms.hpp"

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
    if (disconnecting_ || lost_sent_ || paused_)
      return;
    target = protocol_;
  }
  caf::anon_send(target, detail::data_atom::value, bytes{data});
}

void memory_transport::close(caf::error reason) {
  send_lost(std::move(reason));
}

std::string memory_transport::written() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return written_;
}

std::string memory_transport::take_written() {
  std::lock_guard<std::mutex> guard{mtx_};
  std::string out;
  out.swap(written_);
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
  return paused_;
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
  std::lock_guard<std::mutex> guard{mtx_};
  if (!disconnecting_)
    written_.append(data);
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
  std::lock_guard<std::mutex> guard{mtx_};
  paused_ = false;
}

void memory_transport::set_write_watermarks(size_t, size_t) {
  // A memory transport never fills up by itself: see set_buffer_full.
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
