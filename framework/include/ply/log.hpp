#pragma once

#include <string_view>

#include <spdlog/spdlog.h>

namespace ply::log {

/// Sends ply's log to standard error with a compact pattern, at `level` ("trace" ... "off").
/// Returns false for an unknown level name.
bool setup(std::string_view level = "info");

} // namespace ply::log
