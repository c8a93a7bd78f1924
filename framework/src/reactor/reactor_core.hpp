// SPDX-License-Identifier: MIT
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/expected.hpp>
#include <caf/make_message.hpp>

#include "protocols/messages.hpp"
#include "reactor/asio.hpp"
#include "reactor/io_thread.hpp"
#include "reactor/name_lookup.hpp"
#include "transports/stream_connection.hpp"
#include "ply/endpoint.hpp"
#include "ply/faults.hpp"
#include "ply/reactor.hpp"
#include "ply/tls.hpp"

namespace ply::detail {

/// The address a server endpoint binds: its interface, or every IPv4 address when it names none;
/// `text` (the endpoint as given) names it in the error.
caf::expected<asio::ip::address> interface_address(const endpoint& ep, std::string_view text);

/// What the reactor's jobs (listening, connecting, processes, UDP, stopping) share: its threads
/// and options, the factories it started, how many connections it admits, and whether it runs.
/// Each job lives in a file of its own and reaches the others only through this.
class reactor_core {
public:
  reactor_core(reactor& owner, caf::actor_system& sys, reactor::options opts);

  reactor& self;
  caf::actor_system& sys;
  reactor::options opts;

  /// Shared: a connection posts to its thread through a weak reference, which fails once the
  /// reactor is gone instead of reaching a destroyed `io_context`.
  std::vector<std::shared_ptr<io_thread>> threads;
  /// Host name lookups for connecting; declared after `threads`, so it is gone (its thread
  /// joined) before them.
  name_lookup names;
  std::optional<fault_injector> timer_faults;  ///< guarded by timer_faults_mtx
  std::mutex timer_faults_mtx;

  std::atomic<bool> running{false};
  std::atomic<bool> stopping{false};
  std::atomic<bool> setup_failed{false};
  int exit_code = 0;

  std::mutex mtx;  ///< guards factories and when_running
  std::vector<caf::actor> factories;
  std::vector<std::function<void()>> when_running;

  /// Thread 0: listeners, signals, timers and the staged stop run there.
  io_thread& main_thread() {
    return *threads.front();
  }

  /// The thread for the next connection, round-robin.
  io_thread& pick_thread() {
    return *threads[next_thread_.fetch_add(1, std::memory_order_relaxed) % threads.size()];
  }

  /// The factory for a listen or connect: `factory` adopted, or a new one made by `make`.
  caf::actor factory_for(const caf::actor* factory, const factory_maker* make) {
    return factory ? adopt_factory(*factory) : adopt_factory((*make)(sys));
  }

  /// Starts a factory actor (its `start_factory` runs before any connection) and stops it with
  /// the reactor; a factory used again (a client reconnecting) is not started twice.
  caf::actor adopt_factory(caf::actor f);

  /// Logs a failed listen or connect; before `run` it makes `run` return 2 at once.
  template <class T>
  caf::expected<T> check(caf::expected<T> result) {
    if (!result)
      note_setup_error(result.error());
    return result;
  }

  /// A fresh connection id (they are unique in the process's traces).
  uint64_t next_connection_id() {
    return next_connection_id_.fetch_add(1, std::memory_order_relaxed);
  }

  /// Hands a connected socket (TCP or Unix) to `factory`, on the thread that owns the socket.
  template <class Socket>
  void new_connection(io_thread& thr, Socket sock, const caf::actor& factory,
                      const tls_context_ptr& tls = nullptr) {
    // The connection keeps only the descriptor: the thread's poller watches it.
    boost::system::error_code ec;
    sock.non_blocking(true, ec);
    auto fd = sock.release(ec);
    if (ec) {
      note_lost_socket(ec.message());
      return;
    }
    auto conn = std::make_shared<stream_connection>(thr, fd, next_connection_id());
    conn->open();
    if (tls)
      conn->start_tls(tls);  // before the protocol sees a byte
    thr.deliver(factory, caf::make_message(made_atom::value, transport_ptr{conn}));
  }

  // -- admission: never more connections than fit the open-file limit --

  /// Open connections over all threads.
  size_t open_connections() const;

  /// Whether a new connection would exceed `max_connections`; counts and logs the refusal (at most
  /// once a second, with how many were refused meanwhile).
  bool over_limit(const std::string& where);

  /// Connections accepted and handed to a thread that has not opened them yet.
  std::atomic<size_t> in_flight{0};
  std::atomic<uint64_t> refused{0};

  /// Runs `fn` on every open connection, on the thread that owns it.
  template <class F>
  void for_each_connection(F fn) {
    for (auto& t : threads)
      t->post([&t = *t, fn] {
        // A snapshot: closing a connection removes it from the map.
        std::vector<std::shared_ptr<stream_connection>> conns;
        for (auto& kvp : t.connections)
          conns.push_back(kvp.second);
        for (auto& c : conns)
          fn(*c);
      });
  }

  /// Calls `then` on thread 0 once `done()` holds or `deadline` passed, checking every 5 ms.
  template <class Pred, class Then>
  void wait_until(Pred done, std::chrono::steady_clock::time_point deadline, Then then) {
    if (done() || std::chrono::steady_clock::now() >= deadline) {
      then();
      return;
    }
    auto timer = std::make_shared<asio::steady_timer>(main_thread().ioc,
                                                      std::chrono::milliseconds(5));
    timer->async_wait([this, timer, done, deadline, then](const boost::system::error_code&) {
      wait_until(done, deadline, then);
    });
  }

private:
  void setup_faults();
  void fit_open_files();
  void note_setup_error(const caf::error& err);
  void note_lost_socket(const std::string& why);

  std::atomic<size_t> next_thread_{0};
  std::atomic<uint64_t> next_connection_id_{1};
  std::chrono::steady_clock::time_point last_refusal_log_{};  ///< threads[0] only
};

} // namespace ply::detail
