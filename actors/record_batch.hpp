// SPDX-License-Identifier: MIT
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

namespace ply::actors {

/// The most a hub gathers for another node before sending it, however the batch is clocked.
constexpr size_t max_batch_bytes = 64 * 1024;

/// Records of N string fields packed into one string, so that a hub can send another node what
/// one burst of its mailbox produced as one message instead of one message per record: one
/// serialization, one BASP frame and one mailbox element per burst. Each field is a 4-byte
/// little-endian length and its bytes.
template <size_t N>
class record_batch {
public:
  using record = std::array<std::string_view, N>;

  void add(const record& fields) {
    for (auto f : fields) {
      auto n = static_cast<uint32_t>(f.size());
      for (int shift = 0; shift < 32; shift += 8)
        bytes_.push_back(static_cast<char>((n >> shift) & 0xff));
      bytes_.append(f);
    }
    ++count_;
  }

  bool empty() const {
    return count_ == 0;
  }

  /// Records added since the last `take`.
  size_t count() const {
    return count_;
  }

  /// Bytes the batch holds.
  size_t size() const {
    return bytes_.size();
  }

  /// The packed records; the batch is empty afterwards.
  std::string take() {
    count_ = 0;
    return std::exchange(bytes_, std::string{});
  }

private:
  std::string bytes_;
  size_t count_ = 0;
};

/// Calls `fn(const std::array<std::string_view, N>&)` for each record of `packed`, in order.
/// Returns false, having called `fn` for the whole records before it, when `packed` does not end
/// at a record's end (truncated or not a batch).
template <size_t N, class F>
bool for_each_record(std::string_view packed, F fn) {
  std::array<std::string_view, N> fields;
  while (!packed.empty()) {
    for (auto& f : fields) {
      if (packed.size() < 4)
        return false;
      uint32_t n = 0;
      for (int i = 0; i < 4; ++i)
        n |= uint32_t{static_cast<unsigned char>(packed[static_cast<size_t>(i)])} << (8 * i);
      packed.remove_prefix(4);
      if (packed.size() < n)
        return false;
      f = packed.substr(0, n);
      packed.remove_prefix(n);
    }
    fn(fields);
  }
  return true;
}

} // namespace ply::actors
