// SPDX-License-Identifier: MIT
#include "ply/testing/manual_clock.hpp"

namespace ply::testing {

delayed_call manual_clock::call_later(duration delay, std::function<void()> fn) {
  auto st = std::make_shared<detail::call_state>(std::move(fn));
  calls_.emplace(now_ + delay, st);
  return delayed_call{st};
}

size_t manual_clock::advance(duration d) {
  auto until = now_ + d;
  size_t fired = 0;
  while (!calls_.empty() && calls_.begin()->first <= until) {
    auto [due, st] = *calls_.begin();
    calls_.erase(calls_.begin());
    now_ = std::max(now_, due);
    if (st->fire())
      ++fired;
  }
  now_ = until;
  return fired;
}

size_t manual_clock::pending() const {
  size_t n = 0;
  for (auto& kvp : calls_)
    if (kvp.second->state.load() == detail::call_state::pending)
      ++n;
  return n;
}

} // namespace ply::testing
