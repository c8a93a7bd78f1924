// SPDX-License-Identifier: MIT
#pragma once

#include <caf/atom.hpp>

namespace ply::actors::chat {

/// The messages between chat connections (line or IRC) and their node's hub.
// Connection -> hub.
using claim_atom = caf::atom_constant<caf::atom("ch_claim")>;
using say_atom = caf::atom_constant<caf::atom("ch_say")>;
using me_atom = caf::atom_constant<caf::atom("ch_me")>;
using join_atom = caf::atom_constant<caf::atom("ch_join")>;
using who_atom = caf::atom_constant<caf::atom("ch_who")>;
using rooms_atom = caf::atom_constant<caf::atom("ch_rooms")>;
using msg_atom = caf::atom_constant<caf::atom("ch_msg")>;
// Hub -> connection: one line of output.
using line_atom = caf::atom_constant<caf::atom("ch_line")>;
// Hub -> connection: (close_atom, why): tell the user why, in the connection's protocol, and close.
using close_atom = caf::atom_constant<caf::atom("ch_close")>;

} // namespace ply::actors::chat
