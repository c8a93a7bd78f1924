// SPDX-License-Identifier: MIT
#pragma once

#include <functional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/message_handler.hpp>

#include "ply/address.hpp"
#include "ply/connection.hpp"
#include "ply/detail/hosted.hpp"
#include "ply/detail/traced_actor.hpp"
#include "ply/error.hpp"
#include "ply/factory_maker.hpp"
#include "ply/message.hpp"
#include "ply/transport.hpp"

namespace ply {

class reactor;

/// A factory: a supervisor actor that builds one protocol actor per connection, monitors them and
/// holds their shared state (which protocol actors reach by messages, never by shared memory).
class factory : public detail::traced_actor {
public:
  factory();
  ~factory() override;

  /// The reactor started this factory (before any connection).
  virtual void start_factory();

  /// The reactor is stopping; the actor quits after this hook.
  virtual void stop_factory();

  /// Spawns the protocol actor for a connection from `peer`; an invalid handle refuses it.
  virtual caf::actor build_protocol(const ply::address& peer) = 0;

  /// Spawns the protocol actor for a connection from `peer` that came in at `local`: a factory
  /// that listens on several endpoints tells them apart here. Default: `build_protocol(peer)`.
  virtual caf::actor build_protocol_on(const ply::address& local, const ply::address& peer);

  /// A protocol actor ended: normally after `connection_lost`, or with an error when it crashed.
  /// `who` is its connection, as `caller()` gave it while it was alive.
  virtual void protocol_ended(const connection& who, const caf::error& reason);

  /// Handlers for the factory's own messages (its shared state), tried after the framework's.
  virtual caf::message_handler extra_behavior();

  /// Spawns a protocol actor of type `P` with constructor arguments `xs`.
  template <class P, class... Ts>
  caf::actor spawn_protocol(Ts&&... xs) {
    return spawn<detail::hosted<P>, caf::lazy_init>(std::forward<Ts>(xs)...);
  }

  /// The connection whose protocol sent the message being handled (none when the sender is not
  /// one of this factory's protocols): what a handler keeps, writes to or compares. Valid while
  /// the handler runs, not in a callback that runs later (keep the handle instead).
  connection caller() const;

  /// The actor that sent the message being handled (an invalid handle when anonymous).
  caf::actor sender() const;

  /// The connections of this factory's protocol actors that are alive.
  std::vector<connection> connections() const;

  /// How many protocol actors of this factory are alive.
  size_t connection_count() const {
    return protocols_.size();
  }

  /// The reactor that started this factory; only valid after `start_factory`.
  ply::reactor& reactor();

  const char* name() const override;

  /// A maker for factory class `F` built with arguments `xs`.
  template <class F, class... Ts>
  static factory_maker of(Ts... xs) {
    return [=](caf::actor_system& sys) { return sys.spawn<detail::hosted<F>>(xs...); };
  }

  /// A maker for a factory that builds protocol `P` (with arguments `xs`) for every connection.
  template <class P, class... Ts>
  static factory_maker for_protocol(Ts... xs);

protected:
  caf::behavior make_behavior() final;

  /// Lets go of the transports of protocol actors still alive.
  void on_exit() override;

  /// Client side hooks, overridden by `client_factory`.
  virtual void on_connect_failed(const caf::error& reason);
  virtual void on_connection_lost(const caf::error& reason);

private:
  void handle_connection(transport_ptr t);

  ply::reactor* reactor_ = nullptr;
  caf::actor observer_;  ///< hears of connections made, failed and lost (client_service)
  std::unordered_map<caf::actor_addr, transport_ptr> protocols_;
};

/// A factory that builds protocol `P` (default-constructed) for every connection: a factory with
/// shared state of its own derives from it and adds only the state and its messages.
template <class P>
class factory_of : public factory {
public:
  caf::actor build_protocol(const ply::address&) override {
    return spawn_protocol<P>();
  }
};

/// A factory for outgoing connections (`reactor::connect`), with Twisted's client hooks.
class client_factory : public factory {
public:
  /// The connection attempt failed; `describe(reason)` says why ("connection refused: ...").
  virtual void client_connection_failed(const caf::error& reason);

  /// An established connection ended.
  virtual void client_connection_lost(const caf::error& reason);

  /// A maker for a client factory that builds protocol `P` (with arguments `xs`).
  template <class P, class... Ts>
  static factory_maker for_protocol(Ts... xs);

protected:
  void on_connect_failed(const caf::error& reason) final;
  void on_connection_lost(const caf::error& reason) final;
};

namespace detail {

/// The factory behind `for_protocol`: builds `P(xs...)` for every connection.
template <class Base, class P, class... Ts>
class protocol_factory : public Base {
public:
  explicit protocol_factory(std::tuple<Ts...> args) : args_(std::move(args)) {
  }

  caf::actor build_protocol(const ply::address&) override {
    return std::apply([this](const Ts&... xs) { return this->template spawn_protocol<P>(xs...); },
                      args_);
  }

private:
  std::tuple<Ts...> args_;
};

} // namespace detail

template <class P, class... Ts>
factory_maker factory::for_protocol(Ts... xs) {
  return of<detail::protocol_factory<factory, P, Ts...>>(std::make_tuple(std::move(xs)...));
}

template <class P, class... Ts>
factory_maker client_factory::for_protocol(Ts... xs) {
  return of<detail::protocol_factory<client_factory, P, Ts...>>(
    std::make_tuple(std::move(xs)...));
}

} // namespace ply
