// SPDX-License-Identifier: MIT
#include "ply/reactor.hpp"

#include <mutex>

#include <caf/actor_system.hpp>
#include <caf/send.hpp>
#include <spdlog/spdlog.h>

#include "protocols/spawn_function.hpp"
#include "reactor/connecting.hpp"
#include "reactor/reactor_impl.hpp"
#include "trace/trace_hooks.hpp"
#include "transports/process_transport.hpp"
#include "ply/atoms.hpp"

namespace ply {

namespace asio = boost::asio;

// -- the reactor's jobs: listening.cpp, connecting.cpp, signals.cpp, stopping.cpp,
//    transports/process_transport.cpp and transports/udp_port.cpp; here what ties them together --

reactor::impl::impl(reactor& owner, caf::actor_system& sys, options opts)
  : reactor_core(owner, sys, opts) {
  control = detail::spawn_function(sys, [this](caf::event_based_actor*) -> caf::behavior {
    return {
      [this](listen_atom, const std::string& ep, caf::actor& f) -> caf::result<uint16_t> {
        auto port = check(listening.listen(ep, &f, nullptr));
        if (!port)
          return port.error();
        return *port;
      },
      [this](connect_atom, const std::string& ep, caf::actor& f) -> caf::result<caf::unit_t> {
        if (auto r = check(detail::connect(*this, ep, &f, nullptr)); !r)
          return r.error();
        return caf::unit;
      },
      [this](count_atom) { return open_connections(); },
      [this](stop_atom, int code) { self.stop(code); },
    };
  });
}

reactor::impl::~impl() {
  caf::anon_send_exit(control, caf::exit_reason::user_shutdown);
}

reactor::reactor(caf::actor_system& sys) : reactor(sys, options{}) {
  // nop
}

reactor::reactor(caf::actor_system& sys, options opts)
  : impl_(std::make_unique<impl>(*this, sys, opts)) {
  // Caught from now on, not from `run`: a SIGTERM sent as soon as a program said it listens
  // waits for the loop and stops it gracefully, instead of killing the process.
  impl_->catch_stop_signals();
}

reactor::~reactor() = default;

caf::actor_system& reactor::system() {
  return impl_->sys;
}

caf::expected<uint16_t> reactor::listen(std::string_view endpoint, factory_maker make) {
  return impl_->check(impl_->listening.listen(endpoint, nullptr, &make));
}

caf::expected<uint16_t> reactor::listen(std::string_view endpoint, caf::actor factory) {
  return impl_->check(impl_->listening.listen(endpoint, &factory, nullptr));
}

caf::expected<uint16_t> reactor::adopt(int fd, factory_maker make) {
  return impl_->check(impl_->listening.adopt(fd, "adopted", nullptr, &make));
}

caf::expected<uint16_t> reactor::listen_udp(std::string_view endpoint, datagram_maker make) {
  return impl_->check(impl_->udp.bind(*impl_, endpoint, make));
}

caf::expected<caf::actor> reactor::connect(std::string_view endpoint, factory_maker make) {
  return impl_->check(detail::connect(*impl_, endpoint, nullptr, &make));
}

caf::expected<caf::actor> reactor::connect(std::string_view endpoint, caf::actor factory) {
  return impl_->check(detail::connect(*impl_, endpoint, &factory, nullptr));
}

caf::expected<caf::actor> reactor::spawn_process(process_spec spec, factory_maker make) {
  return impl_->check(detail::spawn_process(*impl_, std::move(spec), nullptr, &make));
}

caf::expected<caf::actor> reactor::spawn_process(process_spec spec, caf::actor factory) {
  return impl_->check(detail::spawn_process(*impl_, std::move(spec), &factory, nullptr));
}

void reactor::add_stop_hook(std::function<deferred<void>()> hook) {
  auto* d = impl_.get();
  if (d->running) {
    d->main_thread().post([d, hook = std::move(hook)] { d->stop_hooks.push_back(hook); });
    return;
  }
  d->stop_hooks.push_back(std::move(hook));
}

void reactor::on_signal(int signo, std::function<void()> fn) {
  impl_->signals.on_signal(signo, std::move(fn));
}

bool reactor::stop_listening(uint16_t port) {
  return impl_->listening.close_port(port);
}

bool reactor::stop_listening(std::string_view unix_path) {
  return impl_->listening.close_path(unix_path);
}

caf::actor reactor::control() const {
  return impl_->control;
}

void reactor::call_from_thread(std::function<void()> fn) {
  // Posting is thread-safe; before run the io_context holds it until run starts.
  impl_->main_thread().post(std::move(fn));
}

void reactor::call_when_running(std::function<void()> fn) {
  if (impl_->running) {
    impl_->main_thread().post(std::move(fn));
    return;
  }
  std::lock_guard<std::mutex> guard{impl_->mtx};
  impl_->when_running.push_back(std::move(fn));
}

time_point reactor::now() const {
  return std::chrono::steady_clock::now();
}

delayed_call reactor::call_later(duration delay, std::function<void()> fn) {
  auto st = std::make_shared<detail::call_state>(std::move(fn));
  if (impl_->timer_faults) {
    std::lock_guard<std::mutex> guard{impl_->timer_faults_mtx};
    delay += impl_->timer_faults->timer_delay();
  }
  auto timer = std::make_shared<asio::steady_timer>(impl_->main_thread().ioc, delay);
  // A wait dropped unrun (the reactor went away first) cancels its call, which releases what the
  // function holds: a deferred's timeout holds its chain, for instance.
  struct cancel_if_dropped {
    explicit cancel_if_dropped(std::shared_ptr<detail::call_state> s) : st(std::move(s)) {
    }
    cancel_if_dropped(const cancel_if_dropped&) = delete;
    cancel_if_dropped& operator=(const cancel_if_dropped&) = delete;
    ~cancel_if_dropped() {
      st->cancel();  // no-op once the call fired or was cancelled
    }
    std::shared_ptr<detail::call_state> st;
  };
  auto guard = std::make_shared<cancel_if_dropped>(st);
  // Weak: a handle may outlive the reactor; the pending wait owns the timer. Set before the wait
  // starts: the timer may fire on the reactor thread at once, and firing clears it.
  st->on_cancel = [weak = std::weak_ptr<asio::steady_timer>{timer},
                   home = std::weak_ptr<detail::io_thread>{impl_->threads.front()}] {
    if (auto t = weak.lock())
      detail::io_thread::post(home, [t] { t->cancel(); });
  };
  timer->async_wait([guard, timer](const boost::system::error_code& ec) {
    if (ec)
      return;
    // What the call does is caused by the timer.
    auto id = trace::record("timer", "");
    auto outer = trace::detail::exchange_current(id);
    guard->st->fire();
    trace::detail::exchange_current(outer);
  });
  return delayed_call{st};
}

int reactor::run() {
  auto& d = *impl_;
  auto& main = d.main_thread();
  if (d.setup_failed) {
    // The failure itself was logged where it happened: one line, as promised.
    spdlog::debug("setup failed, not starting");
    d.exit_code = 2;
    d.begin_stop(2);
  }
  d.catch_stop_signals();  // again, for a reactor run a second time
  {
    std::lock_guard<std::mutex> guard{d.mtx};
    for (auto& fn : d.when_running)
      main.post(std::move(fn));
    d.when_running.clear();
  }
  d.running = true;
  for (size_t i = 1; i < d.threads.size(); ++i)
    d.threads[i]->start_thread();
  main.run();
  for (size_t i = 1; i < d.threads.size(); ++i)
    d.threads[i]->stop();
  main.stop();
  d.running = false;
  d.signals.reset();
  d.listening.clear();
  return d.exit_code;
}

void reactor::stop(int exit_code) {
  auto* d = impl_.get();
  d->main_thread().post([d, exit_code] { d->begin_stop(exit_code); });
}

bool reactor::running() const {
  return impl_->running && !impl_->stopping;
}

size_t reactor::max_connections() const {
  return impl_->opts.max_connections;
}

uint64_t reactor::refused_connections() const {
  return impl_->refused.load(std::memory_order_relaxed);
}

size_t reactor::connection_count() const {
  return impl_->open_connections();
}

namespace {

/// The sum of the counters of `threads` that `read` gives, never below 0 (each is updated on
/// its own, so a sum read meanwhile may be).
template <class Threads, class Read>
size_t sum_over(const Threads& threads, Read read) {
  int64_t total = 0;
  for (auto& t : threads)
    total += read(*t);
  return total > 0 ? static_cast<size_t>(total) : 0;
}

int64_t load(const std::atomic<int64_t>& counter) {
  return counter.load(std::memory_order_relaxed);
}

} // namespace

size_t reactor::queued_output() const {
  return sum_over(impl_->threads, [](const detail::io_thread& t) {
    return load(t.output_bytes) + load(t.posted_bytes);
  });
}

size_t reactor::posted_output() const {
  return sum_over(impl_->threads, [](const detail::io_thread& t) { return load(t.posted_bytes); });
}

size_t reactor::paused_producers() const {
  return sum_over(impl_->threads,
                  [](const detail::io_thread& t) { return load(t.paused_producers); });
}

} // namespace ply
