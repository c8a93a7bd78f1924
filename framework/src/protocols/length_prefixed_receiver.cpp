// SPDX-License-Identifier: MIT
#include "ply/length_prefixed_receiver.hpp"

#include <spdlog/spdlog.h>

#include "ply/error.hpp"

namespace ply {

length_prefixed_receiver::length_prefixed_receiver(size_t prefix_size, size_t max_length)
  : framer_(prefix_size, max_length) {
  // nop
}

void length_prefixed_receiver::length_limit_exceeded(size_t length) {
  spdlog::warn("[{}] message of {} bytes announced by {} exceeds the limit of {}; closing the "
               "connection",
               log_prefix(), length, transport().peer().to_string(), framer_.max_length());
  transport().lose_connection();
}

void length_prefixed_receiver::send_string(bytes_view message) {
  auto frame = framer_.encode(message);
  if (!frame) {
    spdlog::error("[{}] not sent: {}", log_prefix(), describe(frame.error()));
    return;
  }
  transport().write(std::move(*frame));
}

void length_prefixed_receiver::input_released(bytes held) {
  data_received(std::move(held));  // also when empty: the framer holds frames of its own
}

void length_prefixed_receiver::data_received(bytes data) {
  if (exceeded_)
    return;
  auto st = framer_.feed(data, [this](std::string_view frame) {
    string_received(bytes{frame});
    // Frames after one whose hook held the input wait in the framer (`input_released`).
    return !exceeded_ && !input_held();
  });
  if (st == length_prefix_framer::status::too_long) {
    exceeded_ = true;
    length_limit_exceeded(framer_.announced_length());
  }
}

} // namespace ply
