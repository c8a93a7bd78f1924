// SPDX-License-Identifier: MIT
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "reactor/asio.hpp"

namespace ply::detail {

/// The reactor's signal job: SIGINT and SIGTERM begin a graceful stop, other signals run what a
/// program asked for (`reactor::on_signal`). Everything runs on the io_context given, thread 0.
class signal_watch {
public:
  explicit signal_watch(asio::io_context& ioc);

  /// From now on SIGINT and SIGTERM call `on_stop` (with the signal); a no-op while already
  /// caught. Caught from the reactor's construction, so one that arrives during setup waits for
  /// the loop instead of killing the process.
  void catch_stop(std::function<void(int)> on_stop);

  /// Runs `fn` each time `signo` arrives.
  void on_signal(int signo, std::function<void()> fn);

  /// Stops waiting for signals (the stop began); `reset` forgets them once the loop returned.
  void cancel();
  void reset();

private:
  struct handler {
    asio::signal_set set;
    std::function<void()> fn;
  };
  void arm(handler* h);

  asio::io_context& ioc_;
  std::optional<asio::signal_set> stop_signals_;
  std::vector<std::unique_ptr<handler>> handlers_;
};

} // namespace ply::detail
