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
    : multi_service(name) {
    cluster_service* cl = nullptr;
    if (cluster.enabled()) {
      auto c = std::make_unique<cluster_service>("cluster", std::move(cluster));
      cl = c.get();
      add(std::move(c));
    }
    add(std::make_unique<tcp_server>(std::move(name), std::move(port),
                                     [cl, make](caf::actor_system& sys) {
                                       auto hub = cl ? make(cl->member(), cl->node())
                                                     : make(caf::actor{}, "local");
                                       return hub(sys);
                                     }));
  }
};

} // namespace ply::actors
