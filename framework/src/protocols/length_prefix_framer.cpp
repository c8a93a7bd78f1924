// SPDX-License-Identifier: MIT
#include "ply/length_prefix_framer.hpp"

#include <stdexcept>

#include "ply/error.hpp"

namespace ply {

length_prefix_framer::length_prefix_framer(size_t prefix_size, size_t max_length)
  : prefix_size_(prefix_size), max_length_(max_length) {
  if (prefix_size != 1 && prefix_size != 2 && prefix_size != 4)
    throw std::invalid_argument("length prefix size must be 1, 2 or 4 bytes");
}

length_prefix_framer::status
length_prefix_framer::feed(std::string_view data,
                           const std::function<bool(std::string_view)>& on_frame) {
  auto decode = [this](std::string_view prefix) {
    size_t n = 0;
    for (size_t i = 0; i < prefix_size_; ++i)
      n = (n << 8) | static_cast<unsigned char>(prefix[i]);
    return n;
  };
  // Fast path: frame straight out of `data` when nothing is buffered.
  if (buffer_.empty()) {
    while (data.size() >= prefix_size_) {
      auto n = decode(data);
      if (n > max_length_) {
        announced_ = n;
        return status::too_long;
      }
      if (data.size() < prefix_size_ + n)
        break;
      bool go_on = on_frame(data.substr(prefix_size_, n));
      data.remove_prefix(prefix_size_ + n);
      if (!go_on) {
        buffer_.assign(data);
        return status::stopped;
      }
    }
    buffer_.assign(data);
    return status::ok;
  }
  buffer_.append(data);
  size_t off = 0;
  while (buffer_.size() - off >= prefix_size_) {
    auto n = decode(std::string_view{buffer_}.substr(off));
    if (n > max_length_) {
      announced_ = n;
      return status::too_long;
    }
    if (buffer_.size() - off < prefix_size_ + n)
      break;
    bool go_on = on_frame(std::string_view{buffer_}.substr(off + prefix_size_, n));
    off += prefix_size_ + n;
    if (!go_on) {
      buffer_.erase(0, off);
      return status::stopped;
    }
  }
  buffer_.erase(0, off);
  return status::ok;
}

caf::expected<std::string> length_prefix_framer::encode(std::string_view payload) const {
  auto limit = prefix_size_ == 4 ? size_t{0xFFFFFFFF} : (size_t{1} << (8 * prefix_size_)) - 1;
  if (payload.size() > limit || payload.size() > max_length_)
    return make_error(errc::frame_too_long,
                      "message of " + std::to_string(payload.size()) + " bytes exceeds the limit of "
                        + std::to_string(std::min(limit, max_length_)) + " bytes");
  std::string out;
  out.reserve(prefix_size_ + payload.size());
  for (size_t i = prefix_size_; i > 0; --i)
    out.push_back(static_cast<char>((payload.size() >> (8 * (i - 1))) & 0xFF));
  out.append(payload);
  return out;
}

} // namespace ply
