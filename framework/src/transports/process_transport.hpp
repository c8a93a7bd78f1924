// SPDX-License-Identifier: MIT
#pragma once

#include <optional>

#include <caf/actor.hpp>
#include <caf/expected.hpp>

#include "transports/stream_connection.hpp"
#include "ply/factory.hpp"
#include "ply/process.hpp"

namespace ply::detail {

class reactor_core;

class child_stderr;

/// A child process's standard input and output, as one stream (Twisted's process transport):
/// `lose_connection` closes the child's stdin once what was written is sent, while its output is
/// still read; its standard error and its exit reach the same protocol actor. The protocol hears
/// `connection_lost` once both outputs ended, so all of stderr comes before it.
class child_stdio final : public stream_connection {
public:
  using stream_connection::stream_connection;

  /// Carries the child's standard error to the same protocol actor, as stderr data.
  void set_stderr(std::shared_ptr<child_stderr> err);

  /// The child's standard error ended (on the owning thread).
  void stderr_ended();

  /// The child ended: tells the protocol (now, or once it is attached). Any thread.
  void process_exited(int wait_status);

private:
  void on_attach(const caf::actor& protocol) override;
  bool half_close() override;
  void on_closed() override;
  void end_of_input() override;

  std::shared_ptr<child_stderr> err_;  ///< until it ended or we closed it
  bool output_ended_ = false;          ///< stdout ended while stderr was still open
  caf::actor exit_target_;  ///< hears the child's exit (kept after the loss)
  std::optional<int> pending_exit_;
};

/// A child process's standard error: its data goes to the protocol as stderr data, and its end
/// is not a `connection_lost`; it never pauses the protocol.
class child_stderr final : public stream_connection {
public:
  using stream_connection::stream_connection;

  /// Tells `out` when standard error ended.
  void report_end_to(std::weak_ptr<child_stdio> out) {
    out_ = std::move(out);
  }

  /// Closes it at once, unread data and all (the protocol aborted, or stdout failed).
  void close_now();

private:
  bool controls_flow() const override {
    return false;
  }
  caf::message data_message(bytes data) override;
  bool plain_data() const override {
    return false;
  }
  caf::message lost_message(caf::error reason) override;
  void end_of_input() override;

  std::weak_ptr<child_stdio> out_;
};

/// Starts `spec`'s program (posix_spawnp) with socket pairs for its standard streams and hands
/// them, as a `child_stdio`, to `factory` (or one made by `make`) on a reactor thread; its exit
/// is watched through a pidfd (or polled where there is none). Fails at once with
/// `errc::spawn_failed` when the program cannot start.
caf::expected<caf::actor> spawn_process(reactor_core& core, process_spec spec,
                                        const caf::actor* factory, const factory_maker* make);

} // namespace ply::detail
