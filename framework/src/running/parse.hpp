// SPDX-License-Identifier: MIT
#pragma once

#include <string>

#include "ply/command_line.hpp"

namespace ply::detail {

/// Parses the command line and sets up logging; false (with the exit code in `code`) when the
/// program should stop here: `--help`, `--version`, or bad usage (exit code 2).
bool parse(int argc, char** argv, command_line& cli, int& code);

/// The program's name without its directory ("echo_server" for build/bin/echo_server).
std::string program_name(command_line& cli);

} // namespace ply::detail
