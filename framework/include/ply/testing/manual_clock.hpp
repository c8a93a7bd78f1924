// SPDX-License-Identifier: MIT
#pragma once

#include <map>
#include <memory>

#include "ply/time.hpp"

namespace ply::testing {

/// A clock that only moves when told (Twisted's task.Clock): timers fire in order, on the calling
/// thread, during `advance`.
class manual_clock final : public clock {
public:
  time_point now() const override {
    return now_;
  }

  delayed_call call_later(duration delay, std::function<void()> fn) override;

  /// Moves time forward by `d`, firing every call that falls due, in time order (a call scheduled
  /// by a firing call fires too when it falls inside `d`). Returns how many fired.
  size_t advance(duration d);

  /// Calls that are still scheduled (cancelled ones excluded).
  size_t pending() const;

private:
  time_point now_{};
  std::multimap<time_point, std::shared_ptr<detail::call_state>> calls_;
};

} // namespace ply::testing
