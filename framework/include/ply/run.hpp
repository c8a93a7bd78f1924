// SPDX-License-Identifier: MIT
#pragma once

#include <functional>
#include <string>

#include "ply/factory_maker.hpp"

namespace ply {

class reactor;
class command_line;
class application;

/// The body of a ply program: sets up listeners, clients and timers on the reactor.
using setup_function = std::function<void(reactor&)>;

/// Adds a program's services (a cluster membership, servers, timers) to its application, once the
/// command line is read.
using services_function = std::function<void(application&)>;

/// Runs a ply program: parses the common options (`--help`, `--reactor-threads`, `--log-level`),
/// starts an actor system and a reactor, calls `setup`, and runs until the reactor stops. Returns
/// the process exit code: 0 after a graceful stop, 2 for bad options or a failed setup (a port in
/// use, a bad endpoint), or what `reactor::stop` was given.
int run(int argc, char** argv, setup_function setup);

/// Same, with program-specific options declared on `cli`.
int run(int argc, char** argv, command_line& cli, setup_function setup);

/// Runs a program made of services, as twistd runs an application: `services` adds them once the
/// command line is read; the CAF modules they need (a cluster's middleman) are loaded before the
/// actor system starts; they start in order, then `setup` runs (if given); on a graceful stop they
/// stop in reverse order. The application is named after the program; services that keep state
/// save it in the working directory (`NAME.state.json`).
int run_application(int argc, char** argv, command_line& cli, services_function services,
                    setup_function setup = {});

/// The usual server in one call: `--port` (default `port`) joins `cli`'s options, and a listener
/// there with `make`'s factory is the whole setup; runs as `run` does.
/// `return ply::serve(argc, argv, cli, "tcp:8079", ply::factory::for_protocol<finger>());`
int serve(int argc, char** argv, command_line& cli, std::string port, factory_maker make);

/// Same, with a command line of only the common options, named `name` and described by
/// `description`.
int serve(int argc, char** argv, std::string name, std::string description, std::string port,
          factory_maker make);

} // namespace ply
