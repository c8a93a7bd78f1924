// SPDX-License-Identifier: MIT
// ply-trace top: a live view of a running ply process through its --control endpoint, refreshed
// every interval (like Erlang's etop).
#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

namespace {

/// A blocking line client for the control protocol.
class control_client {
public:
  bool open(const std::string& host, const std::string& port, std::string& error) {
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    if (::getaddrinfo(host.c_str(), port.c_str(), &hints, &res) != 0 || res == nullptr) {
      error = "cannot resolve " + host;
      return false;
    }
    fd_ = ::socket(res->ai_family, SOCK_STREAM, 0);
    auto ok = fd_ >= 0 && ::connect(fd_, res->ai_addr, res->ai_addrlen) == 0;
    ::freeaddrinfo(res);
    if (!ok)
      error = "cannot connect to " + host + ":" + port + " (is it a plyd --control endpoint?)";
    return ok;
  }
  ~control_client() {
    if (fd_ >= 0)
      ::close(fd_);
  }
  bool ask(const std::string& cmd, nlohmann::json& out) {
    auto line = cmd + "\n";
    if (::send(fd_, line.data(), line.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(line.size()))
      return false;
    char buf[65536];
    while (buf_.find('\n') == std::string::npos) {
      auto n = ::recv(fd_, buf, sizeof(buf), 0);
      if (n <= 0)
        return false;
      buf_.append(buf, static_cast<size_t>(n));
    }
    auto nl = buf_.find('\n');
    auto text = buf_.substr(0, nl);
    buf_.erase(0, nl + 1);
    try {
      out = nlohmann::json::parse(text);
    } catch (const std::exception&) {
      return false;
    }
    return !out.contains("error");
  }

private:
  int fd_ = -1;
  std::string buf_;
};

} // namespace

/// Runs top against `endpoint` (tcp:HOST:PORT or HOST:PORT); `iterations` 0 runs until the
/// process goes away. Returns the exit code.
int run_top(const std::string& endpoint, double interval, size_t iterations, bool clear,
            size_t rows) {
  auto spec = endpoint.rfind("tcp:", 0) == 0 ? endpoint.substr(4) : endpoint;
  auto colon = spec.rfind(':');
  if (colon == std::string::npos) {
    std::fprintf(stderr, "ply-trace: --connect takes tcp:HOST:PORT\n");
    return 2;
  }
  control_client c;
  std::string error;
  if (!c.open(spec.substr(0, colon), spec.substr(colon + 1), error)) {
    std::fprintf(stderr, "ply-trace: %s\n", error.c_str());
    return 2;
  }
  std::map<uint64_t, uint64_t> before;
  uint64_t total_before = 0;
  auto last = std::chrono::steady_clock::now();
  for (size_t i = 0; iterations == 0 || i < iterations; ++i) {
    nlohmann::json stats, actors;
    if (!c.ask("stats", stats) || !c.ask("actors", actors)) {
      std::fprintf(stderr, "ply-trace: the process stopped answering\n");
      return i == 0 ? 2 : 0;
    }
    auto now = std::chrono::steady_clock::now();
    double dt = std::max(1e-3, std::chrono::duration<double>(now - last).count());
    last = now;
    struct row {
      uint64_t id;
      std::string type;
      uint64_t handled, queued;
      double rate;
    };
    std::vector<row> list;
    for (auto& a : actors["actors"]) {
      auto id = a["id"].get<uint64_t>();
      auto handled = a["handled"].get<uint64_t>();
      auto prev = before.count(id) > 0 ? before[id] : handled;
      list.push_back({id, a["type"].get<std::string>(), handled, a["queued"].get<uint64_t>(),
                      i == 0 ? 0.0 : static_cast<double>(handled - prev) / dt});
      before[id] = handled;
    }
    auto total = actors["handled"].get<uint64_t>();
    double total_rate = i == 0 ? 0.0 : static_cast<double>(total - total_before) / dt;
    total_before = total;
    std::sort(list.begin(), list.end(), [](const row& a, const row& b) {
      return a.queued != b.queued ? a.queued > b.queued : a.rate > b.rate;
    });
    if (clear)
      std::printf("\033[H\033[2J");
    std::printf("ply-trace top: %s (pid %s), up %.0f s, %s connection(s), %zu actor(s), %.0f msgs/s\n\n",
                stats.value("application", std::string{"?"}).c_str(),
                stats.contains("pid") ? stats["pid"].dump().c_str() : "?",
                stats.value("uptime_s", 0.0), stats["connections"].dump().c_str(), list.size(),
                total_rate);
    std::printf("%-10s %-48s %10s %10s %12s\n", "ACTOR", "TYPE", "QUEUED", "MSGS/S", "HANDLED");
    for (size_t r = 0; r < list.size() && r < rows; ++r)
      std::printf("%-10llu %-48.48s %10llu %10.0f %12llu\n",
                  static_cast<unsigned long long>(list[r].id), list[r].type.c_str(),
                  static_cast<unsigned long long>(list[r].queued), list[r].rate,
                  static_cast<unsigned long long>(list[r].handled));
    std::printf("\n");
    std::fflush(stdout);
    if (iterations == 0 || i + 1 < iterations)
      std::this_thread::sleep_for(std::chrono::duration<double>(interval));
  }
  return 0;
}
