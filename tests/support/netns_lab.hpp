// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "socket_client.hpp"

namespace ply::test {

/// Hosts of a test's own: network namespaces, each with its own network stack and one interface
/// (`eth0`, 198.18.0.N/24, the benchmarking range) on a bridge that only they share. Nothing
/// leaves them. Destroying the lab removes every namespace, interface and bridge it made, also
/// when the test failed; a lab left by a killed test run is removed by the next one.
class netns_lab {
public:
  /// Why no lab can be made here (not root, no `ip`), or empty when one can.
  static std::string unavailable();

  /// A lab of `hosts` hosts; host i has the address 198.18.0.(i+1).
  explicit netns_lab(size_t hosts);
  ~netns_lab();
  netns_lab(const netns_lab&) = delete;
  netns_lab& operator=(const netns_lab&) = delete;

  size_t size() const {
    return namespaces_.size();
  }

  /// Host i's address.
  static std::string address(size_t i);

  /// `argv` run inside host i's namespace (`ip netns exec`, which keeps the process's pid).
  std::vector<std::string> in(size_t i, std::vector<std::string> argv) const;

  /// A TCP client made inside host `from`'s namespace, connected to `ipv4`:`port`.
  std::unique_ptr<socket_client> connect(size_t from, const std::string& ipv4, uint16_t port,
                                         int timeout_ms = 3000) const;

  /// Bytes that went through host i's link so far, both ways.
  uint64_t bytes(size_t i) const;

  /// Takes host i's link down (its end of the cable pulled) or up again.
  void set_link(size_t i, bool up);

  /// Splits the lab: the hosts in `side` move to a bridge of their own, so they reach each
  /// other and nobody else. `heal` puts every host back on one bridge.
  void split(const std::vector<size_t>& side);
  void heal();

private:
  /// Runs an `ip` command; throws with what it said when it fails.
  static void ip(const std::string& args);

  /// Removes what the lab made (what is already gone is skipped).
  void teardown();

  std::string tag_;
  std::vector<std::string> namespaces_;
  std::vector<std::string> cables_;  ///< the root ends of the hosts' veth pairs
  std::string bridge_;
  std::string other_bridge_;
};

} // namespace ply::test
