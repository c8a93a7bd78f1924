// SPDX-License-Identifier: MIT
#include "ply/testing/test_system.hpp"

#include <caf/actor_system_config.hpp>
#include <caf/atom.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <caf/send.hpp>

namespace ply::testing {

namespace {

/// A config selecting CAF's deterministic scheduler; a base so it is ready before the system.
struct deterministic_config {
  deterministic_config() {
    cfg.set("scheduler.policy", caf::atom("testing"));
  }
  caf::actor_system_config cfg;
};

} // namespace

struct test_system::impl : deterministic_config {
  caf::actor_system sys{cfg};
  std::vector<caf::actor> spawned;
};

test_system::test_system() : impl_(std::make_unique<impl>()) {
  // nop
}

test_system::~test_system() {
  run();
  for (auto& hdl : impl_->spawned)
    caf::anon_send_exit(hdl, caf::exit_reason::user_shutdown);
  impl_->spawned.clear();
  run();
  // Protocol actors a factory spawned and a test left connected must not hang the test.
  impl_->sys.await_actors_before_shutdown(false);
}

caf::actor test_system::track(caf::actor hdl) {
  impl_->spawned.push_back(hdl);
  return hdl;
}

caf::actor_system& test_system::sys() {
  return impl_->sys;
}

size_t test_system::run() {
  auto& sched = dynamic_cast<caf::scheduler::test_coordinator&>(impl_->sys.scheduler());
  return sched.run();
}

} // namespace ply::testing
