// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>

#include <caf/expected.hpp>

namespace ply {

/// Faults a reactor injects into its own socket I/O and timers, for tests: what a slow, lossy or
/// overloaded network does to a server, on demand and reproducibly (a seed). Off unless set, in
/// `reactor::options::faults` or, for any ply program, in the `PLY_FAULTS` environment variable.
struct fault_plan {
  /// Each read takes 1..max_read bytes (short reads); 0 takes what there is.
  size_t max_read = 0;
  /// Each write sends 1..max_write bytes (short writes); 0 sends what the socket takes.
  size_t max_write = 0;
  /// Chance that a read or a write finds the socket not ready (EAGAIN), as under a storm.
  double eagain = 0;
  /// Chance that a write finds the socket full (EAGAIN); 1: peers that never read, whatever the
  /// kernel's socket buffers would have taken.
  double stall = 0;
  /// Chance that a read finds the connection reset by the peer (ECONNRESET).
  double reset = 0;
  /// Each reactor timer fires up to this much later than asked.
  std::chrono::milliseconds timer_delay{0};
  /// Seed of the random choices; 0 picks one (it is logged, to replay a run).
  uint64_t seed = 0;

  /// Whether any fault is set.
  bool active() const;

  /// The plan as `parse` reads it.
  std::string to_string() const;

  /// Parses `read=N,write=N,eagain=P,stall=P,reset=P,timer=MS,seed=N` (any of them, in any order).
  static caf::expected<fault_plan> parse(std::string_view text);

  /// The plan in `PLY_FAULTS`; an inactive plan when it is unset or empty.
  static caf::expected<fault_plan> from_environment();
};

/// The random choices of one thread under a `fault_plan` (not thread-safe: one per thread).
class fault_injector {
public:
  fault_injector(const fault_plan& plan, uint64_t stream);

  /// How many bytes this read may take of `capacity`, or 0 with `err` set when it fails instead.
  size_t read_size(size_t capacity, int& err);

  /// How many bytes this write may send of `size`, or 0 with `err` set when it fails instead.
  size_t write_size(size_t size, int& err);

  /// How much later than asked a timer fires.
  std::chrono::milliseconds timer_delay();

private:
  bool chance(double p);

  fault_plan plan_;
  std::mt19937_64 rng_;
};

} // namespace ply
