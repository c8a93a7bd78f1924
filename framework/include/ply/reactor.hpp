// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>

#include <caf/expected.hpp>
#include <caf/fwd.hpp>

#include "ply/datagram.hpp"
#include "ply/deferred.hpp"
#include "ply/factory.hpp"
#include "ply/faults.hpp"
#include "ply/process.hpp"
#include "ply/time.hpp"

namespace ply {

/// The reactor: N threads, each a Boost.Asio `io_context` that is also a CAF execution unit, so
/// the protocol actor of a connection runs on the thread that owns its socket. It listens,
/// connects, runs timers and stops gracefully (SIGINT/SIGTERM included).
class reactor : public clock {
public:
  struct options {
    /// Number of reactor threads; connections are spread over them round-robin.
    size_t threads = 1;
    /// How long a graceful stop waits for connections to flush and actors to end.
    std::chrono::milliseconds stop_timeout{3000};
    /// Whether SIGINT and SIGTERM stop the reactor gracefully. They are caught from the
    /// reactor's construction: one that arrives during setup waits for `run`.
    bool handle_signals = true;
    /// Connections open at once (accepted, connected and processes); past it, new connections
    /// are accepted and closed at once, with a warning. The open-file limit is raised to fit
    /// when the hard limit allows; otherwise this limit is lowered to what fits.
    size_t max_connections = 10000;
    /// The hard cap of each connection's write buffer (`transport::set_output_limit`; 0: none):
    /// a peer that does not read is cut off past it, whatever its protocol does.
    size_t output_limit = default_output_limit;
    /// Faults to inject, for tests (`ply/faults.hpp`); when inactive, `PLY_FAULTS` is read.
    fault_plan faults;
  };

  explicit reactor(caf::actor_system& sys);
  reactor(caf::actor_system& sys, options opts);
  ~reactor() override;
  reactor(const reactor&) = delete;
  reactor& operator=(const reactor&) = delete;

  caf::actor_system& system();

  /// Listens on a server endpoint string (`tcp:...` or `unix:/path`); returns the bound port (so
  /// `tcp:0` is usable; 0 for Unix sockets). The factory is spawned now and started before the
  /// first connection.
  caf::expected<uint16_t> listen(std::string_view endpoint, factory_maker make);

  /// Listens with an already spawned factory actor.
  caf::expected<uint16_t> listen(std::string_view endpoint, caf::actor factory);

  /// Serves on `fd`, a listening TCP or Unix socket this process was given (inherited from its
  /// parent, say; Twisted's adoptStreamPort); the reactor owns it from now on. Returns its port
  /// (0 for a Unix socket); on an error `fd` stays the caller's. A `systemd:` endpoint adopts the
  /// socket systemd passed.
  caf::expected<uint16_t> adopt(int fd, factory_maker make);

  /// Binds a UDP port (`udp:PORT[:interface=ADDR]`, `udp:0` for any free port) for a datagram
  /// protocol actor built by `make`; returns the bound port. It closes when the reactor stops.
  caf::expected<uint16_t> listen_udp(std::string_view endpoint, datagram_maker make);

  /// Connects to a client endpoint string; returns the (client) factory actor, which hears of the
  /// outcome through `client_connection_failed` or a protocol actor's `connection_made`.
  caf::expected<caf::actor> connect(std::string_view endpoint, factory_maker make);

  /// Connects with an already spawned client factory actor.
  caf::expected<caf::actor> connect(std::string_view endpoint, caf::actor factory);

  /// Starts a child process (Twisted's spawnProcess) whose standard input, output and error are
  /// the transport of a protocol actor built by the factory (a `process_protocol`); returns the
  /// factory actor. Fails at once (`errc::spawn_failed`) when the program cannot be started.
  caf::expected<caf::actor> spawn_process(process_spec spec, factory_maker make);

  /// Starts a child process for an already spawned factory actor.
  caf::expected<caf::actor> spawn_process(process_spec spec, caf::actor factory);

  /// The reactor as an actor, so that actors control it by messages (`ply/atoms.hpp`):
  /// `(listen_atom, endpoint, factory)` answers the bound port, `(connect_atom, endpoint, factory)`
  /// answers `caf::unit` once the attempt started, `(count_atom)` the open connections, and
  /// `(stop_atom, exit_code)` stops the reactor. It quits when the reactor stops.
  caf::actor control() const;

  /// Runs `fn` on the reactor's first thread, from any thread (Twisted's callFromThread): the
  /// way back from `call_in_thread` work. Before `run` it waits for `run`.
  void call_from_thread(std::function<void()> fn);

  /// Runs `fn` on the reactor's first thread once `run` has started.
  void call_when_running(std::function<void()> fn);

  /// Runs `hook` when a graceful stop begins, before listeners and connections close; the stop
  /// waits for its deferred (at most `stop_timeout`). Hooks run in reverse order of registration.
  void add_stop_hook(std::function<deferred<void>()> hook);

  /// Runs `fn` on the reactor's first thread each time signal `signo` arrives (SIGHUP, say).
  void on_signal(int signo, std::function<void()> fn);

  /// Closes the TCP listener bound to `port`; false if there is none.
  bool stop_listening(uint16_t port);

  /// Closes the Unix socket listener at `unix_path` (and removes the socket file).
  bool stop_listening(std::string_view unix_path);

  time_point now() const override;

  /// Runs `fn` once after `delay` on the reactor's first thread. Thread-safe.
  delayed_call call_later(duration delay, std::function<void()> fn) override;

  /// The most connections open at once (`options::max_connections`, after fitting the open-file
  /// limit), and how many were refused for it so far.
  size_t max_connections() const;
  uint64_t refused_connections() const;

  /// Runs the reactor threads until `stop`; returns the exit code given to `stop`.
  int run();

  /// Stops gracefully: listeners close, every connection flushes and closes (its protocol gets
  /// `connection_lost`), factories get `stop_factory`, then `run` returns. Thread-safe.
  void stop(int exit_code = 0);

  /// Whether `run` is running and no stop has begun.
  bool running() const;

  /// Open connections over all threads.
  size_t connection_count() const;

  /// Bytes written to connections and not yet taken by their sockets, over all threads: what
  /// slow readers cost in buffers.
  size_t queued_output() const;

  /// Of `queued_output`, the bytes written from other threads and still on their way to the
  /// connection's reactor thread: what a busy reactor thread lags behind.
  size_t posted_output() const;

  /// Open connections whose producer is paused because the peer does not take what was written
  /// (over the high-water mark), over all threads.
  size_t paused_producers() const;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace ply
