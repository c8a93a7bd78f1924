// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include <caf/actor.hpp>
#include <caf/allowed_unsafe_message_type.hpp>

#include "ply/address.hpp"
#include "ply/bytes.hpp"

#include <caf/error.hpp>

namespace ply {

class factory;
class tls_context;

/// The handle a protocol actor writes to. The reactor owns the socket; a transport may be used from
/// any thread (operations from elsewhere are posted to the socket's reactor thread).
class transport {
public:
  virtual ~transport();

  /// Queues `data` for the peer; never blocks. After `lose_connection` or `abort_connection` the
  /// data is dropped (with a debug log).
  virtual void write(bytes_view data) = 0;

  /// Queues `data` like `write(bytes_view)`, taking its buffer instead of copying it: a protocol
  /// that built a large reply (a fan-out's batch of lines) hands it over as it is.
  void write(bytes&& data) {
    write_owned(std::move(data));
  }

  /// Queues a string literal (without this overload, `write("...")` would be ambiguous).
  void write(const char* data) {
    write(bytes_view{data});
  }

  /// Writes several buffers in order, as one operation.
  virtual void write_sequence(const std::vector<bytes>& parts);

  /// Flushes every queued byte, then closes the connection.
  virtual void lose_connection() = 0;

  /// Closes the connection now; queued bytes are dropped.
  virtual void abort_connection() = 0;

  /// The remote end.
  virtual address peer() const = 0;

  /// The local end.
  virtual address host() const = 0;

  /// Stops delivering data until `resume_reading`.
  virtual void pause_reading() = 0;

  /// Delivers data again after `pause_reading`.
  virtual void resume_reading() = 0;

  /// Holds the input while `held` (`protocol::hold_input_until`): reading stops as with
  /// `pause_reading`, but for a reason of its own, so neither undoes the other. Default: pause and
  /// resume.
  virtual void hold_reading(bool held);

  /// Sets the write buffer's high-water mark (the producer is paused above it) and low-water mark
  /// (it is resumed at or below it). Defaults: 1 MiB and 256 KiB; more than 4 GiB counts as
  /// 4 GiB. The buffer counts every byte written and not yet taken by the socket, also writes
  /// still on their way to the reactor.
  virtual void set_write_watermarks(size_t high, size_t low) = 0;

  /// Sets the hard cap on the write buffer (0: none): once the peer lags (the socket refused
  /// bytes), a write that takes the buffer past `bytes` closes the connection instead
  /// (`errc::output_limit`, with a warning), so a peer that does not read costs at most this
  /// much even when its protocol ignores `pause_producing`. Writes from other threads still on
  /// their way to a busy reactor thread count only past max(`bytes`, 8 MiB): a reactor that is
  /// behind is no sign that the peer does not read. Default: `reactor::options::output_limit`
  /// (8 MiB); more than 4 GiB counts as 4 GiB. Default here: not enforced.
  virtual void set_output_limit(size_t bytes);

  /// Switches the connection to TLS from here on (STARTTLS): what was written before still goes
  /// out in the clear, everything after is encrypted; a server context answers the handshake, a
  /// client context starts it. A handshake that fails ends the connection with the reason.
  /// Default: not supported by this transport.
  virtual caf::error start_tls(std::shared_ptr<tls_context> ctx);

  /// A process-wide unique connection id, for logs and traces.
  virtual uint64_t id() const = 0;

protected:
  friend class factory;

  /// What `write(bytes&&)` does. Default: `write(bytes_view)`, a copy.
  virtual void write_owned(bytes&& data);

  /// From now on delivers the connection's events to `protocol` (the factory that built it
  /// calls this once).
  virtual void attach(caf::actor protocol) = 0;
};

using transport_ptr = std::shared_ptr<transport>;

/// Default write buffer limits.
constexpr size_t default_high_water_mark = 1024 * 1024;
constexpr size_t default_low_water_mark = 256 * 1024;
constexpr size_t default_output_limit = 8 * 1024 * 1024;

} // namespace ply

/// Transports travel in local messages (a port forwarder hands one side's transport to the other);
/// they never cross a node boundary.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(ply::transport_ptr)
