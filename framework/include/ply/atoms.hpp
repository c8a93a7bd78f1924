// SPDX-License-Identifier: MIT
#pragma once

#include <caf/atom.hpp>

namespace ply {

/// Messages understood by the reactor's actor (`reactor::control()`).
using listen_atom = caf::atom_constant<caf::atom("listen")>;
using connect_atom = caf::atom_constant<caf::atom("connect")>;
using stop_atom = caf::atom_constant<caf::atom("stop")>;
using count_atom = caf::atom_constant<caf::atom("count")>;

} // namespace ply
