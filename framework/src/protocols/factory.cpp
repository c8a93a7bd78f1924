// SPDX-License-Identifier: MIT
#include "ply/factory.hpp"

#include <stdexcept>

#include <caf/send.hpp>
#include <spdlog/spdlog.h>

#include "protocols/messages.hpp"
#include "trace/trace_hooks.hpp"
#include "ply/error.hpp"

namespace ply {

factory::factory() : traced_actor(detail::take_actor_config()) {
  set_down_handler([this](caf::down_msg& dm) {
    auto i = protocols_.find(dm.source);
    if (i == protocols_.end())
      return;
    auto t = std::move(i->second);
    protocols_.erase(i);
    if (dm.reason) {
      spdlog::warn("[conn {} factory {}] protocol actor {} ended with an error: {}", t->id(), id(),
                   dm.source.id(), describe(dm.reason));
      // A crashed protocol actor closes only its own connection.
      t->abort_connection();
      on_connection_lost(dm.reason);
    }
    protocol_ended(connection{std::move(t), dm.source}, dm.reason);
  });
}

factory::~factory() = default;

void factory::on_exit() {
  trace_end();
  protocols_.clear();
}

void factory::start_factory() {
  // nop
}

void factory::stop_factory() {
  // nop
}

caf::actor factory::build_protocol_on(const ply::address&, const ply::address& peer) {
  return build_protocol(peer);
}

void factory::protocol_ended(const connection&, const caf::error&) {
  // nop
}

connection factory::caller() const {
  auto who = caf::actor_cast<caf::actor_addr>(sender());
  auto i = protocols_.find(who);
  return i != protocols_.end() ? connection{i->second, who} : connection{};
}

std::vector<connection> factory::connections() const {
  std::vector<connection> out;
  out.reserve(protocols_.size());
  for (auto& [who, t] : protocols_)
    out.emplace_back(t, who);
  return out;
}

caf::actor factory::sender() const {
  auto* self = const_cast<factory*>(this);
  if (self->current_mailbox_element() == nullptr)
    return {};
  return caf::actor_cast<caf::actor>(self->current_sender());
}

caf::message_handler factory::extra_behavior() {
  return {};
}

void factory::on_connect_failed(const caf::error& reason) {
  spdlog::warn("[factory {}] connection failed: {}", id(), describe(reason));
}

void factory::on_connection_lost(const caf::error&) {
  // nop
}

ply::reactor& factory::reactor() {
  if (reactor_ == nullptr)
    throw std::logic_error("factory::reactor() called before the factory was started");
  return *reactor_;
}

const char* factory::name() const {
  return "ply.factory";
}

void factory::handle_connection(transport_ptr t) {
  auto peer = t->peer();
  auto p = build_protocol_on(t->host(), peer);
  if (!p) {
    spdlog::info("[conn {} factory {}] connection from {} refused by the factory", t->id(), id(),
                 peer.to_string());
    t->abort_connection();
    return;
  }
  monitor(p);
  protocols_.emplace(p.address(), t);
  if (trace::on()) {
    trace::record("conn_made", "\"conn\":" + std::to_string(t->id()) + ",\"actor\":" +
                                 std::to_string(p.id()) + ",\"peer\":" +
                                 trace::quote(peer.to_string()) + ",\"local\":" +
                                 trace::quote(t->host().to_string()));
  }
  // connection_made is queued before the transport starts reading, so it comes first.
  send(p, detail::made_atom::value, t, caf::actor_cast<caf::actor>(this));
  t->attach(p);
  if (observer_)
    send(observer_, detail::made_atom::value);
}

caf::behavior factory::make_behavior() {
  trace_start(0);
  caf::message_handler framework{
    [this](detail::start_factory_atom, detail::reactor_ref r) {
      reactor_ = r.ptr;
      start_factory();
    },
    [this](detail::made_atom, transport_ptr& t) { handle_connection(std::move(t)); },
    [this](detail::lost_atom, caf::error& reason) {
      on_connection_lost(reason);
      if (observer_)
        send(observer_, detail::lost_atom::value, reason);
    },
    [this](detail::failed_atom, caf::error& reason) {
      on_connect_failed(reason);
      if (observer_)
        send(observer_, detail::failed_atom::value, reason);
    },
    [this](detail::observe_atom, caf::actor& observer) { observer_ = std::move(observer); },
    [this](detail::stop_factory_atom) {
      stop_factory();
      quit();
    },
  };
  auto extra = extra_behavior();
  return extra ? framework.or_else(extra) : framework;
}

void client_factory::client_connection_failed(const caf::error& reason) {
  spdlog::warn("[factory {}] connection failed: {}", id(), describe(reason));
}

void client_factory::client_connection_lost(const caf::error&) {
  // nop
}

void client_factory::on_connect_failed(const caf::error& reason) {
  client_connection_failed(reason);
}

void client_factory::on_connection_lost(const caf::error& reason) {
  client_connection_lost(reason);
}

} // namespace ply
