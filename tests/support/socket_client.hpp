// SPDX-License-Identifier: MIT
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>

namespace ply::test {

/// A blocking loopback client with receive timeouts, for tests that need exact control.
class socket_client {
public:
  /// `receive_buffer` (bytes), when given, shrinks the kernel's receive buffer: a client that
  /// does not read then backs up into the server quickly.
  explicit socket_client(uint16_t port, int timeout_ms = 3000, int receive_buffer = 0) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    set_receive_timeout(timeout_ms);
    if (receive_buffer > 0)
      ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof(receive_buffer));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connect_or_throw(reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  }

  /// Connects `fd`, a fresh TCP socket (one made in another network namespace, say), to
  /// `ipv4`:`port`; the client owns it from then on.
  socket_client(int fd, const std::string& ipv4, uint16_t port, int timeout_ms) : fd_(fd) {
    set_receive_timeout(timeout_ms);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    if (::inet_pton(AF_INET, ipv4.c_str(), &addr.sin_addr) != 1) {
      ::close(fd_);
      fd_ = -1;
      throw std::runtime_error("not an IPv4 address: " + ipv4);
    }
    connect_or_throw(reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  }

  /// Connects to the Unix socket at `path`.
  explicit socket_client(const std::string& path, int timeout_ms = 3000) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM, 0);
    set_receive_timeout(timeout_ms);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    path.copy(addr.sun_path, sizeof(addr.sun_path) - 1);
    connect_or_throw(reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  }

  ~socket_client() {
    if (fd_ >= 0)
      ::close(fd_);
  }

  void send(const std::string& data) {
    size_t off = 0;
    while (off < data.size()) {
      auto n = ::send(fd_, data.data() + off, data.size() - off, MSG_NOSIGNAL);
      if (n <= 0)
        throw std::runtime_error("send failed");
      off += static_cast<size_t>(n);
    }
  }

  /// Reads until `n` bytes arrived, the peer closed, or the timeout hit.
  std::string read_exactly(size_t n) {
    std::string out;
    char buf[65536];
    while (out.size() < n) {
      auto got = ::recv(fd_, buf, std::min(sizeof(buf), n - out.size()), 0);
      if (got <= 0)
        break;
      out.append(buf, static_cast<size_t>(got));
    }
    return out;
  }

  /// Reads until what arrived contains `needle` (or the peer closed, or the timeout hit).
  std::string read_until(const std::string& needle) {
    char buf[4096];
    while (pending_.find(needle) == std::string::npos) {
      auto got = ::recv(fd_, buf, sizeof(buf), 0);
      if (got <= 0)
        break;
      pending_.append(buf, static_cast<size_t>(got));
    }
    auto pos = pending_.find(needle);
    if (pos == std::string::npos)
      return std::exchange(pending_, {});
    auto out = pending_.substr(0, pos + needle.size());
    pending_.erase(0, pos + needle.size());
    return out;
  }

  /// Reads until the peer closes (or the timeout hits); returns what came and whether EOF was seen.
  std::pair<std::string, bool> read_to_eof() {
    std::string out;
    char buf[65536];
    for (;;) {
      auto got = ::recv(fd_, buf, sizeof(buf), 0);
      if (got == 0)
        return {out, true};
      if (got < 0)
        return {out, errno == ECONNRESET};
      out.append(buf, static_cast<size_t>(got));
    }
  }

  /// Closes our side for writing (a FIN); the peer's answers can still be read.
  void shutdown_write() {
    ::shutdown(fd_, SHUT_WR);
  }

  /// Closes with an RST instead of a FIN.
  void reset() {
    linger l{1, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
    ::close(fd_);
    fd_ = -1;
  }

private:
  /// A read gives up after `timeout_ms` without data.
  void set_receive_timeout(int timeout_ms) {
    timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  }

  /// Connects, or closes the socket and throws (a destructor would not run).
  void connect_or_throw(const sockaddr* addr, socklen_t len) {
    if (::connect(fd_, addr, len) != 0) {
      ::close(fd_);
      fd_ = -1;
      throw std::runtime_error("connect failed");
    }
  }

  int fd_ = -1;
  std::string pending_;
};

} // namespace ply::test
