// SPDX-License-Identifier: MIT
#include "ply/service.hpp"

#include <fstream>
#include <set>
#include <stdexcept>

#include <spdlog/spdlog.h>

#include "ply/reactor.hpp"

namespace ply {

// -- service --------------------------------------------------------------------------------------

service::service(std::string name) : name_(std::move(name)) {
}

service::~service() = default;

void service::configure(caf::actor_system_config&) {
}

void service::start_service(reactor&) {
  running_ = true;
}

deferred<void> service::stop_service() {
  running_ = false;
  return succeed();
}

nlohmann::json service::save_state() {
  return nullptr;
}

void service::restore_state(const nlohmann::json&) {
  // nop
}

std::vector<std::string> service::endpoints() const {
  return {};
}

// -- multi_service --------------------------------------------------------------------------------

multi_service::multi_service(std::string name) : service(std::move(name)) {
}

service& multi_service::add(service_ptr child) {
  for (auto& c : children_)
    if (c->name() == child->name())
      throw std::invalid_argument("two services named '" + child->name() + "'");
  children_.push_back(std::move(child));
  return *children_.back();
}

void multi_service::configure(caf::actor_system_config& cfg) {
  for (auto& c : children_)
    c->configure(cfg);
}

void multi_service::start_service(reactor& r) {
  service::start_service(r);
  for (size_t i = 0; i < children_.size(); ++i) {
    try {
      children_[i]->start_service(r);
    } catch (...) {
      // Those started stop again (in reverse), so that nothing they spawned outlives the failed
      // start: the actor system would wait for it at exit.
      for (size_t k = i; k-- > 0;) {
        children_[k]->running_ = false;
        children_[k]->stop_service();
      }
      throw;
    }
    children_[i]->running_ = true;
  }
}

deferred<void> multi_service::stop_service() {
  service::stop_service();
  // Reverse order, each after the previous one finished (or failed: logged, and stopping goes on).
  auto chain = succeed();
  for (auto i = children_.rbegin(); i != children_.rend(); ++i) {
    auto* child = i->get();
    chain = chain.add_callback([child] {
      child->running_ = false;
      return child->stop_service().add_errback([child](failure& f) {
        spdlog::error("service '{}' failed to stop: {}", child->name(), f.message());
      });
    });
  }
  return chain;
}

nlohmann::json multi_service::save_state() {
  auto out = nlohmann::json::object();
  for (auto& c : children_)
    if (auto st = c->save_state(); !st.is_null())
      out[c->name()] = std::move(st);
  return out.empty() ? nlohmann::json{} : out;
}

void multi_service::restore_state(const nlohmann::json& state) {
  if (!state.is_object())
    return;
  for (auto& c : children_)
    if (auto i = state.find(c->name()); i != state.end())
      c->restore_state(*i);
}

std::vector<std::string> multi_service::endpoints() const {
  std::vector<std::string> out;
  for (auto& c : children_)
    for (auto& e : c->endpoints())
      out.push_back(e);
  return out;
}

// -- application ----------------------------------------------------------------------------------

application::application(std::string name, std::string rundir)
  : multi_service(std::move(name)), rundir_(std::move(rundir)) {
}

std::string application::state_path() const {
  return rundir_ + "/" + name() + ".state.json";
}

void application::launch(reactor& r, std::chrono::milliseconds stop_timeout) {
  std::ifstream in{state_path()};
  if (in) {
    try {
      auto state = nlohmann::json::parse(in);
      restore_state(state);
      spdlog::info("restored state from {}", state_path());
    } catch (const std::exception& e) {
      spdlog::warn("ignoring unreadable state file {}: {}", state_path(), e.what());
    }
  }
  start_service(r);
  r.add_stop_hook(
    [this, stop_timeout, &r]() -> deferred<void> {
      spdlog::info("stopping services of '{}'", name());
      auto done = stop_service();
      done.add_timeout(r, stop_timeout);
      return done.add_both([this](outcome<void> o) {
        if (!o.ok())
          spdlog::warn("services did not stop cleanly: {}", o.error().message());
        save();
      });
    });
}

void application::save() {
  auto state = save_state();
  if (state.is_null())
    return;
  auto tmp = state_path() + ".tmp";
  {
    std::ofstream out{tmp};
    out << state.dump(2) << "\n";
    if (!out) {
      spdlog::error("cannot write state to {}", tmp);
      return;
    }
  }
  if (std::rename(tmp.c_str(), state_path().c_str()) != 0)
    spdlog::error("cannot write state to {}", state_path());
  else
    spdlog::info("saved state to {}", state_path());
}

} // namespace ply
