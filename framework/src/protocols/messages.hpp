// SPDX-License-Identifier: MIT
#pragma once

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>

#include "ply/transport.hpp"

namespace ply {
class reactor;
}

namespace ply::detail {

/// The framework's internal messages between reactor, factories and protocol actors.
using made_atom = caf::atom_constant<caf::atom("plymade")>;      // new connection (+ transport)
using data_atom = caf::atom_constant<caf::atom("plydata")>;      // bytes from the peer
using lost_atom = caf::atom_constant<caf::atom("plylost")>;      // connection ended (+ reason)
using pause_atom = caf::atom_constant<caf::atom("plypause")>;    // pause producing
using resume_atom = caf::atom_constant<caf::atom("plyresume")>;  // resume producing
using start_factory_atom = caf::atom_constant<caf::atom("plystart")>;  // + the reactor
using stop_factory_atom = caf::atom_constant<caf::atom("plystop")>;  // the reactor stops
using failed_atom = caf::atom_constant<caf::atom("plyfailed")>;  // client connect failed
using err_data_atom = caf::atom_constant<caf::atom("plyerr")>;  // a process's standard error
using err_done_atom = caf::atom_constant<caf::atom("plyerrdone")>;  // ... and its end
using exited_atom = caf::atom_constant<caf::atom("plyexited")>;  // a process ended (+ status)
using drain_atom = caf::atom_constant<caf::atom("plydrain")>;  // stop waiting for responses
using udp_start_atom = caf::atom_constant<caf::atom("plyustart")>;  // a UDP port opened (+ port)
using udp_data_atom = caf::atom_constant<caf::atom("plyudata")>;  // a datagram (+ bytes, sender)
using udp_stop_atom = caf::atom_constant<caf::atom("plyustop")>;  // the UDP port closed
using release_atom = caf::atom_constant<caf::atom("plyrelease")>;  // a protocol's input held no more
using observe_atom = caf::atom_constant<caf::atom("plyobserve")>;  // report outcomes to an actor

/// The reactor that starts a factory; CAF messages may not hold raw pointers.
struct reactor_ref {
  ply::reactor* ptr = nullptr;
};

} // namespace ply::detail

// Local-only message types: they never cross a node boundary.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(ply::detail::reactor_ref)
