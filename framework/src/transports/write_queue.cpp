// SPDX-License-Identifier: MIT
#include "transports/write_queue.hpp"

#include <algorithm>
#include <utility>

namespace ply::detail {

bool write_queue::fits_last(size_t n) const {
  if (head_ == bufs_.size())
    return false;
  auto& last = bufs_.back();
  // Room left in its allocation costs no copy of what is there; otherwise only small buffers grow.
  return last.capacity() - last.size() >= n || last.size() + n <= coalesce_limit;
}

void write_queue::append(bytes_view data) {
  if (data.empty())
    return;
  if (fits_last(data.size()))
    bufs_.back().append(data.data(), data.size());
  else
    bufs_.emplace_back(data);
  size_ += data.size();
}

void write_queue::push(bytes&& data) {
  if (data.empty())
    return;
  if (data.size() < copy_limit && fits_last(data.size())) {
    bufs_.back().append(data);
    size_ += data.size();
    return;
  }
  size_ += data.size();
  bufs_.push_back(std::move(data));
}

size_t write_queue::gather(iovec* iov, size_t max) const {
  size_t n = 0;
  for (size_t i = head_; i < bufs_.size() && n < max; ++i, ++n) {
    auto skip = i == head_ ? off_ : 0;
    iov[n].iov_base = const_cast<char*>(bufs_[i].data() + skip);
    iov[n].iov_len = bufs_[i].size() - skip;
  }
  return n;
}

void write_queue::consume(size_t n) {
  n = std::min(n, size_);
  size_ -= n;
  if (size_ == 0) {
    clear();
    return;
  }
  while (n > 0) {
    auto left = bufs_[head_].size() - off_;
    if (n < left) {
      off_ += n;
      break;
    }
    n -= left;
    bytes{}.swap(bufs_[head_]);  // sent: its memory goes now, not when the list is emptied
    ++head_;
    off_ = 0;
  }
  // Sent buffers leave the front once they are half the list, so it does not grow with a
  // connection that never empties its queue.
  if (head_ * 2 >= bufs_.size()) {
    bufs_.erase(bufs_.begin(), bufs_.begin() + static_cast<std::ptrdiff_t>(head_));
    head_ = 0;
  }
}

void write_queue::clear() {
  std::vector<bytes>{}.swap(bufs_);
  head_ = 0;
  off_ = 0;
  size_ = 0;
}

} // namespace ply::detail
