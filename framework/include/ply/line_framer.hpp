// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace ply {

/// Splits a byte stream into lines. Pure code: no I/O, no actors, so it is tested with every
/// chunk size. With the default delimiter "\n" a trailing "\r" is removed, so both LF and CRLF
/// clients work; any other delimiter is matched exactly.
class line_framer {
public:
  enum class status {
    ok,        ///< every complete line was delivered
    stopped,   ///< the callback asked to stop; the rest stays buffered
    too_long,  ///< a line (or an unterminated buffer) exceeded `max_length`
  };

  explicit line_framer(std::string delimiter = "\n", size_t max_length = 16384);

  /// Feeds bytes; calls `on_line(line)` for each complete line (without its delimiter). The
  /// callback returns false to stop (for example to switch to raw mode).
  status feed(std::string_view data, const std::function<bool(std::string_view)>& on_line);

  /// Removes and returns the bytes not yet framed.
  std::string take_buffer();

  /// Bytes buffered without a delimiter yet.
  size_t buffered() const {
    return buffer_.size();
  }

  void set_delimiter(std::string delimiter);
  void set_max_length(size_t n) {
    max_length_ = n;
  }
  const std::string& delimiter() const {
    return delimiter_;
  }
  size_t max_length() const {
    return max_length_;
  }

private:
  status scan(std::string_view& data, const std::function<bool(std::string_view)>& on_line);

  std::string delimiter_;
  size_t max_length_;
  bool strip_cr_;
  std::string buffer_;
  size_t searched_ = 0;  ///< bytes of buffer_ known to hold no delimiter start
};

} // namespace ply
