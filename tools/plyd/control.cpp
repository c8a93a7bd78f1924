// SPDX-License-Identifier: MIT
#include "control.hpp"

#include <unistd.h>

#include <chrono>
#include <cmath>

#include <ply/actor_deferred.hpp>
#include <ply/line_receiver.hpp>
#include <ply/reactor.hpp>
#include <ply/services.hpp>
#include <ply/trace.hpp>

namespace plyd {

namespace {

using stats_atom = caf::atom_constant<caf::atom("stats")>;

class control_protocol : public ply::line_receiver {
  void line_received(std::string_view line) override {
    // Each command runs after the previous one answered, so answers come in order and `quit`
    // does not cut off a `stats` still on its way.
    done_ = done_.add_callback([this, cmd = std::string{line}] { return run(cmd); });
  }

  ply::deferred<void> run(const std::string& cmd) {
    if (cmd == "stats")
      return ply::request<std::string>(this, factory(), std::chrono::seconds(5), stats_atom::value)
        .add_callbacks([this](const std::string& json) { send_line(json); },
                       [this](ply::failure& f) {
                         send_line(nlohmann::json{{"error", f.message()}}.dump());
                       });
    if (cmd == "actors") {
      // Live counters, read here: the control actor needs no round trip for them.
      nlohmann::json list = nlohmann::json::array();
      for (auto& a : ply::trace::live_actors())
        list.push_back({{"id", a.id}, {"type", a.type}, {"handled", a.handled}, {"queued", a.queued}});
      send_line(nlohmann::json{{"handled", ply::trace::messages_handled()}, {"actors", list}}.dump());
    } else if (cmd == "help")
      send_line(R"({"commands":["stats","actors","help","quit"]})");
    else if (cmd == "quit")
      transport().lose_connection();
    else
      send_line(
        nlohmann::json{{"error", "unknown command '" + cmd + "' (stats, actors, help, quit)"}}.dump());
    return ply::succeed();
  }

  ply::deferred<void> done_ = ply::succeed();
};

class control_factory : public ply::factory {
public:
  explicit control_factory(std::shared_ptr<const control_info> info)
    : info_(std::move(info)), started_(std::chrono::steady_clock::now()) {
  }

  caf::actor build_protocol(const ply::address&) override {
    return spawn_protocol<control_protocol>();
  }

  caf::message_handler extra_behavior() override {
    return {[this](stats_atom) {
      auto uptime = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_);
      nlohmann::json out;
      out["application"] = info_->application;
      out["pid"] = ::getpid();
      out["uptime_s"] = std::round(uptime.count() * 1000) / 1000;
      out["connections"] = reactor().connection_count();
      out["max_connections"] = reactor().max_connections();
      out["refused_connections"] = reactor().refused_connections();
      out["queued_output_bytes"] = reactor().queued_output();
      out["posted_output_bytes"] = reactor().posted_output();
      out["paused_producers"] = reactor().paused_producers();
      out["services"] = info_->services;
      return out.dump();
    }};
  }

private:
  std::shared_ptr<const control_info> info_;
  std::chrono::steady_clock::time_point started_;
};

} // namespace

ply::service_ptr make_control_service(const std::string& endpoint,
                                      std::shared_ptr<const control_info> info) {
  return std::make_unique<ply::stream_server>("control", endpoint,
                                           ply::factory::of<control_factory>(std::move(info)));
}

} // namespace plyd
