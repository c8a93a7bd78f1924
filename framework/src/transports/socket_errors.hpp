// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdint>

namespace ply::detail {

/// Whether a failed read or write only means "not now" (the socket is not ready, or a signal
/// came): try again when the poller says so.
inline bool would_block(int err) {
  return err == EAGAIN || err == EWOULDBLOCK || err == EINTR;
}

/// `bytes`, at most what 32 bits hold: a connection keeps its limits in 32 bits.
inline uint32_t clamp32(size_t bytes) {
  return static_cast<uint32_t>(std::min<size_t>(bytes, UINT32_MAX));
}

} // namespace ply::detail
