// SPDX-License-Identifier: MIT
// ply-remote-bench: message throughput between two processes, through ply's cluster layer (a
// cluster_service on each side, the sink offered to the cluster, the source told of it by
// peer_up) and through plain CAF (middleman publish and remote_actor). The messages are the same
// either way: (atom, int64 sequence number, string payload). The source keeps at most --window
// messages unacknowledged, so neither side buffers without bound.
//   ply-remote-bench sink --stack caf|ply     prints "ready HOST:PORT", serves until killed
//   ply-remote-bench source --stack caf|ply --to HOST:PORT [--messages N] [--size B] [--window N]
//     prints {"messages", "seconds", "messages_per_s"}
#include <chrono>
#include <cstdio>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/io/middleman.hpp>
#include <caf/send.hpp>

#include <ply/atoms.hpp>
#include <ply/cluster.hpp>
#include <ply/command_line.hpp>
#include <ply/reactor.hpp>
#include <ply/run.hpp>
#include <ply/service.hpp>
#include <ply/version.hpp>

namespace {

using chunk_atom = caf::atom_constant<caf::atom("rb_chunk")>;
using done_atom = caf::atom_constant<caf::atom("rb_done")>;
using ack_atom = caf::atom_constant<caf::atom("rb_ack")>;
using clock_type = std::chrono::steady_clock;

/// Counts what arrives and acknowledges every `every` messages, and on `done`.
caf::behavior sink(caf::event_based_actor* self, int64_t every) {
  auto got = std::make_shared<int64_t>(0);
  auto ack = [self, got] {
    self->send(caf::actor_cast<caf::actor>(self->current_sender()), ack_atom::value, *got);
  };
  return {
    [=](chunk_atom, int64_t, const std::string&) {
      if (++*got % every == 0)
        ack();
    },
    [=](done_atom) { ack(); },
    [](ply::peer_up_atom, const caf::actor&, const std::string&) {},
    [](ply::peer_down_atom, const caf::actor&, const std::string&) {},
  };
}

struct source_options {
  int64_t messages = 1'000'000;
  size_t size = 16;
  int64_t window = 4096;
};

/// Sends `messages` chunks to the sink (given, or told of by the cluster), keeping at most
/// `window` unacknowledged; sets `done` to the seconds from first send to last acknowledgement.
class source : public caf::event_based_actor {
public:
  source(caf::actor_config& cfg, caf::actor to, source_options opts, std::promise<double>* done)
    : caf::event_based_actor(cfg),
      to_(std::move(to)),
      opts_(opts),
      payload_(opts.size, 'x'),
      done_(done) {
  }

  caf::behavior make_behavior() override {
    if (to_)
      start();
    return {
      [this](ply::peer_up_atom, const caf::actor& other, const std::string&) {
        if (!to_) {
          to_ = other;
          start();
        }
      },
      [](ply::peer_down_atom, const caf::actor&, const std::string&) {},
      [this](ack_atom, int64_t acked) {
        acked_ = acked;
        if (acked_ == opts_.messages) {
          done_->set_value(std::chrono::duration<double>(clock_type::now() - started_).count());
          to_ = nullptr;
          quit();
          return;
        }
        pump();
      },
    };
  }

private:
  void start() {
    started_ = clock_type::now();
    pump();
  }

  void pump() {
    while (sent_ < opts_.messages && sent_ - acked_ < opts_.window)
      send(to_, chunk_atom::value, sent_++, payload_);
    if (sent_ == opts_.messages && !done_sent_) {
      done_sent_ = true;
      send(to_, done_atom::value);
    }
  }

  caf::actor to_;
  source_options opts_;
  std::string payload_;
  std::promise<double>* done_;
  clock_type::time_point started_;
  int64_t sent_ = 0;
  int64_t acked_ = 0;
  bool done_sent_ = false;
};

void print_result(const source_options& opts, double secs) {
  std::printf("{\"messages\": %lld, \"seconds\": %.4f, \"messages_per_s\": %.0f}\n",
              static_cast<long long>(opts.messages), secs,
              static_cast<double>(opts.messages) / secs);
  std::fflush(stdout);
}

/// Plain CAF: the sink published on a port, the source dialing it with remote_actor.
int run_caf(bool is_sink, const std::string& to, const source_options& opts) {
  caf::actor_system_config cfg;
  cfg.load<caf::io::middleman>();
  caf::actor_system sys{cfg};
  if (is_sink) {
    auto s = sys.spawn(sink, opts.window / 4);
    auto port = sys.middleman().publish(s, 0, "127.0.0.1");
    if (!port) {
      std::fprintf(stderr, "ply-remote-bench: cannot publish: %s\n", sys.render(port.error()).c_str());
      return 2;
    }
    std::printf("ready 127.0.0.1:%u\n", static_cast<unsigned>(*port));
    std::fflush(stdout);
    for (;;)
      std::this_thread::sleep_for(std::chrono::hours(1));
  }
  auto colon = to.rfind(':');
  auto remote = sys.middleman().remote_actor(to.substr(0, colon),
                                             static_cast<uint16_t>(std::stoi(to.substr(colon + 1))));
  if (!remote) {
    std::fprintf(stderr, "ply-remote-bench: cannot reach %s: %s\n", to.c_str(),
                 sys.render(remote.error()).c_str());
    return 2;
  }
  std::promise<double> done;
  auto secs = done.get_future();
  sys.spawn<source>(*remote, opts, &done);
  print_result(opts, secs.get());
  return 0;
}

/// ply's cluster layer: a cluster_service on each side; the sink and the source are offered under
/// one name, so each is told of the other by peer_up.
int run_ply(bool is_sink, const std::string& to, const source_options& opts,
            std::string caf_config) {
  ply::cluster_options cluster;
  if (is_sink)
    cluster.listen = "tcp:0";
  else
    cluster.join = {to};
  ply::command_line cli{"ply-remote-bench", "ply's side of the remote-message benchmark"};
  ply::cluster_service* node = nullptr;
  std::promise<double> done;
  auto secs = done.get_future();
  std::thread waiter;
  std::string prog = "ply-remote-bench";
  std::string level_flag = "--log-level";
  std::string level = "warn";
  std::string config_flag = "--caf-config";
  std::vector<char*> argv{prog.data(), level_flag.data(), level.data()};
  if (!caf_config.empty()) {
    argv.push_back(config_flag.data());
    argv.push_back(caf_config.data());
  }
  auto rc = ply::run_application(
    static_cast<int>(argv.size()), argv.data(), cli,
    [&](ply::application& app) {
      node = static_cast<ply::cluster_service*>(
        &app.add(std::make_unique<ply::cluster_service>("cluster", cluster)));
    },
    [&](ply::reactor& r) {
      if (is_sink) {
        ply::offer_to_cluster(node->member(), "bench", r.system().spawn(sink, opts.window / 4));
        std::printf("ready %s\n", node->node().c_str());
        std::fflush(stdout);
        return;
      }
      ply::offer_to_cluster(node->member(), "bench",
                            r.system().spawn<source>(caf::actor{}, opts, &done));
      waiter = std::thread{[&secs, &opts, ctl = r.control()] {
        print_result(opts, secs.get());
        caf::anon_send(ctl, ply::stop_atom::value, 0);
      }};
    });
  if (waiter.joinable())
    waiter.join();
  return rc;
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"Message throughput between two processes: ply's cluster layer against plain CAF",
               "ply-remote-bench"};
  app.set_version_flag("--version", std::string{"ply-remote-bench (ply) "} + ply::version());
  app.require_subcommand(1);
  std::string stack = "ply";
  std::string to;
  std::string caf_config;
  source_options opts;
  for (auto* cmd : {app.add_subcommand("sink", "Receive and acknowledge; prints 'ready HOST:PORT'"),
                    app.add_subcommand("source", "Send, then print the rate as JSON")}) {
    cmd->add_option("--stack", stack, "ply (its cluster layer) or caf (publish, remote_actor)")
      ->check(CLI::IsMember({"ply", "caf"}))
      ->capture_default_str();
    cmd->add_option("--window", opts.window, "Messages in flight at most (the sink acknowledges "
                                             "every quarter of it)")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{4}, int64_t{1} << 24));
    cmd->add_option("--caf-config", caf_config, "ply stack: CAF options from an INI file")
      ->check(CLI::ExistingFile);
  }
  auto* src = app.get_subcommand("source");
  src->add_option("--to", to, "The sink, HOST:PORT")->required();
  src->add_option("--messages", opts.messages, "Messages to send")
    ->capture_default_str()
    ->check(CLI::Range(int64_t{1}, int64_t{1} << 40));
  src->add_option("--size", opts.size, "Payload bytes per message")
    ->capture_default_str()
    ->check(CLI::Range(size_t{0}, size_t{1} << 20));
  CLI11_PARSE(app, argc, argv);
  bool is_sink = app.got_subcommand("sink");
  try {
    return stack == "caf" ? run_caf(is_sink, to, opts) : run_ply(is_sink, to, opts, caf_config);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ply-remote-bench: %s\n", e.what());
    return 2;
  }
}
