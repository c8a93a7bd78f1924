// SPDX-License-Identifier: MIT
#pragma once

#include <caf/actor.hpp>

#include <ply/factory.hpp>
#include <ply/plugin.hpp>

#include "kv/memcache.hpp"
#include "kv/store.hpp"

namespace ply::actors::kv {

/// Spawns the actor that owns a `store`: every kv connection (line, memcached, HTTP) sends it
/// its requests, so they all see the same items.
caf::actor spawn_store(caf::actor_system& sys, store::options opts);

/// A connection speaking memcached's text protocol. Requests that arrive together go to the store
/// as one batch, and their answers come back as one write, in order.
factory_maker memcached_factory(caf::actor store, parser::limits limits);

/// A connection speaking the seed's line protocol (`get KEY`, `set KEY VALUE`, ...).
factory_maker line_factory(caf::actor store);

/// `plyd kv`: the line protocol on `--port`, memcached's on `--memcached`, and the items and stats
/// as JSON over HTTP on `--http`.
void register_plugin(plugin_registry& reg);

} // namespace ply::actors::kv
