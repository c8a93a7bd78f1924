// SPDX-License-Identifier: MIT
#pragma once

#include <functional>
#include <memory>
#include <string>

#include <ply/cluster.hpp>
#include <ply/services.hpp>

namespace ply::actors {

/// Builds a node's hub (a factory) from the cluster's member actor (invalid without a cluster)
/// and the node's cluster name.
using clustered_maker = std::function<factory_maker(caf::actor member, std::string node)>;

/// A server whose factory shares its state with the other nodes of a cluster: the cluster
/// service (when `--cluster` or `--join` is given) starts first, then the listener, whose factory
/// is built once the member actor exists. The shape of `plyd chat` and `plyd pubsub`.
class clustered_server : public multi_service {
public:
  clustered_server(std::string name, std::string port, cluster_options cluster,
                   clustered_maker make)
    : multi_service(name), hub_(std::make_shared<caf::actor>()) {
    cluster_service* cl = nullptr;
    if (cluster.enabled()) {
      auto c = std::make_unique<cluster_service>("cluster", std::move(cluster));
      cl = c.get();
      add(std::move(c));
    }
    // Built once, on the first listener's start; further listeners share it.
    maker_ = [cl, make, hub = hub_](caf::actor_system& sys) {
      if (!*hub)
        *hub = (cl ? make(cl->member(), cl->node()) : make(caf::actor{}, "local"))(sys);
      return *hub;
    };
    add_listener(std::move(name), std::move(port));
  }

  /// Listens on one more endpoint with the same hub; `bound` hears the port once it is bound,
  /// before the first connection there.
  void add_listener(std::string name, std::string port, std::function<void(uint16_t)> bound = {}) {
    add(std::make_unique<bound_server>(std::move(name), std::move(port), maker_, std::move(bound)));
  }

  deferred<void> stop_service() override {
    auto hub = hub_;
    return multi_service::stop_service().add_callback([hub] { *hub = caf::actor{}; });
  }

private:
  /// A stream_server that reports its bound port.
  class bound_server : public stream_server {
  public:
    bound_server(std::string name, std::string port, factory_maker make,
                 std::function<void(uint16_t)> bound)
      : stream_server(std::move(name), std::move(port), std::move(make)), bound_(std::move(bound)) {
    }
    void start_service(reactor& r) override {
      stream_server::start_service(r);
      if (bound_)
        bound_(port());
    }

  private:
    std::function<void(uint16_t)> bound_;
  };

  std::shared_ptr<caf::actor> hub_;
  factory_maker maker_;
};

} // namespace ply::actors
