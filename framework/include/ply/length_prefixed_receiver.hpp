// SPDX-License-Identifier: MIT
#pragma once

#include "ply/length_prefix_framer.hpp"
#include "ply/protocol.hpp"

namespace ply {

/// A protocol that receives length-prefixed messages (Twisted's Int32StringReceiver and friends).
class length_prefixed_receiver : public protocol {
public:
  /// `prefix_size` is 1, 2 or 4 bytes; `max_length` bounds one message.
  explicit length_prefixed_receiver(size_t prefix_size = 4, size_t max_length = 99999);

  /// One complete message.
  virtual void string_received(bytes message) = 0;

  /// A prefix announced more than `max_length` bytes. Default: log why and close the connection.
  virtual void length_limit_exceeded(size_t length);

  /// Sends `message` with its length prefix; a message too long for the prefix is refused with
  /// an error log and not sent.
  void send_string(bytes_view message);

  void data_received(bytes data) final;

protected:
  /// Frames what waited, then the frames the framer kept back while the input was held.
  void input_released(bytes held) override;

private:
  length_prefix_framer framer_;
  bool exceeded_ = false;
};

} // namespace ply
