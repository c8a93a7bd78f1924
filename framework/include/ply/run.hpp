#pragma once

#include <functional>

namespace ply {

class reactor;
class command_line;

/// The body of a ply program: sets up listeners, clients and timers on the reactor.
using setup_function = std::function<void(reactor&)>;

/// Runs a ply program: parses the common options (`--help`, `--reactor-threads`, `--log-level`),
/// starts an actor system and a reactor, calls `setup`, and runs until the reactor stops. Returns
/// the process exit code: 0 after a graceful stop, 2 for bad options or a failed setup (a port in
/// use, a bad endpoint), or what `reactor::stop` was given.
int run(int argc, char** argv, setup_function setup);

/// Same, with program-specific options declared on `cli`.
int run(int argc, char** argv, command_line& cli, setup_function setup);

} // namespace ply
