// SPDX-License-Identifier: MIT
#pragma once

#include <utility>

#include <caf/actor_config.hpp>

namespace ply::detail {

/// Hands the `caf::actor_config` of an actor under construction to its ply base class (protocol,
/// factory), so that user classes need no constructor boilerplate.
caf::actor_config& take_actor_config();

/// First base of `hosted<T>`: stores the config before T's bases are constructed.
struct actor_config_holder {
  explicit actor_config_holder(caf::actor_config& cfg);
};

/// The class CAF actually spawns for a user's protocol or factory class `T`.
template <class T>
class hosted final : actor_config_holder, public T {
public:
  template <class... Ts>
  explicit hosted(caf::actor_config& cfg, Ts&&... xs)
    : actor_config_holder(cfg), T(std::forward<Ts>(xs)...) {
    // nop
  }
};

} // namespace ply::detail
