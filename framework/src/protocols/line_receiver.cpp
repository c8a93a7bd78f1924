// SPDX-License-Identifier: MIT
#include "ply/line_receiver.hpp"

#include <spdlog/spdlog.h>

namespace ply {

void line_receiver::raw_data_received(bytes) {
  // nop
}

void line_receiver::line_length_exceeded(std::string_view partial) {
  spdlog::warn("[{}] line longer than {} bytes from {}; closing the connection", log_prefix(),
               max_length(), transport().peer().to_string());
  transport().lose_connection();
}

void line_receiver::send_line(std::string_view line) {
  bytes out;
  out.reserve(line.size() + line_ending_.size());
  out.append(line);
  out.append(line_ending_);
  transport().write(std::move(out));
}

void line_receiver::set_raw_mode() {
  raw_ = true;
}

void line_receiver::set_line_mode(bytes extra) {
  raw_ = false;
  if (!extra.empty())
    data_received(std::move(extra));
}

void line_receiver::input_released(bytes held) {
  if (raw_) {
    // Switched to raw mode while held: what the framer kept comes first, then what waited.
    auto rest = framer_.take_buffer();
    rest.append(held);
    if (!rest.empty())
      raw_data_received(std::move(rest));
    return;
  }
  data_received(std::move(held));  // also when empty: the framer holds lines of its own
}

void line_receiver::data_received(bytes data) {
  if (exceeded_)
    return;
  if (raw_) {
    raw_data_received(std::move(data));
    return;
  }
  auto st = framer_.feed(data, [this](std::string_view line) {
    line_received(line);
    // Stop framing when the hook switched to raw mode, held the input (the rest waits in the
    // framer) or the connection is going away.
    return !raw_ && !exceeded_ && !input_held();
  });
  if (st == line_framer::status::too_long) {
    exceeded_ = true;
    auto partial = framer_.take_buffer();
    line_length_exceeded(partial);
  } else if (st == line_framer::status::stopped && raw_ && !input_held()) {
    auto rest = framer_.take_buffer();
    if (!rest.empty())
      raw_data_received(std::move(rest));
  }
}

} // namespace ply
