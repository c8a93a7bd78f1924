// SPDX-License-Identifier: MIT
#pragma once

#include <functional>

namespace caf {
class actor;
class actor_system;
} // namespace caf

namespace ply {

/// Spawns a factory actor in an actor system; what `reactor::listen`, `reactor::connect` and
/// `serve` take (`factory::of<F>()`, `factory::for_protocol<P>()`).
using factory_maker = std::function<caf::actor(caf::actor_system&)>;

} // namespace ply
