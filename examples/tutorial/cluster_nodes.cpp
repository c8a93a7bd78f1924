// A clustered program of one's own, run by ply::run_application (no plyd): each node serves
// lines, and answers "nodes" with the other members of its cluster as it knows them.
//   build/bin/cluster_nodes --port tcp:8000 --cluster tcp:9000
//   build/bin/cluster_nodes --port tcp:8001 --cluster tcp:9001 --join 127.0.0.1:9000
//   then: printf 'nodes\n' | nc -N localhost 8001
#include <ply/cluster.hpp>
#include <ply/ply.hpp>

namespace {

class nodes_protocol : public ply::line_receiver {
public:
  explicit nodes_protocol(caf::actor member) : member_(std::move(member)) {
  }

  void line_received(std::string_view line) override {
    if (line != "nodes") {
      send_line("say 'nodes'");
      return;
    }
    ply::request<std::vector<std::string>>(this, member_, std::chrono::seconds(5),
                                           caf::get_atom::value)
      .add_callbacks(
        [this](const std::vector<std::string>& nodes) {
          std::string text = std::to_string(nodes.size()) + " other node(s):";
          for (auto& n : nodes)
            text += " " + n;
          send_line(text);
        },
        [this](ply::failure& f) { send_line("error: " + f.message()); });
  }

private:
  caf::actor member_;
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
    [&](ply::reactor& r) {
      r.listen(port, ply::factory::for_protocol<nodes_protocol>(node->member()));
    });
}
