// SPDX-License-Identifier: MIT
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <caf/actor.hpp>

#include <ply/factory.hpp>
#include <ply/plugin.hpp>

namespace ply::actors::chat {

/// The chat's limits and defaults.
struct options {
  /// Longest line a client may send, in bytes; longer ones close the connection.
  size_t max_line = 4096;
  /// Longest name, in bytes.
  size_t max_name = 32;
  /// Bytes waiting for a client that does not read, past which it is cut off.
  size_t max_buffer = 1024 * 1024;
  /// The room every user starts in.
  std::string lobby = "lobby";
};

/// Why `name` cannot be a user or room name (empty when it can): 1 to `max` bytes, no spaces or
/// control characters, not starting with '/'.
std::string check_name(std::string_view name, size_t max);

/// A maker for a node's chat hub: the factory of chat connections, which holds the node's users
/// and rooms and, given a cluster member actor, shares them with the hubs of the other nodes.
/// With `irc_port`, connections that arrive on that local port (set once it is bound) speak IRC.
factory_maker hub(options opts, caf::actor cluster_member = {}, std::string node = "local",
                  std::shared_ptr<std::atomic<uint16_t>> irc_port = nullptr);

/// Registers `plyd chat`.
void register_plugin(plugin_registry& reg);

} // namespace ply::actors::chat
