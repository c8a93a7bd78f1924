// SPDX-License-Identifier: MIT
#pragma once

// Fuzz input helpers: the first byte picks a chunk size, so one input also exercises the parser's
// handling of every split of the rest (down to one byte).

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace ply::fuzz {

/// Calls `f(chunk)` for consecutive chunks of the input after its first byte.
template <class F>
void in_chunks(const uint8_t* data, size_t size, F f) {
  if (size == 0)
    return;
  size_t chunk = data[0] % 64 + 1;
  std::string_view rest{reinterpret_cast<const char*>(data + 1), size - 1};
  while (!rest.empty()) {
    auto n = chunk < rest.size() ? chunk : rest.size();
    if (!f(rest.substr(0, n)))
      return;
    rest.remove_prefix(n);
  }
}

} // namespace ply::fuzz
