// SPDX-License-Identifier: MIT
// The cluster's command-line options, apart from the cluster itself: CLI11 is heavy to compile.
#include "ply/cluster.hpp"

#include <CLI/CLI.hpp>

namespace ply {

void add_cluster_options(CLI::App& cmd, cluster_options& opts) {
  cmd.add_option("--cluster", opts.listen,
                 "Accept cluster links here: tcp:PORT (on 127.0.0.1) or tcp:PORT:interface=ADDR");
  cmd.add_option("--join", opts.join, "Join the cluster through this member, HOST:PORT (repeatable)");
  cmd.add_option("--cluster-advertise", opts.advertise,
                 "Host other nodes dial to reach this one (default: the bound interface)");
  cmd.add_option("--cluster-tls", opts.tls, "Secure cluster links: CERT KEY CA (PEM files)")
    ->expected(3);
  cmd.add_option("--cluster-heartbeat", opts.heartbeat, "Seconds between cluster heartbeats")
    ->capture_default_str()
    ->check(CLI::Range(0.05, 60.0));
  cmd.add_option("--cluster-timeout", opts.timeout,
                 "Seconds of silence after which a node counts as dead")
    ->capture_default_str()
    ->check(CLI::Range(0.1, 600.0));
}

} // namespace ply
