// SPDX-License-Identifier: MIT
#pragma once

#include <sys/uio.h>

#include <cstddef>
#include <vector>

#include "ply/bytes.hpp"

namespace ply::detail {

/// The bytes a connection has written and its socket has not taken yet: a list of buffers, sent
/// with one `sendmsg` over all of them. Small writes are copied onto the end of the last buffer
/// (an iovec per small write would cost the kernel more than the copy); a large write gets a
/// buffer of its own, and a buffer handed over whole (`push`) is kept as it is, so a fan-out's
/// batch of lines reaches the socket without being copied again. Sent buffers are let go at
/// once, and an empty queue holds no memory: an idle connection costs nothing here.
class write_queue {
public:
  /// A write this small is copied onto the last buffer while that stays within this size.
  static constexpr size_t coalesce_limit = 16 * 1024;

  /// A buffer handed over this small is copied onto the last buffer like a write; a larger one
  /// is queued as it is (an iovec costs the kernel less than copying a kilobyte).
  static constexpr size_t copy_limit = 1024;

  /// Queues a copy of `data`.
  void append(bytes_view data);

  /// Queues `data`, taking its buffer (one under `copy_limit` is copied like `append`).
  void push(bytes&& data);

  /// Bytes queued and not yet consumed.
  size_t size() const {
    return size_;
  }

  /// Whether nothing is queued.
  bool empty() const {
    return size_ == 0;
  }

  /// Entries in the list, sent ones not dropped yet included: at most twice those with bytes
  /// left, whatever the sends took.
  size_t entries() const {
    return bufs_.size();
  }

  /// Points up to `max` iovecs at the queued bytes, in order; returns how many it filled.
  size_t gather(iovec* iov, size_t max) const;

  /// Drops the first `n` bytes (the socket took them); `n` is at most `size()`. Buffers sent
  /// whole are freed, and once nothing is left so is the list.
  void consume(size_t n);

  /// Drops everything and frees the memory.
  void clear();

private:
  /// Whether `n` more bytes go onto the last buffer rather than into one of their own.
  bool fits_last(size_t n) const;

  std::vector<bytes> bufs_;
  size_t head_ = 0;  ///< the first buffer with bytes not sent yet
  size_t off_ = 0;   ///< bytes of bufs_[head_] already sent
  size_t size_ = 0;
};

} // namespace ply::detail
