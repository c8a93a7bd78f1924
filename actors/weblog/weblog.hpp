// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <string>

#include <ply/factory_maker.hpp>
#include <ply/plugin.hpp>

namespace ply::actors::weblog {

/// The weblog server of the Twisted article: it follows a web server's access log and sends
/// every client `<hits>`, then one `<hit .../>` line per request logged.
struct options {
  /// The access log to follow (Common Log Format, as `plyd web --access-log` writes it).
  std::string log;
  /// Seconds between reads of the log.
  double tail = 1.0;
  /// Seconds between pushes of what is new to each client (weblog2); 0: a client asks by
  /// sending anything, and hears `<none/>` when nothing is new (weblog1).
  double push = 5.0;
  /// The newest hits kept for clients.
  size_t keep = 100;
  /// Bytes that may wait for a client that does not read before it is cut off.
  size_t max_buffer = 1024 * 1024;
};

/// A maker for the weblog's factory, which follows `opts.log` from its end. Throws
/// std::runtime_error naming the log and why when it cannot be read.
factory_maker hub(const options& opts);

/// Registers `plyd weblog`.
void register_plugin(plugin_registry& reg);

} // namespace ply::actors::weblog
