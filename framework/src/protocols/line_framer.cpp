// SPDX-License-Identifier: MIT
#include "ply/line_framer.hpp"

namespace ply {

line_framer::line_framer(std::string delimiter, size_t max_length)
  : max_length_(max_length) {
  set_delimiter(std::move(delimiter));
}

void line_framer::set_delimiter(std::string delimiter) {
  delimiter_ = delimiter.empty() ? std::string{"\n"} : std::move(delimiter);
  strip_cr_ = delimiter_ == "\n";
  searched_ = 0;
}

std::string line_framer::take_buffer() {
  std::string out;
  out.swap(buffer_);
  searched_ = 0;
  return out;
}

line_framer::status
line_framer::scan(std::string_view& data, const std::function<bool(std::string_view)>& on_line) {
  while (!data.empty()) {
    auto pos = data.find(delimiter_, searched_);
    if (pos == std::string_view::npos) {
      // Next time, resume the search where a delimiter could still start.
      searched_ = data.size() >= delimiter_.size() ? data.size() - delimiter_.size() + 1 : 0;
      return status::ok;
    }
    searched_ = 0;
    auto line = data.substr(0, pos);
    if (strip_cr_ && !line.empty() && line.back() == '\r')
      line.remove_suffix(1);
    if (line.size() > max_length_)
      return status::too_long;
    data.remove_prefix(pos + delimiter_.size());
    if (!on_line(line))
      return status::stopped;
  }
  return status::ok;
}

line_framer::status
line_framer::feed(std::string_view data, const std::function<bool(std::string_view)>& on_line) {
  // An unterminated line may hold max_length bytes plus a partial delimiter (or a "\r").
  auto limit = max_length_ + delimiter_.size();
  if (buffer_.empty()) {
    // Frame straight out of `data`; only an unterminated tail is copied.
    searched_ = 0;
    auto st = scan(data, on_line);
    if (st == status::too_long || (st == status::ok && data.size() > limit))
      return status::too_long;
    buffer_.assign(data);
    return st;
  }
  buffer_.append(data);
  std::string_view view{buffer_};
  auto st = scan(view, on_line);
  if (st == status::too_long || (st == status::ok && view.size() > limit))
    return status::too_long;
  buffer_.erase(0, buffer_.size() - view.size());
  return st;
}

} // namespace ply
