// SPDX-License-Identifier: MIT
#pragma once

#include <utility>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>

namespace ply::detail {

/// Spawns a function-based actor `fn(self) -> behavior`. CAF 0.17 dereferences a null argument
/// tuple when such an actor gets no arguments (undefined behaviour that UBSan reports), so this
/// always hands it one, unused.
template <caf::spawn_options Os = caf::no_spawn_options, class F>
caf::actor spawn_function(caf::actor_system& sys, F fn) {
  return sys.spawn<Os>(
    [fn = std::move(fn)](caf::event_based_actor* self, int) mutable { return fn(self); }, 0);
}

} // namespace ply::detail
