// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include <caf/expected.hpp>

namespace ply {

/// Splits a byte stream into frames that start with a 1, 2 or 4 byte big-endian length prefix
/// (Twisted's Int8/Int16/Int32StringReceiver). Pure code, tested with every chunk size.
class length_prefix_framer {
public:
  enum class status {
    ok,        ///< every complete frame was delivered
    stopped,   ///< the callback asked to stop; the rest stays buffered for the next `feed`
    too_long,  ///< a prefix announced more than `max_length` bytes
  };

  /// `prefix_size` is 1, 2 or 4; `max_length` bounds a frame's payload (default 99,999 bytes, as
  /// Twisted's MAX_LENGTH).
  explicit length_prefix_framer(size_t prefix_size = 4, size_t max_length = 99999);

  /// Feeds bytes; calls `on_frame(payload)` for each complete frame while it returns true. Frames
  /// left when it returns false wait for the next `feed` (an empty one delivers them).
  status feed(std::string_view data, const std::function<bool(std::string_view)>& on_frame);

  /// The frame for `payload`: prefix plus payload, or `errc::frame_too_long` when it does not fit
  /// the prefix or the limit.
  caf::expected<std::string> encode(std::string_view payload) const;

  /// The length of the frame being received when `feed` returned `too_long`.
  size_t announced_length() const {
    return announced_;
  }

  size_t prefix_size() const {
    return prefix_size_;
  }
  size_t max_length() const {
    return max_length_;
  }
  void set_max_length(size_t n) {
    max_length_ = n;
  }

private:
  size_t prefix_size_;
  size_t max_length_;
  size_t announced_ = 0;
  std::string buffer_;
};

} // namespace ply
