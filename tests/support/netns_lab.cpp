// SPDX-License-Identifier: MIT
#include "netns_lab.hpp"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "process.hpp"

namespace ply::test {

namespace {

constexpr const char* ip_binary = "/usr/sbin/ip";

/// Kills what still runs in namespace `ns`, then removes it (and with it its end of the veth).
void remove_namespace(const std::string& ns) {
  shell_status(std::string{ip_binary} + " netns pids " + ns + " | xargs -r kill -9");
  shell_status(std::string{ip_binary} + " netns del " + ns);
}

/// Removes what a lab of a process that no longer runs left behind ("plyt<pid>..." names).
void remove_stale_labs() {
  auto stale = [](const std::string& name, const std::string& prefix) {
    if (name.rfind(prefix, 0) != 0)
      return false;
    auto pid = std::atoi(name.c_str() + prefix.size());
    return pid > 0 && ::kill(pid, 0) != 0 && errno == ESRCH;
  };
  std::error_code ec;
  for (auto& e : std::filesystem::directory_iterator{"/run/netns", ec}) {
    auto name = e.path().filename().string();
    if (stale(name, "plyt"))
      remove_namespace(name);
  }
  for (auto& e : std::filesystem::directory_iterator{"/sys/class/net", ec}) {
    auto name = e.path().filename().string();
    if (stale(name, "plb") || stale(name, "plc") || stale(name, "plv"))
      shell_status(std::string{ip_binary} + " link del " + name);
  }
}

} // namespace

std::string netns_lab::unavailable() {
  if (::geteuid() != 0)
    return "network namespaces need root (CI runs as root)";
  if (::access(ip_binary, X_OK) != 0)
    return std::string{ip_binary} + " is missing (Debian's iproute2)";
  // Root in a container may still lack the right to make namespaces: try once.
  static const std::string probe_result = [] {
    auto probe = "plyt" + std::to_string(::getpid()) + "probe";
    auto said = shell(std::string{ip_binary} + " netns add " + probe + " 2>&1 && echo ply-ok");
    shell_status(std::string{ip_binary} + " netns del " + probe);
    if (said.find("ply-ok") != std::string::npos)
      return std::string{};
    return "cannot make a network namespace here: " + said.substr(0, said.find('\n'));
  }();
  return probe_result;
}

void netns_lab::ip(const std::string& args) {
  auto out = shell(std::string{ip_binary} + " " + args + " 2>&1 && echo ply-ok");
  if (out.find("ply-ok") == std::string::npos)
    throw std::runtime_error("ip " + args + ": " + out);
}

netns_lab::netns_lab(size_t hosts) {
  static int labs = 0;
  auto pid = std::to_string(::getpid());
  tag_ = pid + "x" + std::to_string(++labs);
  remove_stale_labs();
  // Interface names have at most 15 characters: "plb<pid>x<lab>" for the bridge, and the veths
  // numbered across the process's labs, "plv<pid>.<n>".
  bridge_ = "plb" + tag_;
  other_bridge_ = "plc" + tag_;
  try {
    ip("link add " + bridge_ + " type bridge");
    ip("link set " + bridge_ + " up");
    for (size_t i = 0; i < hosts; ++i) {
      auto ns = "plyt" + tag_ + "h" + std::to_string(i);
      auto cable = "plv" + pid + "." + std::to_string(labs * 100 + i);
      ip("netns add " + ns);
      namespaces_.push_back(ns);
      ip("link add " + cable + " type veth peer name eth0 netns " + ns);
      cables_.push_back(cable);
      ip("link set " + cable + " master " + bridge_ + " up");
      ip("-n " + ns + " addr add " + address(i) + "/24 dev eth0");
      ip("-n " + ns + " link set eth0 up");
      ip("-n " + ns + " link set lo up");
    }
  } catch (...) {
    teardown();
    throw;
  }
}

netns_lab::~netns_lab() {
  teardown();
}

void netns_lab::teardown() {
  // Deleting a namespace deletes its end of the veth pair, and with it the root end.
  for (auto& ns : namespaces_)
    remove_namespace(ns);
  for (auto& cable : cables_)
    shell_status(std::string{ip_binary} + " link del " + cable);
  shell_status(std::string{ip_binary} + " link del " + other_bridge_);
  shell_status(std::string{ip_binary} + " link del " + bridge_);
  namespaces_.clear();
  cables_.clear();
}

std::string netns_lab::address(size_t i) {
  return "198.18.0." + std::to_string(i + 1);
}

std::vector<std::string> netns_lab::in(size_t i, std::vector<std::string> argv) const {
  argv.insert(argv.begin(), {ip_binary, "netns", "exec", namespaces_.at(i)});
  return argv;
}

std::unique_ptr<socket_client> netns_lab::connect(size_t from, const std::string& ipv4,
                                                  uint16_t port, int timeout_ms) const {
  // A socket belongs to the namespace it was made in: a thread of our own enters the host's
  // namespace, makes it and leaves; the rest happens here.
  int fd = -1;
  std::string error;
  std::thread maker{[&] {
    auto ns = ::open(("/run/netns/" + namespaces_.at(from)).c_str(), O_RDONLY | O_CLOEXEC);
    if (ns < 0 || ::setns(ns, CLONE_NEWNET) != 0)
      error = std::strerror(errno);
    else if ((fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
      error = std::strerror(errno);
    if (ns >= 0)
      ::close(ns);
  }};
  maker.join();
  if (fd < 0)
    throw std::runtime_error("cannot enter " + namespaces_.at(from) + ": " + error);
  return std::make_unique<socket_client>(fd, ipv4, port, timeout_ms);
}

uint64_t netns_lab::bytes(size_t i) const {
  uint64_t total = 0;
  for (const char* way : {"rx_bytes", "tx_bytes"}) {
    std::ifstream in{"/sys/class/net/" + cables_.at(i) + "/statistics/" + way};
    uint64_t n = 0;
    in >> n;
    total += n;
  }
  return total;
}

void netns_lab::set_link(size_t i, bool up) {
  ip("link set " + cables_.at(i) + (up ? " up" : " down"));
}

void netns_lab::split(const std::vector<size_t>& side) {
  if (shell_status(std::string{ip_binary} + " link show " + other_bridge_) != 0) {
    ip("link add " + other_bridge_ + " type bridge");
    ip("link set " + other_bridge_ + " up");
  }
  for (auto i : side)
    ip("link set " + cables_.at(i) + " master " + other_bridge_);
}

void netns_lab::heal() {
  for (auto& cable : cables_)
    ip("link set " + cable + " master " + bridge_);
}

} // namespace ply::test
