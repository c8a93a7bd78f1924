// SPDX-License-Identifier: MIT
// A connection's write queue gives back exactly the bytes written, in order, however they were
// written (copied or handed over, small or large) and however little the socket takes at a time.
#include <catch2/catch.hpp>

#include <random>
#include <string>

#include "transports/write_queue.hpp"

using ply::detail::write_queue;

namespace {

/// What a socket that takes at most `step` bytes per call receives until the queue is empty.
std::string drain(write_queue& q, size_t step, size_t max_iov = 64) {
  std::string out;
  std::vector<iovec> iov(max_iov);
  while (!q.empty()) {
    auto n = q.gather(iov.data(), iov.size());
    REQUIRE(n > 0);
    size_t took = 0;
    for (size_t i = 0; i < n && took < step; ++i) {
      auto len = std::min(iov[i].iov_len, step - took);
      out.append(static_cast<const char*>(iov[i].iov_base), len);
      took += len;
    }
    q.consume(took);
  }
  return out;
}

/// `n` bytes that differ from one position to the next, starting at `from`.
std::string pattern(size_t n, size_t from) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i)
    s[i] = static_cast<char>('a' + (from + i) % 26);
  return s;
}

} // namespace

TEST_CASE("write queue: bytes come out in order at every send size, copied or handed over",
          "[write_queue]") {
  // Sizes around the coalescing limit, tiny ones and one far larger.
  const size_t sizes[] = {1, 7, 100, write_queue::copy_limit - 1, write_queue::copy_limit,
                          write_queue::coalesce_limit - 1, write_queue::coalesce_limit,
                          write_queue::coalesce_limit + 1, 3, 200000, 15, 4096};
  for (size_t step : {size_t{1}, size_t{3}, size_t{1000}, size_t{16384}, size_t{65536},
                      size_t{1} << 30}) {
    write_queue q;
    std::string expected;
    bool give = false;
    for (auto n : sizes) {
      auto piece = pattern(n, expected.size());
      expected += piece;
      if (give)
        q.push(std::move(piece));
      else
        q.append(piece);
      give = !give;
    }
    CHECK(q.size() == expected.size());
    INFO("send size " << step);
    CHECK(drain(q, step) == expected);
    CHECK(q.size() == 0);
  }
}

TEST_CASE("write queue: writes that arrive while it drains keep their place", "[write_queue]") {
  std::mt19937 rng{42};
  for (int round = 0; round < 50; ++round) {
    write_queue q;
    std::string expected, out;
    std::vector<iovec> iov(4);  // few iovecs: a send takes some buffers and leaves the rest
    for (int i = 0; i < 200; ++i) {
      auto n = std::uniform_int_distribution<size_t>{1, 40000}(rng);
      auto piece = pattern(n, expected.size());
      expected += piece;
      if (rng() % 2)
        q.push(std::move(piece));
      else
        q.append(piece);
      // The socket takes some of what is queued, from the front.
      auto cnt = q.gather(iov.data(), iov.size());
      size_t want = std::uniform_int_distribution<size_t>{0, q.size()}(rng), took = 0;
      for (size_t k = 0; k < cnt && took < want; ++k) {
        auto len = std::min(iov[k].iov_len, want - took);
        out.append(static_cast<const char*>(iov[k].iov_base), len);
        took += len;
      }
      q.consume(took);
      CHECK(q.size() == expected.size() - out.size());
    }
    out += drain(q, 5000, 4);
    REQUIRE(out == expected);
  }
}

TEST_CASE("write queue: a buffer handed over is sent from where it is, small writes share one",
          "[write_queue]") {
  write_queue q;
  std::string big(100000, 'x');
  auto* where = big.data();
  q.push(std::move(big));
  q.append("tail");  // goes onto the big buffer's spare room or a small buffer of its own
  iovec iov[8];
  auto n = q.gather(iov, 8);
  REQUIRE(n >= 1);
  CHECK(iov[0].iov_base == where);  // not copied
  write_queue small;
  for (int i = 0; i < 100; ++i)
    small.append("0123456789");
  CHECK(small.gather(iov, 8) == 1);  // a hundred small writes, one iovec
  CHECK(small.size() == 1000);
  small.clear();
  CHECK(small.empty());
  CHECK(small.gather(iov, 8) == 0);
}

TEST_CASE("write queue: a peer that never lets it empty does not grow its list", "[write_queue]") {
  // Buffers handed over, each an entry of its own; every send ends inside a buffer.
  write_queue q;
  const size_t piece = 2000;
  iovec iov[8];
  for (int i = 0; i < 10000; ++i) {
    q.push(std::string(piece, 'x'));
    q.gather(iov, 8);
    q.consume(piece - 7);
    INFO("after " << i + 1 << " writes: " << q.size() << " bytes in " << q.entries()
                  << " entries");
    REQUIRE(q.entries() <= 2 * (q.size() / piece + 2));
  }
}
