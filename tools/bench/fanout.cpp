// SPDX-License-Identifier: MIT
// ply-fanout: load for fan-out servers (chat rooms, pub/sub), one thread, non-blocking sockets.
//   chat mode: N clients log in to a chat server ("What's your name?" -> NAME -> "Welcome"), then
//     each says L lines at once; it ends when every client heard the (N-1)*L lines of the others.
//     With several --port values (nodes of one chat cluster) the clients take turns among them.
//     Prints {"deliveries", "seconds", "deliveries_per_s"}.
//   subscribe mode: N Redis clients SUBSCRIBE to a channel, print "ready" once all are
//     subscribed, then count the messages pushed to them until none came for --idle seconds.
//     Prints {"messages", "seconds" (first to last message), "messages_per_s"}.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <ply/version.hpp>

namespace {

using clock_type = std::chrono::steady_clock;

int connect_to(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0)
    throw std::runtime_error("cannot connect to 127.0.0.1:" + std::to_string(port));
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return fd;
}

void send_all(int fd, const std::string& data) {
  size_t off = 0;
  while (off < data.size()) {
    auto n = ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n < 0 && errno == EAGAIN) {
      pollfd p{fd, POLLOUT, 0};
      ::poll(&p, 1, 1000);
      continue;
    }
    if (n <= 0)
      throw std::runtime_error("send failed");
    off += static_cast<size_t>(n);
  }
}

/// Blocks until `fd` sent a line containing `needle`; returns what came after that line.
std::string wait_for(int fd, const std::string& needle) {
  std::string buf;
  char tmp[4096];
  for (;;) {
    auto pos = buf.find(needle);
    if (pos != std::string::npos) {
      auto end = buf.find('\n', pos);
      if (end != std::string::npos)
        return buf.substr(end + 1);
    }
    auto n = ::recv(fd, tmp, sizeof(tmp), 0);
    if (n <= 0)
      throw std::runtime_error("connection closed while waiting for '" + needle + "'");
    buf.append(tmp, static_cast<size_t>(n));
  }
}

/// Reads from every socket until `done` says so or `deadline` passes; `on_data(i, bytes)`.
template <class OnData, class Done>
void pump(std::vector<int>& fds, OnData on_data, Done done, clock_type::time_point deadline) {
  std::vector<pollfd> pfds;
  for (int fd : fds) {
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    pfds.push_back(pollfd{fd, POLLIN, 0});
  }
  static char buf[1 << 16];
  while (!done() && clock_type::now() < deadline) {
    if (::poll(pfds.data(), pfds.size(), 100) <= 0)
      continue;
    for (size_t i = 0; i < pfds.size(); ++i) {
      if ((pfds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0)
        continue;
      for (;;) {
        auto n = ::recv(pfds[i].fd, buf, sizeof(buf), 0);
        if (n <= 0)
          break;
        on_data(i, std::string_view{buf, static_cast<size_t>(n)});
      }
    }
  }
}

int run_chat(const std::vector<uint16_t>& ports, size_t conns, size_t lines, double timeout) {
  std::vector<int> fds;
  std::vector<std::string> pending;
  for (size_t i = 0; i < conns; ++i) {
    fds.push_back(connect_to(ports[i % ports.size()]));
    wait_for(fds.back(), "What's your name?");
    send_all(fds.back(), "u" + std::to_string(i) + "\r\n");
    pending.push_back(wait_for(fds.back(), "Welcome"));
  }
  // What each client must hear: every line of every other client.
  const size_t expected = (conns - 1) * lines;
  std::vector<size_t> heard(conns, 0);
  std::vector<char> at_line_start(conns, 1);
  size_t complete = 0;
  auto count = [&](size_t i, std::string_view data) {
    for (char ch : data) {
      if (at_line_start[i] && ch == '<' && ++heard[i] == expected)
        ++complete;
      at_line_start[i] = ch == '\n';
    }
  };
  for (size_t i = 0; i < conns; ++i)
    count(i, pending[i]);
  std::string text;
  for (size_t k = 0; k < lines; ++k)
    text += "message number " + std::to_string(k) + " of this client\r\n";
  auto start = clock_type::now();
  for (int fd : fds)
    send_all(fd, text);
  pump(fds, count, [&] { return complete == conns; },
       start + std::chrono::duration_cast<clock_type::duration>(
                 std::chrono::duration<double>(timeout)));
  double secs = std::chrono::duration<double>(clock_type::now() - start).count();
  size_t total = 0;
  for (auto h : heard)
    total += h;
  for (int fd : fds)
    ::close(fd);
  if (complete != conns) {
    std::fprintf(stderr, "timeout: %zu of %zu deliveries\n", total, conns * expected);
    return 1;
  }
  std::printf("{\"deliveries\": %zu, \"seconds\": %.4f, \"deliveries_per_s\": %.0f}\n", total, secs,
              static_cast<double>(total) / secs);
  return 0;
}

int run_subscribe(uint16_t port, size_t conns, const std::string& channel, double duration,
                  double idle) {
  std::vector<int> fds;
  for (size_t i = 0; i < conns; ++i) {
    fds.push_back(connect_to(port));
    send_all(fds.back(), "*2\r\n$9\r\nSUBSCRIBE\r\n$" + std::to_string(channel.size()) + "\r\n" +
                           channel + "\r\n");
    wait_for(fds.back(), ":1");
  }
  std::printf("ready\n");
  std::fflush(stdout);
  // Every pushed message starts with "*3\r\n$7\r\nmessage"; count the "message" bulk headers.
  size_t messages = 0;
  std::vector<std::string> tails(conns);
  const std::string marker = "$7\r\nmessage\r\n";
  auto count = [&](size_t i, std::string_view data) {
    auto& t = tails[i];
    t.append(data);
    size_t pos = 0;
    while ((pos = t.find(marker, pos)) != std::string::npos) {
      ++messages;
      pos += marker.size();
    }
    t.erase(0, t.size() > marker.size() ? t.size() - marker.size() : 0);
  };
  // Counts until no message came for `idle` seconds (after the first), or `duration` passed.
  clock_type::time_point first{}, last{};
  size_t seen = 0;
  auto start = clock_type::now();
  auto idle_for = std::chrono::duration_cast<clock_type::duration>(std::chrono::duration<double>(idle));
  pump(fds,
       [&](size_t i, std::string_view data) {
         count(i, data);
         if (messages != seen) {
           seen = messages;
           last = clock_type::now();
           if (first == clock_type::time_point{})
             first = last;
         }
       },
       [&] { return first != clock_type::time_point{} && clock_type::now() - last > idle_for; },
       start + std::chrono::duration_cast<clock_type::duration>(
                 std::chrono::duration<double>(duration)));
  double secs = std::chrono::duration<double>(last - first).count();
  for (int fd : fds)
    ::close(fd);
  std::printf("{\"messages\": %zu, \"seconds\": %.4f, \"messages_per_s\": %.0f}\n", messages, secs,
              secs > 0 ? static_cast<double>(messages) / secs : 0.0);
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"Load for fan-out servers: chat rooms and Redis-style pub/sub.", "ply-fanout"};
  app.set_version_flag("--version", std::string{"ply-fanout (ply) "} + PLY_VERSION_STRING);
  std::string mode = "chat";
  std::vector<uint16_t> ports;
  size_t conns = 100;
  size_t lines = 100;
  double timeout = 60;
  std::string channel = "news";
  double duration = 60;
  double idle = 1;
  app.add_option("--mode", mode, "chat or subscribe")
    ->check(CLI::IsMember({"chat", "subscribe"}))
    ->capture_default_str();
  app.add_option("--port", ports, "Server port on 127.0.0.1 (chat mode: one or more)")
    ->required()
    ->expected(1, 64);
  app.add_option("--connections", conns, "Clients")->capture_default_str()->check(CLI::Range(2, 10000));
  app.add_option("--lines", lines, "Chat mode: lines each client says")->capture_default_str();
  app.add_option("--timeout", timeout, "Chat mode: give up after this many seconds")
    ->capture_default_str();
  app.add_option("--channel", channel, "Subscribe mode: the channel")->capture_default_str();
  app.add_option("--duration", duration, "Subscribe mode: count messages at most this long")
    ->capture_default_str();
  app.add_option("--idle", idle, "Subscribe mode: stop after this many seconds without a message")
    ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  try {
    return mode == "chat" ? run_chat(ports, conns, lines, timeout)
                          : run_subscribe(ports.front(), conns, channel, duration, idle);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ply-fanout: %s\n", e.what());
    return 2;
  }
}
