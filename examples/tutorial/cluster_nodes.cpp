// SPDX-License-Identifier: MIT
// A clustered program of one's own, run by ply::run_application (no plyd): each node serves
// lines; "shout TEXT" reaches everyone connected to any node, and "nodes" lists the nodes it
// shouts to.
//   build/bin/cluster_nodes --port tcp:8000 --cluster tcp:9000
//   build/bin/cluster_nodes --port tcp:8001 --cluster tcp:9001 --join 127.0.0.1:9000
//   then: printf 'nodes\n' | nc -N localhost 8001
#include <map>

#include <ply/cluster.hpp>
#include <ply/cluster_message.hpp>
#include <ply/ply.hpp>

namespace {

PLY_MESSAGE(shout, std::string text);
PLY_CLUSTER_MESSAGE(shout);  // it crosses from node to node
PLY_MESSAGE(list_nodes);

class node_line : public ply::line_receiver {
  void line_received(std::string_view line) override {
    if (line.starts_with("shout "))
      send(factory(), shout{std::string{line.substr(6)}});
    else if (line == "nodes")
      ask<std::string>(factory(), list_nodes{}).add_callback([this](const std::string& answer) {
        send_line(answer);
      });
    else
      send_line("say 'nodes' or 'shout TEXT'");
  }
};

/// The node's hall: offered to the cluster as "hall", it hears of the other nodes' halls as they
/// come and go (from the node's member actor), and passes shouts between them.
class hall : public ply::factory_of<node_line> {
public:
  explicit hall(ply::actor member) : member_(std::move(member)) {
  }

  void start_factory() override {
    ply::offer_to_cluster(member_, "hall", caf::actor{this});
  }

  ply::handlers extra_behavior() override {
    return {
      [this](ply::peer_up_atom, const ply::actor& other, const std::string& node) {
        others_[other] = node;
      },
      [this](ply::peer_down_atom, const ply::actor& other, const std::string&) {
        others_.erase(other);
      },
      [this](const shout& s) {
        if (caller())  // from a connection of this node: the other nodes hear it too
          for (auto& [other, node] : others_)
            send(other, s);
        for (auto& c : connections())
          c.write_line(s.text);
      },
      [this](list_nodes) {
        std::string text = std::to_string(others_.size()) + " other node(s):";
        for (auto& [other, node] : others_)
          text += " " + node;
        return text;
      },
    };
  }

  void on_exit() override {
    factory::on_exit();
    member_ = nullptr;  // let go of other actors: no cycles
    others_.clear();
  }

private:
  ply::actor member_;
  std::map<ply::actor, std::string> others_;  ///< the other nodes' halls, and their nodes
};

} // namespace

int main(int argc, char** argv) {
  std::string port = "tcp:8000";
  ply::cluster_options cluster;
  ply::command_line cli{"cluster_nodes", "A line server that is a cluster node of its own."};
  cli.add("--port", port, "Endpoint to listen on");
  ply::add_cluster_options(cli.app(), cluster);
  ply::cluster_service* node = nullptr;
  return ply::run_application(
    argc, argv, cli,
    [&](ply::application& app) {
      node = static_cast<ply::cluster_service*>(
        &app.add(std::make_unique<ply::cluster_service>("cluster", cluster)));
    },
    [&](ply::reactor& r) { r.listen(port, ply::factory::of<hall>(node->member())); });
}
