// SPDX-License-Identifier: MIT
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "ply/error.hpp"
#include "ply/faults.hpp"
#include "ply/transport.hpp"

namespace ply::testing {

/// A transport without a socket (Twisted's StringTransport): tests feed bytes to a protocol actor,
/// read what it wrote, and close the connection from either side.
class memory_transport final : public transport,
                               public std::enable_shared_from_this<memory_transport> {
public:
  static std::shared_ptr<memory_transport> make(address peer = {"192.0.2.1", 40000},
                                                address host = {"192.0.2.2", 8000});

  memory_transport(address peer, address host);

  // -- test side ---------------------------------------------------------------------------------

  /// Delivers `connection_made` to `protocol` and attaches it (as a factory would).
  void connect(caf::actor protocol, caf::actor factory = {});

  /// Hands this connection to `factory`, as the reactor does for an accepted socket: the factory
  /// builds (or refuses) the protocol actor and attaches it.
  void connect_through(caf::actor factory);

  /// The protocol actor attached to this transport, if any.
  caf::actor protocol() const;

  /// The peer sends `data`. While reading is paused it waits, and comes on `resume_reading`.
  void feed(bytes_view data);

  /// From now on, injects `plan`'s faults: each `feed` arrives in short reads of 1..max_read
  /// bytes, each of which may instead reset the connection (`reset`); a write may find the socket
  /// not ready (`eagain`): its bytes wait for the next write that goes through, and past the
  /// high-water mark the producer is paused until then. Timers are not the transport's.
  void inject(const fault_plan& plan);

  /// The peer closes the connection (or it breaks, with another reason).
  void close(caf::error reason = make_error(errc::connection_done));

  /// Everything the protocol wrote so far (what an injected EAGAIN holds back included).
  std::string written() const;

  /// Returns and clears what the protocol wrote.
  std::string take_written();

  /// Whether the protocol closed the connection (lose or abort).
  bool disconnecting() const;
  bool aborted() const;
  bool reading_paused() const;

  /// Simulates the write buffer filling up (`pause_producing`) or draining (`resume_producing`).
  void set_buffer_full(bool full);

  // -- transport ---------------------------------------------------------------------------------

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
  uint64_t id() const override;
  void attach(caf::actor protocol) override;

private:
  void send_lost(caf::error reason);
  void deliver(caf::actor target, bytes_view data);
  /// Delivers what waited, unless reading is still paused or held (unlocks `guard` to do so).
  void deliver_pending(std::unique_lock<std::mutex>& guard);

  std::optional<fault_injector> faults_;
  std::string pending_;  ///< fed while reading was paused
  std::string held_;     ///< written while the "socket" was not ready (an injected EAGAIN)
  size_t high_water_ = 0;
  bool producer_paused_ = false;

  mutable std::mutex mtx_;
  address peer_;
  address host_;
  uint64_t id_;
  caf::actor protocol_;
  std::string written_;
  bool disconnecting_ = false;
  bool aborted_ = false;
  bool lost_sent_ = false;
  bool paused_ = false;
  bool held_input_ = false;  ///< hold_reading
};

} // namespace ply::testing
