// SPDX-License-Identifier: MIT
#include "ply/cluster.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <random>
#include <set>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/io/middleman.hpp>
#include <caf/io/publish.hpp>
#include <caf/openssl/manager.hpp>
#include <caf/openssl/publish.hpp>
#include <caf/send.hpp>
#include <spdlog/spdlog.h>

#include "ply/cluster_message.hpp"
#include "ply/endpoint.hpp"
#include "ply/error.hpp"
#include "ply/reactor.hpp"
#include "ply/time.hpp"
#include "ply/trace.hpp"

namespace ply {

namespace {

// Member-to-member messages. Atom values are compared by text, so every node agrees on them.
using dial_atom = caf::atom_constant<caf::atom("cl_dial")>;
using meet_atom = caf::atom_constant<caf::atom("cl_meet")>;
using hello_atom = caf::atom_constant<caf::atom("cl_hello")>;
using welcome_atom = caf::atom_constant<caf::atom("cl_welcom")>;
using offer_atom = caf::atom_constant<caf::atom("cl_offer")>;
using start_atom = caf::atom_constant<caf::atom("cl_start")>;
using peer_offer_atom = caf::atom_constant<caf::atom("cl_poffer")>;

constexpr auto link_timeout = std::chrono::seconds(5);
constexpr auto redial_delay = std::chrono::milliseconds(500);

/// Splits "HOST:PORT"; false when it is not one.
bool split_host_port(const std::string& text, std::string& host, uint16_t& port) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size())
    return false;
  try {
    size_t used = 0;
    auto n = std::stoul(text.substr(colon + 1), &used);
    if (used != text.size() - colon - 1 || n == 0 || n > 65535)
      return false;
    host = text.substr(0, colon);
    port = static_cast<uint16_t>(n);
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

/// A node's member actor: knows the other nodes' members and which local actors are offered under
/// which name, and introduces counterparts to each other.
class member_actor : public caf::event_based_actor {
public:
  member_actor(caf::actor_config& cfg, caf::actor connector, std::vector<std::string> seeds)
    : caf::event_based_actor(cfg),
      connector_(std::move(connector)),
      seeds_(seeds.begin(), seeds.end()) {
  }

  const char* name() const override {
    return "ply.cluster_member";
  }

protected:
  /// Lets go of every handle: a member kept by its peers or services must not keep the
  /// middleman's actor (and so the process) alive after it quits.
  void on_exit() override {
    connector_ = nullptr;
    local_.clear();
    peers_.clear();
  }

  caf::behavior make_behavior() override {
    set_down_handler([this](caf::down_msg& m) { peer_down(m); });
    // Until it knows its own name (the published port), a member keeps every other message.
    set_default_handler(caf::skip);
    return {
      [this](start_atom, const std::string& node) {
        node_ = node;
        set_default_handler(caf::print_and_drop);
        for (auto& s : seeds_)
          send(this, dial_atom::value, s);
        become(running());
      },
    };
  }

  caf::behavior running() {
    return {
      [this](dial_atom, const std::string& endpoint) { dial(endpoint); },
      [this](meet_atom, const std::string& endpoint) { meet(endpoint); },
      [this](hello_atom, const caf::actor& from, const std::string& endpoint,
             const std::vector<std::string>& names, const std::vector<caf::actor>& actors)
        -> caf::result<welcome_atom, caf::actor, std::string, std::vector<std::string>,
                       std::vector<caf::actor>, std::vector<std::string>> {
        add_peer(from, endpoint, names, actors);
        std::vector<std::string> others;
        for (auto& [addr, p] : peers_)
          if (p.endpoint != endpoint)
            others.push_back(p.endpoint);
        auto [ns, as] = offered();
        return {welcome_atom::value, caf::actor{this}, node_, ns, as, others};
      },
      [this](offer_atom, const std::string& name, const caf::actor& who) {
        // From this node's services.
        local_[name] = who;
        for (auto& [addr, p] : peers_) {
          send(p.member, peer_offer_atom::value, name, who);
          introduce(name, p);
        }
      },
      [this](peer_offer_atom, const std::string& name, const caf::actor& who) {
        // A peer's service, offered after its hello or welcome left.
        auto src = caf::actor_cast<caf::actor_addr>(current_sender());
        auto i = peers_.find(src);
        if (i == peers_.end())
          return;
        // Offers may come twice (with the hello and after it): an actor hears of each once.
        auto& known = i->second.services[name];
        if (known == who)
          return;
        known = who;
        introduce(name, i->second);
      },
      [this](caf::get_atom) {
        std::vector<std::string> out;
        for (auto& [addr, p] : peers_)
          out.push_back(p.endpoint);
        return out;
      },
    };
  }

private:
  struct peer {
    caf::actor member;
    std::string endpoint;
    std::map<std::string, caf::actor> services;
  };

  std::pair<std::vector<std::string>, std::vector<caf::actor>> offered() const {
    std::vector<std::string> names;
    std::vector<caf::actor> actors;
    for (auto& [n, a] : local_) {
      names.push_back(n);
      actors.push_back(a);
    }
    return {names, actors};
  }

  bool known(const std::string& endpoint) const {
    if (endpoint == node_ || dialing_.count(endpoint) > 0)
      return true;
    for (auto& [addr, p] : peers_)
      if (p.endpoint == endpoint)
        return true;
    return false;
  }

  /// Meets a node this one has heard of from another: of each such pair, the node whose name
  /// sorts first dials, while the other waits for its hello. Two nodes that dial each other at
  /// once make CAF refuse one link as redundant, and the handshake of the other then waits out
  /// its timeout (seen with 16 nodes started together: a pair linked only after 5 s).
  void meet(const std::string& endpoint) {
    if (node_ < endpoint)
      dial(endpoint);
    else if (!known(endpoint))
      delayed_send(this, fallback_delay(), dial_atom::value, endpoint);
  }

  /// How long the node whose name sorts last waits before it dials itself (in case the other's
  /// dials failed): past the other's handshake timeout, with jitter.
  std::chrono::milliseconds fallback_delay() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(link_timeout) * 2
           + std::chrono::milliseconds(std::uniform_int_distribution<int>{0, 1000}(rng_));
  }

  /// Links to the member at `endpoint` and says hello; seeds and lost peers are dialed again until
  /// they answer.
  void dial(const std::string& endpoint) {
    if (known(endpoint))
      return;
    std::string host;
    uint16_t port = 0;
    if (!split_host_port(endpoint, host, port)) {
      spdlog::error("cluster {}: cannot dial '{}': not HOST:PORT", node_, endpoint);
      return;
    }
    dialing_.insert(endpoint);
    // A link that failed may work the second time (a node still starting, a refused redundant
    // link): a node that is not a seed is dialed a few more times.
    if (seeds_.count(endpoint) == 0)
      retries_.emplace(endpoint, 3);
    auto failed = [this, endpoint](const caf::error& e) {
      dialing_.erase(endpoint);
      if (seeds_.count(endpoint) > 0 || lost_.count(endpoint) > 0) {
        // Seeds, and nodes this one was linked to, are dialed until they answer, backing off from
        // 0.5 s to 8 s: a node cut off from its seeds for good is found again by the others
        // once the network heals. With jitter, so that two nodes do not collide again.
        auto n = ++failures_[endpoint];
        auto delay = redial_delay * (1 << std::min<size_t>(n - 1, 4));
        if (n == 1 || n == 5)  // when it starts, and when it settles at its longest delay
          spdlog::warn("cluster {}: cannot reach {} ({}); trying again every {} ms", node_,
                       endpoint, system().render(e),
                       std::chrono::duration_cast<std::chrono::milliseconds>(delay).count());
        auto jitter = std::chrono::milliseconds(std::uniform_int_distribution<int>{0, 200}(rng_));
        delayed_send(this, delay + jitter, dial_atom::value, endpoint);
      } else if (auto r = retries_.find(endpoint); r != retries_.end() && r->second > 0) {
        --r->second;
        // With jitter, so that two nodes do not collide again.
        auto jitter = std::chrono::milliseconds(std::uniform_int_distribution<int>{0, 400}(rng_));
        delayed_send(this, redial_delay / 2 + jitter, dial_atom::value, endpoint);
      } else {
        retries_.erase(endpoint);
        spdlog::info("cluster {}: cannot reach {} ({})", node_, endpoint, system().render(e));
      }
    };
    request(connector_, link_timeout, caf::connect_atom::value, host, port)
      .then(
        [this, endpoint, failed](const caf::node_id&, const caf::strong_actor_ptr& ptr,
                                 const std::set<std::string>&) {
          auto them = caf::actor_cast<caf::actor>(ptr);
          if (!them) {
            failed(make_error(errc::connect_failed, "no member published at " + endpoint));
            return;
          }
          auto [ns, as] = offered();
          request(them, link_timeout, hello_atom::value, caf::actor{this}, node_, ns, as)
            .then(
              [this, endpoint](welcome_atom, const caf::actor& member, const std::string& ep,
                               const std::vector<std::string>& names,
                               const std::vector<caf::actor>& actors,
                               const std::vector<std::string>& others) {
                dialing_.erase(endpoint);
                failures_.erase(endpoint);
                retries_.erase(endpoint);
                add_peer(member, ep, names, actors);
                // The hello left with the offers of its time; later ones follow it.
                for (auto& [name, who] : local_)
                  send(member, peer_offer_atom::value, name, who);
                for (auto& o : others)
                  meet(o);
              },
              failed);
        },
        failed);
  }

  void add_peer(const caf::actor& member, const std::string& endpoint,
                const std::vector<std::string>& names, const std::vector<caf::actor>& actors) {
    if (!member || member.address() == address())
      return;
    auto [i, added] = peers_.emplace(member.address(), peer{member, endpoint, {}});
    auto& p = i->second;
    lost_.erase(endpoint);
    failures_.erase(endpoint);
    if (added) {
      monitor(member);
      spdlog::info("cluster {}: node {} joined ({} linked)", node_, endpoint, peers_.size());
      trace::record("node", "\"state\":\"up\",\"peer\":" + trace::quote(endpoint));
      // Membership spreads both ways: the others meet the newcomer, and the newcomer meets the
      // others (a no-op for those who know each other already).
      for (auto& [addr, other] : peers_)
        if (addr != member.address()) {
          send(other.member, meet_atom::value, endpoint);
          send(member, meet_atom::value, other.endpoint);
        }
    }
    for (size_t k = 0; k < names.size() && k < actors.size(); ++k) {
      if (p.services.count(names[k]) > 0)
        continue;
      p.services[names[k]] = actors[k];
      introduce(names[k], p);
    }
  }

  /// Tells the local actor offered under `name` of its counterpart on `p`, when both exist.
  void introduce(const std::string& name, const peer& p) {
    auto mine = local_.find(name);
    auto theirs = p.services.find(name);
    if (mine != local_.end() && theirs != p.services.end())
      send(mine->second, peer_up_atom::value, theirs->second, p.endpoint);
  }

  void peer_down(const caf::down_msg& m) {
    auto i = peers_.find(m.source);
    if (i == peers_.end())
      return;
    auto p = std::move(i->second);
    peers_.erase(i);
    spdlog::warn("cluster {}: node {} is gone ({}); {} linked", node_, p.endpoint,
                 system().render(m.reason), peers_.size());
    trace::record("node", "\"state\":\"down\",\"peer\":" + trace::quote(p.endpoint) +
                            ",\"reason\":" + trace::quote(system().render(m.reason)));
    for (auto& [name, theirs] : p.services) {
      auto mine = local_.find(name);
      if (mine != local_.end())
        send(mine->second, peer_down_atom::value, theirs, p.endpoint);
    }
    // A link may drop while its node lives on: dial it again, until it answers (a node that said
    // it stops, a member quitting normally, is not). Of two nodes that are not each other's seed,
    // the one whose name sorts first dials first, so that they do not dial each other at once.
    if (m.reason == caf::exit_reason::normal || m.reason == caf::exit_reason::user_shutdown) {
      if (seeds_.count(p.endpoint) == 0)
        return;
    } else {
      lost_.insert(p.endpoint);
    }
    bool first = seeds_.count(p.endpoint) > 0 || node_ < p.endpoint;
    delayed_send(this, first ? redial_delay : fallback_delay(), dial_atom::value, p.endpoint);
  }

  std::string node_;
  caf::actor connector_;
  std::set<std::string> seeds_;
  std::set<std::string> dialing_;
  std::set<std::string> lost_;              ///< nodes once linked, dialed until they answer again
  std::map<std::string, size_t> failures_;  ///< failed dials of seeds and lost nodes since linked
  std::map<std::string, int> retries_;      ///< dials left for other nodes not yet linked
  std::mt19937 rng_{std::random_device{}()};
  std::map<std::string, caf::actor> local_;
  std::map<caf::actor_addr, peer> peers_;
};

} // namespace

cluster_service::cluster_service(std::string name, cluster_options opts)
  : service(std::move(name)), opts_(std::move(opts)) {
}

cluster_service::~cluster_service() = default;

void cluster_service::configure(caf::actor_system_config& cfg) {
  cfg.load<caf::io::middleman>();
  detail::register_shared_messages(cfg);
  if (opts_.tls.size() == 3) {
    cfg.load<caf::openssl::manager>();
    cfg.openssl_certificate = opts_.tls[0];
    cfg.openssl_key = opts_.tls[1];
    cfg.openssl_cafile = opts_.tls[2];
  }
  cfg.set("middleman.heartbeat-interval", seconds_to_duration(opts_.heartbeat));
  cfg.set("middleman.connection-timeout", seconds_to_duration(opts_.timeout));
}

void cluster_service::start_service(reactor& r) {
  auto fail = [this](const std::string& why) {
    throw std::runtime_error("service '" + name() + "': " + why);
  };
  if (!opts_.tls.empty() && opts_.tls.size() != 3)
    fail("--cluster-tls takes CERT KEY CA");
  // CAF reads these files only when a link opens, and throws then: check them now.
  for (auto& file : opts_.tls)
    if (::access(file.c_str(), R_OK) != 0)
      fail("--cluster-tls: cannot read " + file + ": " + std::strerror(errno));
  auto listen = opts_.listen.empty() ? std::string{"tcp:0"} : opts_.listen;
  auto ep = parse_server_endpoint(listen);
  if (!ep)
    fail("bad --cluster endpoint: " + describe(ep.error()));
  if (ep->type != endpoint::kind::tcp)
    fail("--cluster takes a tcp: endpoint, not '" + listen + "'");
  auto interface = ep->host.empty() ? std::string{"127.0.0.1"} : ep->host;
  auto& sys = r.system();
  for (auto& j : opts_.join) {
    std::string host;
    uint16_t port = 0;
    if (!split_host_port(j, host, port))
      fail("bad --join '" + j + "': expected HOST:PORT");
  }
  auto advertise = opts_.advertise;
  if (advertise.empty()) {
    if (interface == "0.0.0.0" || interface == "::")
      fail("a cluster bound to all interfaces needs --cluster-advertise HOST");
    advertise = interface;
  }
  auto tls = !opts_.tls.empty();
  auto connector = tls ? caf::actor_cast<caf::actor>(sys.openssl_manager().actor_handle())
                       : caf::actor_cast<caf::actor>(sys.middleman().actor_handle());
  // The node's name holds the bound port, known only once published: the member waits for it.
  member_ = sys.spawn<member_actor>(connector, opts_.join);
  auto port = tls ? caf::openssl::publish(member_, ep->port, interface.c_str(), true)
                  : caf::io::publish(member_, ep->port, interface.c_str(), true);
  if (!port) {
    caf::anon_send_exit(member_, caf::exit_reason::user_shutdown);
    member_ = nullptr;
    fail("cannot accept cluster links on " + interface + ":" + std::to_string(ep->port) + ": " +
         sys.render(port.error()));
  }
  port_ = *port;
  node_ = advertise + ":" + std::to_string(port_);
  trace::set_node(node_);
  caf::anon_send(member_, start_atom::value, node_);
  spdlog::info("cluster: node {} listening on {}:{}{}", node_, interface, port_,
               tls ? " (TLS)" : "");
  service::start_service(r);
}

deferred<void> cluster_service::stop_service() {
  if (member_) {
    caf::anon_send_exit(member_, caf::exit_reason::user_shutdown);
    member_ = nullptr;
  }
  return service::stop_service();
}

std::vector<std::string> cluster_service::endpoints() const {
  if (node_.empty())
    return {};
  return {node_};
}

void cluster_service::offer(const std::string& name, const caf::actor& who) {
  offer_to_cluster(member_, name, who);
}

void offer_to_cluster(const caf::actor& member, const std::string& name, const caf::actor& who) {
  if (member)
    caf::anon_send(member, offer_atom::value, name, who);
}

} // namespace ply
