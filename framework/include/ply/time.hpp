// SPDX-License-Identifier: MIT
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>

namespace ply {

using duration = std::chrono::steady_clock::duration;
using time_point = std::chrono::steady_clock::time_point;

/// A duration from (fractional) seconds, as command-line options give them.
inline duration seconds_to_duration(double seconds) {
  return std::chrono::duration_cast<duration>(std::chrono::duration<double>(seconds));
}

namespace detail {

/// Shared state of one scheduled call; `fire` and `cancel` race safely, only one of them wins.
struct call_state {
  enum : int { pending, fired, cancelled };
  explicit call_state(std::function<void()> f) : fn(std::move(f)) {}
  bool fire();
  bool cancel();
  std::atomic<int> state{pending};
  std::function<void()> fn;
  /// Releases what the clock holds for this call (a timer), set by the clock.
  std::function<void()> on_cancel;
};

} // namespace detail

/// A handle to a call scheduled with `clock::call_later` (Twisted's IDelayedCall).
class delayed_call {
public:
  delayed_call() = default;
  explicit delayed_call(std::shared_ptr<detail::call_state> st) : st_(std::move(st)) {}

  /// Whether the call is still pending.
  bool active() const;

  /// Cancels the call; false if it already ran or was cancelled.
  bool cancel();

private:
  std::shared_ptr<detail::call_state> st_;
};

/// Something that runs functions later: the reactor, or `ply::testing::manual_clock` in tests.
class clock {
public:
  virtual ~clock();
  virtual time_point now() const = 0;
  /// Runs `fn` once after `delay`, on the clock's thread.
  virtual delayed_call call_later(duration delay, std::function<void()> fn) = 0;
};

/// Calls a function every `interval` (Twisted's LoopingCall). Ticks are scheduled relative to the
/// start, so they do not drift; ticks missed while the clock's thread was busy are skipped. Use it
/// from the clock's thread (a reactor callback or the test thread).
class looping_call {
public:
  looping_call(clock& clk, std::function<void()> fn);
  ~looping_call();
  looping_call(const looping_call&) = delete;
  looping_call& operator=(const looping_call&) = delete;

  /// Starts calling; with `now`, the first call happens immediately.
  void start(duration interval, bool now = true);

  /// Stops calling; safe to call from inside the function.
  void stop();

  bool running() const { return running_; }

  /// How many times the function ran.
  size_t calls() const { return calls_; }

private:
  void schedule_next();
  void tick();

  clock& clock_;
  std::function<void()> fn_;
  duration interval_{};
  time_point started_{};
  size_t intervals_ = 0;
  size_t calls_ = 0;
  bool running_ = false;
  delayed_call next_;
};

} // namespace ply
