// SPDX-License-Identifier: MIT
// Cluster membership in one process: two nodes (each its own actor system, middleman and
// reactor) find each other, their offered actors hear of their counterparts and exchange a
// PLY_CLUSTER_MESSAGE type, and a node that leaves is reported down. Bad options fail at start
// with a sentence.
#include "ply/cluster.hpp"

#include <catch2/catch.hpp>

#include <memory>
#include <thread>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>

#include "ply/cluster_message.hpp"
#include "ply/message.hpp"
#include "ply/reactor.hpp"
#include "recorder.hpp"

using namespace ply;
using namespace ply::test;
using namespace std::chrono_literals;

namespace {

PLY_MESSAGE(greeting, std::string to; int count; std::vector<std::string> words);

} // namespace

PLY_CLUSTER_MESSAGE(greeting);

namespace {

/// Records which peers come up and go down, and greetings from their counterparts.
class watcher : public caf::event_based_actor {
public:
  watcher(caf::actor_config& cfg, recorder_ptr rec)
    : caf::event_based_actor(cfg), rec_(std::move(rec)) {
  }
  caf::behavior make_behavior() override {
    return {
      [this](peer_up_atom, const caf::actor& counterpart, const std::string& node) {
        rec_->add("up " + node);
        send(counterpart, greeting{node, 2, {"across", "nodes"}});
      },
      [this](const greeting& g) {
        auto text = "greeting to " + g.to + " x" + std::to_string(g.count);
        for (auto& w : g.words)
          text += " " + w;
        rec_->add(text);
      },
      [this](peer_down_atom, const caf::actor&, const std::string& node) {
        rec_->add("down " + node);
      },
    };
  }

private:
  recorder_ptr rec_;
};

/// One cluster node: an actor system configured by its cluster service, and a running reactor.
struct node {
  explicit node(cluster_options opts) : svc("cluster", std::move(opts)) {
    svc.configure(cfg);
    sys = std::make_unique<caf::actor_system>(cfg);
    reactor::options ro;
    ro.handle_signals = false;
    ro.stop_timeout = 1000ms;
    r = std::make_unique<reactor>(*sys, ro);
  }
  void start() {
    svc.start_service(*r);
    thread = std::thread([this] { r->run(); });
  }
  void stop() {
    if (!thread.joinable())
      return;
    svc.stop_service();
    r->stop();
    thread.join();
  }
  ~node() {
    stop();
  }
  caf::actor_system_config cfg;
  cluster_service svc;
  std::unique_ptr<caf::actor_system> sys;
  std::unique_ptr<reactor> r;
  std::thread thread;
};

cluster_options fast(std::vector<std::string> join = {}) {
  cluster_options o;
  o.listen = "tcp:0:interface=127.0.0.1";
  o.join = std::move(join);
  // "down" comes from the member actor's exit, not from missed heartbeats: a long timeout keeps
  // a slow machine (or a sanitizer) from dropping the link in between.
  o.heartbeat = 0.5;
  o.timeout = 10.0;
  return o;
}

} // namespace

TEST_CASE("cluster: two nodes link, offered actors hear each other come and go and exchange "
          "PLY_CLUSTER_MESSAGE types", "[cluster]") {
  auto rec_a = std::make_shared<recorder>();
  auto rec_b = std::make_shared<recorder>();
  node a{fast()};
  a.start();
  REQUIRE_FALSE(a.svc.node().empty());
  node b{fast({a.svc.node()})};
  b.start();
  auto watch_a = a.sys->spawn<watcher>(rec_a);
  auto watch_b = b.sys->spawn<watcher>(rec_b);
  a.svc.offer("room", watch_a);
  b.svc.offer("room", watch_b);
  rec_a->wait_for("up ", 1, 10000ms);
  rec_b->wait_for("up ", 1, 10000ms);
  CHECK(rec_a->starting_with("up ") == std::vector<std::string>{"up " + b.svc.node()});
  CHECK(rec_b->starting_with("up ") == std::vector<std::string>{"up " + a.svc.node()});
  // A PLY_MESSAGE declared PLY_CLUSTER_MESSAGE crossed the link, every field intact.
  rec_a->wait_for("greeting ", 1, 10000ms);
  rec_b->wait_for("greeting ", 1, 10000ms);
  CHECK(rec_a->starting_with("greeting ")
        == std::vector<std::string>{"greeting to " + a.svc.node() + " x2 across nodes"});
  CHECK(rec_b->starting_with("greeting ")
        == std::vector<std::string>{"greeting to " + b.svc.node() + " x2 across nodes"});
  auto b_name = b.svc.node();
  b.stop();
  rec_a->wait_for("down ", 1, 10000ms);
  CHECK(rec_a->starting_with("down ") == std::vector<std::string>{"down " + b_name});
  // Offered once each, linked once: nobody heard of a counterpart twice.
  CHECK(rec_a->starting_with("up ").size() == 1);
  CHECK(rec_b->starting_with("up ").size() == 1);
  caf::anon_send_exit(watch_a, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(watch_b, caf::exit_reason::user_shutdown);
}

TEST_CASE("cluster: bad options fail at start with a sentence", "[cluster]") {
  auto fails = [](cluster_options o) {
    node n{std::move(o)};
    try {
      n.svc.start_service(*n.r);
    } catch (const std::runtime_error& e) {
      return std::string{e.what()};
    }
    return std::string{"started"};
  };
  auto o = fast({"no-port-here"});
  CHECK_THAT(fails(o), Catch::Contains("bad --join 'no-port-here': expected HOST:PORT"));
  o = fast();
  o.listen = "unix:/tmp/x";
  CHECK_THAT(fails(o), Catch::Contains("--cluster takes a tcp: endpoint"));
  o = fast();
  o.tls = {"a.pem"};
  CHECK_THAT(fails(o), Catch::Contains("--cluster-tls takes CERT KEY CA"));
}
