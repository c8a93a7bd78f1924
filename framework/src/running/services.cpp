// SPDX-License-Identifier: MIT
#include "ply/services.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <spdlog/spdlog.h>

#include "protocols/messages.hpp"
#include "protocols/spawn_function.hpp"
#include "ply/endpoint.hpp"
#include "ply/reactor.hpp"

namespace ply {

// -- stream_server -----------------------------------------------------------------------------------

stream_server::stream_server(std::string name, std::string endpoint, factory_maker make)
  : service(std::move(name)), endpoint_(std::move(endpoint)), make_(std::move(make)) {
}

void stream_server::start_service(reactor& r) {
  reactor_ = &r;
  factory_ = make_(r.system());
  auto port = r.listen(endpoint_, factory_);
  if (!port)
    throw std::runtime_error("service '" + name() + "': " + describe(port.error()));
  port_ = *port;
  auto ep = parse_server_endpoint(endpoint_);
  if (ep && ep->type == endpoint::kind::unix_socket) {
    bound_ = ep->path;
  } else {
    auto host = ep && !ep->host.empty() ? ep->host : std::string{"0.0.0.0"};
    bound_ = address{host, port_}.to_string();
  }
  service::start_service(r);
}

deferred<void> stream_server::stop_service() {
  if (reactor_ != nullptr && port_ != 0)
    reactor_->stop_listening(port_);
  else if (reactor_ != nullptr && !bound_.empty())
    reactor_->stop_listening(std::string_view{bound_});
  return service::stop_service();
}

std::vector<std::string> stream_server::endpoints() const {
  if (bound_.empty())
    return {};
  return {bound_};
}

// -- unix_server ----------------------------------------------------------------------------------

unix_server::unix_server(std::string name, const std::string& path, factory_maker make)
  : stream_server(std::move(name), "unix:" + path, std::move(make)) {
}

// -- timer_service --------------------------------------------------------------------------------

timer_service::timer_service(std::string name, duration interval, std::function<void()> fn)
  : service(std::move(name)), interval_(interval), fn_(std::move(fn)) {
}

void timer_service::start_service(reactor& r) {
  loop_ = std::make_unique<looping_call>(r, fn_);
  loop_->start(interval_);
  service::start_service(r);
}

deferred<void> timer_service::stop_service() {
  if (loop_)
    loop_->stop();
  return service::stop_service();
}

// -- client_service -------------------------------------------------------------------------------

client_service::client_service(std::string name, std::string endpoint, factory_maker make,
                               backoff b)
  : service(std::move(name)), endpoint_(std::move(endpoint)), make_(std::move(make)), backoff_(b) {
}

client_service::client_service(std::string name, std::string endpoint, factory_maker make)
  : client_service(std::move(name), std::move(endpoint), std::move(make), backoff{}) {
}

duration client_service::delay_for(size_t failures) const {
  double d = std::chrono::duration<double>(backoff_.initial).count();
  for (size_t i = 1; i < failures; ++i)
    d *= backoff_.factor;
  auto limit = std::chrono::duration<double>(backoff_.maximum).count();
  return seconds_to_duration(std::min(d, limit));
}

void client_service::start_service(reactor& r) {
  reactor_ = &r;
  service::start_service(r);
  // A watcher actor hears how each attempt went and hands it to the reactor's thread.
  auto factory = make_(r.system());
  watcher_ = detail::spawn_function(r.system(), [this, &r](caf::event_based_actor*) -> caf::behavior {
    return {
      [this, &r](detail::made_atom) {
        r.call_later(duration::zero(), [this] {
          spdlog::info("service '{}': connected to {}", name(), endpoint_);
          failures_ = 0;
        });
      },
      [this, &r](detail::failed_atom, const caf::error& reason) {
        auto why = describe(reason);
        r.call_later(duration::zero(), [this, why] {
          ++failures_;
          spdlog::info("service '{}': connection failed ({}), attempt {}", name(), why, attempts_);
          schedule_retry();
        });
      },
      [this, &r](detail::lost_atom, const caf::error& reason) {
        auto why = describe(reason);
        r.call_later(duration::zero(), [this, why] {
          spdlog::info("service '{}': connection lost ({})", name(), why);
          schedule_retry();
        });
      },
    };
  });
  caf::anon_send(factory, detail::observe_atom::value, watcher_);
  factory_ = factory;
  attempt();
}

void client_service::attempt() {
  if (!running_)
    return;
  ++attempts_;
  if (auto r = reactor_->connect(endpoint_, factory_); !r)
    throw std::runtime_error("service '" + name() + "': " + describe(r.error()));
}

void client_service::schedule_retry() {
  if (!running_)
    return;
  auto base = std::chrono::duration<double>(delay_for(std::max<size_t>(failures_, 1))).count();
  std::uniform_real_distribution<double> spread{1.0 - backoff_.jitter, 1.0 + backoff_.jitter};
  auto delay = seconds_to_duration(base * spread(rng_));
  retry_ = reactor_->call_later(delay, [this] { attempt(); });
}

deferred<void> client_service::stop_service() {
  retry_.cancel();
  if (watcher_)
    caf::anon_send_exit(watcher_, caf::exit_reason::user_shutdown);
  return service::stop_service();
}

} // namespace ply
