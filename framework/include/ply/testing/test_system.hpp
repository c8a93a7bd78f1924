// SPDX-License-Identifier: MIT
#pragma once

#include <memory>
#include <vector>
#include <utility>

#include <caf/actor_system.hpp>

#include "ply/detail/hosted.hpp"

namespace ply::testing {

/// An actor system with CAF's deterministic test scheduler: nothing runs until `run()`, which
/// processes every pending message on the calling thread.
class test_system {
public:
  test_system();
  ~test_system();

  caf::actor_system& sys();

  /// Runs every pending job; returns how many ran.
  size_t run();

  /// Spawns a protocol or factory class `T` with constructor arguments. Actors spawned here are
  /// shut down when the test system goes away, so a test need not close every connection.
  template <class T, class... Ts>
  caf::actor spawn(Ts&&... xs) {
    return track(sys().spawn<ply::detail::hosted<T>>(std::forward<Ts>(xs)...));
  }

private:
  caf::actor track(caf::actor hdl);

  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace ply::testing
