// SPDX-License-Identifier: MIT
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

namespace ply::test {

/// A TCP proxy on loopback for fault tests: forwards every connection it accepts to `target`,
/// until told to drop the link. A dropped link swallows what is in flight and what comes later,
/// without closing anything (a cable pulled, a frozen router), and leaves new connections
/// unanswered; `restore` closes the dead connections and forwards new ones again.
class tcp_proxy {
public:
  explicit tcp_proxy(uint16_t target) : target_(target) {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr = loopback(0);
    int one = 1;
    ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0
        || ::listen(listener_, 64) != 0)
      throw std::runtime_error("tcp_proxy: cannot listen");
    socklen_t len = sizeof(addr);
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { loop(); });
  }

  ~tcp_proxy() {
    done_ = true;
    thread_.join();
    ::close(listener_);
    for (auto& p : pairs_)
      close_pair(p);
  }

  tcp_proxy(const tcp_proxy&) = delete;
  tcp_proxy& operator=(const tcp_proxy&) = delete;

  uint16_t port() const {
    return port_;
  }

  /// From now on nothing gets through, in either direction.
  void drop() {
    dropped_ = true;
    drop_ = true;
  }

  /// Closes the connections that were cut, and forwards new ones again.
  void restore() {
    restore_ = true;
    dropped_ = false;
  }

  /// Connections forwarded so far.
  size_t forwarded() const {
    return forwarded_;
  }

private:
  struct pair {
    int a;  ///< accepted
    int b;  ///< to the target
    bool dead = false;
  };

  static sockaddr_in loopback(uint16_t port) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return addr;
  }

  void loop() {
    char buf[65536];
    while (!done_) {
      if (restore_.exchange(false))
        close_dead();
      if (drop_.exchange(false))
        for (auto& p : pairs_)
          p.dead = true;
      std::vector<pollfd> fds;
      // While dropped, new connections wait in the backlog, unanswered.
      fds.push_back({listener_, static_cast<short>(dropped_ ? 0 : POLLIN), 0});
      for (auto& p : pairs_) {
        fds.push_back({p.a, static_cast<short>(p.a >= 0 ? POLLIN : 0), 0});
        fds.push_back({p.b, static_cast<short>(p.b >= 0 ? POLLIN : 0), 0});
      }
      if (::poll(fds.data(), fds.size(), 50) <= 0)
        continue;
      std::vector<size_t> closed;
      for (size_t k = 0; k < pairs_.size(); ++k) {  // the pairs polled: accepting comes last
        auto& p = pairs_[k];
        for (int side = 0; side < 2; ++side) {
          auto& ev = fds[1 + 2 * k + static_cast<size_t>(side)];
          if (ev.fd < 0 || (ev.revents & (POLLIN | POLLHUP | POLLERR)) == 0)
            continue;
          int& from = side == 0 ? p.a : p.b;
          int to = side == 0 ? p.b : p.a;
          auto n = ::recv(from, buf, sizeof(buf), 0);
          if (n <= 0 && p.dead) {
            // A cut link tells the other side nothing: only this end goes.
            ::close(from);
            from = -1;
            continue;
          }
          if (n <= 0) {
            closed.push_back(k);
            break;
          }
          if (p.dead)
            continue;  // swallowed
          for (ssize_t off = 0; off < n;) {
            auto w = ::send(to, buf + off, static_cast<size_t>(n - off), MSG_NOSIGNAL);
            if (w <= 0)
              break;
            off += w;
          }
        }
      }
      for (auto k = closed.rbegin(); k != closed.rend(); ++k) {
        close_pair(pairs_[*k]);
        pairs_.erase(pairs_.begin() + static_cast<long>(*k));
      }
      // Last: a new pair has no entry in this round's `fds`.
      if (fds[0].revents & POLLIN)
        accept_one();
    }
  }

  static void close_pair(pair& p) {
    if (p.a >= 0)
      ::close(p.a);
    if (p.b >= 0)
      ::close(p.b);
  }

  void accept_one() {
    int a = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    if (a < 0)
      return;
    int b = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    auto addr = loopback(target_);
    if (::connect(b, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      ::close(a);
      ::close(b);
      return;
    }
    pairs_.push_back({a, b});
    ++forwarded_;
  }

  void close_dead() {
    for (auto i = pairs_.begin(); i != pairs_.end();) {
      if (i->dead) {
        close_pair(*i);
        i = pairs_.erase(i);
      } else {
        ++i;
      }
    }
  }

  uint16_t target_;
  uint16_t port_ = 0;
  int listener_ = -1;
  std::vector<pair> pairs_;  ///< touched by the proxy's thread only
  std::atomic<bool> dropped_{false};
  std::atomic<bool> drop_{false};
  std::atomic<bool> restore_{false};
  std::atomic<bool> done_{false};
  std::atomic<size_t> forwarded_{0};
  std::thread thread_;
};

} // namespace ply::test
