// SPDX-License-Identifier: MIT
// The floor: an echo server with no library at all, as one would write it by hand on Linux. One
// thread, one epoll set, level-triggered; a read is written straight back, and what the socket
// does not take waits (with EPOLLOUT) before the connection reads again.
//   epoll_echo [PORT]    (prints "listening on 127.0.0.1:PORT" once bound; PORT 0 picks one)
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <unordered_map>

#include <ply/version.hpp>

namespace {

/// What one connection has read and not yet written back.
struct connection {
  std::string pending;
};

int fail(const char* what) {
  std::fprintf(stderr, "epoll_echo: %s: %s\n", what, std::strerror(errno));
  return 1;
}

} // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::string_view{argv[1]} == "--help") {
    std::puts("Usage: epoll_echo [PORT]\nAn echo server on bare epoll, read and write: the "
              "benchmarks' floor.");
    return 0;
  }
  if (argc > 1 && std::string_view{argv[1]} == "--version") {
    std::puts("epoll_echo (ply) " PLY_VERSION_STRING);
    return 0;
  }
  char* rest = nullptr;
  auto number = argc > 1 ? std::strtol(argv[1], &rest, 10) : 0;
  if ((argc > 1 && (*rest != '\0' || rest == argv[1])) || number < 0 || number > 65535) {
    std::fprintf(stderr, "epoll_echo: '%s' is not a port (try --help)\n", argv[1]);
    return 2;
  }
  auto port = static_cast<uint16_t>(number);
  int lfd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (lfd < 0)
    return fail("socket");
  int one = 1;
  ::setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(lfd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || ::listen(lfd, 1024) != 0)
    return fail("bind");
  socklen_t len = sizeof(addr);
  ::getsockname(lfd, reinterpret_cast<sockaddr*>(&addr), &len);
  std::fprintf(stderr, "listening on 127.0.0.1:%u\n", ntohs(addr.sin_port));

  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  ::sigprocmask(SIG_BLOCK, &stop, nullptr);
  int sfd = ::signalfd(-1, &stop, SFD_NONBLOCK | SFD_CLOEXEC);
  int ep = ::epoll_create1(EPOLL_CLOEXEC);
  if (sfd < 0 || ep < 0)
    return fail("signalfd/epoll");
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = lfd;
  ::epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
  ev.data.fd = sfd;
  ::epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev);

  std::unordered_map<int, connection> conns;
  char buf[4096];
  epoll_event events[256];
  auto close_conn = [&](int fd) {
    ::close(fd);
    conns.erase(fd);
  };
  // Writes `data` (after what waits); what the socket does not take waits for EPOLLOUT.
  auto send_back = [&](int fd, connection& c, const char* data, size_t n) {
    if (c.pending.empty()) {
      auto w = ::write(fd, data, n);
      if (w < 0 && errno != EAGAIN)
        return false;
      auto sent = static_cast<size_t>(w < 0 ? 0 : w);
      if (sent == n)
        return true;
      c.pending.assign(data + sent, n - sent);
      epoll_event out{};
      out.events = EPOLLOUT;
      out.data.fd = fd;
      ::epoll_ctl(ep, EPOLL_CTL_MOD, fd, &out);
      return true;
    }
    c.pending.append(data, n);
    return true;
  };
  for (;;) {
    int n = ::epoll_wait(ep, events, 256, -1);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return fail("epoll_wait");
    for (int i = 0; i < n; ++i) {
      int fd = events[i].data.fd;
      if (fd == sfd) {
        for (auto& [cfd, c] : conns)
          ::close(cfd);
        return 0;
      }
      if (fd == lfd) {
        for (;;) {
          int cfd = ::accept4(lfd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
          if (cfd < 0)
            break;
          ::setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
          conns.emplace(cfd, connection{});
          epoll_event in{};
          in.events = EPOLLIN;
          in.data.fd = cfd;
          ::epoll_ctl(ep, EPOLL_CTL_ADD, cfd, &in);
        }
        continue;
      }
      auto it = conns.find(fd);
      if (it == conns.end())
        continue;
      auto& c = it->second;
      if (events[i].events & EPOLLOUT) {
        auto w = ::write(fd, c.pending.data(), c.pending.size());
        if (w < 0 && errno != EAGAIN) {
          close_conn(fd);
          continue;
        }
        c.pending.erase(0, static_cast<size_t>(w < 0 ? 0 : w));
        if (c.pending.empty()) {
          epoll_event in{};
          in.events = EPOLLIN;
          in.data.fd = fd;
          ::epoll_ctl(ep, EPOLL_CTL_MOD, fd, &in);
        }
        continue;
      }
      auto r = ::read(fd, buf, sizeof(buf));
      if (r == 0 || (r < 0 && errno != EAGAIN) || (r > 0 && !send_back(fd, c, buf, static_cast<size_t>(r))))
        close_conn(fd);
    }
  }
}
