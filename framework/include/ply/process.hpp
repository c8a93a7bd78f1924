// SPDX-License-Identifier: MIT
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include "ply/deferred.hpp"
#include "ply/protocol.hpp"

namespace ply {

class reactor;

/// How a child process ended: its exit code, or the signal that killed it.
struct process_status {
  bool exited = true;
  int code = 0;    ///< the exit code when `exited`
  int signal = 0;  ///< the signal otherwise

  bool success() const {
    return exited && code == 0;
  }

  /// "exit code 3", "killed by signal 9".
  std::string to_string() const;

  /// From a `waitpid` status.
  static process_status from_wait(int status);
};

/// What to run: the program (looked up in PATH when it has no slash) and its arguments in `argv`,
/// the environment (inherited when not given) and the working directory (ours when empty).
struct process_spec {
  process_spec() = default;
  process_spec(std::vector<std::string> args, std::string dir = {})
    : argv(std::move(args)), path(std::move(dir)) {
  }

  std::vector<std::string> argv;
  std::optional<std::map<std::string, std::string>> env;
  std::string path;
};

/// A protocol for a child process (Twisted's ProcessProtocol): `data_received` gets its standard
/// output and `err_received` its standard error; `transport().write` feeds its standard input and
/// `transport().lose_connection()` closes it. `connection_lost` says the output ended, and
/// `process_ended` (last) how the process ended.
class process_protocol : public protocol {
public:
  /// Bytes the process wrote to its standard error.
  virtual void err_received(bytes data);

  /// The process ended and its standard output and error are closed; the actor quits after this.
  virtual void process_ended(const process_status& status);

  const char* name() const override;

protected:
  caf::message_handler framework_handlers() override;
  void connection_done() override;

private:
  void maybe_done();

  bool output_done_ = false;
  bool err_done_ = false;
  bool ended_ = false;
  std::optional<process_status> status_;
};

/// Runs `spec` and answers its standard output once it ended (Twisted's getProcessOutput), from an
/// actor: the deferred fails when the program cannot start, exits non-zero, or is killed (the
/// failure names the status and the start of its standard error), or after `timeout`.
deferred<std::string> get_process_output(caf::event_based_actor* self, reactor& r,
                                         process_spec spec,
                                         caf::timespan timeout = std::chrono::seconds(30));

} // namespace ply
