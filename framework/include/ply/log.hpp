// SPDX-License-Identifier: MIT
#pragma once

#include <memory>
#include <string_view>

#include <spdlog/spdlog.h>

namespace ply::log {

/// Sends ply's log to standard error with a compact pattern, at `level` ("trace" ... "off").
/// Returns false for an unknown level name. Under systemd, when standard error is the journal,
/// each line carries its priority (`<3>` for an error) and no date of its own.
bool setup(std::string_view level = "info");

/// Whether standard error goes to systemd's journal (`JOURNAL_STREAM` names it).
bool to_journal();

/// The formatter `setup` gives standard error: dated lines, or priority-prefixed ones for the
/// journal.
std::unique_ptr<spdlog::formatter> stderr_formatter();

} // namespace ply::log
