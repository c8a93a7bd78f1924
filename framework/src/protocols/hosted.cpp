// SPDX-License-Identifier: MIT
#include "ply/detail/hosted.hpp"

#include <stdexcept>

namespace ply::detail {

namespace {

thread_local caf::actor_config* pending_config = nullptr;

} // namespace

actor_config_holder::actor_config_holder(caf::actor_config& cfg) {
  pending_config = &cfg;
}

caf::actor_config& take_actor_config() {
  auto* cfg = pending_config;
  if (cfg == nullptr)
    throw std::logic_error("ply protocols and factories must be spawned through ply "
                           "(factory::for_protocol, spawn_protocol, factory::of)");
  pending_config = nullptr;
  return *cfg;
}

} // namespace ply::detail
