// SPDX-License-Identifier: MIT
#include "reactor/reactor_core.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <cstdlib>
#include <string_view>

#include <caf/send.hpp>
#include <spdlog/spdlog.h>

#include "ply/error.hpp"

namespace ply::detail {

caf::expected<asio::ip::address> interface_address(const endpoint& ep, std::string_view text) {
  if (ep.host.empty())
    return asio::ip::address{asio::ip::address_v4::any()};
  boost::system::error_code ec;
  auto addr = asio::ip::make_address(ep.host, ec);
  if (ec)
    return make_error(errc::bad_endpoint,
                      "endpoint '" + std::string{text} + "': bad interface '" + ep.host + "'");
  return addr;
}

reactor_core::reactor_core(reactor& owner, caf::actor_system& sys, reactor::options opts)
  : self(owner), sys(sys), opts(opts) {
  if (this->opts.threads == 0)
    this->opts.threads = 1;
  // PLY_REACTOR_NESTED=1: the threads run inside Asio's loop, for comparison (docs/architecture.md).
  const char* nested = std::getenv("PLY_REACTOR_NESTED");
  auto kind = nested != nullptr && std::string_view{nested} == "1" ? io_thread::loop_kind::nested
                                                                   : io_thread::loop_kind::own;
  for (size_t i = 0; i < this->opts.threads; ++i) {
    threads.emplace_back(std::make_shared<io_thread>(sys, i, kind));
    threads.back()->output_limit = this->opts.output_limit;
  }
  setup_faults();
  fit_open_files();
}

/// Injects the configured faults (or those in PLY_FAULTS) into every thread.
void reactor_core::setup_faults() {
  if (!opts.faults.active()) {
    auto env = fault_plan::from_environment();
    if (!env) {
      spdlog::error("PLY_FAULTS: {}", describe(env.error()));
      setup_failed = true;
      return;
    }
    opts.faults = *env;
  }
  if (!opts.faults.active())
    return;
  spdlog::warn("injecting faults: {}", opts.faults.to_string());
  for (auto& t : threads)
    t->faults.emplace(opts.faults, t->index());
  timer_faults.emplace(opts.faults, threads.size());
}

/// Raises the open-file limit to fit `max_connections` (and the process's own files), or lowers
/// the connection limit to what fits, so that a flood is refused instead of running the process
/// out of descriptors (a listener that cannot accept, a log that cannot reopen).
void reactor_core::fit_open_files() {
  constexpr rlim_t reserve = 64;
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) != 0)
    return;
  bool chosen = opts.max_connections > 0;
  rlim_t want = chosen ? opts.max_connections + reserve : rl.rlim_max;
  if (rl.rlim_cur < want && rl.rlim_cur != RLIM_INFINITY) {
    auto raised = rl;
    raised.rlim_cur = std::min(want, rl.rlim_max);
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0)
      rl = raised;
  }
  if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= want) {
    if (!chosen)
      opts.max_connections = rl.rlim_cur == RLIM_INFINITY ? 0 : rl.rlim_cur - reserve;
    return;
  }
  auto fits = static_cast<size_t>(rl.rlim_cur > 2 * reserve ? rl.rlim_cur - reserve
                                                            : rl.rlim_cur / 2);
  if (chosen)
    spdlog::warn("at most {} connections instead of {}: the open-file limit is {} (ulimit -n)",
                 fits, opts.max_connections, rl.rlim_cur);
  opts.max_connections = fits;
}

caf::actor reactor_core::adopt_factory(caf::actor f) {
  std::lock_guard<std::mutex> guard{mtx};
  if (std::find(factories.begin(), factories.end(), f) != factories.end())
    return f;
  caf::anon_send(f, start_factory_atom::value, reactor_ref{&self});
  factories.push_back(f);
  return f;
}

size_t reactor_core::open_connections() const {
  size_t n = 0;
  for (auto& t : threads)
    n += t->open_count.load(std::memory_order_relaxed);
  return n;
}

bool reactor_core::over_limit(const std::string& where) {
  if (opts.max_connections == 0
      || open_connections() + in_flight.load(std::memory_order_relaxed) < opts.max_connections)
    return false;
  auto n = refused.fetch_add(1, std::memory_order_relaxed) + 1;
  auto now = std::chrono::steady_clock::now();
  if (now - last_refusal_log_ >= std::chrono::seconds(1)) {
    spdlog::warn("refusing connections on {}: {} are open, the limit (--max-connections); {} "
                 "refused so far",
                 where, opts.max_connections, n);
    last_refusal_log_ = now;
  }
  return true;
}

void reactor_core::note_setup_error(const caf::error& err) {
  spdlog::error("{}", describe(err));
  if (!running)
    setup_failed = true;
}

void reactor_core::note_lost_socket(const std::string& why) {
  spdlog::error("cannot take over a connected socket: {}", why);
}

} // namespace ply::detail
