// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <ply/factory.hpp>
#include <ply/plugin.hpp>

namespace ply::actors::finger {

/// Reads a users file: one `NAME: STATUS` per line (blank lines and `#` comments skipped). Returns
/// nothing when the file cannot be read; malformed lines are skipped and counted in `skipped`.
std::optional<std::map<std::string, std::string>> read_users(const std::string& path,
                                                             size_t* skipped = nullptr);

/// What a finger query asks (RFC 1288): a user, the list (empty user), verbose (`/W`), or a
/// forwarding request (`user@host`), which servers should refuse.
struct query {
  std::string user;
  bool verbose = false;
  bool forward = false;
  bool valid = true;
};

query parse_query(std::string_view line);

/// The finger service's factory: holds the users (from `users_file`, re-read every `reload`; a
/// zero interval never re-reads) and answers queries for its connections.
factory_maker finger_factory(std::string users_file, std::chrono::seconds reload);

/// `plyd finger --port tcp:79 --users FILE [--reload SECONDS] [--uid nobody]`.
void register_plugin(plugin_registry& reg);

} // namespace ply::actors::finger
