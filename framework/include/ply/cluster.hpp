// SPDX-License-Identifier: MIT
#pragma once

#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/atom.hpp>

#include "ply/service.hpp"

namespace CLI {
class App;
}

namespace ply {

/// What a node's cluster services (chat rooms, pub/sub topics) hear from the node's member actor:
/// `(peer_up_atom, caf::actor counterpart, std::string node)` when a node that serves the same
/// name joins, and `(peer_down_atom, caf::actor counterpart, std::string node)` when it leaves or
/// dies. `node` is the peer's cluster endpoint ("127.0.0.1:9001").
using peer_up_atom = caf::atom_constant<caf::atom("peerup")>;
using peer_down_atom = caf::atom_constant<caf::atom("peerdown")>;

/// How a node takes part in a cluster.
struct cluster_options {
  /// Where this node accepts cluster links: `tcp:PORT` (bound to 127.0.0.1) or
  /// `tcp:PORT:interface=ADDR`; empty for none (then `join` publishes on `tcp:0`).
  std::string listen;
  /// Members to join, `HOST:PORT`; any one member is enough, membership spreads.
  std::vector<std::string> join;
  /// The host other nodes dial to reach this one; defaults to the bound interface.
  std::string advertise;
  /// Certificate, key and CA file: links use TLS and only nodes with the cluster's certificate
  /// can join. All three or none.
  std::vector<std::string> tls;
  /// Seconds between heartbeats on cluster links, and of silence after which a node is dead.
  double heartbeat = 1.0;
  double timeout = 3.0;

  bool enabled() const {
    return !listen.empty() || !join.empty();
  }
};

/// Declares `--cluster`, `--join`, `--cluster-advertise` and `--cluster-tls` on `cmd`.
void add_cluster_options(CLI::App& cmd, cluster_options& opts);

/// A node's membership in a cluster of ply processes, as a service. It publishes the node's member
/// actor through CAF's middleman (BASP), dials the members to join, and learns the rest from them
/// (membership spreads: every node links to every other). Local actors are offered to the cluster
/// under a name (`offer`); each is told of its counterparts on other nodes as they come and go.
/// Dead nodes are noticed through middleman heartbeats within `timeout` seconds.
class cluster_service : public service {
public:
  cluster_service(std::string name, cluster_options opts);
  ~cluster_service() override;

  /// Loads CAF's middleman (and its OpenSSL module for `tls`) and sets the heartbeat.
  void configure(caf::actor_system_config& cfg) override;
  void start_service(reactor& r) override;
  deferred<void> stop_service() override;
  std::vector<std::string> endpoints() const override;

  /// This node's member actor (valid once started). It also answers `(get_atom)` with the cluster
  /// endpoints of the nodes it is linked to, as a `std::vector<std::string>`.
  const caf::actor& member() const {
    return member_;
  }

  /// This node's cluster endpoint, "HOST:PORT" (valid once started).
  const std::string& node() const {
    return node_;
  }

  /// Offers `who` to the cluster under `name` (call once started).
  void offer(const std::string& name, const caf::actor& who);

private:
  cluster_options opts_;
  caf::actor member_;
  std::string node_;
  uint16_t port_ = 0;
};

/// Offers `who` under `name` through a member actor (what `cluster_service::offer` sends).
void offer_to_cluster(const caf::actor& member, const std::string& name, const caf::actor& who);

} // namespace ply
