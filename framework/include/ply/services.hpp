// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <random>
#include <string>

#include <caf/actor.hpp>

#include "ply/factory.hpp"
#include "ply/service.hpp"
#include "ply/time.hpp"

namespace ply {

/// Listens on a stream endpoint while running (Twisted's TCPServer / strports.service): `tcp:`,
/// `ssl:` or `unix:/path`.
class stream_server : public service {
public:
  stream_server(std::string name, std::string endpoint, factory_maker make);

  void start_service(reactor& r) override;
  deferred<void> stop_service() override;
  std::vector<std::string> endpoints() const override;

  /// The bound port (after start).
  uint16_t port() const {
    return port_;
  }

  /// The factory actor (after start).
  const caf::actor& factory_actor() const {
    return factory_;
  }

private:
  std::string endpoint_;
  factory_maker make_;
  reactor* reactor_ = nullptr;
  uint16_t port_ = 0;
  std::string bound_;
  caf::actor factory_;
};

/// Listens on a Unix socket file while running (Twisted's UNIXServer).
class unix_server : public stream_server {
public:
  unix_server(std::string name, const std::string& path, factory_maker make);
};

/// Calls a function every interval while running (Twisted's TimerService).
class timer_service : public service {
public:
  timer_service(std::string name, duration interval, std::function<void()> fn);

  void start_service(reactor& r) override;
  deferred<void> stop_service() override;

private:
  duration interval_;
  std::function<void()> fn_;
  std::unique_ptr<looping_call> loop_;
};

/// Keeps a client connection up (Twisted's ClientService): connects, and after a failure or a
/// lost connection reconnects after a delay that grows exponentially (factor 2, from `initial`
/// up to `maximum`) with ±20% jitter; a connection that came up resets the delay.
class client_service : public service {
public:
  struct backoff {
    duration initial = std::chrono::milliseconds(100);
    duration maximum = std::chrono::seconds(30);
    double factor = 2.0;
    double jitter = 0.2;
  };

  /// `make` builds the client factory, which serves every attempt.
  client_service(std::string name, std::string endpoint, factory_maker make, backoff b);
  client_service(std::string name, std::string endpoint, factory_maker make);

  void start_service(reactor& r) override;
  deferred<void> stop_service() override;

  /// The delay before the next attempt after `failures` consecutive failures (no jitter).
  duration delay_for(size_t failures) const;

  /// Consecutive failed attempts so far.
  size_t failures() const {
    return failures_;
  }

  /// Attempts made so far.
  size_t attempts() const {
    return attempts_;
  }

private:
  void attempt();
  void schedule_retry();

  std::string endpoint_;
  factory_maker make_;
  backoff backoff_;
  reactor* reactor_ = nullptr;
  size_t failures_ = 0;
  size_t attempts_ = 0;
  delayed_call retry_;
  caf::actor factory_;
  caf::actor watcher_;
  std::mt19937 rng_{std::random_device{}()};
};

} // namespace ply
