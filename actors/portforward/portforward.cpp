// SPDX-License-Identifier: MIT
#include "portforward/portforward.hpp"

#include <CLI/CLI.hpp>
#include <utility>

#include <spdlog/spdlog.h>

#include <ply/endpoint.hpp>
#include <ply/error.hpp>
#include <ply/protocol.hpp>
#include <ply/reactor.hpp>
#include <ply/services.hpp>

namespace ply::actors {

namespace {

// Outgoing side -> incoming side.
using ready_atom = caf::atom_constant<caf::atom("pf_ready")>;
using failed_atom = caf::atom_constant<caf::atom("pf_failed")>;
using gone_atom = caf::atom_constant<caf::atom("pf_gone")>;

/// Both ends of a forwarded connection write into the other's transport directly (transports may
/// be used from any thread) and pause the other's reading when their own buffer is full. Each end
/// is not read until the two are joined; what it read before its pause took hold is kept until then.
class forward_end : public protocol {
protected:
  void data_received(bytes data) override {
    if (other_)
      other_->write(data);
    else
      early_ += data;
  }

  /// Joins this end to the other's transport and starts reading.
  void join(transport_ptr other) {
    other_ = std::move(other);
    if (!early_.empty()) {
      other_->write(early_);
      early_.clear();
      early_.shrink_to_fit();
    }
    transport().resume_reading();
  }

  void pause_producing() override {
    if (other_)
      other_->pause_reading();
  }

  void resume_producing() override {
    if (other_)
      other_->resume_reading();
  }

  transport_ptr other_;
  bytes early_;  ///< read before the ends were joined
};

/// The outgoing connection, made for one incoming connection.
class outgoing : public forward_end {
public:
  explicit outgoing(caf::actor incoming) : incoming_(std::move(incoming)) {
  }

  const char* name() const override {
    return "ply.portforward.out";
  }

  void connection_made() override {
    // Our transport goes to the incoming side, which answers with its own. A target that speaks
    // first is not read until then.
    transport().pause_reading();
    request(incoming_, caf::infinite, ready_atom::value, transport_handle())
      .then([this](transport_ptr& t) { join(std::move(t)); },
            [this](caf::error&) { transport().lose_connection(); });
  }

  void connection_lost(const caf::error&) override {
    // A target that answered and closed before the ends were joined: its answer goes along.
    send(incoming_, gone_atom::value, std::exchange(early_, {}));
  }

private:
  caf::actor incoming_;
};

/// The incoming connection: not read until its outgoing connection is up.
class incoming : public forward_end {
public:
  incoming(reactor* r, std::string target) : reactor_(r), target_(std::move(target)) {
  }

  const char* name() const override {
    return "ply.portforward.in";
  }

  void connection_made() override;

  void connection_lost(const caf::error&) override {
    if (other_)
      other_->lose_connection();
  }

  caf::message_handler extra_behavior() override {
    return {
      [this](ready_atom, transport_ptr& out) -> transport_ptr {
        join(std::move(out));
        spdlog::debug("[{}] forwarding to {}", log_prefix(), target_);
        return transport_handle();
      },
      [this](failed_atom, const std::string& why) {
        spdlog::info("[{}] cannot forward to {}: {}", log_prefix(), target_, why);
        transport().lose_connection();
      },
      [this](gone_atom, const bytes& rest) {
        // The target closed: what it sent is flushed to our client, then we close too.
        if (!rest.empty())
          transport().write(rest);
        transport().lose_connection();
      },
    };
  }

private:
  reactor* reactor_;
  std::string target_;
};

/// A client factory for one outgoing connection; it tells the incoming side if the attempt fails.
class outgoing_factory : public client_factory {
public:
  explicit outgoing_factory(caf::actor in) : in_(std::move(in)) {
  }

  caf::actor build_protocol(const ply::address&) override {
    return spawn_protocol<outgoing>(in_);
  }

  void client_connection_failed(const caf::error& reason) override {
    send(in_, failed_atom::value, describe(reason));
    quit();
  }

  void client_connection_lost(const caf::error&) override {
    quit();
  }

private:
  caf::actor in_;
};

void incoming::connection_made() {
  transport().pause_reading();
  auto made = reactor_->connect(target_, factory::of<outgoing_factory>(caf::actor{this}));
  if (!made) {
    spdlog::warn("[{}] cannot forward to {}: {}", log_prefix(), target_, describe(made.error()));
    transport().lose_connection();
  }
}

class forward_site : public factory {
public:
  explicit forward_site(std::string target) : target_(std::move(target)) {
  }

  const char* name() const override {
    return "ply.portforward";
  }

  caf::actor build_protocol(const ply::address&) override {
    return spawn_protocol<incoming>(&reactor(), target_);
  }

private:
  std::string target_;
};

} // namespace

factory_maker portforward_factory(std::string target) {
  return factory::of<forward_site>(std::move(target));
}

void register_portforward_plugin(plugin_registry& reg) {
  reg.add(plugin{"portforward", "Forward TCP connections to another address, with backpressure",
                 [](CLI::App& cmd) -> service_builder {
                   auto port = std::make_shared<std::string>("tcp:8010");
                   auto target = std::make_shared<std::string>();
                   cmd.add_option("--port", *port, "Endpoint to listen on")->capture_default_str();
                   cmd.add_option("--target", *target, "Where to forward: tcp:HOST:PORT or unix:/path")
                     ->required();
                   return [port, target](const std::string& name) -> service_ptr {
                     if (auto ep = parse_client_endpoint(*target); !ep)
                       throw std::runtime_error(describe(ep.error()));
                     return std::make_unique<stream_server>(name, *port, portforward_factory(*target));
                   };
                 }});
}

} // namespace ply::actors
