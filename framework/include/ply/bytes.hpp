// SPDX-License-Identifier: MIT
#pragma once

#include <string>
#include <string_view>

namespace ply {

/// Bytes received from or sent to a peer. A `std::string` so that protocol code can use the
/// familiar string algorithms, small payloads stay inline and messages serialize without effort.
using bytes = std::string;

/// A non-owning view of bytes, as accepted by `transport::write`.
using bytes_view = std::string_view;

} // namespace ply
