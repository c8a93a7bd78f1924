// SPDX-License-Identifier: MIT
#pragma once

#include <string_view>

#include "ply/line_framer.hpp"
#include "ply/protocol.hpp"

namespace ply {

/// A protocol that receives lines (Twisted's LineReceiver): `line_received` per line, a raw mode,
/// and a `max_length` (default 16384) past which `line_length_exceeded` is called.
class line_receiver : public protocol {
public:
  /// One complete line, without its delimiter.
  virtual void line_received(std::string_view line) = 0;

  /// Bytes received in raw mode.
  virtual void raw_data_received(bytes data);

  /// A line grew past `max_length`. Default: log why and close the connection.
  virtual void line_length_exceeded(std::string_view partial);

  /// Writes `line` followed by the line ending ("\r\n" unless changed).
  void send_line(std::string_view line);

  /// From now on deliver bytes to `raw_data_received`, including what is buffered.
  void set_raw_mode();

  /// Back to lines; `extra` is framed first.
  void set_line_mode(bytes extra = {});

  /// The incoming delimiter ("\n" by default; CRLF is accepted too).
  void set_delimiter(std::string delimiter) {
    framer_.set_delimiter(std::move(delimiter));
  }

  /// The ending `send_line` appends.
  void set_line_ending(std::string ending) {
    line_ending_ = std::move(ending);
  }

  void set_max_length(size_t n) {
    framer_.set_max_length(n);
  }

  size_t max_length() const {
    return framer_.max_length();
  }

  void data_received(bytes data) final;

protected:
  /// Frames the lines that waited while the input was held, then what came meanwhile.
  void input_released(bytes held) override;

private:
  line_framer framer_;
  std::string line_ending_ = "\r\n";
  bool raw_ = false;
  bool exceeded_ = false;
};

} // namespace ply
