// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ply/deferred.hpp"

namespace caf {
class actor_system_config;
}

namespace ply {

class reactor;

/// A long-running part of a program with start and stop hooks (Twisted's Service). Services run
/// on the reactor's first thread; a stop may take time, so it returns a deferred that the shutdown
/// waits for (bounded by the application's stop timeout).
class service {
public:
  explicit service(std::string name);
  virtual ~service();

  const std::string& name() const {
    return name_;
  }

  /// Before the actor system exists: load the CAF modules and set the options this service
  /// needs (the cluster loads the middleman here). Default: nothing.
  virtual void configure(caf::actor_system_config& cfg);

  /// Starts: listen, connect, schedule. An exception here is a startup error (exit code 2).
  virtual void start_service(reactor& r);

  /// Stops; the deferred fires when done. Default: done at once.
  virtual deferred<void> stop_service();

  /// State to keep across restarts (saved as JSON in the run directory); null for none.
  virtual nlohmann::json save_state();

  /// The state saved by the previous run, before `start_service`.
  virtual void restore_state(const nlohmann::json& state);

  /// Endpoints this service is bound to ("127.0.0.1:8000"), for logs and the ready file.
  virtual std::vector<std::string> endpoints() const;

  bool running() const {
    return running_;
  }

protected:
  friend class multi_service;
  bool running_ = false;

private:
  std::string name_;
};

using service_ptr = std::unique_ptr<service>;

/// Services that start in order and stop in reverse order (Twisted's MultiService).
class multi_service : public service {
public:
  explicit multi_service(std::string name);

  /// Adds a child; its name must be unique among the siblings.
  service& add(service_ptr child);

  const std::vector<service_ptr>& children() const {
    return children_;
  }

  void configure(caf::actor_system_config& cfg) override;
  void start_service(reactor& r) override;
  deferred<void> stop_service() override;
  nlohmann::json save_state() override;
  void restore_state(const nlohmann::json& state) override;
  std::vector<std::string> endpoints() const override;

private:
  std::vector<service_ptr> children_;
};

/// The named root of a service tree, as twistd runs it: restores state from the run directory,
/// starts every service, and on the reactor's graceful stop stops them in reverse order and saves
/// their state again.
class application : public multi_service {
public:
  explicit application(std::string name, std::string rundir = ".");

  /// Where state is kept: RUNDIR/NAME.state.json.
  std::string state_path() const;

  /// Restores state, starts the services, and hooks their stop (and the state save) into the
  /// reactor's graceful stop. Throws with a one-line message when a service cannot start.
  void launch(reactor& r, std::chrono::milliseconds stop_timeout = std::chrono::seconds(5));

  /// Writes the services' state now.
  void save();

private:
  std::string rundir_;
};

} // namespace ply
