// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <string>

#include <caf/actor.hpp>

#include <ply/factory.hpp>
#include <ply/plugin.hpp>

namespace ply::actors::pubsub {

/// How clients talk to a node.
enum class mode {
  /// The seed's line protocol: a plain line goes to every client (prefixed with its sender);
  /// `/sub TOPIC`, `/unsub TOPIC`, `/psub PATTERN`, `/pub TOPIC TEXT` use topics.
  lines,
  /// Redis's protocol (RESP): SUBSCRIBE, UNSUBSCRIBE, PSUBSCRIBE, PUNSUBSCRIBE, PUBLISH, PING, QUIT.
  resp,
};

struct options {
  mode how = mode::lines;
  /// Longest line (line mode) or inline command (RESP), in bytes.
  size_t max_line = 64 * 1024;
  /// Longest bulk string of a RESP command, in bytes.
  size_t max_bulk = 1024 * 1024;
  /// Bytes waiting for a client that does not read, past which it is cut off.
  size_t max_buffer = 8 * 1024 * 1024;
};

/// A maker for a node's pub/sub hub: the factory of its connections, which keeps their
/// subscriptions and, given a cluster member actor, forwards publications to the other nodes and
/// counts their receivers.
factory_maker hub(options opts, caf::actor cluster_member = {}, std::string node = "local");

/// Registers `plyd pubsub`.
void register_plugin(plugin_registry& reg);

} // namespace ply::actors::pubsub
