#pragma once

#include <optional>

#include <caf/actor.hpp>
#include <caf/expected.hpp>

#include "transports/stream_connection.hpp"
#include "ply/factory.hpp"
#include "ply/process.hpp"

namespace ply::detail {

class reactor_core;

/// A child process's standard input and output, as one stream (Twisted's process transport):
/// `lose_connection` closes the child's stdin once what was written is sent, while its output is
/// still read; its standard error and its exit reach the same protocol actor.
class child_stdio final : public stream_connection {
public:
  using stream_connection::stream_connection;

  /// Carries the child's standard error to the same protocol actor, as stderr data.
  void set_stderr(std::shared_ptr<stream_connection> err);

  /// The child ended: tells the protocol (now, or once it is attached). Any thread.
  void process_exited(int wait_status);

private:
  void on_attach(const caf::actor& protocol) override;
  bool half_close() override;
  void on_closed() override;

  std::shared_ptr<stream_connection> err_;
  caf::actor exit_target_;  ///< hears the child's exit (kept after the loss)
  std::optional<int> pending_exit_;
};

/// A child process's standard error: its data goes to the protocol as stderr data, and its end
/// is not a `connection_lost`; it never pauses the protocol.
class child_stderr final : public stream_connection {
public:
  using stream_connection::stream_connection;

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
};

/// Starts `spec`'s program (posix_spawnp) with socket pairs for its standard streams and hands
/// them, as a `child_stdio`, to `factory` (or one made by `make`) on a reactor thread; its exit
/// is watched through a pidfd (or polled where there is none). Fails at once with
/// `errc::spawn_failed` when the program cannot start.
caf::expected<caf::actor> spawn_process(reactor_core& core, process_spec spec,
                                        const caf::actor* factory, const factory_maker* make);

} // namespace ply::detail
