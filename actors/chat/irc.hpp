// SPDX-License-Identifier: MIT
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <caf/actor.hpp>

#include <ply/factory.hpp>

#include "chat/chat.hpp"

namespace ply::actors::chat {

/// One IRC message (RFC 1459/2812): `[:prefix] COMMAND params... [:trailing]`.
struct irc_message {
  std::string prefix;
  std::string command;  ///< upper-cased; numerics stay as digits
  std::vector<std::string> params;
};

/// Parses one line (without its CRLF); nothing for an empty line or one with no command. At most
/// 15 parameters, as the RFC allows; the rest joins the last.
std::optional<irc_message> parse_irc(std::string_view line);

/// Why `nick` cannot be an IRC nickname here (empty when it can): a chat name without the
/// characters IRC gives meaning to.
std::string check_nick(std::string_view nick, size_t max);

/// Spawns an IRC connection actor for `hub` (the chat hub, which is its factory): IRC users share
/// rooms (as channels `#room`) with the line users and the cluster.
caf::actor spawn_irc_connection(factory& hub, const options& opts);

} // namespace ply::actors::chat
