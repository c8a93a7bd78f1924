// SPDX-License-Identifier: MIT
#include "ply/time.hpp"

#include <spdlog/spdlog.h>

namespace ply {

namespace detail {

bool call_state::fire() {
  int expected = pending;
  if (!state.compare_exchange_strong(expected, fired))
    return false;
  try {
    fn();
  } catch (const std::exception& e) {
    spdlog::error("a delayed call threw: {}", e.what());
  } catch (...) {
    spdlog::error("a delayed call threw an unknown exception");
  }
  fn = nullptr;
  on_cancel = nullptr;
  return true;
}

bool call_state::cancel() {
  int expected = pending;
  if (!state.compare_exchange_strong(expected, cancelled))
    return false;
  if (on_cancel)
    on_cancel();
  // Whatever the function holds (a deferred's chain, say) is released now, not when the clock
  // gets around to dropping the call.
  fn = nullptr;
  on_cancel = nullptr;
  return true;
}

} // namespace detail

bool delayed_call::active() const {
  return st_ && st_->state.load() == detail::call_state::pending;
}

bool delayed_call::cancel() {
  return st_ && st_->cancel();
}

clock::~clock() = default;

looping_call::looping_call(clock& clk, std::function<void()> fn) : clock_(clk), fn_(std::move(fn)) {
  // nop
}

looping_call::~looping_call() {
  stop();
}

void looping_call::start(duration interval, bool now) {
  stop();
  running_ = true;
  interval_ = interval;
  started_ = clock_.now();
  intervals_ = 0;
  if (now)
    tick();
  else
    schedule_next();
}

void looping_call::stop() {
  running_ = false;
  next_.cancel();
}

void looping_call::tick() {
  ++calls_;
  fn_();
  if (running_)
    schedule_next();
}

void looping_call::schedule_next() {
  // The next multiple of the interval after now: no drift, missed ticks skipped.
  auto elapsed = clock_.now() - started_;
  auto passed = interval_.count() > 0 ? static_cast<size_t>(elapsed / interval_) : intervals_;
  intervals_ = std::max(intervals_ + 1, passed + 1);
  auto due = started_ + interval_ * static_cast<long>(intervals_);
  next_ = clock_.call_later(due - clock_.now(), [this] { tick(); });
}

} // namespace ply
