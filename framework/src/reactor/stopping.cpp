// SPDX-License-Identifier: MIT
// The reactor's graceful stop: stop hooks, then listeners, then connections, then factories,
// then threads; each stage waits for the one before it, at most `options::stop_timeout`.

#include <atomic>
#include <memory>

#include <caf/send.hpp>
#include <spdlog/spdlog.h>

#include "reactor/reactor_impl.hpp"

namespace ply {

namespace asio = boost::asio;

void reactor::impl::catch_stop_signals() {
  if (!opts.handle_signals)
    return;
  signals.catch_stop([this](int sig) {
    spdlog::info("received {}, stopping gracefully", sig == SIGINT ? "SIGINT" : "SIGTERM");
    begin_stop(0);
  });
}

void reactor::impl::begin_stop(int code) {
  if (stopping.exchange(true))
    return;
  exit_code = code;
  run_stop_hooks(stop_hooks.size());
}

/// Runs the stop hooks from the last registered to the first, each after the previous one's
/// deferred fired (or its time ran out), then closes listeners and connections.
void reactor::impl::run_stop_hooks(size_t left) {
  if (left == 0) {
    stop_network();
    return;
  }
  auto& hook = stop_hooks[left - 1];
  auto next = [this, left](outcome<void> o) {
    if (!o.ok())
      spdlog::warn("a stop hook failed: {}", o.error().message());
    run_stop_hooks(left - 1);
  };
  try {
    auto d = hook();
    d.add_timeout(self, opts.stop_timeout).add_both(next);
  } catch (...) {
    next(outcome<void>{failure::current()});
  }
}

void reactor::impl::stop_network() {
  if (setup_failed)
    spdlog::debug("stopping after a failed setup");
  else
    spdlog::info("stopping: closing {} listener(s) and {} connection(s)", listening.size(),
                 open_connections());
  listening.close_all();
  signals.cancel();
  udp.close_all();
  for_each_connection([](detail::stream_connection& c) { c.lose_connection(); });
  auto deadline = std::chrono::steady_clock::now() + opts.stop_timeout;
  wait_until([this] { return open_connections() == 0; }, deadline, [this, deadline] {
    if (auto n = open_connections(); n > 0) {
      spdlog::warn("stopping: aborting {} connection(s) that did not flush in time", n);
      for_each_connection([](detail::stream_connection& c) { c.abort_connection(); });
    }
    stop_factories(deadline);
  });
}

void reactor::impl::stop_factories(std::chrono::steady_clock::time_point deadline) {
  std::vector<caf::actor> fs;
  {
    std::lock_guard<std::mutex> guard{mtx};
    fs.swap(factories);
  }
  auto remaining = std::make_shared<std::atomic<size_t>>(fs.size());
  for (auto& f : fs) {
    f->attach_functor([remaining] { remaining->fetch_sub(1); });
    caf::anon_send(f, detail::stop_factory_atom::value);
  }
  // Give the factories (and protocol actors still finishing) a moment of their own.
  auto factory_deadline = std::max(deadline, std::chrono::steady_clock::now()
                                               + std::chrono::milliseconds(500));
  wait_until([remaining] { return remaining->load() == 0; }, factory_deadline, [this] {
    caf::anon_send_exit(control, caf::exit_reason::normal);
    for (auto& t : threads)
      t->reject_jobs();
    for (auto& t : threads)
      t->post([&t = *t] { t.ioc.stop(); });
  });
}

} // namespace ply
