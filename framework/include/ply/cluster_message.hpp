// SPDX-License-Identifier: MIT
#pragma once

#include <caf/actor_system_config.hpp>

namespace ply::detail {

/// How a shared message type is registered with an actor system's configuration.
using message_registration = void (*)(caf::actor_system_config&);

/// Adds `add` to the registrations every cluster node of this process applies, once per `name`;
/// returns true (for a static initializer).
bool share_message(const char* name, message_registration add);

/// Registers every shared message type with `cfg` (`cluster_service::configure` calls it).
void register_shared_messages(caf::actor_system_config& cfg);

} // namespace ply::detail

#define PLY_CLUSTER_MESSAGE_CAT2(a, b) a##b
#define PLY_CLUSTER_MESSAGE_CAT(a, b) PLY_CLUSTER_MESSAGE_CAT2(a, b)

/// Lets messages of type `type` (a `PLY_MESSAGE`, or any type CAF can inspect) cross the cluster,
/// in one line at namespace scope after its declaration:
///
/// ```
/// PLY_MESSAGE(greeting, std::string from; int count);
/// PLY_CLUSTER_MESSAGE(greeting);
/// ```
///
/// Every cluster node of the program registers it with CAF under the name written here, before
/// its actor system starts; nodes that exchange it must use the same name.
#define PLY_CLUSTER_MESSAGE(type)                                                                  \
  [[maybe_unused]] static const bool PLY_CLUSTER_MESSAGE_CAT(ply_cluster_message_, __LINE__) =     \
    ::ply::detail::share_message(#type, [](caf::actor_system_config& cfg) {                        \
      cfg.add_message_type<type>(#type);                                                          \
    })
