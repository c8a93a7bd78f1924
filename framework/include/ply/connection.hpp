// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>

#include <caf/actor_addr.hpp>

#include "ply/bytes.hpp"
#include "ply/transport.hpp"

namespace ply {

/// A handle to one connection, for whoever keeps track of it (a factory holding a room's users):
/// `write` and `close` work from any thread, in order with the connection's own protocol's
/// writes, and it is a map key. `factory::protocol_ended` and `factory::caller` report it.
///
/// ```
/// for (auto& [c, name] : users_)
///   if (c != except) c.write_line(text);
/// ```
class connection {
public:
  /// No connection: writes are dropped.
  connection() = default;

  connection(transport_ptr t, caf::actor_addr protocol)
    : transport_(std::move(t)), protocol_(std::move(protocol)) {
  }

  /// Queues `data` for the peer (dropped once the connection closed).
  void write(bytes_view data) const;

  /// Writes `line` followed by "\r\n", `line_receiver::send_line`'s default ending.
  void write_line(std::string_view line) const;

  /// Sends what was written, then closes the connection.
  void close() const;

  /// The process-wide unique id of the connection, as in logs and traces (0: none).
  uint64_t id() const {
    return transport_ ? transport_->id() : 0;
  }

  /// The address of the connection's protocol actor, for those who speak CAF.
  const caf::actor_addr& protocol() const {
    return protocol_;
  }

  explicit operator bool() const {
    return transport_ != nullptr;
  }

  friend bool operator==(const connection& x, const connection& y) {
    return x.transport_ == y.transport_;
  }

  friend bool operator<(const connection& x, const connection& y) {
    return std::less<const transport*>{}(x.transport_.get(), y.transport_.get());
  }

private:
  transport_ptr transport_;
  caf::actor_addr protocol_;
};

} // namespace ply

namespace std {

/// Connections hash by their id, so a handle is an `unordered_map` key too.
template <>
struct hash<ply::connection> {
  size_t operator()(const ply::connection& c) const noexcept {
    return hash<uint64_t>{}(c.id());
  }
};

} // namespace std
